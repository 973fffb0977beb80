package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice drill}: per-script verdicts, the closing count line, and the exit status. */
class DrillCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  private Path script(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private static final String OPEN = """
      0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
      +0    bind(3, ..., ...) = 0
      +0    listen(3, 1) = 0
      +0    < S 0:0(0) win 65535 <mss 1460>
      """;

  @Test
  void allPassing_exitsZero_andCounts() throws IOException {
    script("a.pkt", OPEN + "+0 > S. 0:0(0) ack 1 <...>\n");
    assertThat(run("drill", dir.toString())).isZero();
    assertThat(out.toString()).contains("pass " + dir.resolve("a.pkt")).endsWith("1 passed, 0 failed, 0 skipped\n");
  }

  @Test
  void oneFailing_exitsOne_andPrintsTheFirstMismatch() throws IOException {
    Path good = script("a.pkt", OPEN + "+0 > S. 0:0(0) ack 1 <...>\n");
    Path bad = script("b.pkt", OPEN + "+0 > S. 0:0(0) ack 2 <...>\n");
    assertThat(run("drill", good.toString(), bad.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("FAIL " + bad).contains("line 5 at 0.000000 s: ack 1, expected 2")
        .contains("actual: > S. 0:0(0) ack 1").endsWith("1 passed, 1 failed, 0 skipped\n");
  }

  @Test
  void verbose_tracesEveryLine() throws IOException {
    Path a = script("a.pkt", OPEN + "+0 > S. 0:0(0) ack 1 <...>\n");
    assertThat(run("drill", "--verbose", a.toString())).isZero();
    assertThat(out.toString()).contains("line 1").contains("returned 3").contains("injected").contains("matched > S.");
  }

  @Test
  void unreadableScript_exitsTwo() {
    assertThat(run("drill", dir.resolve("missing.pkt").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("sluice drill: cannot read");
  }
}
