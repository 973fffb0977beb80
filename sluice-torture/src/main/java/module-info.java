/**
 * The Q114541 torture scenario: two hosts on a simulated link, real worker threads, many racing
 * connections, every end checked. Test tooling, kept out of {@code dev.sluice.core}; the
 * {@code sluice demo} and {@code sluice torture} commands run it. It reaches the runtime
 * ({@code dev.sluice.stack}, {@code dev.sluice.tcp}) only through what the core exports to it.
 */
module dev.sluice.torture {
  requires transitive dev.sluice.core;

  exports dev.sluice.torture to dev.sluice.cli;
}
