package dev.sluice.cli;

import dev.sluice.stack.Steering;
import dev.sluice.torture.Torture;
import dev.sluice.cli.usage.OptionRanges;
import dev.sluice.cli.usage.OutputPaths;
import dev.sluice.link.PcapngWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice torture}: the KB Q114541 scenario on real threads. Exit status 0 only when every
 * connection passed every check.
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    description = {
      "Races every connection's data against its FIN through parallel receive workers (KB Q114541).",
      "Two virtual hosts, many connections: every end sends random-sized data then a FIN back to back,",
      "reads to end-of-stream and closes. Checks: all bytes intact, end-of-stream exactly once, our FIN",
      "only after the close, both ends CLOSED or TIME-WAIT, never two owners of one connection.",
      "With --capture FILE, the packets' headers are written to FILE and sluice doctor's analysis",
      "runs on it at the end: any problem it finds on the wire fails the run.",
      "Exit status: 0 if all passed, 1 if any check failed, 2 for bad usage or a capture that cannot be written."
    })
final class TortureCommand implements Callable<Integer> {
  /**
   * Receive workers per host: each is a thread with a receive queue of its own on the simulated
   * link; a hundred thousand of them exhaust the heap before the first packet.
   */
  static final int MAX_WORKERS = 256;
  /** The most bytes one end may send: every end holds its data three times (sent, expected, framed). */
  static final int MAX_BYTES = 1 << 20;
  private static final String MAX_BYTES_TEXT = "1,048,576";

  @Spec CommandSpec spec;

  @Option(names = "--connections", defaultValue = "20000", description = "Connections, 1 to 1,000,000 (default ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--workers", defaultValue = "4", description = "Receive workers per host, 1 to " + MAX_WORKERS + " (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--mode", defaultValue = "spray",
      description = "steer: a flow stays on one worker; spray: every worker takes every queue; inline: the thread "
          + "that delivers a packet processes it, no worker does; adaptive: the delivering thread while the worker "
          + "is parked, the worker while it runs (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--loss", defaultValue = "0.02", description = "Loss probability per packet, 0 to 1 (default ${DEFAULT-VALUE}).")
  double loss;

  @Option(names = "--reorder", defaultValue = "0.02", description = "Reordering probability, 0 to 1 (default ${DEFAULT-VALUE}).")
  double reorder;

  @Option(names = "--duplicate", defaultValue = "0", description = "Duplication probability, 0 to 1 (default ${DEFAULT-VALUE}).")
  double duplicate;

  @Option(names = "--corrupt", defaultValue = "0", description = "Probability of a flipped bit, 0 to 1 (default ${DEFAULT-VALUE}).")
  double corrupt;

  @Option(names = "--jitter-us", defaultValue = "20",
      description = "Random processing stall inside the workers, up to this many microseconds, 0 to 1,000,000 "
          + "(default ${DEFAULT-VALUE}).")
  long jitterMicros;

  @Option(names = "--seed", defaultValue = "1", description = "Seed for sizes, contents and impairments (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--max-bytes", defaultValue = "3000", description = "Each end sends 1 to this many bytes; at most " + MAX_BYTES_TEXT + " (default ${DEFAULT-VALUE}).")
  int maxBytes;

  @Option(names = "--concurrency", defaultValue = "256", description = "Connections in flight at once, 1 to 10,000 (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--timeout-ms", defaultValue = "60000",
      description = "A connection still open after this long counts as hung, 1 to 3,600,000 (default ${DEFAULT-VALUE}).")
  long timeoutMillis;

  @Option(names = "--msl-ms", defaultValue = "" + Torture.Config.DEFAULT_MSL_MILLIS,
      description = "Maximum segment lifetime; TIME-WAIT lasts twice as long. Longer keeps a late "
          + "retransmission from meeting a closed end (which --capture's doctor reports); shorter keeps "
          + "a fast run from holding every ephemeral port in TIME-WAIT; 1 to 120,000 (default ${DEFAULT-VALUE}).")
  long mslMillis;

  @Option(names = "--capture", paramLabel = "FILE", defaultValue = "none",
      description = "Write the headers of every packet to this pcapng file and have the doctor check it, "
          + "or 'none' (default ${DEFAULT-VALUE}).")
  String capture;

  @Option(names = "--json",
      description = "End with the report as one JSON object on the last line: \"schema\", then \"passed\" (docs/json.md).")
  boolean json;

  @Option(names = "--stats", description = "Also print both hosts' TCP counters and drops (nstat-style).")
  boolean stats;

  @Override
  public Integer call() throws InterruptedException, IOException {
    OptionRanges.check(spec, "--connections", connections, 1, 1_000_000);
    OptionRanges.check(spec, "--workers", workers, 1, MAX_WORKERS);
    OptionRanges.probability(spec, "--loss", loss);
    OptionRanges.probability(spec, "--reorder", reorder);
    OptionRanges.probability(spec, "--duplicate", duplicate);
    OptionRanges.probability(spec, "--corrupt", corrupt);
    OptionRanges.check(spec, "--jitter-us", jitterMicros, 0, 1_000_000);
    OptionRanges.check(spec, "--max-bytes", maxBytes, 1, MAX_BYTES);
    OptionRanges.check(spec, "--concurrency", concurrency, 1, 10_000);
    OptionRanges.check(spec, "--timeout-ms", timeoutMillis, 1, 3_600_000);
    OptionRanges.check(spec, "--msl-ms", mslMillis, 1, 120_000);
    requireHeap(spec, concurrency, maxBytes, "--concurrency " + concurrency);
    Steering steering;
    try {
      steering = Steering.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(),
          "--mode must be steer, spray, inline or adaptive, not '" + mode + "'");
    }
    if (!capture.equals("none")) {
      OutputPaths.requireWritable(spec, Path.of(capture));
    }
    Torture.Config config = new Torture.Config(connections, workers, steering, loss, reorder, duplicate, corrupt,
        jitterMicros, seed, maxBytes, concurrency, timeoutMillis, 0, mslMillis, Torture.Config.DEFAULT_MIN_RTO_MILLIS);
    PrintWriter out = spec.commandLine().getOut();
    // Stamped as written, as the demo's: see PcapngWriter on why device timestamps would be out of order.
    PcapngWriter writer = null;
    if (!capture.equals("none")) {
      writer = CaptureFiles.create(spec.commandLine().getErr(), "torture", Path.of(capture), DemoCommand.CAPTURE_SNAPLEN);
      if (writer == null) {
        return CaptureFiles.EXIT_ERROR;
      }
    }
    PcapngWriter tap = writer;
    Torture torture = new Torture(config, link -> {
      if (tap != null) {
        tap.attach(link.a()); // the client's side sees both directions
      }
    });
    boolean terminal = System.console() != null;
    Thread progressLine = null;
    if (terminal) {
      progressLine = Thread.ofPlatform().daemon(true).start(() -> showProgress(out, torture.progress()));
    }
    Torture.Report r = torture.run();
    if (progressLine != null) {
      progressLine.interrupt();
      progressLine.join(1_000);
      out.println();
    }
    SelfCheck check = SelfCheck.none();
    if (writer != null) {
      writer.close();
      check = SelfCheck.forRun(Path.of(capture), loss);
    }
    int status = print(out, r, check);
    if (writer != null) {
      out.printf(Locale.ROOT, "wrote %s (%,d packets, first %d bytes of each)%n", capture, writer.packets(),
          DemoCommand.CAPTURE_SNAPLEN);
    }
    if (stats) {
      out.println();
      out.print(torture.counters());
    }
    if (json) {
      out.println(check.json(r, status == 0));
    }
    out.flush();
    return status;
  }

  /**
   * A usage error unless the connections in flight fit in half the heap: each holds about six
   * copies of its data (both ends' sent, expected and framed bytes) at {@code maxBytes} each.
   */
  static void requireHeap(CommandSpec spec, int inFlight, int maxBytes, String inFlightOption) {
    long needed = 6L * inFlight * maxBytes;
    long heap = Runtime.getRuntime().maxMemory();
    if (needed > heap / 2) {
      throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT,
          "--max-bytes %d with %s needs about %,d MB of heap, more than half of this JVM's %,d MB: lower one of them",
          maxBytes, inFlightOption, needed >> 20, heap >> 20));
    }
  }

  private void showProgress(PrintWriter out, Torture.Progress p) {
    long start = System.nanoTime();
    while (!Thread.currentThread().isInterrupted()) {
      double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
      int width = 30;
      int filled = (int) ((long) p.done() * width / connections);
      out.print(String.format("\r[%s%s] %d/%d connections  %.1f MB verified  %.1f MB/s  %d failed",
          "#".repeat(filled), ".".repeat(width - filled), p.done(), connections, p.bytes() / 1e6,
          p.bytes() / 1e6 / seconds, p.failed()));
      out.flush();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Prints the summary table and the verdict; returns the exit status. */
  private static int print(PrintWriter out, Torture.Report r, SelfCheck check) {
    out.println("Sluice torture: " + r.connections() + " connections, " + r.workers() + " workers per host, "
        + r.mode() + " mode, seed " + r.seed());
    out.println();
    row(out, "bytes verified", r.bytes());
    row(out, "hangs", r.hangs());
    row(out, "corrupted streams", r.corrupted());
    row(out, "end-of-stream missing", r.eofMissing());
    row(out, "end-of-stream duplicated", r.eofDuplicated());
    row(out, "our FIN never sent", r.finNotSent());
    row(out, "our FIN before the close", r.finBeforeClose());
    row(out, "ends not CLOSED or TIME-WAIT", r.notClosed());
    row(out, "work stranded in a backlog", r.stranded());
    row(out, "two owners at once", r.ownershipViolations());
    row(out, "retransmitted segments", r.retransmits());
    row(out, "tail loss probes / RACK losses", r.tlpProbes() + " / " + r.rackLosses());
    row(out, "FINs riding on data / alone", r.finsWithData() + " / " + r.finsAlone());
    row(out, "elapsed", String.format("%.2f s", r.elapsedMs() / 1e3));
    row(out, "doctor", check.summary());
    for (String line : check.details()) {
      out.println("    " + line);
    }
    out.println();
    return check.verdict(out, r.failures(), "PASS: every connection delivered all its bytes and exactly one end-of-stream");
  }

  private static void row(PrintWriter out, String label, Object value) {
    out.println(String.format("  %-34s %s", label, value));
  }
}
