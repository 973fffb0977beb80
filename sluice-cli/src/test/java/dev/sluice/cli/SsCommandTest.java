package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice ss PID} attaches to another JVM ({@link SsTarget}, started here) and lists its
 * stacks' connections as {@code ss -tni} does; a PID that is no JVM, a JVM without a stack, and
 * this very process each give one line and exit 2.
 */
class SsCommandTest {
  private final List<Process> started = new ArrayList<>();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stopChildren() throws Exception {
    for (Process p : started) {
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private Process startTarget(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
        "-cp", System.getProperty("java.class.path"), SsTarget.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    started.add(p);
    BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    // The target prints READY once its connection is up; its output is bounded (a few lines).
    for (int i = 0; i < 100 && (line = lines.readLine()) != null; i++) {
      if (line.equals("READY")) {
        return p;
      }
    }
    throw new AssertionError("the target process never became ready");
  }

  private int ss(String... args) {
    String[] full = new String[args.length + 1];
    full[0] = "ss";
    System.arraycopy(args, 0, full, 1, args.length);
    return MainAccess.run(out, err, full);
  }

  @Test
  void aPidRunningStacks_listsTheirConnectionsLikeSs() throws Exception {
    Process target = startTarget();
    String pid = Long.toString(target.pid());

    assertThat(ss(pid)).as(err.toString()).isZero();
    String table = out.toString();
    assertThat(table).contains("Stack ss-client in process " + pid + ": 1 connection",
        "Stack ss-server in process " + pid + ": 1 connection");
    assertThat(table).contains("State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port");
    assertThat(table.lines().filter(l -> l.startsWith("ESTAB")).toList()).hasSize(2);
    assertThat(table.lines().filter(l -> l.startsWith("ESTAB") && l.split("\\s+")[3].equals("198.18.0.2:7")).toList())
        .as("the server's row, with the 5 bytes it has not read in Recv-Q").singleElement()
        .satisfies(l -> assertThat(l.split("\\s+")[1]).isEqualTo("5"));
    assertThat(table).contains("\t rto:", "cwnd:", "mss:");
    assertThat(err.toString()).isEmpty();

    out.getBuffer().setLength(0);
    assertThat(ss("--json", pid)).isZero();
    assertThat(out.toString()).startsWith("{\"schema\":1,\"pid\":" + pid + ",\"stacks\":[")
        .contains("\"name\":\"ss-server\"", "\"state\":\"ESTAB\"", "\"local\":\"198.18.0.2:7\"", "\"recvQ\":5");
  }

  @Test
  void aJvmWithoutStacks_isOneLineAndExit2() throws Exception {
    Process target = startTarget("none");
    assertThat(ss(Long.toString(target.pid()))).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("sluice ss: process " + target.pid()
        + " runs no Sluice stack (it has no dev.sluice:type=NetStack,* MBean)" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aProcessThatIsNoJvm_isOneLineAndExit2() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      assertThat(ss(Long.toString(sleeper.pid()))).isEqualTo(2);
      assertThat(err.toString()).startsWith("sluice ss: process " + sleeper.pid() + " is not a Java process")
          .doesNotContain("\tat ").hasLineCount(1);
    } finally {
      sleeper.destroy();
    }
  }

  @Test
  void noSuchProcess_andThisProcess_areOneLineAndExit2() {
    assertThat(ss("2147483646")).isEqualTo(2);
    assertThat(err.toString()).startsWith("sluice ss: process 2147483646 is not a Java process").hasLineCount(1);
    err.getBuffer().setLength(0);
    assertThat(ss(Long.toString(ProcessHandle.current().pid()))).isEqualTo(2);
    assertThat(err.toString()).contains("a process cannot attach to itself").hasLineCount(1);
  }

  @Test
  void aPidThatIsNoNumber_isAUsageError() {
    assertThat(ss("abc")).isEqualTo(2);
    assertThat(err.toString()).contains("'abc'").doesNotContain("\tat ");
  }
}
