package dev.sluice.cli.drill;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The runner itself: it fails a script at the first mismatch and says where and why, it refuses
 * what it cannot run, and its verdicts do not depend on anything but the script.
 */
class DrillRunnerTest {
  private static final String LISTEN = """
      @listen 3 4
      """;

  private static DrillResult run(String body) {
    return drill("test.pkt", LISTEN + body, false, null);
  }

  /**
   * Runs a script written with this test's shorthand, each line of which stands for the lines a
   * packetdrill script spells out every time (so the tests show only what they are about):
   * {@code @listen FD BACKLOG} (socket, bind and listen on FD), {@code @handshake} (the peer's
   * SYN with MSS 1400 and window 40000 at once, our SYN-ACK at once), {@code @accept LFD FD} (the
   * peer's ACK 10 ms later, then accept on LFD returning FD), {@code @socket FD} (a TCP socket at
   * time 0) and {@code @nonblock FD} (O_NONBLOCK on FD). Line numbers in verdicts count the
   * expanded lines, as the runner sees them.
   */
  private static DrillResult drill(String name, String text, boolean lenient, java.io.PrintStream trace) {
    return DrillRunner.run(name, expand(text), lenient, trace);
  }

  private static DrillResult drill(String name, String text, DrillOptions options) {
    return DrillRunner.run(name, expand(text), options);
  }

  private static String expand(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String[] w = line.strip().split("\\s+");
      switch (w[0]) {
        case "@socket" -> out.append(socket(w[1]));
        case "@nonblock" -> out.append("+0    fcntl(").append(w[1]).append(", F_SETFL, O_RDWR|O_NONBLOCK) = 0\n");
        case "@listen" -> out.append(socket(w[1]))
            .append("+0    bind(").append(w[1]).append(", ..., ...) = 0\n")
            .append("+0    listen(").append(w[1]).append(", ").append(w[2]).append(") = 0\n");
        case "@handshake" -> out.append("+0    < S 0:0(0) win 40000 <mss 1400>\n")
            .append("+0    > S. 0:0(0) ack 1 <...>\n");
        case "@accept" -> out.append("+.01  < . 1:1(0) ack 1 win 40000\n")
            .append("+0    accept(").append(w[1]).append(", ..., ...) = ").append(w[2]).append('\n');
        default -> out.append(line).append('\n');
      }
    }
    return out.substring(0, out.length() - 1); // split kept the text's own last line ending
  }

  private static String socket(String fd) {
    return "0     socket(..., SOCK_STREAM, IPPROTO_TCP) = " + fd + "\n";
  }

  @Test
  void wrongFlags_failAtTheLine_withExpectedAndActual() {
    DrillResult r = run("""
        +0    < S 0:0(0) win 40000 <mss 1400>
        +0    > S 0:0(0) <...>
        """);
    assertThat(r.passed()).isFalse();
    assertThat(r.failure()).contains("line 5").contains("flags S., expected S").contains("actual: > S. 0:0(0) ack 1")
        .contains("script: +0    > S 0:0(0) <...>");
  }

  @Test
  void packetSentLate_isATimingFailure() {
    DrillResult r = run("""
        +0    < S 0:0(0) win 40000 <mss 1400>
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
    String body = "+0    < S 0:0(0) win 40000 <mss 1400>\n";
    assertThat(run(body).failure()).contains("the stack sent a packet the script does not expect")
        .contains("actual: > S. 0:0(0) ack 1");
    assertThat(drill("t.pkt", LISTEN + body, true, null).passed()).isTrue();
  }

  @Test
  void wrongSyscallResult_names_theCallAndBothResults() {
    DrillResult r = run("+0    accept(3, ..., ...) = -1 EAGAIN\n");
    assertThat(r.failure()).contains("line 4").contains("accept() would block here");
    DrillResult nonBlocking = drill("t.pkt", """
        @socket 3
        @nonblock 3
        +0    bind(3, ..., ...) = 0
        +0    listen(3, 4) = 0
        +0    accept(3, ..., ...) = 4
        """, false, null);
    assertThat(nonBlocking.failure()).contains("line 5").contains("accept() returned -1 EAGAIN, expected 4");
  }

  @Test
  void unsupportedLines_failWithTheirLineNumber() {
    assertThat(run("+0    `ls /tmp`\n").failure()).contains("line 4")
        .contains("shell command not run: ls /tmp");
    assertThat(run("+0    setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, [1], 4) = 0\n").failure())
        .contains("line 4").contains("unsupported socket option SO_BINDTODEVICE");
    assertThat(run("+0    < S 0:0(0) win 40000 <frob 3>\n").failure()).contains("line 4")
        .contains("unsupported TCP option");
    assertThat(run("+0    < S 0:0(0) win 40000 <md5 abc>\n").unsupported()).isEqualTo("TCP_MD5SIG");
    assertThat(run("+0    frobnicate(3, ...) = 0\n").failure()).contains("unsupported system call frobnicate()");
    assertThat(run("+0    splice(3, ...) = 0\n").unsupported()).isEqualTo("SPLICE");
  }

  @Test
  void blockingCall_returnsWhenThePacketArrives_atTheScriptedTime() {
    DrillResult r = run("""
        @handshake
        +0...0.2 accept(3, ..., ...) = 4
        +.2   < . 1:1(0) ack 1 win 512
        """);
    assertThat(r.failure()).isNull();
    DrillResult early = run("""
        @handshake
        +0...0.5 accept(3, ..., ...) = 4
        +.2   < . 1:1(0) ack 1 win 512
        """);
    assertThat(early.failure()).contains("accept() returned at 0.200000 s, expected at 0.500000 s");
  }

  @Test
  void lenient_comparesOptionsAsASet_andIgnoresTsValWindowAndPush_butNotTsEcr() {
    // Written as another stack would send it: options in another order, its own TSval and window.
    String foreign = """
        +0    < S 0:0(0) win 40000 <mss 1400,sackOK,TS val 100 ecr 0,nop,wscale 7>
        +0    > S. 0:0(0) ack 1 win 26883 <nop,wscale 6,mss 1460,sackOK,TS val 4242 ecr 100>
        """;
    assertThat(run(foreign).failure()).as("strict").contains("win 65535, expected 26883");
    assertThat(drill("t.pkt", LISTEN + foreign.replace("wscale 6", "wscale 3"), true, null).failure())
        .as("lenient").isNull();
    String wrongEcr = foreign.replace("wscale 6", "wscale 3").replace("ecr 100>", "ecr 99>");
    assertThat(drill("t.pkt", LISTEN + wrongEcr, true, null).failure()).contains("compared as a set");
  }

  @Test
  void sameScript_sameVerdict_andSameMessage() {
    String body = """
        +0    < S 0:0(0) win 40000 <mss 1400,sackOK,TS val 100 ecr 0,nop,wscale 7>
        +0    > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 2>
        """;
    assertThat(run(body).failure()).isEqualTo(run(body).failure()).contains("option 5 is 'wscale 3'");
  }

  @Test
  void tcpSyncnt_limitsSynRetransmissions_andIsFixedOnceConnecting() {
    String script = """
        @socket 3
        0        setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0
        0...3    connect(3, ..., ...) = -1 ETIMEDOUT
        0        > S 0:0(0) <...>
        1        > S 0:0(0) <...>
        """;
    assertThat(drill("t.pkt", script, false, null).failure()).isNull();
    String late = """
        @socket 3
        @nonblock 3
        0        connect(3, ..., ...) = -1 EINPROGRESS
        0        > S 0:0(0) <...>
        0        setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0
        """;
    assertThat(drill("t.pkt", late, false, null).failure()).contains("TCP_SYNCNT is fixed");
  }

  // ------------------------------------------------------------------ packetdrill's timing model

  /** The handshake, then 100 bytes in at 0.010 s: the stack's delayed ACK leaves 40 ms later, at 0.050 s. */
  private static final String DATA_IN = LISTEN + """
      @handshake
      @accept 3 4
      +0    < P. 1:101(100) ack 1 win 40000
      """;

  /** Runs {@code text} with the verbose trace on; returns the verdict and the trace. */
  private static String[] traced(String text, boolean lenient) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    DrillResult r = drill("t.pkt", text, lenient,
        new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
    return new String[] {r.failure(), bytes.toString(java.nio.charset.StandardCharsets.UTF_8)};
  }

  /** The live time at which {@code line} ran, as the trace shows it. */
  private static String timeOfLine(String trace, int line) {
    for (String l : trace.split("\n")) {
      String[] w = l.strip().split("\\s+");
      if (w.length > 2 && w[1].equals("line") && w[2].equals(Integer.toString(line))) {
        return w[0];
      }
    }
    throw new AssertionError("line " + line + " not in the trace:\n" + trace);
  }

  @Test
  void rangeMatchedInside_theNextRelativeLineCountsFromTheMatch_notFromTheNominalTime() {
    String[] r = traced(DATA_IN + """
        +0~+.1 > . 1:1(0) ack 101
        +.01  write(4, ..., 10) = 10
        +0    > P. 1:11(10) ack 101
        """, false);
    assertThat(r[0]).isNull();
    assertThat(timeOfLine(r[1], 9)).as("the ACK matched at 0.050").isEqualTo("0.050000");
    assertThat(timeOfLine(r[1], 10)).as("+.01 after the match, not after 0.010").isEqualTo("0.060000");
    // A model that kept nominal times would expect the data at 0.020.
    DrillResult nominal = run(DATA_IN.substring(LISTEN.length()) + """
        +0~+.1 > . 1:1(0) ack 101
        +.01  write(4, ..., 10) = 10
        0.020 > P. 1:11(10) ack 101
        """);
    assertThat(nominal.failure()).contains("line 11").contains("sent at 0.060000 s, expected at 0.020000 s");
  }

  @Test
  void rangeMatchedAtItsEnd_orItsStart_passes_andTheNextLineFollowsTheMatch() {
    for (String range : new String[] {"+0~+.04", "+.04~+.2"}) {
      String[] r = traced(DATA_IN + range + " > . 1:1(0) ack 101\n+.01  write(4, ..., 10) = 10\n"
          + "+0    > P. 1:11(10) ack 101\n", false);
      assertThat(r[0]).as(range).isNull();
      assertThat(timeOfLine(r[1], 10)).as(range).isEqualTo("0.060000");
    }
  }

  @Test
  void rangeMissed_early_or_late_isATimingFailure_withTheRange() {
    assertThat(run(DATA_IN.substring(LISTEN.length()) + "+0~+.02 > . 1:1(0) ack 101\n").failure())
        .contains("line 9").contains("expected packet was not sent (waited until 0.034000 s)");
    assertThat(run(DATA_IN.substring(LISTEN.length()) + "+.05~+.1 > . 1:1(0) ack 101\n").failure())
        .contains("sent at 0.050000 s, expected at 0.060000~0.110000 s");
  }

  @Test
  void consecutiveInboundPackets_anchorOnScriptTimes_everyOtherLineOnTheLiveClock() {
    String[] r = traced(DATA_IN + """
        +0~+.1 > . 1:1(0) ack 101
        0.030 < P. 101:201(100) ack 1 win 40000
        +.01  < P. 201:301(100) ack 1 win 40000
        +.01  read(4, ..., 1000) = 300
        """, true);
    assertThat(r[0]).isNull();
    // Line 10 is due at 0.030 (already past: it goes in at once); line 11 at 0.030 + 0.010, also past.
    assertThat(timeOfLine(r[1], 10)).isEqualTo("0.050000");
    assertThat(timeOfLine(r[1], 11)).as("anchored on line 10's script time").isEqualTo("0.050000");
    assertThat(timeOfLine(r[1], 12)).as("a call counts from the live clock").isEqualTo("0.060000");
  }

  @Test
  void blockingCall_returnTime_countsFromTheSameBaseAsItsStart() {
    String[] r = traced(DATA_IN + """
        +0~+.1 > . 1:1(0) ack 101
        +0    read(4, ..., 1000) = 100
        +0...0.1 read(4, ..., 1000) = 100
        +.1   < P. 101:201(100) ack 1 win 40000
        """, true);
    assertThat(r[0]).as("starts at 0.050, returns at 0.050 + 0.1").isNull();
    assertThat(timeOfLine(r[1], 12)).isEqualTo("0.150000");
    DrillResult absolute = run(DATA_IN.substring(LISTEN.length()) + """
        +0~+.1 > . 1:1(0) ack 101
        +0    read(4, ..., 1000) = 100
        +0...0.1 read(4, ..., 1000) = 100
        +.05  < P. 101:201(100) ack 1 win 40000
        """);
    assertThat(absolute.failure()).contains("read() returned at 0.100000 s, expected at 0.150000 s");
  }

  @Test
  void tolerancePercent_widensTheToleranceWithTheGap_leniently_orWhenTheScriptAsks() {
    // The SYN-ACK is retransmitted after the initial 1 s RTO; the script says 1.1 s.
    String late = """
        @handshake
        +1.1  > S. 0:0(0) ack 1 <...>
        """;
    assertThat(run(late).failure()).as("strict: 4 ms").contains("expected at 1.100000 s (tolerance 4000 us)");
    assertThat(drill("t.pkt", LISTEN + late, true, null).failure()).as("lenient: 12.5 % of 1.1 s").isNull();
    assertThat(drill("t.pkt", "--tolerance_percent=10\n" + LISTEN + late, false, null).failure())
        .as("strict, widened by the script").isNull();
    assertThat(drill("t.pkt", "--tolerance_percent=0\n" + LISTEN + late, true, null).failure())
        .as("lenient, narrowed by the script").contains("tolerance 4000 us");
  }

  // ------------------------------------------------------------------ shell lines, sysctls, profiles

  private static DrillResult runWith(String text, boolean lenient, String profile) {
    return drill("t.pkt", text, new DrillOptions(lenient, profile, java.util.Set.of(), null));
  }

  /** A passive open against a peer that offers window scaling: the SYN-ACK shows the offered shift. */
  private static final String SYN_WITH_WSCALE = LISTEN + """
      +0    < S 0:0(0) win 40000 <mss 1400,nop,wscale 7>
      """;

  @Test
  void sysctls_applyToTheSocketsCreatedAfterThem() {
    String sackOff = """
        0     `sysctl -w net.inet.tcp.sack.enable=0`
        """ + LISTEN + """
        +0    < S 0:0(0) win 40000 <mss 1400,sackOK>
        +0    > S. 0:0(0) ack 1 <mss 1460>
        """;
    assertThat(runWith(sackOff, true, null).failure()).as("SACK off: no sackOK in the SYN-ACK").isNull();
    assertThat(runWith(sackOff.replace("enable=0", "enable=1"), true, null).failure()).contains("expected <mss 1460>");
    String rfc1323Off = """
        0     `sysctl -q net.inet.tcp.rfc1323=0 net.inet.tcp.sack.enable=0`
        """ + SYN_WITH_WSCALE + "+0    > S. 0:0(0) ack 1 <mss 1460>\n";
    assertThat(runWith(rfc1323Off, true, null).failure()).as("rfc1323=0: no window scale").isNull();
  }

  @Test
  void profile_setsTheOfferedWindowScale_explicitOrInferredFromTheSysctls() {
    String freebsd = SYN_WITH_WSCALE + "+0    > S. 0:0(0) ack 1 <mss 1460,nop,wscale 6>\n";
    assertThat(runWith(freebsd, true, "freebsd").failure()).as("FreeBSD: 6, from kern.ipc.maxsockbuf").isNull();
    assertThat(runWith(freebsd, true, "sluice").failure()).as("Sluice: 3 for 256 KB")
        .contains("wscale 3").contains("expected");
    assertThat(runWith("0 `sysctl -w net.inet.tcp.recvspace=65536`\n" + freebsd, true, null).failure())
        .as("net.inet.* infers freebsd").isNull();
    String linux = SYN_WITH_WSCALE + "+0    > S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>\n";
    assertThat(runWith(linux, true, "linux").failure()).as("Linux: 7 from the 6 MB tcp_rmem maximum").isNull();
    String defaults = """
        `sysctl -q net.ipv4.tcp_rmem="8192 262144 $((12*1024*1024))"`
        """ + linux.replace("wscale 7>", "wscale 8>");
    assertThat(runWith(defaults, true, null).failure()).as("a 12 MB maximum gives 8").isNull();
  }

  @Test
  void linuxDefaultsFile_isReadRelativeToTheScript_notExecuted() throws java.io.IOException {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("drill");
    java.nio.file.Path common = java.nio.file.Files.createDirectories(dir.resolve("common"));
    java.nio.file.Files.writeString(common.resolve("defaults.sh"), """
        #!/bin/bash
        ip route flush cache
        sysctl -q net.ipv4.tcp_rmem="8192 262144 $((12*1024*1024))"
        sysctl -q net.ipv4.tcp_sack=0
        """);
    java.nio.file.Path script = java.nio.file.Files.createDirectories(dir.resolve("tests")).resolve("t.pkt");
    String text = "`../common/defaults.sh`\n" + SYN_WITH_WSCALE + "+0    > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>\n";
    java.io.ByteArrayOutputStream trace = new java.io.ByteArrayOutputStream();
    DrillResult r = drill(script.toString(), text, new DrillOptions(true, null, java.util.Set.of(),
        new java.io.PrintStream(trace, true, java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(r.failure()).as("linux profile, shift 8, SACK off").isNull();
    assertThat(r.notes()).containsExactly("line 1: shell command not run: ip route flush cache");
    assertThat(runWith(text, true, null).failure()).as("without the file next to it").isNotNull();
  }

  @Test
  void behaviourChangingSysctlWithoutASetting_failsStrictly_isNotedLeniently() {
    String text = "0 `sysctl -w net.inet.tcp.insecure_rst=1`\n" + LISTEN;
    assertThat(runWith(text, false, null).failure()).contains("line 1")
        .contains("net.inet.tcp.insecure_rst=1: Sluice has no setting for it");
    DrillResult lenient = runWith(text, true, null);
    assertThat(lenient.passed()).isTrue();
    assertThat(lenient.notes()).singleElement().asString().contains("insecure_rst=1");
    assertThat(runWith("0 `sysctl -w net.inet.tcp.insecure_rst=0`\n" + LISTEN, false, null).failure())
        .as("the value Sluice has").isNull();
    assertThat(runWith("0 `sysctl -w net.inet.tcp.frobnicate=1`\n" + LISTEN, false, null).failure())
        .contains("a TCP setting the runner does not know");
  }

  @Test
  void unsupportedFeature_skipsTheScript_apartFromFailures() {
    DrillResult fastOpen = run("+0    setsockopt(3, IPPROTO_TCP, TCP_FASTOPEN, [1], 4) = 0\n");
    assertThat(fastOpen.skipped()).isTrue();
    assertThat(fastOpen.passed()).isFalse();
    assertThat(fastOpen.unsupported()).isEqualTo("TCP_FASTOPEN");
    assertThat(runWith("0 `sysctl -w net.inet.tcp.udp_tunneling_port=9811`\n" + LISTEN, true, null).unsupported())
        .isEqualTo("UDP_ENCAPSULATION");
  }

  @Test
  void linuxProfile_doublesSocketBuffers_asLinuxReportsThem() {
    String text = """
        @socket 3
        +0    setsockopt(3, SOL_SOCKET, SO_SNDBUF, [21000], 4) = 0
        +0    getsockopt(3, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0
        """;
    assertThat(runWith(text, false, "linux").failure()).isNull();
    assertThat(runWith(text, false, "sluice").failure()).contains("gave [21000]");
  }

  // ------------------------------------------------------------------ constructs and super-segments

  /** An established connection (fd 4) whose peer offered MSS 1000, so the stack sends 1000-byte segments. */
  private static final String ESTABLISHED_MSS_1000 = LISTEN + """
      +0    < S 0:0(0) win 40000 <mss 1000>
      +0    > S. 0:0(0) ack 1 <...>
      @accept 3 4
      +0    setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
      """;

  @Test
  void superSegment_matchesARunSentBackToBack_leniently_butNotStrictly() {
    String body = ESTABLISHED_MSS_1000 + """
        +0    write(4, ..., 3000) = 3000
        +0    > . 1:3001(3000) ack 1
        """;
    assertThat(runWith(body, true, null).failure()).as("three 1000-byte segments cover it").isNull();
    assertThat(runWith(body, false, null).failure()).as("strict").contains("sequence 1:1001(1000), expected 1:3001(3000)");
    assertThat(runWith("--strict_segments\n" + body, true, null).failure()).as("--strict_segments")
        .contains("expected 1:3001(3000)");
    String tooLong = body.replace("1:3001(3000)", "1:4001(4000)");
    assertThat(runWith(tooLong, true, null).failure()).as("the run stops short")
        .contains("sequence 1:3001(3000), expected 1:4001(4000)");
  }

  @Test
  void injectedSegment_largerThanTheMss_goesInWhole_butOneLargerThanTheMtuBlamesTheScript() {
    String gro = ESTABLISHED_MSS_1000 + """
        +0    < . 1:1401(1400) ack 1 win 40000
        +0    read(4, ..., 2000) = 1400
        """;
    assertThat(runWith(gro, true, null).failure()).as("1400 > MSS 1000, fits the MTU").isNull();
    DrillResult big = runWith(gro.replace("1:1401(1400)", "1:2001(2000)"), true, null);
    assertThat(big.failure()).contains("the script injects a 2040-byte packet, larger than the interface MTU of 1500");
  }

  @Test
  void recvPeek_leavesTheBytes_andNullBuffersFailWithEfault() {
    String body = ESTABLISHED_MSS_1000 + """
        +0    < P. 1:101(100) ack 1 win 40000
        +0    recv(4, ..., 1000, MSG_PEEK) = 100
        +0    recv(4, ..., 60, MSG_PEEK) = 60
        +0    read(4, ..., 1000) = 100
        +0    recv(4, ..., 1000, MSG_PEEK|MSG_DONTWAIT) = -1 EAGAIN
        +0    read(4, NULL, 1000) = -1 EFAULT
        +0    write(4, NULL, 1000) = -1 EFAULT
        """;
    assertThat(runWith(body, true, null).failure()).isNull();
  }

  @Test
  void keepaliveOptions_readBackAtTcpLevel_underEitherName() {
    String body = """
        @socket 3
        +0    setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [30], 4) = 0
        +0    getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], [4]) = 0
        +0    getsockopt(3, SOL_TCP, TCP_KEEPINTVL, [75], [4]) = 0
        +0    getsockopt(3, SOL_TCP, TCP_KEEPCNT, [9], [4]) = 0
        """;
    assertThat(runWith(body, false, null).failure()).isNull();
    assertThat(runWith(body.replace("[9], [4]", "[8], [4]"), false, null).failure())
        .contains("getsockopt TCP_KEEPCNT gave [9], the script expects [8]");
  }

  @Test
  void sendmsgAndSendto_mapOntoWrites_msgEorOnlyLeniently() {
    String body = ESTABLISHED_MSS_1000 + """
        +0    sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 40}, {..., 20}], msg_flags=0}, 0) = 60
        +0    > P. 1:61(60) ack 1
        +0    sendto(4, ..., 10, 0, ..., ...) = 10
        +0    > P. 61:71(10) ack 1
        +0    send(4, ..., 5, MSG_EOR) = 5
        +0    > P. 71:76(5) ack 1
        """;
    DrillResult lenient = runWith(body, true, null);
    assertThat(lenient.failure()).isNull();
    assertThat(lenient.notes()).anyMatch(n -> n.contains("MSG_EOR"));
    assertThat(runWith(body, false, null).failure()).contains("MSG_EOR: Sluice keeps no record boundaries");
  }

  @Test
  void ipFieldsAndPythonBlocks_areNotedLeniently_refusedStrictly() {
    String body = LISTEN + """
        +0    < [noecn] S 0:0(0) win 40000 <mss 1460>
        +0    > (tos 0x0) S. 0:0(0) ack 1 <...>
        +0    %{ assert tcpi_snd_cwnd == 10 }%
        """;
    DrillResult lenient = runWith(body, true, null);
    assertThat(lenient.failure()).isNull();
    assertThat(lenient.notes()).containsExactly("line 4: IP-level fields ignored: [noecn]",
        "line 5: IP-level fields ignored: (tos 0x0)", "line 6: Python block not evaluated");
    assertThat(runWith(body, false, null).failure()).contains("line 4").contains("IP-level fields [noecn]");
  }

  @Test
  void icmpErrorsBeyondUnreachable_areInjected_andTheStackDecides() {
    String body = ESTABLISHED_MSS_1000 + """
        +0    < icmp time_exceeded ttl_exceeded_in_transit [1:1(0)]
        +0    < icmp unreachable packet_filtered [1:1(0)]
        +0    write(4, ..., 10) = 10
        +0    > P. 1:11(10) ack 1
        """;
    assertThat(runWith(body, true, null).failure()).as("soft errors leave the connection up").isNull();
  }

  @Test
  void ackNumberWithoutTheAckFlag_isInjectedAndIgnoredByTheStack() {
    String body = ESTABLISHED_MSS_1000 + """
        +0    < F 1:1(0) ack 1 win 40000
        +0    read(4, ..., 10) = 0
        """;
    // RFC 9293 §3.10.7.4: a segment without ACK is dropped in ESTABLISHED, so the FIN is not taken.
    assertThat(runWith(body, true, null).failure()).contains("read() would block here");
  }

  @Test
  void scriptDescriptorNumbers_nameTheSockets_asPacketdrillMapsThem() {
    String text = """
        @listen 5 1
        @handshake
        @accept 5 7
        +0    close(7) = 0
        +0    > F. 1:1(0) ack 1 <...>
        """;
    assertThat(runWith(text, false, null).failure()).isNull();
  }
}
