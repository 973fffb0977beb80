package dev.sluice.cli.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.wire.TcpFlags;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packetdrill notation the parser reads, and the errors it gives for what it does not. */
class ScriptParserTest {
  private static ScriptEvent only(String line) throws ScriptException {
    return ScriptParser.parse("t", line).events().getFirst();
  }

  @Test
  void timeColumn_absoluteRelativeAnyRangeAndBlocking() throws ScriptException {
    assertThat(only("0.100 close(3) = 0").time()).isEqualTo(new TimeSpec(TimeSpec.Kind.ABSOLUTE, 100_000, -1));
    assertThat(only("+.01 close(3) = 0").time()).isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 10_000, -1));
    assertThat(only("* close(3) = 0").time()).isEqualTo(TimeSpec.ANY);
    assertThat(only("0.1~0.2 close(3) = 0").time()).isEqualTo(new TimeSpec(TimeSpec.Kind.ABSOLUTE, 100_000, 200_000));
    assertThat(only("+1~+1.5 close(3) = 0").time()).isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 1_000_000, 1_500_000));
    ScriptEvent.Call call = (ScriptEvent.Call) only("+.01...0.011 read(4, ..., 10) = 10");
    assertThat(call.time()).isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 10_000, -1));
    assertThat(call.returns()).isEqualTo(new TimeSpec(TimeSpec.Kind.ABSOLUTE, 11_000, -1));
  }

  @Test
  void packetLine_allFields() throws ScriptException {
    ScriptEvent.Packet p = (ScriptEvent.Packet) only(
        "+0 < P. 1:1001(1000) ack 5 win 257 urg 3 <nop,nop,TS val 100 ecr 7,sack 1:2 3:4,eol>");
    assertThat(p.inbound()).isTrue();
    assertThat(p.flags()).isEqualTo(TcpFlags.PSH | TcpFlags.ACK);
    assertThat(p.seq()).isEqualTo(1);
    assertThat(p.length()).isEqualTo(1000);
    assertThat(p.ack()).isEqualTo(5);
    assertThat(p.window()).isEqualTo(257);
    assertThat(p.urgent()).isEqualTo(3);
    assertThat(p.options()).containsExactly(new TcpOptionSpec.Nop(), new TcpOptionSpec.Nop(),
        new TcpOptionSpec.Timestamp(100, 7), new TcpOptionSpec.Sack(new long[] {1, 2, 3, 4}), new TcpOptionSpec.Eol());
    ScriptEvent.Packet out = (ScriptEvent.Packet) only("+0 > - 0:0(0) <...>");
    assertThat(out.flags()).isZero();
    assertThat(out.anyOptions()).isTrue();
    assertThat(out.window()).as("outbound without win: not checked").isEqualTo(-1);
  }

  @Test
  void callLine_argumentsAndErrno() throws ScriptException {
    ScriptEvent.Call c = (ScriptEvent.Call) only(
        "+0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1");
    assertThat(c.name()).isEqualTo("poll");
    assertThat(c.args()).containsExactly("[{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}]", "1", "0");
    ScriptEvent.Call e = (ScriptEvent.Call) only("+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
    assertThat(e.result()).isEqualTo(-1);
    assertThat(e.errno()).isEqualTo("EINPROGRESS");
    ScriptEvent.Call hex = (ScriptEvent.Call) only("+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)");
    assertThat(hex.result()).isEqualTo(0x802);
  }

  @Test
  void headerOptions_andComments() throws ScriptException {
    DrillScript s = ScriptParser.parse("t", """
        // a comment
        --tolerance_usecs=10000
        --ip_version=ipv6
        /* a block
           comment */
        0 close(3) = 0 // trailing
        """);
    assertThat(s.toleranceMicros()).isEqualTo(10_000);
    assertThat(s.ipv6()).isTrue();
    assertThat(s.events()).hasSize(1);
    assertThat(s.events().getFirst().line()).isEqualTo(6);
  }

  @Test
  void errors_nameTheLineAndTheReason() {
    List<String[]> cases = List.of(
        new String[] {"0 < S 0:10(5)", "line 1: the sequence range 0:10(5) and its length disagree"},
        new String[] {"0 < X 0:0(0)", "line 1: unknown TCP flag 'X'"},
        new String[] {"0 < S 0:0(0) foo 3", "line 1: unsupported packet field 'foo'"},
        new String[] {"0 close(3)", "line 1: close(...) needs '= result'"},
        new String[] {"0 close(3) = -1 oops", "line 1: 'oops' after -1 is not an errno name"},
        new String[] {"0 < icmp frobnicated", "line 1: ICMP lines are 'icmp TYPE [CODE] [mtu N] [start:end(len)]'"},
        new String[] {"0 < icmp unreachable frag_needed", "line 1: unreachable frag_needed needs 'mtu N'"},
        new String[] {"#ifdef A\n0 close(3) = 0", "line 2: #ifdef without #endif"},
        new String[] {"0 `sysctl -w a=b", "line 1: a shell command is not closed"},
        new String[] {"abc close(3) = 0", "line 1: cannot read the time 'abc'"},
        new String[] {"--frobnicate=1\n0 close(3) = 0", "line 1: unsupported header option --frobnicate"},
        new String[] {"0 close(3) = 0\n--mtu=1400", "line 2: header options come before the first event"},
        new String[] {"0 > icmp unreachable port_unreachable", "line 1: outbound ICMP"},
        new String[] {"0...1 < S 0:0(0)", "line 1: only system calls block"});
    for (String[] c : cases) {
      assertThatThrownBy(() -> ScriptParser.parse("t", c[0])).as(c[0]).hasMessageStartingWith(c[1]);
    }
  }

  @Test
  void publishedSuiteNotation_spacesInTheTimeColumn_andBeforeTheArguments() throws ScriptException {
    assertThat(only("+ 0.00 close(3) = 0").time()).isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 0, -1));
    ScriptEvent.Call blocking = (ScriptEvent.Call) only("+.002 ... 0.004 connect(4, ..., ...) = 0");
    assertThat(blocking.time()).isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 2_000, -1));
    assertThat(blocking.returns()).isEqualTo(new TimeSpec(TimeSpec.Kind.ABSOLUTE, 4_000, -1));
    assertThat(((ScriptEvent.Call) only("+0 write (4, ..., 10) = 10")).name()).isEqualTo("write");
    ScriptEvent.Call anyErrno = (ScriptEvent.Call) only("+0 connect(4, ..., ...) = -1");
    assertThat(anyErrno.result()).isEqualTo(-1);
    assertThat(anyErrno.errno()).as("any errno").isNull();
  }

  @Test
  void shellLines_timedOrNot_oneOrSeveralLines() throws ScriptException {
    DrillScript s = ScriptParser.parse("t", """
        `../common/defaults.sh
         ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_min_tso_segs=10
        `
        +0.00 `sysctl -w net.inet.tcp.rfc1323=1`
        0 close(3) = 0
        """);
    assertThat(s.events()).hasSize(3);
    ScriptEvent.Shell init = (ScriptEvent.Shell) s.events().get(0);
    assertThat(init.line()).isEqualTo(1);
    assertThat(init.time()).as("untimed: in line, at +0").isEqualTo(new TimeSpec(TimeSpec.Kind.RELATIVE, 0, -1));
    assertThat(init.command()).contains("defaults.sh").contains("set_sysctls.py");
    ScriptEvent.Shell timed = (ScriptEvent.Shell) s.events().get(1);
    assertThat(timed.line()).isEqualTo(4);
    assertThat(timed.command()).isEqualTo("sysctl -w net.inet.tcp.rfc1323=1");
    assertThat(s.events().get(2).line()).isEqualTo(5);
  }

  @Test
  void pythonBlocks_spanLines_andKeepLineNumbers() throws ScriptException {
    DrillScript s = ScriptParser.parse("t", """
        0 close(3) = 0
        +0 %{
        assert tcpi_rto == 1000000, tcpi_rto
        }%
        +0 close(4) = 0
        """);
    assertThat(s.events()).hasSize(3);
    assertThat(s.events().get(1)).isInstanceOf(ScriptEvent.Code.class);
    assertThat(s.events().get(2).line()).isEqualTo(5);
  }

  @Test
  void ifdef_takesTheDefinedBlocks_andBlanksTheRest() throws ScriptException {
    String text = """
        #ifdef STANDARD
        0 close(3) = 0
        #else
        0 close(4) = 0
        #endif
        #ifndef FreeBSD
        +0 close(5) = 0
        #endif
        """;
    List<ScriptEvent> standard = ScriptParser.parse("t", text, java.util.Set.of("STANDARD")).events();
    assertThat(standard).extracting(ScriptEvent::line).containsExactly(2, 7);
    List<ScriptEvent> freebsd = ScriptParser.parse("t", text, java.util.Set.of("FreeBSD")).events();
    assertThat(freebsd).extracting(ScriptEvent::line).containsExactly(4);
  }

  @Test
  void packetLine_ipFields_ackWithoutTheAckFlag_andMoreIcmpTypes() throws ScriptException {
    ScriptEvent.Packet ecn = (ScriptEvent.Packet) only("+0 > [noecn] (tos 0x2) S. 0:0(0) ack 1 <...>");
    assertThat(ecn.ipFields()).isEqualTo("[noecn] (tos 0x2)");
    assertThat(ecn.flags()).isEqualTo(TcpFlags.SYN | TcpFlags.ACK);
    ScriptEvent.Packet bareAck = (ScriptEvent.Packet) only("+0 < F 1:1(0) ack 1 win 100");
    assertThat(bareAck.flags()).as("the ACK bit stays clear").isEqualTo(TcpFlags.FIN);
    assertThat(bareAck.ack()).isEqualTo(1);
    ScriptEvent.Icmp icmp = (ScriptEvent.Icmp) only("+0 < icmp time_exceeded ttl_exceeded_in_transit [0:0(0)]");
    assertThat(icmp.type()).isEqualTo("time_exceeded");
    assertThat(icmp.code()).isEqualTo("ttl_exceeded_in_transit");
    ScriptEvent.Icmp tooBig = (ScriptEvent.Icmp) only("+0 < icmp packet_too_big mtu 1300 [0:0(0)]");
    assertThat(tooBig.mtu()).isEqualTo(1300);
    assertThat(IcmpCodes.resolve(false, "unreachable", "packet_filtered")).containsExactly(3, 13);
    assertThat(IcmpCodes.resolve(true, "unreachable", "address_unreachable")).containsExactly(1, 3);
    assertThat(IcmpCodes.resolve(true, "parameter_problem", "code_2")).containsExactly(4, 2);
    assertThat(IcmpCodes.resolve(false, "unreachable", "not_neighbour")).as("IPv6 only").isNull();
  }

  @Test
  void featuresSluiceLacks_areNamed_notReportedAsErrors() {
    assertThatThrownBy(() -> ScriptParser.parse("t", "0 < S 0:0(0) win 1 <mss 1460,FO 0102>"))
        .isInstanceOfSatisfying(ScriptException.class, e -> assertThat(e.feature()).isEqualTo("TCP_FASTOPEN"));
    assertThatThrownBy(() -> ScriptParser.parse("t", "--udp_encapsulation=sctp\n0 close(3) = 0"))
        .isInstanceOfSatisfying(ScriptException.class, e -> assertThat(e.feature()).isEqualTo("UDP_ENCAPSULATION"));
  }
}
