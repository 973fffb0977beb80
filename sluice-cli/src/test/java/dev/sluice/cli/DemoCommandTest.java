package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.capture.CaptureReader;
import dev.sluice.cli.capture.CapturedPacket;
import dev.sluice.cli.doctor.TcpPacket;
import dev.sluice.cli.doctor.TcpPacketParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice demo}, scaled down: the Q114541 scenario passes its checks, and the capture and
 * the HTML report it writes hold what they promise.
 */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void smallRun_passes_andWritesACaptureAndAReportWithBothGraphs() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(new StringWriter(), true));
    Path capture = dir.resolve("d.pcapng");
    Path report = dir.resolve("d.html");
    int status = cmd.execute("demo", "--connections", "300", "--bulk-mb", "2", "--workers", "2",
        "--capture", capture.toString(), "--report", report.toString(), "--json");

    String text = out.toString();
    // Before TcpEngine's window-update fix (issue 12, part 1), the doctor found rst-after-fin here.
    assertThat(status).as(() -> text + sickConnectionsTrace(text, capture)).isZero();
    assertThat(text).contains("Sluice demo: the KB Q114541 scenario, 300 connections and a 2 MB bulk transfer")
        .containsPattern("end-of-stream delivered +602 of 602 ends, exactly once")
        .containsPattern("doctor +no problems in 301 connections \\(judged as sluice doctor --link-loss 0.01 judges\\)\n")
        .contains("PASS: every byte arrived once and in order")
        .contains("; the doctor found no problem on the wire.");
    List<String> lines = text.lines().toList();
    assertThat(lines.getLast()).startsWith("{\"schema\":1,\"passed\":true,\"connections\":300,").contains("\"hangs\":0")
        .contains("\"bulkBytes\":2097152").contains("\"bulkFailed\":false")
        .endsWith(",\"doctor\":{\"connections\":301,\"sickConnections\":0,\"problems\":[]}}");

    assertThat(CaptureReader.read(Files.readAllBytes(capture)).packets()).hasSizeGreaterThan(1000);
    String html = Files.readString(report);
    assertThat(html).startsWith("<!doctype html>").contains("PASS: every check held")
        .contains("class=\"segment\"").contains("class=\"series\"").doesNotContain("<script", "src=\"http", "href=\"http");
    assertReportExplainsItsNumbers(html);
  }

  /**
   * On a failed run, the packets of each connection the doctor listed, as the capture holds them,
   * so that a failure seen once (in CI, say) can be read from the test's output alone; the capture
   * itself is kept under {@code target/} too, since the temporary directory is deleted.
   */
  private static String sickConnectionsTrace(String text, Path capture) {
    StringBuilder trace = new StringBuilder();
    try {
      Path kept = Path.of("target", "demo-failure-" + System.currentTimeMillis() + ".pcapng");
      Files.createDirectories(kept.getParent());
      Files.copy(capture, kept);
      trace.append("\ncapture kept as ").append(kept.toAbsolutePath());
      List<TcpPacket> packets = new ArrayList<>();
      TcpPacketParser parser = new TcpPacketParser();
      for (CapturedPacket p : CaptureReader.read(Files.readAllBytes(capture)).packets()) {
        TcpPacket tcp = parser.parse(p);
        if (tcp != null) {
          packets.add(tcp);
        }
      }
      long start = packets.isEmpty() ? 0 : packets.getFirst().timeNanos();
      Matcher sick = Pattern.compile("#\\d+ \\S+:(\\d+) -> \\S+:(\\d+):").matcher(text);
      while (sick.find()) {
        int clientPort = Integer.parseInt(sick.group(1));
        trace.append("\npackets of client port ").append(clientPort)
            .append(" (time s, sender, flags, seq, ack, length, window):");
        for (TcpPacket t : packets) {
          if (t.source().port() == clientPort || t.destination().port() == clientPort) {
            trace.append(String.format(Locale.ROOT, "%n  #%d %.6f %s %s seq=%d ack=%d len=%d win=%d", t.record(),
                (t.timeNanos() - start) / 1e9, t.source().port() == clientPort ? "client" : "server",
                flags(t), Integer.toUnsignedLong(t.sequence()), Integer.toUnsignedLong(t.acknowledgment()),
                t.payloadLength(), t.window()));
          }
        }
      }
    } catch (Exception e) {
      trace.append("\n(no trace: ").append(e).append(')');
    }
    return trace.toString();
  }

  private static String flags(TcpPacket t) {
    String[] names = {"F", "S", "R", "P", "A"};
    StringBuilder s = new StringBuilder();
    for (int bit = 0; bit < names.length; bit++) {
      if ((t.flags() & (1 << bit)) != 0) {
        s.append(names[bit]);
      }
    }
    return s.toString();
  }

  /**
   * Every table row of the report has words saying what its number is; no catalogue number like
   * {@code [21]} is left; the timers are stated; graph ticks are thousands separated.
   */
  private static void assertReportExplainsItsNumbers(String html) {
    assertThat(html).doesNotContainPattern("\\[\\d+\\]")
        .contains("<h2>Timer settings, and why</h2>", "minimum retransmission timeout", "delayed ACK",
            "maximum segment lifetime")
        .as("the settings that ran: the demo's MSL and minimum RTO")
        .contains("<td class=\"n\">" + DemoCommand.DEMO_MSL_MILLIS / 1_000 + " s</td>",
            "<td class=\"n\">" + DemoCommand.DEMO_MIN_RTO_MILLIS + " ms</td>")
        .contains("relative sequence number (bytes)", "congestion window (KB)");
    Matcher rows = Pattern.compile("<tr><td>(.*?)</tr>").matcher(html);
    int explained = 0;
    while (rows.find()) {
      List<String> cells = Pattern.compile("<td[^>]*>(.*?)</td>").matcher(rows.group()).results()
          .map(m -> m.group(1)).toList();
      assertThat(cells.size()).as(rows.group()).isGreaterThanOrEqualTo(3);
      assertThat(cells.getLast()).as("what the row means: " + rows.group()).matches(".*[a-z]{3,}.*");
      explained++;
    }
    assertThat(explained).as("rows: the run's, the timers' and the counters'").isGreaterThan(25);
    String svgText = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html).results()
        .map(m -> m.group()).reduce("", String::concat);
    assertThat(svgText).as("tick labels").doesNotContainPattern(">\\d{4,}</text>").containsPattern(">\\d{1,3}(,\\d{3})+</text>");
  }

  @Test
  void invalidFlags_areUsageErrors() {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    assertThat(cmd.execute("demo", "--bulk-mb", "-1", "--capture", "none", "--report", "none"))
        .isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--bulk-mb must be in [0, 4096]: -1");
  }
}
