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
    if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      if (!suggestions.isEmpty()) {
        message += "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
            + "?";
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
