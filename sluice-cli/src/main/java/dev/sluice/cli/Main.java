package dev.sluice.cli;

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

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    // Descriptions are written in lines of up to 100 characters; a wider usage width keeps them
    // whole instead of wrapping each one into a ragged pair.
    return new CommandLine(new Main()).setUsageHelpWidth(110);
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
