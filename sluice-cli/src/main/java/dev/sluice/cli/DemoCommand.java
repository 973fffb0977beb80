package dev.sluice.cli;

import dev.sluice.link.PcapngWriter;
import dev.sluice.wire.DropReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code sluice demo}: the main job. Today it exercises the foundation (wire formats, the
 * impaired simulated network, capture); the TCP scenario of KB Q114541 replaces it once the
 * engine and the multi-core runtime exist.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Two virtual hosts on a seeded, impaired simulated link: host A sends numbered UDP datagrams",
      "and ICMP echoes, host B validates every packet and byte and answers the echoes.",
      "Prints what the link did and what the checksums caught, and writes a pcapng capture."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--datagrams", defaultValue = "20000", description = "UDP datagrams to send (default ${DEFAULT-VALUE}).")
  int datagrams;

  @Option(names = "--echo-every", defaultValue = "10", description = "Send an ICMP echo every N datagrams; 0 for none (default ${DEFAULT-VALUE}).")
  int echoEvery;

  @Option(names = "--loss", defaultValue = "0.02", description = "Loss probability per packet (default ${DEFAULT-VALUE}).")
  double loss;

  @Option(names = "--duplicate", defaultValue = "0.01", description = "Duplication probability (default ${DEFAULT-VALUE}).")
  double duplicate;

  @Option(names = "--corrupt", defaultValue = "0.01", description = "Probability of a flipped bit (default ${DEFAULT-VALUE}).")
  double corrupt;

  @Option(names = "--delay-us", defaultValue = "500", description = "One-way delay in microseconds (default ${DEFAULT-VALUE}).")
  long delayMicros;

  @Option(names = "--jitter-us", defaultValue = "300", description = "Extra random delay up to this, which reorders (default ${DEFAULT-VALUE}).")
  long jitterMicros;

  @Option(names = "--mbps", defaultValue = "1000", description = "Link rate in Mbit/s; 0 for unlimited (default ${DEFAULT-VALUE}).")
  long megabitsPerSecond;

  @Option(names = "--seed", defaultValue = "1", description = "Seed for every random choice; the same seed replays exactly (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--capture", defaultValue = "demo.pcapng", description = "Capture file, or 'none' (default ${DEFAULT-VALUE}).")
  String capture;

  @Override
  public Integer call() throws IOException {
    if (datagrams < 1 || echoEvery < 0 || delayMicros < 0 || jitterMicros < 0 || megabitsPerSecond < 0) {
      throw new ParameterException(spec.commandLine(),
          "--datagrams must be positive; --echo-every, --delay-us, --jitter-us and --mbps must not be negative");
    }
    DemoScenario.Settings settings;
    try {
      settings = new DemoScenario.Settings(datagrams, echoEvery, loss, duplicate, corrupt,
          delayMicros * 1000, jitterMicros * 1000, megabitsPerSecond * 1_000_000, seed);
      new dev.sluice.link.Impairments(loss, duplicate, corrupt, 0, 0, 0); // validates the probabilities
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    DemoScenario scenario = new DemoScenario(settings);
    PcapngWriter writer = null;
    if (!capture.equals("none")) {
      writer = PcapngWriter.create(Path.of(capture), System.currentTimeMillis() * 1_000_000L);
      scenario.capture(writer);
    }
    boolean terminal = System.console() != null;
    long started = System.nanoTime();
    DemoScenario.Report report = scenario.run(sent -> {
      if (terminal) {
        out.print("\r" + progressBar(sent, datagrams));
        out.flush();
      }
    });
    if (terminal) {
      out.println();
    }
    if (writer != null) {
      writer.close();
    }
    print(out, report, (System.nanoTime() - started) / 1e6, writer == null ? null : capture, writer == null ? 0 : writer.packets());
    return report.undetectedCorruption() == 0 ? 0 : 1;
  }

  static String progressBar(int done, int total) {
    int width = 40;
    int filled = (int) ((long) done * width / total);
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total + " datagrams";
  }

  private static void print(PrintWriter out, DemoScenario.Report r, double wallMs, String capture, long captured) {
    out.println("Sluice demo: two virtual hosts, one impaired link (seed " + r.seed() + ")");
    out.println();
    row(out, "datagrams sent", r.datagramsSent());
    row(out, "datagrams received, byte-exact", r.datagramsReceived());
    row(out, "duplicates seen (and discarded)", r.duplicates());
    row(out, "arrived out of order", r.reordered());
    row(out, "lost on the link", r.lostOnLink());
    row(out, "corrupted on the link", r.corruptedOnLink());
    row(out, "corrupted packets caught by checks", r.corruptionCaught());
    row(out, "corruption that got through", r.undetectedCorruption());
    row(out, "ICMP echoes answered", r.echoesAnswered() + " of " + r.echoesSent());
    row(out, "echo RTT min/avg/max", String.format("%.3f / %.3f / %.3f ms", r.rttMinMs(), r.rttAvgMs(), r.rttMaxMs()));
    row(out, "virtual time", String.format("%.3f s", r.virtualNanos() / 1e9));
    row(out, "wall time", String.format("%.0f ms", wallMs));
    printDrops(out, "drops at host B", r.dropsAtB());
    printDrops(out, "drops at host A", r.dropsAtA());
    if (capture != null) {
      row(out, "capture", capture + " (" + captured + " packets; open with wireshark or tshark -r)");
    }
    out.println();
    out.println(r.undetectedCorruption() == 0
        ? "Every corrupted packet was caught and every delivered byte verified."
        : "FAILED: corrupted data reached the application.");
  }

  private static void printDrops(PrintWriter out, String title, Map<DropReason, Long> drops) {
    if (drops.isEmpty()) {
      row(out, title, "none");
      return;
    }
    drops.forEach((reason, count) -> row(out, title, count + " " + reason + " (" + reason.description() + ")"));
  }

  private static void row(PrintWriter out, String label, Object value) {
    out.printf("  %-36s %s%n", label, value);
  }
}
