package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.capture.CaptureReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    assertThat(status).as(text).isZero();
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
