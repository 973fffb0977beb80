package dev.sluice.cli;

import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.FileProblem;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every {@code sluice} command fails: a usage mistake is one line naming the option as typed
 * and a hint pointing at the command's help (exit {@link ExitCodes#USAGE}); anything else thrown out
 * of a command is an internal error, one line, with the stack trace only under {@code --debug} (exit
 * {@link ExitCodes#INTERNAL}). Installed on the whole command tree by {@link Main#commandLine()}.
 *
 * <p>Stateless: one instance serves every command; picocli calls it on the thread that runs
 * {@code execute}.
 */
final class CliErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {
  /** The global option that adds the stack trace to an internal error. */
  static final String DEBUG_OPTION = "--debug";

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    String message = String.valueOf(e.getMessage()).strip();
    if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
      String typed = unmatched.getUnmatched().get(0);
      if (!command.getSubcommands().isEmpty() && !typed.startsWith("-")) {
        message = "no such command: '" + typed + "'";
      }
      List<String> likely = unmatched.getSuggestions().stream().filter(s -> resembles(typed, s)).limit(3).toList();
      if (!likely.isEmpty()) {
        message += "; did you mean " + String.join(" or ", likely) + "?";
      }
    }
    String name = command.getCommandSpec().qualifiedName();
    err.println(name + ": " + oneLine(message));
    if (!(e instanceof FileProblem)) { // the command was used rightly: --help would not help
      err.println("see '" + name + " --help'");
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  /**
   * Whether {@code suggestion} is close enough to what was {@code typed} to be offered: at most a
   * third of its letters wrong (two for short words), counted as edits. picocli offers its nearest
   * names however far they are ({@code nosuch} would get {@code bench}).
   */
  static boolean resembles(String typed, String suggestion) {
    String a = typed.replaceFirst("=.*", "");
    return editDistance(a, suggestion) <= Math.max(2, a.length() / 3);
  }

  /** Levenshtein distance: insertions, deletions and substitutions that turn {@code a} into {@code b}. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
    report(command.getErr(), command.getCommandSpec().qualifiedName(), e, debugRequested(parsed));
    return ExitCodes.INTERNAL;
  }

  /** Prints the internal-error line for {@code failure} in {@code command}, and its trace if asked. */
  static void report(PrintWriter err, String command, Throwable failure, boolean debug) {
    String message = failure.getMessage() == null || failure.getMessage().isBlank()
        ? failure.getClass().getSimpleName() : failure.getMessage();
    err.println(command + ": internal error: " + oneLine(message)
        + (debug ? "" : " (run again with " + DEBUG_OPTION + " for the stack trace)"));
    if (debug) {
      failure.printStackTrace(err);
    }
    err.flush();
  }

  /** Whether {@code --debug} was given to the top-level command or any subcommand. */
  static boolean debugRequested(ParseResult parsed) {
    for (ParseResult r = parsed; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption(DEBUG_OPTION)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code --debug} is among raw arguments that were never parsed (an Error escaped). */
  static boolean debugRequested(String[] args) {
    return List.of(args).contains(DEBUG_OPTION);
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s*\\R\\s*", " ");
  }
}
