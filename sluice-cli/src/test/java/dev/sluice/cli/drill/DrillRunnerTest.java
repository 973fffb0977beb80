package dev.sluice.cli.drill;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The runner itself: it fails a script at the first mismatch and says where and why, it refuses
 * what it cannot run, and its verdicts do not depend on anything but the script.
 */
class DrillRunnerTest {
  private static final String LISTEN = """
      0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
      +0    bind(3, ..., ...) = 0
      +0    listen(3, 1) = 0
      """;

  private static DrillResult run(String body) {
    return DrillRunner.run("test.pkt", LISTEN + body, false, null);
  }

  @Test
  void wrongFlags_failAtTheLine_withExpectedAndActual() {
    DrillResult r = run("""
        +0    < S 0:0(0) win 65535 <mss 1460>
        +0    > S 0:0(0) <...>
        """);
    assertThat(r.passed()).isFalse();
    assertThat(r.failure()).contains("line 5").contains("flags S., expected S").contains("actual: > S. 0:0(0) ack 1")
        .contains("script: +0    > S 0:0(0) <...>");
  }

  @Test
  void packetSentLate_isATimingFailure() {
    DrillResult r = run("""
        +0    < S 0:0(0) win 65535 <mss 1460>
        +.1   > S. 0:0(0) ack 1 <...>
        """);
    assertThat(r.failure()).contains("sent at 0.000000 s, expected at 0.100000 s");
  }

  @Test
  void expectedPacketThatNeverComes_failsAfterTheTolerance() {
    DrillResult r = run("""
        +0    > S. 0:0(0) ack 1 <...>
        """);
    assertThat(r.failure()).contains("line 4").contains("expected packet was not sent (waited until 0.004000 s)");
  }

  @Test
  void unexpectedPacketAtTheEnd_failsInStrictMode_passesLeniently() {
    String body = "+0    < S 0:0(0) win 65535 <mss 1460>\n";
    assertThat(run(body).failure()).contains("the stack sent a packet the script does not expect")
        .contains("actual: > S. 0:0(0) ack 1");
    assertThat(DrillRunner.run("t.pkt", LISTEN + body, true, null).passed()).isTrue();
  }

  @Test
  void wrongSyscallResult_names_theCallAndBothResults() {
    DrillResult r = run("+0    accept(3, ..., ...) = -1 EAGAIN\n");
    assertThat(r.failure()).contains("line 4").contains("accept() would block here");
    DrillResult nonBlocking = DrillRunner.run("t.pkt", """
        0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0    bind(3, ..., ...) = 0
        +0    listen(3, 1) = 0
        +0    accept(3, ..., ...) = 4
        """, false, null);
    assertThat(nonBlocking.failure()).contains("line 5").contains("accept() returned -1 EAGAIN, expected 4");
  }

  @Test
  void unsupportedLines_failWithTheirLineNumber() {
    assertThat(run("+0    `sysctl -w net.ipv4.tcp_sack=0`\n").failure()).contains("line 4")
        .contains("shell commands are not supported");
    assertThat(run("+0    setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, [1], 4) = 0\n").failure())
        .contains("line 4").contains("unsupported socket option SO_BINDTODEVICE");
    assertThat(run("+0    < S 0:0(0) win 65535 <md5 abc>\n").failure()).contains("line 4")
        .contains("unsupported TCP option");
    assertThat(run("+0    splice(3, ...) = 0\n").failure()).contains("unsupported system call splice()");
  }

  @Test
  void blockingCall_returnsWhenThePacketArrives_atTheScriptedTime() {
    DrillResult r = run("""
        +0    < S 0:0(0) win 65535 <mss 1460>
        +0    > S. 0:0(0) ack 1 <...>
        +0...0.2 accept(3, ..., ...) = 4
        +.2   < . 1:1(0) ack 1 win 512
        """);
    assertThat(r.failure()).isNull();
    DrillResult early = run("""
        +0    < S 0:0(0) win 65535 <mss 1460>
        +0    > S. 0:0(0) ack 1 <...>
        +0...0.5 accept(3, ..., ...) = 4
        +.2   < . 1:1(0) ack 1 win 512
        """);
    assertThat(early.failure()).contains("accept() returned at 0.200000 s, expected at 0.500000 s");
  }

  @Test
  void lenient_comparesOptionsAsASet_andIgnoresTsValWindowAndPush_butNotTsEcr() {
    // Written as another stack would send it: options in another order, its own TSval and window.
    String foreign = """
        +0    < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
        +0    > S. 0:0(0) ack 1 win 29200 <mss 1460,nop,nop,sackOK,nop,wscale 9,TS val 777 ecr 100>
        """;
    assertThat(run(foreign).failure()).as("strict").contains("win 65535, expected 29200");
    assertThat(DrillRunner.run("t.pkt", LISTEN + foreign.replace("wscale 9", "wscale 3"), true, null).failure())
        .as("lenient").isNull();
    String wrongEcr = foreign.replace("wscale 9", "wscale 3").replace("ecr 100>", "ecr 99>");
    assertThat(DrillRunner.run("t.pkt", LISTEN + wrongEcr, true, null).failure()).contains("compared as a set");
  }

  @Test
  void sameScript_sameVerdict_andSameMessage() {
    String body = """
        +0    < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
        +0    > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 2>
        """;
    assertThat(run(body).failure()).isEqualTo(run(body).failure()).contains("option 5 is 'wscale 3'");
  }

  @Test
  void tcpSyncnt_limitsSynRetransmissions_andIsFixedOnceConnecting() {
    String script = """
        0        socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        0        setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0
        0...3    connect(3, ..., ...) = -1 ETIMEDOUT
        0        > S 0:0(0) <...>
        1        > S 0:0(0) <...>
        """;
    assertThat(DrillRunner.run("t.pkt", script, false, null).failure()).isNull();
    String late = """
        0        socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        0        fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        0        connect(3, ..., ...) = -1 EINPROGRESS
        0        > S 0:0(0) <...>
        0        setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0
        """;
    assertThat(DrillRunner.run("t.pkt", late, false, null).failure()).contains("TCP_SYNCNT is fixed");
  }
}
