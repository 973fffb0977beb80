package dev.sluice.cli;

import picocli.CommandLine;

/** Lets tests in sub-packages build the command line as {@code Main} does. */
public final class MainAccess {
  private MainAccess() {}

  public static CommandLine commandLine() {
    return Main.commandLine();
  }

  /** Runs {@code sluice args...} in this JVM, its output and errors into {@code out} and {@code err}. */
  public static int run(java.io.StringWriter out, java.io.StringWriter err, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new java.io.PrintWriter(out, true));
    cli.setErr(new java.io.PrintWriter(err, true));
    return cli.execute(args);
  }

  /** A capture among the test resources ({@code src/test/resources/captures}). */
  public static java.nio.file.Path capture(String name) throws java.net.URISyntaxException {
    return java.nio.file.Path.of(MainAccess.class.getResource("/captures/" + name).toURI());
  }
}
