package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.capture.CaptureReader;
import dev.sluice.cli.capture.CapturedPacket;
import dev.sluice.cli.json.CliJson;
import dev.sluice.stack.Steering;
import dev.sluice.torture.Torture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo and torture check their own capture with the doctor: a run is marked failed when the
 * doctor finds a problem, says so when there is no capture to check, and writes its capture in
 * timestamp order however many workers transmit.
 */
class DemoSelfCheckTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  private static Path fixture(String name) throws Exception {
    return MainAccess.capture(name);
  }

  /** A run whose own checks all passed, so that only the doctor can fail it. */
  private static Torture.Report passingRun() {
    return new Torture.Report(1, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1000, 2, "spray", 1, 0, 0, false);
  }

  private static Torture.Config config() {
    return new Torture.Config(1, 2, Steering.SPRAY, 0, 0, 0, 0, 0, 1, 100, 1, 1000);
  }

  @Test
  void doctorFindingAProblem_failsARunWhoseOwnChecksPassed() throws Exception {
    SelfCheck check = SelfCheck.of(fixture("fin-not-returned.pcap"));
    assertThat(check.passed()).isFalse();

    StringWriter text = new StringWriter();
    int status = DemoCommand.print(new PrintWriter(text, true), passingRun(), config(), check);

    assertThat(status).isEqualTo(1);
    assertThat(text.toString())
        .containsPattern("doctor +FAILED: problems on 1 of 1 connection \\(fin-not-returned 1\\)")
        .containsPattern("    #1 \\S+ -> \\S+: fin-not-returned \\(server\\): server ACKed the client's FIN")
        .contains("all of them: sluice doctor " + fixture("fin-not-returned.pcap"))
        .doesNotContain("PASS");
    assertThat(text.toString().strip().lines().toList().getLast())
        .isEqualTo("FAIL: the doctor found problems on 1 connection");
    assertThat(CliJson.write(check.json()))
        .isEqualTo("{\"connections\":1,\"sickConnections\":1,\"problems\":[{\"kind\":\"fin-not-returned\",\"count\":1}]}");

    Path html = dir.resolve("r.html");
    DemoReport.write(html, passingRun(), config(), check, new double[0], new double[0], "");
    assertThat(Files.readString(html)).contains("class=\"fail\">FAIL: 0 failures; the doctor found problems")
        .contains("fin-not-returned").doesNotContain("PASS: every check held");
  }

  @Test
  void aCleanCapture_passes_andTheRowCountsItsConnections() throws Exception {
    SelfCheck check = SelfCheck.of(fixture("clean.pcap"));
    StringWriter text = new StringWriter();

    assertThat(DemoCommand.print(new PrintWriter(text, true), passingRun(), config(), check)).isZero();
    assertThat(text.toString()).containsPattern("doctor +no problems in \\d+ connections?\n")
        .contains("; the doctor found no problem on the wire.");
  }

  @Test
  void anUnreadableCapture_failsTheCheck_inOneLine() {
    SelfCheck check = SelfCheck.of(dir.resolve("missing.pcapng"));
    assertThat(check.passed()).isFalse();
    assertThat(check.summary()).isEqualTo("FAILED: cannot read missing.pcapng: no such file");
    StringWriter text = new StringWriter();
    assertThat(check.verdict(new PrintWriter(text, true), 0, "PASS")).isEqualTo(1);
    assertThat(text.toString()).isEqualTo("FAIL: the doctor could not read the capture\n");
  }

  @Test
  void captureNone_skipsTheDoctor_andSaysSo() {
    int status = run("demo", "--connections", "40", "--bulk-mb", "0", "--workers", "2", "--capture", "none",
        "--report", "none", "--json");

    assertThat(status).as(out + "" + err).isZero();
    assertThat(out.toString()).containsPattern("doctor +skipped \\(--capture none\\)")
        .contains("(no capture: the doctor did not look at the wire).");
    assertThat(out.toString().strip().lines().toList().getLast()).endsWith(",\"doctor\":null}");
  }

  @Test
  void multiWorkerCapture_isInTimestampOrder_asTsharkReadsIt() throws Exception {
    Path capture = dir.resolve("order.pcapng");
    run("demo", "--connections", "400", "--bulk-mb", "1", "--workers", "4", "--capture", capture.toString(),
        "--report", "none");

    // The run's own checks held (the doctor's verdict is another test's business).
    assertThat(out.toString()).as(out + "" + err).containsPattern("end-of-stream delivered +802 of 802 ends");
    List<CapturedPacket> packets = CaptureReader.read(Files.readAllBytes(capture)).packets();
    assertThat(packets).hasSizeGreaterThan(2_000);
    assertThat(out.toString()).as("no record lost: the file holds every packet the writer counted")
        .contains(String.format(java.util.Locale.ROOT, "wrote %s (%,d packets,", capture, packets.size()));
    for (int i = 1; i < packets.size(); i++) {
      assertThat(packets.get(i).timeNanos()).as("record %d", i + 1)
          .isGreaterThanOrEqualTo(packets.get(i - 1).timeNanos());
    }

    List<String> command = List.of("tshark", "-n", "-r", capture.toString(), "-T", "fields", "-e", "frame.time_epoch");
    Path tsharkOut = dir.resolve("tshark.out");
    Path tsharkErr = dir.resolve("tshark.err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(tsharkOut.toFile())
        .redirectError(tsharkErr.toFile());
    builder.environment().put("LC_ALL", "C");
    Process tshark = builder.start(); // tshark is a test dependency (scripts/install-test-deps.sh)
    assertThat(tshark.waitFor(60, TimeUnit.SECONDS)).as("tshark finished").isTrue();
    assertThat(tshark.exitValue()).as(Files.readString(tsharkErr)).isZero();
    List<String> warnings = new ArrayList<>(Files.readAllLines(tsharkErr));
    warnings.removeIf(line -> line.startsWith("Running as user \"root\""));
    assertThat(warnings).as("tshark's warnings").isEmpty();
    List<java.math.BigDecimal> times = Files.readAllLines(tsharkOut).stream().map(java.math.BigDecimal::new).toList();
    assertThat(times).hasSize(packets.size());
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i)).as("frame %d", i + 1).isGreaterThanOrEqualTo(times.get(i - 1));
    }
  }

  @Test
  void tortureWithACapture_isCheckedByTheDoctor() {
    Path capture = dir.resolve("t.pcapng");
    int status = run("torture", "--connections", "200", "--workers", "2", "--seed", "5", "--msl-ms", "2000", "--capture",
        capture.toString(), "--json");

    // Before TcpEngine's window-update fix (issue 12, part 1), rst-after-fin failed this.
    assertThat(status).as(out + "" + err).isZero();
    assertThat(out.toString())
        .containsPattern("doctor +no problems in 200 connections \\(judged as sluice doctor --link-loss 0.02 judges\\)\n")
        .contains("wrote " + capture);
    assertThat(out.toString().strip().lines().toList().getLast())
        .contains("\"doctor\":{\"connections\":200,\"sickConnections\":0,\"problems\":[]}");
  }

  @Test
  void tortureWithAnUnwritableCapture_saysSoInOneLine() {
    Path capture = dir.resolve("no-such-dir").resolve("t.pcapng");
    assertThat(run("torture", "--connections", "10", "--capture", capture.toString())).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("sluice torture: cannot write " + capture + ": folder " + capture.getParent()
        + " does not exist\n");
    assertThat(out.toString()).isEmpty();
  }
}
