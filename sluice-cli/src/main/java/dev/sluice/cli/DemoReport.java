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
 * run's numbers, the time-sequence graph of the bulk connection rebuilt from the capture by the
 * same code as {@code sluice graph}, its congestion window as sampled during the run, and both
 * hosts' counters.
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
        table { border-collapse: collapse; } td { padding: 2px 14px 2px 0; }
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
    html.append("<table>\n");
    row(html, "connections", String.format(Locale.ROOT, "%,d", r.connections()));
    row(html, "receive workers per host", r.workers() + " (" + r.mode() + ")");
    row(html, "loss / reordering", String.format(Locale.ROOT, "%.1f%% / %.1f%%", config.loss() * 100,
        config.reorder() * 100));
    row(html, "bytes verified", String.format(Locale.ROOT, "%,d", r.bytes()));
    row(html, "bulk transfer", String.format(Locale.ROOT, "%,d bytes in %.2f s", r.bulkBytes(), r.bulkMillis() / 1e3));
    row(html, "end-of-stream missing / twice", r.eofMissing() + " / " + r.eofDuplicated());
    row(html, "hangs", Integer.toString(r.hangs()));
    row(html, "corrupted streams", Integer.toString(r.corrupted()));
    row(html, "FIN missing or before close", Integer.toString(r.finNotSent() + r.finBeforeClose()));
    row(html, "two owners at once", Long.toString(r.ownershipViolations()));
    row(html, "retransmitted segments", String.format(Locale.ROOT, "%,d", r.retransmits()));
    row(html, "FINs on data / alone", String.format(Locale.ROOT, "%,d / %,d", r.finsWithData(), r.finsAlone()));
    row(html, "throughput", String.format(Locale.ROOT, "%.1f MB/s", r.bytes() / 1e6 / seconds));
    row(html, "elapsed", String.format(Locale.ROOT, "%.2f s", seconds));
    row(html, "seed", Long.toString(r.seed()));
    row(html, "doctor", check.summary());
    html.append("</table>\n");
    if (!check.details().isEmpty()) {
      html.append("<pre>").append(TimeSequenceGraph.xml(String.join("\n", check.details()))).append("</pre>\n");
    }

    html.append("<h2>Bulk transfer: time-sequence graph</h2>\n");
    TrackedConnection bulk = check.diagnosis() == null ? null : bulkConnection(check.diagnosis());
    if (bulk == null) {
      html.append("<p>No capture of the bulk transfer (run without <code>--capture none</code> and with "
          + "<code>--bulk-mb</code> above 0).</p>\n");
    } else {
      html.append("<p>Sent data segments, the receiver's ACK and window, SACK blocks and retransmissions, as "
          + "<code>sluice graph ").append(TimeSequenceGraph.xml(capture.getFileName().toString())).append(" --conn ")
          .append(bulk.number()).append("</code> draws them.</p>\n");
      html.append(TimeSequenceGraph.render(bulk, TimeSequenceGraph.busierSide(bulk)));
    }
    html.append("<h2>Bulk transfer: congestion window of the sender</h2>\n");
    if (cwndSeconds.length == 0) {
      html.append("<p>No samples (no bulk transfer).</p>\n");
    } else {
      html.append("<p>Sampled every 5 ms during the run.</p>\n");
      html.append(LineChart.render("cwnd of the bulk sender", "cwnd (KB)", cwndSeconds, cwndKilobytes));
    }
    html.append("<h2>Counters</h2>\n<pre>").append(TimeSequenceGraph.xml(counters)).append("</pre>\n</body></html>\n");
    Files.writeString(file, html, StandardCharsets.UTF_8);
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

  private static void row(StringBuilder html, String label, String value) {
    html.append("<tr><td>").append(TimeSequenceGraph.xml(label)).append("</td><td class=\"n\">").append(TimeSequenceGraph.xml(value))
        .append("</td></tr>\n");
  }
}
