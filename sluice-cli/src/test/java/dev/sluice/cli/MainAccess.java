package dev.sluice.cli;

import picocli.CommandLine;

/** Lets tests in sub-packages build the command line as {@code Main} does. */
public final class MainAccess {
  private MainAccess() {}

  public static CommandLine commandLine() {
    return Main.commandLine();
  }
}
