package dev.sluice.cli.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The state × event matrix: each of RFC 9293's eleven states meets each of seven segments (SYN,
 * SYN+ACK, ACK, data, FIN, RST, RST+ACK), with its sequence number at the left edge of the
 * receive window (RCV.NXT), inside it, and outside it (beyond the right edge). 231 scripts,
 * built here from one table of rules so that each rule is stated once, with its RFC section, and
 * run by the conformance runner in strict mode.
 *
 * <p>The script peer offers no options, so no timestamps, SACK or window scaling are in play and
 * every window is 65,535 bytes: "inside" is RCV.NXT + 1000 and "outside" RCV.NXT + 70,000. Every
 * ACK-bearing segment acknowledges SND.NXT. Where a state has no receive window the position is
 * read differently: in SYN-SENT it moves SEG.ACK (acceptable, at SND.UNA, far beyond SND.NXT),
 * because that is what the state checks (RFC 9293 §3.10.7.3); in LISTEN and CLOSED it only moves
 * SEG.SEQ, which those states do not check.
 *
 * <p>Where the connection must survive a segment (a RST or SYN that is dropped or challenged),
 * the script goes on to show it is intact; where it must be reset, it shows the error.
 */
class StateEventMatrixTest {
  enum State { CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT }

  enum Event { SYN, SYN_ACK, ACK, DATA, FIN, RST, RST_ACK }

  enum Position { LEFT_EDGE, IN_WINDOW, OUTSIDE }

  private static final String LISTEN = """
      0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
      +0    bind(3, ..., ...) = 0
      +0    listen(3, 1) = 0
      """;
  private static final String ESTABLISHED = LISTEN + """
      +0    < S 0:0(0) win 65535 <mss 1460>
      +0    > S. 0:0(0) ack 1 <mss 1460>
      +.01  < . 1:1(0) ack 1 win 65535
      +0    accept(3, ..., ...) = 4
      """;
  // Half-closes (shutdown) rather than close, so the socket can still read: after close(), RFC
  // 1122 §4.2.2.13 lets a stack answer new data with RST, which would be another matrix.
  private static final String FIN_WAIT_1 = ESTABLISHED + """
      +.01  shutdown(4, SHUT_WR) = 0
      +0    > F. 1:1(0) ack 1
      """;

  /** How to reach a state, and RCV.NXT and SND.NXT there (relative). */
  private record Setup(String script, long rcvNxt, long sndNxt) {}

  private static Setup setup(State state) {
    return switch (state) {
      case CLOSED -> new Setup("", 0, 0);
      case LISTEN -> new Setup(LISTEN, 0, 0);
      case SYN_SENT -> new Setup("""
          0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
          +0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0    > S 0:0(0) <...>
          """, 0, 1);
      case SYN_RECEIVED -> new Setup(LISTEN + """
          +0    < S 0:0(0) win 65535 <mss 1460>
          +0    > S. 0:0(0) ack 1 <mss 1460>
          """, 1, 1);
      case ESTABLISHED -> new Setup(ESTABLISHED, 1, 1);
      case FIN_WAIT_1 -> new Setup(FIN_WAIT_1, 1, 2);
      case FIN_WAIT_2 -> new Setup(FIN_WAIT_1 + """
          +.01  < . 1:1(0) ack 2 win 65535
          """, 1, 2);
      case CLOSE_WAIT -> new Setup(ESTABLISHED + """
          +.01  < F. 1:1(0) ack 1 win 65535
          +0    > . 1:1(0) ack 2
          """, 2, 1);
      case CLOSING -> new Setup(FIN_WAIT_1 + """
          +.01  < F. 1:1(0) ack 1 win 65535
          +0    > . 2:2(0) ack 2
          """, 2, 2);
      case LAST_ACK -> new Setup(ESTABLISHED + """
          +.01  < F. 1:1(0) ack 1 win 65535
          +0    > . 1:1(0) ack 2
          +.01  close(4) = 0
          +0    > F. 1:1(0) ack 2
          """, 2, 2);
      case TIME_WAIT -> new Setup(FIN_WAIT_1 + """
          +.01  < . 1:1(0) ack 2 win 65535
          +.01  < F. 1:1(0) ack 2 win 65535
          +0    > . 2:2(0) ack 2
          """, 2, 2);
    };
  }

  /** The segment's sequence number (or, in SYN-SENT, acknowledgment number) for a position. */
  private static long at(Position p, long edge) {
    return switch (p) {
      case LEFT_EDGE -> edge;
      case IN_WINDOW -> edge + 1000;
      case OUTSIDE -> edge + 70_000;
    };
  }

  private static String segment(Event e, long seq, long ack) {
    return "+.01  " + switch (e) {
      case SYN -> "< S " + seq + ":" + seq + "(0) win 65535 <mss 1460>";
      case SYN_ACK -> "< S. " + seq + ":" + seq + "(0) ack " + ack + " win 65535 <mss 1460>";
      case ACK -> "< . " + seq + ":" + seq + "(0) ack " + ack + " win 65535";
      case DATA -> "< P. " + seq + ":" + (seq + 100) + "(100) ack " + ack + " win 65535";
      case FIN -> "< F. " + seq + ":" + seq + "(0) ack " + ack + " win 65535";
      case RST -> "< R " + seq + ":" + seq + "(0) win 0";
      case RST_ACK -> "< R. " + seq + ":" + seq + "(0) ack " + ack + " win 0";
    } + "\n";
  }

  /** The script for one cell: set-up, the segment, and what must follow. */
  static String script(State state, Event event, Position position) {
    Setup s = setup(state);
    long r = s.rcvNxt();
    long n = s.sndNxt();
    StringBuilder b = new StringBuilder(s.script());
    if (state == State.CLOSED) {
      // Script time starts with the segment itself.
      b.append(segment(event, at(position, 0), 1).replaceFirst("^\\+\\.01 ", "0    "));
      b.append(closedReply(event, at(position, 0)));
      return b.toString();
    }
    if (state == State.LISTEN) {
      long seq = at(position, 0);
      b.append(segment(event, seq, 1)).append(listenReply(event, seq));
      return b.toString();
    }
    if (state == State.SYN_SENT) {
      long ack = switch (position) {
        case LEFT_EDGE -> 1;   // acknowledges our SYN exactly
        case IN_WINDOW -> 0;   // SEG.ACK = ISS: not acceptable (must be > ISS)
        case OUTSIDE -> 70_000;
      };
      b.append(segment(event, 0, ack)).append(synSentReply(event, position, ack));
      return b.toString();
    }
    long seq = at(position, r);
    b.append(segment(event, seq, n)).append(synchronizedReply(state, event, position, r, n));
    return b.toString();
  }

  /** RFC 9293 §3.10.7.1: CLOSED answers everything but a RST with a RST. */
  private static String closedReply(Event e, long seq) {
    return switch (e) {
      case RST, RST_ACK -> "";
      case SYN -> "+0    > R. 0:0(0) ack " + (seq + 1) + "\n"; // no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
      case SYN_ACK, ACK, DATA, FIN -> "+0    > R 1:1(0)\n";   // ACK bit: <SEQ=SEG.ACK>
    };
  }

  /** RFC 9293 §3.10.7.2: LISTEN ignores RST, resets anything with ACK, answers SYN. */
  private static String listenReply(Event e, long seq) {
    return switch (e) {
      case RST, RST_ACK -> "";
      case SYN -> "+0    > S. 0:0(0) ack " + (seq + 1) + " <mss 1460>\n";
      case SYN_ACK, ACK, DATA, FIN -> "+0    > R 1:1(0)\n";
    };
  }

  /** RFC 9293 §3.10.7.3 (and RFC 5961 §3.2 for the RST). */
  private static String synSentReply(Event e, Position p, long ack) {
    boolean acceptable = p == Position.LEFT_EDGE;
    return switch (e) {
      // A SYN without ACK: simultaneous open (§3.5 figure 8).
      case SYN -> "+0    > S. 0:0(0) ack 1 <mss 1460>\n";
      case SYN_ACK -> acceptable ? "+0    > . 1:1(0) ack 1\n" + "+0    getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n"
          : "+0    > R " + ack + ":" + ack + "(0)\n";
      // Neither SYN nor RST: dropped if the ACK is acceptable, else answered <SEQ=SEG.ACK><CTL=RST>.
      case ACK, DATA, FIN -> acceptable ? "" : "+0    > R " + ack + ":" + ack + "(0)\n";
      // A RST without ACK is dropped in SYN-SENT; with an acceptable ACK it refuses the connection.
      case RST -> "";
      case RST_ACK -> acceptable ? "+0    getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n" : "";
    };
  }

  private static String ack(long n, long r) {
    return "+0    > . " + n + ":" + n + "(0) ack " + r + "\n";
  }

  /** RFC 9293 §3.10.7.4 with RFC 5961 §3–4 and RFC 1337. */
  private static String synchronizedReply(State state, Event e, Position p, long r, long n) {
    boolean outside = p == Position.OUTSIDE;
    boolean leftEdge = p == Position.LEFT_EDGE;
    boolean finReceived = state == State.CLOSE_WAIT || state == State.CLOSING || state == State.LAST_ACK
        || state == State.TIME_WAIT;
    boolean canRead = state == State.ESTABLISHED || state == State.FIN_WAIT_1 || state == State.FIN_WAIT_2
        || state == State.CLOSE_WAIT;
    switch (e) {
      case RST, RST_ACK -> {
        if (state == State.TIME_WAIT) {
          return ""; // RFC 1337 §3: ignore RST in TIME-WAIT
        }
        if (outside) {
          return survives(state, r, n); // RFC 5961 §3.2: outside the window, drop silently
        }
        if (!leftEdge) {
          return ack(n, r) + survives(state, r, n); // in the window, not exact: challenge ACK
        }
        // Exactly RCV.NXT: the connection is reset. In CLOSE-WAIT the end-of-stream was already
        // delivered, so a read still says end-of-file (as Linux's does); elsewhere it reports the reset.
        if (state == State.CLOSE_WAIT) {
          return "+0    read(4, ..., 1000) = 0\n";
        }
        return canRead ? "+0    read(4, ..., 1000) = -1 ECONNRESET (Connection reset by peer)\n" : "";
      }
      case SYN, SYN_ACK -> {
        // RFC 5961 §4.2: a SYN in a synchronized state, whatever its sequence number, draws a
        // challenge ACK and never resets (outside the window the ordinary ACK has the same form).
        return ack(n, r) + survives(state, r, n);
      }
      default -> {
        // Non-RST, non-SYN segments.
      }
    }
    if (outside) {
      return ack(n, r); // §3.10.7.4 first check: not acceptable, send an ACK, drop
    }
    return switch (e) {
      // TIME-WAIT answers an empty segment inside the window but not at RCV.NXT, as Linux and
      // FreeBSD do: it duplicates nothing expected (docs/conformance.md).
      case ACK -> state == State.TIME_WAIT && !leftEdge ? ack(n, r) : "";
      case DATA -> {
        if (finReceived) {
          // Beyond the peer's FIN there can be no data (§3.10.7.4 seventh: "ignore the segment
          // text"): dropped and counted, and answered with an ACK that shows where the stream
          // ended (docs/conformance.md), in TIME-WAIT too. Here the segment also acknowledges our
          // FIN, so CLOSING and LAST-ACK have already moved on to TIME-WAIT and CLOSED: the
          // segment that ended them is not answered.
          yield state == State.CLOSE_WAIT || state == State.TIME_WAIT ? ack(n, r) : "";
        }
        // In order: delayed ACK (RFC 1122 §4.2.3.2, 40 ms in Sluice); out of order: an immediate
        // duplicate ACK (RFC 5681 §4.2, RFC 9293 §3.10.7.4).
        long nn = state == State.FIN_WAIT_1 ? 2 : n;
        yield leftEdge ? "+.04  > . " + nn + ":" + nn + "(0) ack " + (r + 100) + "\n" : ack(n, r);
      }
      case FIN -> {
        if (!leftEdge && !finReceived) {
          yield ack(n, r); // a FIN is acted on only at RCV.NXT: out of order, a duplicate ACK
        }
        if (state == State.TIME_WAIT) {
          yield ack(n, r); // "a retransmission of the remote FIN: acknowledge it" and restart 2MSL
        }
        if (finReceived) {
          // A second FIN beyond the first is data after FIN, as above. CLOSING's segment also
          // acknowledges our FIN: in TIME-WAIT, a FIN is acknowledged and 2MSL restarts.
          yield state == State.CLOSE_WAIT || state == State.CLOSING ? ack(n, r) : "";
        }
        long nn = state == State.FIN_WAIT_1 ? 2 : n;
        yield "+0    > . " + nn + ":" + nn + "(0) ack " + (r + 1) + "\n"
            + (canRead ? "+0    read(4, ..., 1000) = 0\n" : "");
      }
      default -> throw new IllegalStateException();
    };
  }

  /**
   * After a segment that must not harm the connection: where we can still send, data goes out
   * and is acknowledged as usual; where we can still read, nothing is pending.
   */
  private static String survives(State state, long r, long n) {
    return switch (state) {
      case ESTABLISHED, CLOSE_WAIT -> "+.01  write(4, ..., 10) = 10\n"
          + "+0    > P. " + n + ":" + (n + 10) + "(10) ack " + r + "\n"
          + "+.01  < . " + r + ":" + r + "(0) ack " + (n + 10) + " win 65535\n";
      case FIN_WAIT_1, FIN_WAIT_2 -> "+.01  recv(4, ..., 1000, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)\n";
      default -> "";
    };
  }

  @TestFactory
  Stream<DynamicTest> everyStateMeetsEverySegment() {
    List<DynamicTest> tests = new ArrayList<>();
    for (State state : State.values()) {
      for (Event event : Event.values()) {
        for (Position position : Position.values()) {
          String name = (state + "_" + event + "_" + position).toLowerCase(Locale.ROOT);
          tests.add(DynamicTest.dynamicTest(name, () -> {
            String text = script(state, event, position);
            DrillResult result = DrillRunner.run(name + ".pkt", text, false, null);
            assertThat(result.failure()).as("%s%n%s", name, text).isNull();
          }));
        }
      }
    }
    assertThat(tests).hasSize(11 * 7 * 3);
    return tests.stream();
  }
}
