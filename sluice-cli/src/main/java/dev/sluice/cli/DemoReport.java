package dev.sluice.cli;

import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.TrackedConnection;
import dev.sluice.cli.graph.LineChart;
import dev.sluice.cli.graph.TimeSequenceGraph;
import dev.sluice.torture.Torture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The demo's HTML report: one self-contained file (inline CSS and SVG, nothing fetched) with the
 * run's numbers, the timer settings it ran with, the time-sequence graph of the bulk connection
 * rebuilt from the capture by the same code as {@code sluice graph}, its congestion window as
 * sampled during the run, and both hosts' counters. Every number shown comes with words saying
 * what it is and, for the settings, why it was chosen; numbers are thousands separated and graph
 * axes carry their units.
 *
 * <p><b>Threads.</b> Stateless; call from any thread.
 */
final class DemoReport {
  static final int BULK_PORT = 5001;

  private DemoReport() {}

  static void write(Path file, Torture.Report r, Torture.Config config, SelfCheck check, double[] cwndSeconds,
      double[] cwndKilobytes, String counters) throws IOException {
    Path capture = check.capture();
    StringBuilder html = new StringBuilder();
    html.append("""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sluice demo report</title>
        <style>
        body { font-family: sans-serif; max-width: 960px; margin: 2em auto; color: #222; }
        table { border-collapse: collapse; } td, th { padding: 2px 14px 2px 0; vertical-align: top; }
        th { text-align: left; border-bottom: 1px solid #999; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .pass { color: #2a7d2a; font-weight: bold; } .fail { color: #c62828; font-weight: bold; }
        pre { background: #f6f6f6; padding: 8px; font-size: 12px; overflow-x: auto; }
        </style></head><body>
        <h1>Sluice demo: the KB Q114541 scenario</h1>
        <p>In Windows NT 3.1, a FIN processed on one CPU while earlier data of the same connection was still
        being processed on another was acknowledged but never reported to the application, which then waited
        forever. This run races data and FINs of thousands of connections through parallel receive workers in
        spray mode, over a lossy, reordering link, and checks that every byte and every end-of-stream reaches
        the application in order, exactly once.</p>
        """);
    if (r.failures() == 0 && check.passed()) {
      html.append("<p class=\"pass\">PASS: every check held.</p>\n");
    } else {
      html.append("<p class=\"fail\">FAIL: ").append(r.failures()).append(" failures")
          .append(check.passed() ? "" : "; the doctor found problems on the wire").append(".</p>\n");
    }
    double seconds = Math.max(1e-3, r.elapsedMs() / 1e3);
    int ends = 2 * r.connections() + (r.bulkBytes() > 0 ? 2 : 0);
    html.append("<h2>What the run found</h2>\n<table>\n");
    html.append("<tr><th>quantity</th><th>value</th><th>what it means</th></tr>\n");
    row(html, "racing connections", number(r.connections()), "connections opened one after another, "
        + config.concurrency() + " at a time; each end sends 1 to " + number(config.maxBytes())
        + " random bytes, shuts down its output and reads to end-of-stream");
    row(html, "receive workers per host", r.workers() + " (" + r.mode() + ")", "threads that process received "
        + "packets on each host; in spray mode any worker may take any packet of a connection, so a FIN can be "
        + "processed while the data before it is still being processed on another worker: KB Q114541's race");
    row(html, "loss / reordering", String.format(Locale.ROOT, "%.1f%% / %.1f%%", config.loss() * 100,
        config.reorder() * 100), String.format(Locale.ROOT, "the chance that the simulated link drops a packet, "
        + "and that it holds one back %,d µs so that later packets overtake it; each direction. Every packet "
        + "takes %,d µs one way", Torture.REORDER_DELAY_NANOS / 1_000, Torture.LINK_DELAY_NANOS / 1_000));
    row(html, "bytes verified", number(r.bytes()), "payload bytes the applications received and compared, byte for "
        + "byte, with what the other end sent; both directions, the bulk transfer included");
    row(html, "end-of-stream delivered", number(ends - r.eofMissing() - r.eofDuplicated()) + " of " + number(ends),
        "ends (two per connection) whose application saw end-of-stream exactly once, after all the data");
    row(html, "end-of-stream missing / twice", r.eofMissing() + " / " + r.eofDuplicated(), "ends that never saw "
        + "end-of-stream (the 1993 bug) or saw it twice; both must be 0");
    row(html, "bulk transfer", r.bulkBytes() == 0 ? "none" : String.format(Locale.ROOT, "%s bytes in %.2f s",
        number(r.bulkBytes()), r.bulkMillis() / 1e3), "one more connection, with the stack's default settings, "
        + "sending this much in one direction beside the racing ones; the graphs below are of it");
    row(html, "hangs", number(r.hangs()), "connections that did not finish within "
        + number(config.timeoutMillis() / 1_000) + " s; must be 0");
    row(html, "corrupted streams", number(r.corrupted()), "streams whose bytes differed from what was sent; must be 0");
    row(html, "FIN missing or before close", number(r.finNotSent() + r.finBeforeClose()), "ends whose FIN never "
        + "went out, or went out before the application closed; must be 0");
    row(html, "two owners at once", number(r.ownershipViolations()), "times two workers processed one connection "
        + "at the same moment; the ownership hand-off makes it 0");
    row(html, "retransmitted segments", number(r.retransmits()), "segments both hosts sent again (after a timeout, "
        + "a fast retransmit or a probe); expected on a lossy link, and the way losses are repaired");
    row(html, "tail-loss probes / RACK losses", number(r.tlpProbes()) + " / " + number(r.rackLosses()),
        "probes that resend a connection's last segment early, and segments judged lost because later ones were "
        + "acknowledged (RFC 8985): the two fast ways this stack finds a loss");
    row(html, "FINs on data / alone", number(r.finsWithData()) + " / " + number(r.finsAlone()), "FINs that rode on "
        + "the last data segment, and FINs sent in a segment of their own; the race is hardest on the first kind");
    row(html, "throughput", String.format(Locale.ROOT, "%.1f MB/s", r.bytes() / 1e6 / seconds), "bytes verified "
        + "divided by the elapsed time (1 MB = 1,000,000 bytes); both stacks and the link share this machine's "
        + "cores, so this is not a benchmark (sluice bench is)");
    row(html, "elapsed", String.format(Locale.ROOT, "%.2f s", seconds), "wall-clock time of the run, from the first "
        + "connection to the last check");
    row(html, "seed", Long.toString(r.seed()), "seed of the sizes, contents and impairments: the same seed gives the "
        + "same workload and the same dice, though not the same thread timing");
    row(html, "doctor", check.summary(), "sluice doctor's reading of the capture: what went over the wire, checked "
        + "for six kinds of problem, with thresholds that allow for the link's random loss");
    html.append("</table>\n");
    if (!check.details().isEmpty()) {
      html.append("<pre>").append(TimeSequenceGraph.xml(String.join("\n", check.details()))).append("</pre>\n");
    }
    timers(html, Torture.Settings.racing(config), Torture.Settings.bulk());

    html.append("<h2>Bulk transfer: time-sequence graph</h2>\n");
    TrackedConnection bulk = check.diagnosis() == null ? null : bulkConnection(check.diagnosis());
    if (bulk == null) {
      html.append("<p>No capture of the bulk transfer (run without <code>--capture none</code> and with "
          + "<code>--bulk-mb</code> above 0).</p>\n");
    } else {
      html.append("<p>Rebuilt from the capture, as <code>sluice graph ")
          .append(TimeSequenceGraph.xml(capture.getFileName().toString())).append(" --conn ").append(bulk.number())
          .append("</code> draws it. Across: seconds since the connection's first packet. Up: bytes of the stream, "
          + "counted from the SYN (0). Each vertical bar is a data segment, from its first byte to its last (red "
          + "when it sends bytes already sent); the green step line is the receiver's cumulative ACK, the highest "
          + "byte received with none missing before it, and the dashed line above it is that ACK plus the "
          + "receiver's window, how far the sender may go (where the bars meet it, the sender is waiting for "
          + "room). Thick spans just right of an ACK are SACK blocks: data the receiver holds beyond a gap. SYN, "
          + "FIN and RST are labelled where they were sent. A steady slope is a steady rate; red bars followed by "
          + "a jump of the ACK line are a loss repaired.</p>\n");
      html.append(TimeSequenceGraph.render(bulk, TimeSequenceGraph.busierSide(bulk)));
    }
    html.append("<h2>Bulk transfer: congestion window of the sender</h2>\n");
    if (cwndSeconds.length == 0) {
      html.append("<p>No samples (no bulk transfer).</p>\n");
    } else {
      html.append("<p>The congestion window is how many bytes the sender lets be in flight, unacknowledged, at "
          + "once: it grows while data is acknowledged and shrinks when a loss is found. Read from the sender "
          + "every 5 ms during the run, in KB (1 KB = 1,024 bytes); across, seconds since the first "
          + "sample.</p>\n");
      html.append(LineChart.render("cwnd of the bulk sender", "congestion window (KB)", cwndSeconds, cwndKilobytes));
    }
    counters(html, CounterTable.parse(counters));
    html.append("</body></html>\n");
    Files.writeString(file, html, StandardCharsets.UTF_8);
  }

  /** The TCP timers and sizes the demo runs with, and why each differs from the defaults or not. */
  private static void timers(StringBuilder html, Torture.Settings racing, Torture.Settings bulk) {
    html.append("<h2>Timer settings, and why</h2>\n<p>The racing connections use short timers so that a run of "
        + "thousands of connections over a lossy link ends in seconds, but none shorter than what a real "
        + "peer would see on the wire; the bulk connection keeps the stack's defaults.</p>\n<table>\n");
    html.append("<tr><th>setting</th><th>racing connections</th><th>bulk connection</th><th>why</th></tr>\n");
    timer(html, "initial retransmission timeout", millis(racing.initialRtoNanos()), millis(bulk.initialRtoNanos()),
        "how long a SYN waits for its answer before it is sent again, and the timeout before the first round-trip "
        + "time is measured; RFC 6298 says 1 s, and the racing connections use 200 ms so that a lost SYN costs "
        + "a fifth of that");
    timer(html, "minimum retransmission timeout", millis(racing.minRtoNanos()), millis(bulk.minRtoNanos()),
        "the shortest the timer may be, however short the measured round trip (well under a millisecond here); "
        + "Linux's "
        + "200 ms, so that a worker starved for a moment on a busy machine is not taken for a lost segment and "
        + "its data is not sent twice for nothing (the doctor would report such retransmissions)");
    timer(html, "delayed ACK", millis(racing.delayedAckNanos()), millis(bulk.delayedAckNanos()),
        "how long a receiver may wait to acknowledge, hoping to combine the ACK with data or with the next "
        + "segment's ACK (RFC 1122 allows up to 500 ms; Linux waits 40 ms at least)");
    timer(html, "maximum segment lifetime (TIME-WAIT lasts twice this)", millis(racing.mslNanos()),
        millis(bulk.mslNanos()), "TIME-WAIT outlasts a peer's longest retransmission (an RTO of 3 s after a lost "
        + "SYN-ACK, RFC 6298 §5.7), so no late segment meets a closed end and draws a RST; yet thousands of "
        + "connections a run do not use up the ephemeral ports");
    timer(html, "retransmissions before giving up", number(racing.maxRetransmits()), number(bulk.maxRetransmits()),
        "a segment is rarely lost many times over, but thousands of connections make rare things happen; a "
        + "connection that gave up would be reported as a failure of the stack");
    timer(html, "send / receive buffer", number(racing.sendBufferBytes()) + " / "
        + number(racing.receiveBufferBytes()) + " bytes", number(bulk.sendBufferBytes()) + " / "
        + number(bulk.receiveBufferBytes()) + " bytes", "small buffers split the racing connections' data into more "
        + "segments, so more of them race with the FIN; the bulk transfer has room for a full window");
    html.append("</table>\n");
  }

  private static void timer(StringBuilder html, String setting, String racing, String bulk, String why) {
    html.append("<tr><td>").append(TimeSequenceGraph.xml(setting)).append("</td><td class=\"n\">")
        .append(TimeSequenceGraph.xml(racing)).append("</td><td class=\"n\">").append(TimeSequenceGraph.xml(bulk))
        .append("</td><td>").append(TimeSequenceGraph.xml(why)).append("</td></tr>\n");
  }

  /** Both hosts' counters, each with what it counts. */
  private static void counters(StringBuilder html, CounterTable table) {
    html.append("<h2>Counters</h2>\n");
    if (table.rows().isEmpty()) {
      html.append("<p>No counters.</p>\n");
      return;
    }
    html.append("<p>Each host's TCP counters at the end of the run, with the names Linux's <code>nstat</code> "
        + "uses where the kernel counts the same thing (names starting with Sluice are Sluice's own), and the "
        + "packets each host dropped, by reason. A counter that stayed 0 is not listed; a blank cell is 0.</p>\n");
    html.append("<table>\n<tr><th>counter</th><th>client</th><th>server</th><th>what it counts</th></tr>\n");
    for (CounterTable.Row r : table.rows()) {
      html.append("<tr><td><code>").append(TimeSequenceGraph.xml(r.name())).append("</code></td><td class=\"n\">")
          .append(r.client() == null ? "" : number(r.client())).append("</td><td class=\"n\">")
          .append(r.server() == null ? "" : number(r.server())).append("</td><td>")
          .append(TimeSequenceGraph.xml(r.meaning())).append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  private static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String millis(long nanos) {
    return nanos % 1_000_000_000L == 0 ? number(nanos / 1_000_000_000L) + " s"
        : number(nanos / 1_000_000) + " ms";
  }

  private static TrackedConnection bulkConnection(Diagnosis diagnosis) {
    for (int i = 1; i <= diagnosis.connections().size(); i++) {
      TrackedConnection c = diagnosis.connection(i);
      if (c.server().port() == BULK_PORT) {
        return c;
      }
    }
    return null;
  }

  private static void row(StringBuilder html, String label, String value, String meaning) {
    html.append("<tr><td>").append(TimeSequenceGraph.xml(label)).append("</td><td class=\"n\">")
        .append(TimeSequenceGraph.xml(value)).append("</td><td>").append(TimeSequenceGraph.xml(meaning))
        .append("</td></tr>\n");
  }
}
