package dev.sluice.cli;

import dev.sluice.cli.usage.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sluice} command. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A user-space TCP/IP stack for the JVM that receives on every core and never loses a FIN.",
    exitCodeListHeading = "%nExit codes (every command):%n",
    exitCodeList = {
      "0:Success: every check passed.",
      "1:A check or a diagnosis found a problem (torture, demo, drill, doctor, bench).",
      "2:Bad usage, an input that cannot be read, or an output or device that cannot be opened.",
      "3:An internal error (a bug): one line; add --debug for the stack trace."
    },
    subcommands = {
      DemoCommand.class,
      TortureCommand.class,
      ServeCommand.class,
      dev.sluice.cli.gateway.GatewayCommand.class,
      DrillCommand.class,
      dev.sluice.cli.bench.BenchCommand.class,
      DoctorCommand.class,
      GraphCommand.class,
      SsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Declared here for every command (inherited); read by {@link CliErrors} from the parse result,
   * where a subcommand's copy shows too, not from this field.
   */
  @CommandLine.Option(names = CliErrors.DEBUG_OPTION, scope = CommandLine.ScopeType.INHERIT,
      description = "On an internal error, print the stack trace as well.")
  boolean debug;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    CommandLine cli = commandLine();
    int status;
    try {
      status = cli.execute(args);
    } catch (Error e) { // picocli hands on Errors (out of memory, say): still one line, not a trace
      CliErrors.report(cli.getErr(), "sluice", e, CliErrors.debugRequested(args));
      status = ExitCodes.INTERNAL;
    }
    System.exit(status);
  }

  static CommandLine commandLine() {
    CliErrors errors = new CliErrors();
    // Descriptions are written in lines of up to 100 characters; a wider usage width keeps them
    // whole instead of wrapping each one into a ragged pair.
    return new CommandLine(new Main()).setUsageHelpWidth(110)
        .setParameterExceptionHandler(errors)
        .setExecutionExceptionHandler(errors);
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties properties = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("/sluice-version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {
        "sluice " + properties.getProperty("version", "unknown"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
