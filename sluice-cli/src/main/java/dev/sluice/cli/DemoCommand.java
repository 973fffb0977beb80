package dev.sluice.cli;

import dev.sluice.api.TcpConnection;
import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.IoErrors;
import dev.sluice.cli.usage.OptionRanges;
import dev.sluice.cli.usage.OutputPaths;
import dev.sluice.api.TcpInfo;
import dev.sluice.link.PcapngWriter;
import dev.sluice.stack.Steering;
import dev.sluice.torture.Torture;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice demo}: the main job. The KB Q114541 scenario on every core, with a bulk transfer
 * beside it, checked end to end, captured, and written up as a self-contained HTML report.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the KB Q114541 scenario on every core and checks it end to end.",
      "Two virtual hosts on a lossy, reordering simulated link; thousands of",
      "connections whose data and FIN race through parallel receive workers",
      "in spray mode, and a bulk transfer beside them. Every byte and every",
      "end-of-stream is checked. Writes demo.pcapng (the headers of every",
      "packet) and demo.html (a report with the bulk connection's",
      "time-sequence and congestion-window graphs). No root, no setup.",
      "At the end, sluice doctor's analysis runs on the capture: any problem",
      "it finds on the wire (a RST after a FIN, say) fails the run.",
      "Exit status: 0 if every check passed, 1 if any failed, 2 for bad usage or an output that cannot be written."
    })
final class DemoCommand implements Callable<Integer> {
  /** Bytes kept of each captured packet: every IPv4 and TCP header, with all options. */
  static final int CAPTURE_SNAPLEN = 128;
  /**
   * The demo's MSL: TIME-WAIT (4 s) outlasts even a peer whose data RTO is 3 s because its SYN-ACK
   * timed out (RFC 6298 §5.7) and whose final ACK was lost, so the doctor finds no late
   * retransmission meeting a closed end. 5,000 connections never run short of ports with it.
   */
  static final long DEMO_MSL_MILLIS = 2_000;
  /**
   * The demo's minimum RTO: Linux's 200 ms, so that a worker starved for a moment on a busy
   * machine is not taken for a lost segment (its spurious retransmissions would be the doctor's
   * storms, which the demo's own check reports).
   */
  static final long DEMO_MIN_RTO_MILLIS = 200;
  /** Racing connections in flight at once. */
  private static final int CONCURRENCY = 256;

  @Spec CommandSpec spec;

  @Option(names = "--connections", defaultValue = "5000", description = "Racing connections, 1 to 1,000,000 (default ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--bulk-mb", defaultValue = "16", description = "Size of the bulk transfer in MB, 0 (none) to 4,096 (default ${DEFAULT-VALUE}).")
  int bulkMegabytes;

  @Option(names = "--workers", description = "Receive workers per host, 1 to " + TortureCommand.MAX_WORKERS + " (default: one per core, at least 2).")
  Integer workers;

  @Option(names = "--loss", defaultValue = "0.01", description = "Loss probability per packet, 0 to 1 (default ${DEFAULT-VALUE}).")
  double loss;

  @Option(names = "--reorder", defaultValue = "0.01", description = "Reordering probability, 0 to 1 (default ${DEFAULT-VALUE}).")
  double reorder;

  @Option(names = "--jitter-us", defaultValue = "20",
      description = "Random processing stall inside the workers, up to this many microseconds, 0 to 1,000,000 "
          + "(default ${DEFAULT-VALUE}).")
  long jitterMicros;

  @Option(names = "--max-bytes", defaultValue = "3000", description = "Each end of a racing connection sends 1 to this many bytes; at most 1,048,576 "
          + "(default ${DEFAULT-VALUE}).")
  int maxBytes;

  @Option(names = "--seed", defaultValue = "1", description = "Seed for sizes, contents and impairments (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--capture", defaultValue = "demo.pcapng", description = "Capture file, or 'none' (default ${DEFAULT-VALUE}).")
  String capture;

  @Option(names = "--report", defaultValue = "demo.html", description = "HTML report, or 'none' (default ${DEFAULT-VALUE}).")
  String report;

  @Option(names = "--json",
      description = "End with the run's numbers as one JSON object on the last line: \"schema\", then \"passed\" (docs/json.md).")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException {
    int workerCount = workers != null ? workers
        : Math.min(TortureCommand.MAX_WORKERS, Math.max(2, Runtime.getRuntime().availableProcessors()));
    OptionRanges.check(spec, "--connections", connections, 1, 1_000_000);
    OptionRanges.check(spec, "--bulk-mb", bulkMegabytes, 0, 4_096);
    OptionRanges.check(spec, "--workers", workerCount, 1, TortureCommand.MAX_WORKERS);
    OptionRanges.probability(spec, "--loss", loss);
    OptionRanges.probability(spec, "--reorder", reorder);
    OptionRanges.check(spec, "--jitter-us", jitterMicros, 0, 1_000_000);
    OptionRanges.check(spec, "--max-bytes", maxBytes, 1, TortureCommand.MAX_BYTES);
    TortureCommand.requireHeap(spec, CONCURRENCY, maxBytes, CONCURRENCY + " connections in flight");
    if (!capture.equals("none")) {
      OutputPaths.requireWritable(spec, Path.of(capture));
    }
    if (!report.equals("none")) {
      OutputPaths.requireWritable(spec, Path.of(report));
    }
    Torture.Config config = new Torture.Config(connections, workerCount, Steering.SPRAY, loss, reorder, 0, 0,
        jitterMicros, seed, maxBytes, CONCURRENCY, 60_000, (long) bulkMegabytes << 20, DEMO_MSL_MILLIS,
        DEMO_MIN_RTO_MILLIS);
    PrintWriter out = spec.commandLine().getOut();
    // Stamped as written, under the writer's lock: the workers' own clock reads reach the tap out of
    // order, and the doctor replays a capture in file order.
    PcapngWriter writer = null;
    if (!capture.equals("none")) {
      writer = CaptureFiles.create(spec.commandLine().getErr(), "demo", Path.of(capture), CAPTURE_SNAPLEN);
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
    CwndSampler sampler = new CwndSampler(torture);
    Thread sampling = Thread.ofPlatform().daemon(true).name("sluice-demo-cwnd").start(sampler);
    boolean terminal = System.console() != null;
    Thread progressLine = terminal
        ? Thread.ofPlatform().daemon(true).start(() -> showProgress(out, torture.progress(), config)) : null;
    Torture.Report r = torture.run();
    sampling.interrupt();
    sampling.join(1_000);
    if (progressLine != null) {
      progressLine.interrupt();
      progressLine.join(1_000);
      out.println();
    }
    long packets = 0;
    if (writer != null) {
      writer.close();
      packets = writer.packets();
    }
    SelfCheck check = writer == null ? SelfCheck.none() : SelfCheck.forRun(Path.of(capture), loss);
    int status = print(out, r, config, check);
    if (writer != null) {
      out.printf(Locale.ROOT, "wrote %s (%,d packets, first %d bytes of each)%n", capture, packets, CAPTURE_SNAPLEN);
    }
    if (!report.equals("none")) {
      try {
        DemoReport.write(Path.of(report), r, config, check, sampler.seconds(), sampler.cwnds(), torture.counters());
        out.println("wrote " + report);
      } catch (IOException e) { // checked writable before the run; a full disk, say, is still one line
        CaptureFiles.fail(spec.commandLine().getErr(), "demo", "cannot write " + report + ": " + IoErrors.reason(e));
        status = ExitCodes.USAGE;
      }
    }
    if (json) {
      out.println(check.json(r, status == 0));
    }
    out.flush();
    return status;
  }

  private static void showProgress(PrintWriter out, Torture.Progress p, Torture.Config config) {
    long start = System.nanoTime();
    while (!Thread.currentThread().isInterrupted()) {
      double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
      int width = 30;
      double fraction = ((double) p.done() / config.connections()
          + (config.bulkBytes() == 0 ? 1 : (double) p.bulkBytes() / config.bulkBytes())) / 2;
      int filled = (int) Math.min(width, fraction * width);
      out.print(String.format(Locale.ROOT, "\r[%s%s] %,d/%,d connections  %.1f MB  %.1f MB/s  %,d retransmits ",
          "#".repeat(filled), ".".repeat(width - filled), p.done(), config.connections(), p.bytes() / 1e6,
          p.bytes() / 1e6 / seconds, p.retransmits()));
      out.flush();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Prints the summary table and the verdict; returns the exit status. */
  static int print(PrintWriter out, Torture.Report r, Torture.Config config, SelfCheck check) {
    out.printf(Locale.ROOT, "Sluice demo: the KB Q114541 scenario, %,d connections and a %,d MB bulk transfer,%n",
        r.connections(), r.bulkBytes() >> 20);
    out.printf(Locale.ROOT, "%d receive workers per host in spray mode, loss %.1f%%, reordering %.1f%%, seed %d%n%n",
        r.workers(), config.loss() * 100, config.reorder() * 100, r.seed());
    double seconds = Math.max(1e-3, r.elapsedMs() / 1e3);
    int ends = 2 * r.connections() + (config.bulkBytes() > 0 ? 2 : 0);
    int badEnds = r.eofMissing() + r.eofDuplicated();
    row(out, "connections", String.format(Locale.ROOT, "%,d", r.connections()));
    row(out, "bytes verified", String.format(Locale.ROOT, "%,d (%.1f MB)", r.bytes(), r.bytes() / 1e6));
    row(out, "end-of-stream delivered", String.format(Locale.ROOT, "%,d of %,d ends, exactly once%s", ends - badEnds,
        ends, badEnds == 0 ? "" : String.format(" (%d missing, %d twice)", r.eofMissing(), r.eofDuplicated())));
    row(out, "hangs", r.hangs());
    row(out, "throughput", String.format(Locale.ROOT, "%.1f MB/s overall%s", r.bytes() / 1e6 / seconds,
        r.bulkMillis() > 0 ? String.format(Locale.ROOT, ", bulk %.1f MB/s", r.bulkBytes() / 1e6 / (r.bulkMillis() / 1e3)) : ""));
    row(out, "retransmitted segments", String.format(Locale.ROOT, "%,d", r.retransmits()));
    row(out, "FINs riding on data / alone", String.format(Locale.ROOT, "%,d / %,d", r.finsWithData(), r.finsAlone()));
    row(out, "corrupted streams", r.corrupted());
    row(out, "FIN missing or early", r.finNotSent() + r.finBeforeClose());
    row(out, "ends not CLOSED or TIME-WAIT", r.notClosed());
    row(out, "two owners at once", r.ownershipViolations());
    row(out, "elapsed", String.format(Locale.ROOT, "%.2f s", seconds));
    row(out, "doctor", check.summary());
    for (String line : check.details()) {
      out.println("    " + line);
    }
    out.println();
    return check.verdict(out, r.failures(),
        "PASS: every byte arrived once and in order, every end saw its end-of-stream exactly once");
  }


  private static void row(PrintWriter out, String label, Object value) {
    out.println(String.format(Locale.ROOT, "  %-30s %s", label, value));
  }

  /** Samples the bulk sender's congestion window every 5 ms, for the report's cwnd graph. */
  static final class CwndSampler implements Runnable {
    private static final int MAX_SAMPLES = 20_000;
    private final Torture torture;
    private final double[] seconds = new double[MAX_SAMPLES];
    private final double[] cwnds = new double[MAX_SAMPLES];
    private volatile int count;

    CwndSampler(Torture torture) {
      this.torture = torture;
    }

    @Override
    public void run() {
      long start = 0;
      while (!Thread.currentThread().isInterrupted() && count < MAX_SAMPLES) {
        TcpConnection sender = torture.bulkSender();
        if (sender != null) {
          long now = System.nanoTime();
          if (start == 0) {
            start = now;
          }
          TcpInfo info = sender.info();
          seconds[count] = (now - start) / 1e9;
          cwnds[count] = info.cwnd() / 1024.0;
          count++;
          if ((sender.readiness() & TcpConnection.ENDED) != 0) {
            return;
          }
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    double[] seconds() {
      return java.util.Arrays.copyOf(seconds, count);
    }

    double[] cwnds() {
      return java.util.Arrays.copyOf(cwnds, count);
    }
  }
}
