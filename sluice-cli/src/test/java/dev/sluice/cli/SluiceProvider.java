package dev.sluice.cli;

/**
 * The JUnit tag of the CLI's tests that need Sluice's JVM-wide {@code SelectorProvider}: those
 * that run the JDK's own {@code HttpServer} on a stack, as {@code sluice serve} does. The CLI's pom
 * runs them in a JVM of their own started with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}, and the others,
 * whose kernel baselines need the JDK's provider, without it.
 */
final class SluiceProvider {
  static final String TAG = "sluice-provider";

  private SluiceProvider() {}
}
