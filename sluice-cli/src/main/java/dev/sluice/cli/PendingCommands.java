package dev.sluice.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Subcommands whose machinery is not built yet. Each says so plainly and exits with status 2, so
 * no script mistakes it for success; the issue that delivers it is named.
 */
final class PendingCommands {
  static final int EXIT_NOT_AVAILABLE = 2;

  private PendingCommands() {}

  abstract static class Pending implements Callable<Integer> {
    @Spec CommandSpec spec;
    private final String name;
    private final String arrivesWith;

    Pending(String name, String arrivesWith) {
      this.name = name;
      this.arrivesWith = arrivesWith;
    }

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("sluice " + name + ": not available yet; it arrives with " + arrivesWith + ".");
      return EXIT_NOT_AVAILABLE;
    }
  }

  @Command(name = "ss", mixinStandardHelpOptions = true,
      description = "Print the connection table, like ss -ti.")
  static final class Ss extends Pending {
    Ss() {
      super("ss", "a control channel to a running stack; until then use 'sluice serve --stats N' "
          + "or 'sluice torture --stats'");
    }
  }
}
