package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every CLI mistake is one line naming the option as typed, plus one hint line; a file that cannot
 * be written is one line before any work; an internal error is one line (exit 3), with the trace
 * only under {@code --debug}.
 */
class CliErrorsTest {
  @TempDir Path temp;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  /** Exit 2, and err is exactly {@code line} then the hint for {@code command}; nothing ran. */
  private void assertUsageError(String command, String line, String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run(args)).as(err.toString()).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .containsExactly("sluice " + command + ": " + line, "see 'sluice " + command + " --help'");
    assertNoTrace();
    assertThat(out.toString()).as("no work started").isEmpty();
  }

  /** Exit 2, and err is exactly {@code line}: a file problem needs no pointer to --help. */
  private void assertFileError(String line, String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run(args)).as(err.toString()).isEqualTo(2);
    assertThat(err.toString().lines().toList()).containsExactly(line);
    assertNoTrace();
    assertThat(out.toString()).as("no work started").isEmpty();
  }

  private void assertNoTrace() {
    assertThat(err.toString()).doesNotContain("Exception", "\tat ");
  }

  @Test
  void tooManyWorkers_isARangeError_notAnOutOfMemoryError() {
    assertUsageError("torture", "--workers must be in [1, 256]: 100000", "torture", "--workers", "100000");
  }

  @Test
  void aHugeMessageSize_isARangeError_notAnOutOfMemoryErrorAndAHang() {
    assertUsageError("torture", "--max-bytes must be in [1, 1048576]: 2000000000",
        "torture", "--max-bytes", "2000000000");
    assertUsageError("demo", "--max-bytes must be in [1, 1048576]: 2000000000",
        "demo", "--max-bytes", "2000000000", "--capture", "none", "--report", "none");
  }

  @Test
  void sizesThatFitAloneButNotTogether_nameBothOptions() {
    assertThat(run("torture", "--max-bytes", "1048576", "--concurrency", "10000")).isEqualTo(2);
    assertThat(err.toString().lines().toList()).hasSize(2).first().asString()
        .startsWith("sluice torture: --max-bytes 1048576 with --concurrency 10000 needs about 60,000 MB of heap");
    assertNoTrace();
  }

  @Test
  void everyTortureOption_hasItsRange() {
    assertUsageError("torture", "--connections must be in [1, 1000000]: 0", "torture", "--connections", "0");
    assertUsageError("torture", "--loss must be a probability in [0, 1]: 1.5", "torture", "--loss", "1.5");
    assertUsageError("torture", "--reorder must be a probability in [0, 1]: NaN", "torture", "--reorder", "NaN");
    assertUsageError("torture", "--jitter-us must be in [0, 1000000]: -1", "torture", "--jitter-us", "-1");
    assertUsageError("torture", "--concurrency must be in [1, 10000]: 0", "torture", "--concurrency", "0");
    assertUsageError("torture", "--timeout-ms must be in [1, 3600000]: 0", "torture", "--timeout-ms", "0");
    assertUsageError("torture", "--msl-ms must be in [1, 120000]: 0", "torture", "--msl-ms", "0");
  }

  @Test
  void otherCommandsNumbers_haveRangesToo() {
    assertUsageError("doctor", "--fin-timeout must be in [0, 86400]: -1.0", "doctor", "x.pcap", "--fin-timeout", "-1");
    assertUsageError("doctor", "--link-loss must be in [0, 0.5]: 0.9", "doctor", "x.pcap", "--link-loss", "0.9");
    assertUsageError("graph", "--conn must be in [1, 2147483647]: 0", "graph", "x.pcap", "--conn", "0");
    assertUsageError("bench", "--reps must be in [1, 1000]: 0", "bench", "--reps", "0");
    assertUsageError("gateway", "--max-flows must be in [1, 1000000]: 0", "gateway", "--netns", "x",
        "--max-flows", "0");
    assertUsageError("gateway", "--flow-buffer-max must be in [4k, 1g]: 1024", "gateway", "--netns", "x",
        "--flow-buffer-max", "1k");
    assertUsageError("gateway", "--busy-poll must be in [0, 1000] microseconds: 5000", "gateway", "--netns", "x",
        "--busy-poll", "5000");
    assertUsageError("gateway", "--busy-poll must be in [0, 1000] microseconds: -1", "gateway", "--netns", "x",
        "--busy-poll", "-1");
  }

  @Test
  void helpSaysTheRanges() {
    assertThat(run("torture", "--help")).isZero();
    String help = out.toString().replaceAll("\\s+", " ");
    assertThat(help).contains("Receive workers per host, 1 to 256").contains("at most 1,048,576")
        .contains("Connections in flight at once, 1 to 10,000");
  }

  @Test
  void aMistypedOption_isNamedAsTyped_withTheLikelyOne() {
    assertUsageError("torture", "Unknown options: '--max-byte', '5'; did you mean --max-bytes?",
        "torture", "--max-byte", "5");
    assertUsageError("torture", "Invalid value for option '--workers': 'many' is not an int",
        "torture", "--workers", "many");
  }

  @Test
  void anUnknownCommand_isNamed_andOnlyALikelyOneSuggested() {
    assertTopLevelUsageError("no such command: 'nosuch'", "nosuch");
    assertTopLevelUsageError("no such command: 'tortue'; did you mean torture?", "tortue");
    assertThat(CliErrors.resembles("--max-byte", "--max-bytes")).isTrue();
    assertThat(CliErrors.resembles("--max-byte=5", "--max-bytes")).isTrue();
    assertThat(CliErrors.resembles("nosuch", "bench")).isFalse();
  }

  private void assertTopLevelUsageError(String line, String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run(args)).as(err.toString()).isEqualTo(2);
    assertThat(err.toString().lines().toList()).containsExactly("sluice: " + line, "see 'sluice --help'");
    assertNoTrace();
  }

  @Test
  void demoOutputsInAMissingFolder_failBeforeTheRun() {
    Path report = temp.resolve("missing").resolve("demo.html");
    assertFileError("sluice demo: cannot write " + report + ": folder " + report.getParent() + " does not exist",
        "demo", "--report", report.toString(), "--capture", "none");
    Path capture = temp.resolve("missing").resolve("demo.pcapng");
    assertFileError("sluice demo: cannot write " + capture + ": folder " + capture.getParent() + " does not exist",
        "demo", "--capture", capture.toString(), "--report", "none");
    assertFileError("sluice demo: cannot write " + temp + ": it is a folder",
        "demo", "--capture", temp.toString(), "--report", "none");
  }

  @Test
  void graphIntoAMissingFolder_saysWhy() throws Exception {
    Path capture = Path.of(CliErrorsTest.class.getResource("/captures/clean.pcap").toURI());
    Path svg = temp.resolve("nowhere").resolve("c.svg");
    assertFileError("sluice graph: cannot write " + svg + ": folder " + svg.getParent() + " does not exist",
        "graph", capture.toString(), "--conn", "1", "-o", svg.toString());
  }

  @Test
  void serveMistakes_areOneLineEach_beforeAnyDeviceIsMade() {
    String[] base = {"serve", "--tun", "sluice-none"};
    assertUsageError("serve", "--address foo: needs a prefix length, like 198.18.0.2/24 or 2001:2::2/64",
        concat(base, "--address", "foo"));
    assertUsageError("serve", "--address 198.18.7.2: needs a prefix length, like 198.18.0.2/24 or 2001:2::2/64",
        concat(base, "--address", "198.18.7.2"));
    assertUsageError("serve", "--address 198.18.7.x/24: not an IP address, like 198.18.0.2/24 or 2001:2::2/64",
        concat(base, "--address", "198.18.7.x/24"));
    assertUsageError("serve", "--address 198.18.7.2/33: the prefix length must be a number in [0, 32]",
        concat(base, "--address", "198.18.7.2/33"));
    assertUsageError("serve", "--peer-address 2001:2::1/129: the prefix length must be a number in [0, 128]",
        concat(base, "--address", "2001:2::2/64", "--peer-address", "2001:2::1/129"));
    String ns = "sluice-no-such-ns-" + System.nanoTime();
    assertUsageError("serve", "--netns: no such network namespace: /var/run/netns/" + ns
        + " (create it first, e.g. ip netns add " + ns + ")", concat(base, "--address", "198.18.7.2/24", "--netns", ns));
    assertUsageError("serve", "--mtu must be in [68, 65535]: 20", concat(base, "--address", "198.18.7.2/24",
        "--mtu", "20"));
    Path capture = temp.resolve("gone").resolve("serve.pcapng");
    assertFileError("sluice serve: cannot write " + capture + ": folder " + capture.getParent() + " does not exist",
        concat(base, "--address", "198.18.7.2/24", "--capture", capture.toString()));
  }

  @Test
  void drillOnAFolderWithoutScripts_orOnAScriptItCannotParse_exits2() throws Exception {
    Path empty = Files.createDirectories(temp.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "not a script");
    assertFileError("sluice drill: " + empty + " holds no scripts (*.pkt)", "drill", empty.toString());

    Path bad = Files.writeString(temp.resolve("bad.pkt"), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\nabc close(3) = 0\n");
    assertFileError("sluice drill: " + bad + ": line 2: cannot read the time 'abc'", "drill", bad.toString());

    Path missing = temp.resolve("missing.pkt");
    assertFileError("sluice drill: cannot read " + missing + ": no such file", "drill", missing.toString());

    assertUsageError("drill", "--profile must be freebsd, linux or sluice: bsd", "drill", "--profile", "bsd",
        bad.toString());
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = new String[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  /** A command that fails as only a bug would: registered by this test, never shipped. */
  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("the widget count went negative");
    }
  }

  private int runWithBoom(String... args) {
    CommandLine cli = Main.commandLine();
    cli.addSubcommand(new Boom());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void anInternalError_isOneLine_exit3() {
    assertThat(runWithBoom("boom")).isEqualTo(3);
    assertThat(err.toString().lines().toList()).containsExactly(
        "sluice boom: internal error: the widget count went negative (run again with --debug for the stack trace)");
    assertNoTrace();
  }

  @Test
  void debug_addsTheStackTrace_whereverItIsGiven() {
    for (List<String> args : List.of(List.of("--debug", "boom"), List.of("boom", "--debug"))) {
      err.getBuffer().setLength(0);
      assertThat(runWithBoom(args.toArray(String[]::new))).isEqualTo(3);
      List<String> lines = err.toString().lines().toList();
      assertThat(lines.getFirst()).isEqualTo("sluice boom: internal error: the widget count went negative");
      assertThat(lines.get(1)).isEqualTo("java.lang.IllegalStateException: the widget count went negative");
      assertThat(err.toString()).contains("\tat " + Boom.class.getName() + ".call(");
    }
  }

  @Test
  void anErrorWithoutAMessage_isNamedByItsKind() {
    StringWriter buffer = new StringWriter();
    CliErrors.report(new PrintWriter(buffer), "sluice x", new NullPointerException(), false);
    assertThat(buffer.toString()).isEqualTo(
        "sluice x: internal error: NullPointerException (run again with --debug for the stack trace)"
            + System.lineSeparator());
  }
}
