package dev.sluice.cli.usage;

/**
 * The exit statuses every {@code sluice} command keeps to (README, "Exit codes"; the top-level
 * {@code --help} lists them too). Constants only.
 */
public final class ExitCodes {
  /** The command did its work and every check passed. */
  public static final int OK = 0;
  /** A check or a diagnosis found a problem. */
  public static final int PROBLEM_FOUND = 1;
  /**
   * Bad usage, an input that cannot be read, or an output or device that cannot be opened: the
   * command could not start its work as asked.
   */
  public static final int USAGE = 2;
  /** A failure Sluice did not expect: a bug to report. */
  public static final int INTERNAL = 3;

  private ExitCodes() {}
}
