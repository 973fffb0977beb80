package dev.sluice.cli.doctor;

import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.PSH;
import static dev.sluice.wire.TcpFlags.RST;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire-level state inference and each problem kind, on hand-written packet sequences. */
class ConnectionAnalyzerTest {
  private static final Endpoint CLIENT = new Endpoint("198.18.0.1", 40000);
  private static final Endpoint SERVER = new Endpoint("198.18.0.2", 80);
  private static final int C_ISN = 1000;
  private static final int S_ISN = 5000;

  private final List<TcpPacket> packets = new ArrayList<>();
  private int clientWindowScale = -1;
  private int serverWindowScale = -1;

  /** A packet from the client; {@code seq} and {@code ack} relative, as Wireshark shows them. */
  private void client(double t, long seq, long ack, int flags, int length) {
    client(t, seq, ack, flags, length, 65535);
  }

  private void client(double t, long seq, long ack, int flags, int length, int window) {
    packets.add(new TcpPacket(packets.size() + 1, Math.round(t * 1e9), CLIENT, SERVER, (int) (C_ISN + seq),
        (int) (S_ISN + ack), flags, window, length, (flags & SYN) != 0 ? clientWindowScale : -1, new int[0]));
  }

  private void server(double t, long seq, long ack, int flags, int length) {
    server(t, seq, ack, flags, length, 65535);
  }

  private void server(double t, long seq, long ack, int flags, int length, int window) {
    packets.add(new TcpPacket(packets.size() + 1, Math.round(t * 1e9), SERVER, CLIENT, (int) (S_ISN + seq),
        (int) (C_ISN + ack), flags, window, length, (flags & SYN) != 0 ? serverWindowScale : -1, new int[0]));
  }

  /** A bare ACK from the server with one SACK block, {@code [left, right)} relative to the client's ISN. */
  private void serverAckWithSack(double t, long seq, long ack, long left, long right) {
    packets.add(new TcpPacket(packets.size() + 1, Math.round(t * 1e9), SERVER, CLIENT, (int) (S_ISN + seq),
        (int) (C_ISN + ack), ACK, 65535, 0, -1, new int[] {(int) (C_ISN + left), (int) (C_ISN + right)}));
  }

  private void handshake() {
    client(0.000, 0, 0, SYN, 0);
    server(0.001, 0, 1, SYN | ACK, 0);
    client(0.002, 1, 1, ACK, 0);
  }

  private ConnectionReport analyze(double captureEnd) {
    ConnectionTracker tracker = new ConnectionTracker();
    packets.forEach(tracker::add);
    assertThat(tracker.connections()).hasSize(1);
    return ConnectionAnalyzer.analyze(tracker.connections().getFirst(), Thresholds.defaults(), 0,
        (long) (captureEnd * 1e9));
  }

  private static List<String> states(ConnectionReport r) {
    return r.states().stream().map(s -> s.side().label() + " " + s.state()).toList();
  }

  private static List<String> problems(ConnectionReport r) {
    return r.problems().stream().map(p -> p.kind().label() + " " + p.side().label()).toList();
  }

  @Test
  void cleanClose_walksBothEndsThroughTheRfcStates_andFindsNothing() {
    handshake();
    client(0.010, 1, 1, ACK | PSH, 100);
    server(0.011, 1, 101, ACK | PSH, 200);
    client(0.012, 101, 201, ACK | FIN, 0);
    server(0.013, 201, 102, ACK | FIN, 0);
    client(0.014, 102, 202, ACK, 0);

    ConnectionReport r = analyze(0.014);

    assertThat(states(r)).containsExactly("client SYN_SENT", "server SYN_RECEIVED", "client ESTABLISHED",
        "server ESTABLISHED", "client FIN_WAIT_1", "client FIN_WAIT_2", "server CLOSE_WAIT", "server LAST_ACK",
        "server CLOSED", "client TIME_WAIT");
    assertThat(r.problems()).isEmpty();
    assertThat(r.client()).isEqualTo(CLIENT);
    assertThat(r.states().get(4).atSeconds()).isEqualTo(0.012);
  }

  @Test
  void simultaneousClose_showsClosing() {
    handshake();
    client(0.010, 1, 1, ACK | FIN, 0);
    server(0.010, 1, 1, ACK | FIN, 0);
    client(0.011, 2, 2, ACK, 0);
    server(0.011, 2, 2, ACK, 0);

    // The server's FIN did not ACK the client's, so on the wire the server's FIN was ACKed first.
    assertThat(states(analyze(0.011))).containsSubsequence("client FIN_WAIT_1", "server FIN_WAIT_1",
        "server FIN_WAIT_2", "client CLOSING", "client TIME_WAIT", "server TIME_WAIT");
  }

  @Test
  void finAckedButNeverReturned_isReportedAgainstTheSilentEnd_untilTheEndOfTheCapture() {
    handshake();
    client(0.100, 1, 1, ACK | PSH | FIN, 20);
    server(0.140, 1, 22, ACK, 0);
    client(2.000, 21, 1, ACK, 0); // a keepalive from the waiting client
    server(2.000, 1, 22, ACK, 0);

    ConnectionReport r = analyze(3.0);

    assertThat(problems(r)).containsExactly("fin-not-returned server");
    Problem p = r.problems().getFirst();
    assertThat(p.atSeconds()).isEqualTo(0.14);
    assertThat(p.detail()).contains("sent no FIN for 2.860 s", "until the end of the capture");
    assertThat(states(r)).endsWith("client FIN_WAIT_2", "server CLOSE_WAIT");
  }

  @Test
  void finReturnedLate_isReportedWithWhenItCame_butInTimeIsFine() {
    handshake();
    client(0.100, 1, 1, ACK | FIN, 0);
    server(0.100, 1, 2, ACK, 0);
    server(1.600, 1, 2, ACK | FIN, 0);
    client(1.601, 2, 2, ACK, 0);
    assertThat(analyze(1.601).problems()).singleElement()
        .satisfies(p -> assertThat(p.detail()).contains("for 1.500 s", "its FIN came at 1.600 s"));

    packets.clear();
    handshake();
    client(0.100, 1, 1, ACK | FIN, 0);
    server(0.100, 1, 2, ACK, 0);
    server(0.900, 1, 2, ACK | FIN, 0);
    assertThat(analyze(5).problems()).isEmpty();
  }

  @Test
  void anEndStillSendingAfterTheFin_isAHalfClose_notAMissingFin() {
    handshake();
    client(0.100, 1, 1, ACK | FIN, 0);
    server(0.100, 1, 2, ACK, 0);
    for (int i = 0; i < 10; i++) {
      server(0.5 + 0.5 * i, 1 + 1000L * i, 2, ACK, 1000);
    }
    server(5.0, 10001, 2, ACK | FIN, 0);

    assertThat(analyze(5.0).problems()).isEmpty();
  }

  @Test
  void zeroWindowProbedForLongerThanTheStallTimeout_isAStallOfTheClosedSide() {
    handshake();
    client(0.100, 1, 1, ACK, 1000);
    server(0.200, 1, 1001, ACK, 0, 0);
    client(0.400, 1000, 1, ACK, 0); // Linux probes with SND.UNA - 1
    server(0.400, 1, 1001, ACK, 0, 0);
    client(0.800, 1000, 1, ACK, 0);
    client(1.600, 1000, 1, ACK, 0);
    server(2.700, 1, 1001, ACK, 0, 4000);

    ConnectionReport r = analyze(3);

    assertThat(problems(r)).containsExactly("zero-window-stall server");
    assertThat(r.problems().getFirst().atSeconds()).isEqualTo(0.2);
    assertThat(r.problems().getFirst().detail()).contains("for 2.500 s", "opened the window at 2.700 s",
        "3 window probes");
  }

  @Test
  void zeroWindowWithoutProbes_orShort_isNoStall() {
    handshake();
    client(0.100, 1, 1, ACK, 1000);
    server(0.200, 1, 1001, ACK, 0, 0);
    server(5.000, 1, 1001, ACK, 0, 1000);
    assertThat(analyze(5).problems()).as("nothing waited to be sent").isEmpty();

    packets.clear();
    handshake();
    client(0.100, 1, 1, ACK, 1000);
    server(0.200, 1, 1001, ACK, 0, 0);
    client(0.400, 1000, 1, ACK, 0);
    server(0.900, 1, 1001, ACK, 0, 1000);
    assertThat(analyze(5).problems()).as("shorter than a second").isEmpty();
  }

  @Test
  void sameDataResentWithDoublingGaps_isARetransmissionStorm() {
    handshake();
    client(0.100, 1, 1, ACK, 1000);
    client(0.300, 1, 1, ACK, 1000);
    client(0.700, 1, 1, ACK, 1000);
    client(1.500, 1, 1, ACK, 1000);
    client(3.100, 1, 1, ACK, 1000);

    ConnectionReport r = analyze(3.1);

    assertThat(problems(r)).containsExactly("retransmission-storm client");
    assertThat(r.problems().getFirst().atSeconds()).isEqualTo(0.3);
    assertThat(r.problems().getFirst().detail()).contains("retransmitted 4 of 5", "resent 4 times",
        "gaps 0.200, 0.400, 0.800, 1.600 s: RTO backoff", "longest gap between copies 1.600 s");
  }

  @Test
  void dataOvertakenByTheSendersLaterPureAck_isItsFirstCopy_notARetransmission() {
    // Seen in a demo capture on a reordering link: the server sent data 1..506 and a FIN (lost),
    // then a pure ACK whose sequence number (508) shows SND.NXT; the link held the data back, so
    // the ACK was captured first. The data's first copy is no retransmission; two resends are no storm.
    handshake();
    client(0.010, 1, 1, ACK | PSH | FIN, 100);
    server(0.020, 508, 102, ACK, 0);
    server(0.021, 1, 102, ACK | PSH, 506);
    server(0.054, 1, 102, ACK | PSH | FIN, 506);
    server(0.111, 1, 102, ACK | PSH | FIN, 506);

    ConnectionReport r = analyze(0.2);

    assertThat(problems(r)).doesNotContain("retransmission-storm server");
    // One more copy is a storm, and its detail counts the copies as captured.
    server(0.230, 1, 102, ACK | PSH | FIN, 506);
    ConnectionReport stormy = analyze(0.3);
    assertThat(problems(stormy)).contains("retransmission-storm server");
    assertThat(stormy.problems().stream().filter(p -> p.kind() == ProblemKind.RETRANSMISSION_STORM).findFirst()
        .orElseThrow().detail()).contains("resent 3 times (gaps 0.033, 0.057, 0.119 s");
  }

  @Test
  void aFewRetransmissions_orKeepalives_areNoStorm() {
    handshake();
    client(0.100, 1, 1, ACK, 1000);
    client(0.300, 1, 1, ACK, 1000);
    server(0.301, 1, 1001, ACK, 0);
    client(10.0, 1000, 1, ACK, 1); // keepalive carrying one old byte
    client(20.0, 1000, 1, ACK, 1);
    client(30.0, 1000, 1, ACK, 1);
    client(40.0, 1000, 1, ACK, 1);

    assertThat(analyze(40).problems()).isEmpty();
  }

  @Test
  void unansweredSyn_refusedSyn_andUnackedSynAck_areIncompleteHandshakes() {
    client(0, 0, 0, SYN, 0);
    client(1, 0, 0, SYN, 0);
    client(3, 0, 0, SYN, 0);
    ConnectionReport silent = analyze(3);
    assertThat(problems(silent)).containsExactly("handshake-incomplete server");
    assertThat(silent.problems().getFirst().detail()).contains("client sent 3 SYNs", "no SYN-ACK came in 3.000 s");

    packets.clear();
    client(0, 0, 0, SYN, 0);
    server(0.001, 0, 1, RST | ACK, 0);
    ConnectionReport refused = analyze(0.001);
    assertThat(problems(refused)).containsExactly("handshake-incomplete server");
    assertThat(refused.problems().getFirst().detail()).contains("refused");
    assertThat(states(refused)).containsExactly("client SYN_SENT", "server RESET", "client RESET");

    packets.clear();
    client(0, 0, 0, SYN, 0);
    server(0.001, 0, 1, SYN | ACK, 0);
    server(1.001, 0, 1, SYN | ACK, 0);
    assertThat(problems(analyze(2))).containsExactly("handshake-incomplete client");

    packets.clear();
    client(0, 0, 0, SYN, 0);
    assertThat(analyze(0.5).problems()).as("too early to tell").isEmpty();
  }

  @Test
  void rstAfterFin_isReportedOncePerSender_withTheStormCounted() {
    handshake();
    client(0.100, 1, 1, ACK | FIN, 0);
    server(0.101, 1, 2, ACK, 0);
    server(0.200, 1, 2, RST, 0);
    server(0.300, 1, 2, RST, 0);
    server(0.400, 1, 2, RST, 0);

    ConnectionReport r = analyze(0.4);

    assertThat(problems(r)).containsExactly("rst-after-fin server");
    assertThat(r.problems().getFirst().detail()).contains("after the client's FIN at 0.100 s", "3 RSTs in all");
    assertThat(r.states()).filteredOn(s -> s.state() == TcpState.RESET && s.side() == Side.SERVER).singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("sent 3 RSTs, the last at 0.400 s"));
  }

  /**
   * A clean close in which both FINs are ACKed, up to the client's final ACK. The client's dup ACK
   * (ack 1) is sent before the final ACK; on a reordering path it can arrive after it.
   */
  private void cleanCloseWithDupAckBeforeTheFinalAck() {
    handshake();
    client(0.010, 1, 1, ACK | PSH, 2395);
    client(0.011, 2396, 1, ACK | FIN, 0); // the client's FIN at 2396
    server(0.012, 1, 2397, ACK, 0); // ACKs the client's FIN
    client(0.013, 2397, 1, ACK, 0); // a dup ACK
    server(0.014, 1, 2397, ACK | PSH, 1001);
    server(0.015, 1002, 2397, ACK | FIN, 0); // the server's FIN at 1002
    client(0.016, 2397, 1003, ACK, 0); // the final ACK
  }

  @Test
  void rstAfterACleanClose_answeringADupAckOvertakenByTheFinalAck_isNotAProblem() {
    cleanCloseWithDupAckBeforeTheFinalAck();
    // The dup ACK arrives after the final ACK: the CLOSED server answers <SEQ=SEG.ACK><CTL=RST>.
    server(0.017, 1, 0, RST, 0);

    ConnectionReport r = analyze(0.017);

    assertThat(r.problems()).isEmpty();
    assertThat(states(r)).containsSubsequence("server CLOSED", "client TIME_WAIT", "server RESET");
    assertThat(r.states()).filteredOn(s -> s.state() == TcpState.RESET && s.side() == Side.SERVER).singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("sent RST (answered a stale segment after a clean close)"));
  }

  @Test
  void rstAfterACleanClose_answeringAWindowUpdateSentAfterTheFinalAck_isStillRstAfterFin() {
    cleanCloseWithDupAckBeforeTheFinalAck();
    client(0.017, 2397, 1003, ACK, 0, 60000); // a needless window update from TIME-WAIT
    server(0.018, 1003, 0, RST, 0); // its reply: SEQ = the window update's ACK

    ConnectionReport r = analyze(0.018);

    assertThat(problems(r)).containsExactly("rst-after-fin server");
    assertThat(r.problems().getFirst().detail()).contains("sent RST at 0.018 s");
  }

  @Test
  void rstAfterACleanClose_answeringTheAckOfASpuriousFinRetransmission_isNotAProblem() {
    cleanCloseWithDupAckBeforeTheFinalAck();
    // The server's RTO fired before the final ACK arrived: it sends its FIN again; TIME-WAIT must
    // ACK it (RFC 9293 §3.10.7.4), and that ACK meets the server, CLOSED by the final ACK meanwhile.
    server(0.017, 1002, 2397, ACK | FIN, 0);
    client(0.018, 2397, 1003, ACK, 0);
    server(0.019, 1003, 0, RST, 0);

    ConnectionReport r = analyze(0.019);

    assertThat(r.problems()).isEmpty();
    assertThat(r.states()).anySatisfy(c -> assertThat(c.detail()).contains("answered a stale segment"));
  }

  @Test
  void rstAfterACleanClose_answeringTheAckOfASpuriousDataRetransmission_isNotAProblem() {
    cleanCloseWithDupAckBeforeTheFinalAck();
    server(0.017, 1, 2397, ACK | PSH, 1001); // an RTO resends data the final ACK already covered
    client(0.018, 2397, 1003, ACK, 0); // TIME-WAIT answers the duplicate (§3.10.7.4)
    server(0.019, 1003, 0, RST, 0);

    assertThat(analyze(0.019).problems()).isEmpty();
  }

  @Test
  void rstAfterACleanClose_answeringThePeersSpuriousRetransmission_isNotAProblem() {
    cleanCloseWithDupAckBeforeTheFinalAck();
    client(0.017, 1, 1003, ACK | PSH, 2395); // the client's RTO resends data the server ACKed at 0.012
    server(0.018, 1003, 0, RST, 0); // the CLOSED server's reply: <SEQ=SEG.ACK><CTL=RST>

    assertThat(analyze(0.018).problems()).isEmpty();
  }

  @Test
  void rstAfterTimeWait_answeringTheLastAckEndsRetransmission_isNotAProblem() {
    // From a failed `sluice demo` (lossy link, both CPUs busy): the server's SYN-ACK was
    // retransmitted, so its RTO began at 3 s (RFC 6298 §5.7). The client's final ACK was lost, and
    // so was the server's first retransmission 3 s later; the second, 6 s after that, met the
    // client CLOSED (its TIME-WAIT, 2 MSL, had ended), which answered <SEQ=SEG.ACK><CTL=RST>.
    handshake();
    client(0.010, 1, 1, ACK, 1448);
    client(0.011, 1449, 1, ACK | PSH | FIN, 928); // the client's FIN at 2377
    server(0.012, 1, 2378, ACK, 0);
    server(0.013, 1, 2378, ACK, 1448);
    server(0.014, 1449, 2378, ACK | PSH | FIN, 930); // the server's FIN at 2379
    client(0.015, 2378, 2380, ACK, 0); // the final ACK, lost on the way
    server(9.015, 1, 2378, ACK, 1448); // go-back-N from the server's first byte
    client(9.016, 2378, 0, RST, 0);

    ConnectionReport r = analyze(9.016);

    assertThat(r.problems()).isEmpty();
    assertThat(r.states()).filteredOn(s -> s.state() == TcpState.RESET && s.side() == Side.CLIENT).singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("sent RST (answered a stale segment after a clean close)"));
  }

  /**
   * The server's FIN came first, so the client closed from LAST-ACK. Its tail loss probe, sent
   * before its FIN, was taken by the server after the final ACK (on another core of a spray-mode
   * host); the server's TIME-WAIT answered it with a D-SACK, which met the client CLOSED.
   */
  private void serverFinFirst_thenTheClientsProbeAnsweredFromTimeWait(boolean dsack) {
    handshake();
    client(0.010, 1, 1, ACK, 1448);
    client(0.011, 1, 1, ACK, 1448); // a tail loss probe: the same bytes again
    server(0.012, 1, 1449, ACK | PSH | FIN, 500); // the server's answer and its FIN, at 501
    client(0.013, 1449, 502, ACK | FIN, 0); // the client's FIN at 1449: LAST-ACK
    server(0.014, 502, 1450, ACK, 0); // the final ACK: the client is CLOSED
    if (dsack) {
      serverAckWithSack(0.015, 502, 1450, 1, 1449); // TIME-WAIT answers the probe's copy
    } else {
      server(0.015, 502, 1450, ACK, 0); // an ACK from TIME-WAIT that reports no duplicate
    }
    client(0.016, 1450, 0, RST, 0); // <SEQ=SEG.ACK><CTL=RST>
  }

  @Test
  void rstAfterLastAck_answeringATimeWaitDsackOfADuplicate_isNotAProblem_butAPlainAckIsStillReported() {
    serverFinFirst_thenTheClientsProbeAnsweredFromTimeWait(true);
    ConnectionReport r = analyze(0.016);
    assertThat(r.problems()).isEmpty();
    assertThat(r.states()).filteredOn(s -> s.state() == TcpState.RESET && s.side() == Side.CLIENT).singleElement()
        .satisfies(s -> assertThat(s.detail()).isEqualTo("sent RST (answered a stale segment after a clean close)"));

    packets.clear();
    serverFinFirst_thenTheClientsProbeAnsweredFromTimeWait(false);
    assertThat(problems(analyze(0.016))).containsExactly("rst-after-fin client");
  }

  @Test
  void rstAfterACleanClose_answeringAWindowUpdate_isReportedEvenAfterADataRetransmission() {
    handshake();
    client(0.010, 1, 1, ACK | FIN, 0); // the client's FIN at 1
    server(0.011, 1, 2, ACK | PSH, 1001);
    server(0.012, 1, 2, ACK | PSH, 1001); // the server retransmits data, not its FIN
    server(0.013, 1002, 2, ACK | FIN, 0);
    client(0.014, 2, 1003, ACK, 0); // the final ACK
    client(0.015, 2, 1003, ACK, 0, 60000); // then a window update from TIME-WAIT
    server(0.016, 1003, 0, RST, 0);

    assertThat(problems(analyze(0.016))).containsExactly("rst-after-fin server");
  }

  @Test
  void rstAfterFin_beforeTheCloseCompleted_orWithAck_isStillReported() {
    handshake();
    client(0.010, 1, 1, ACK | PSH, 2395);
    client(0.011, 2396, 1, ACK | FIN, 0);
    server(0.012, 1, 2397, ACK, 0);
    client(0.013, 2397, 1, ACK, 0);
    server(0.014, 1, 2397, ACK | FIN, 0); // the server's FIN, not yet ACKed
    server(0.015, 1, 0, RST, 0); // same reply form, but the close had not completed
    assertThat(problems(analyze(0.015))).containsExactly("rst-after-fin server");

    packets.clear();
    cleanCloseWithDupAckBeforeTheFinalAck();
    server(0.017, 1, 2397, RST | ACK, 0); // not the no-ACK reply form: not exempt
    assertThat(problems(analyze(0.017))).containsExactly("rst-after-fin server");
  }

  @Test
  void rstWithoutFin_isAnAbortInTheStates_notAProblem() {
    handshake();
    client(0.100, 1, 1, ACK, 100);
    client(0.200, 101, 1, RST | ACK, 0);

    ConnectionReport r = analyze(0.2);

    assertThat(r.problems()).isEmpty();
    assertThat(states(r)).endsWith("client RESET", "server RESET");
  }

  @Test
  void dataBeyondTheFin_isDataAfterFin() {
    handshake();
    client(0.100, 1, 1, ACK | FIN, 100); // data 1..100, FIN at 101
    server(0.101, 1, 102, ACK, 0);
    client(0.200, 101, 1, ACK, 50);
    client(0.300, 101, 1, ACK | FIN, 0); // a retransmitted FIN is no new data

    ConnectionReport r = analyze(0.3);

    assertThat(problems(r)).contains("data-after-fin client");
    assertThat(r.problems()).filteredOn(p -> p.kind() == ProblemKind.DATA_AFTER_FIN).singleElement()
        .satisfies(p -> assertThat(p.detail()).startsWith("client sent 50 bytes beyond its FIN"));
  }

  @Test
  void captureStartingMidStream_marksBothEndsAlreadyOpen() {
    client(0.000, 1, 1, ACK, 100);
    server(0.001, 1, 101, ACK, 0);

    ConnectionReport r = analyze(0.001);

    assertThat(states(r)).containsExactly("client ESTABLISHED", "server ESTABLISHED");
    assertThat(r.states().getFirst().detail()).isEqualTo("already open when the capture began");
  }

  @Test
  void windowScale_appliesOnlyWhenBothSidesOfferedIt() {
    clientWindowScale = 7;
    serverWindowScale = 2;
    handshake();
    server(0.010, 1, 1, ACK, 0, 100);
    ConnectionTracker tracker = new ConnectionTracker();
    packets.forEach(tracker::add);
    TrackedConnection c = tracker.connections().getFirst();
    assertThat(c.windowBytes(c.segments().get(3))).isEqualTo(400);
    assertThat(c.windowBytes(c.segments().get(1))).as("a SYN's window is never scaled").isEqualTo(65535);

    packets.clear();
    serverWindowScale = -1;
    handshake();
    server(0.010, 1, 1, ACK, 0, 100);
    tracker = new ConnectionTracker();
    packets.forEach(tracker::add);
    c = tracker.connections().getFirst();
    assertThat(c.windowBytes(c.segments().get(3))).isEqualTo(100);
  }

  @Test
  void sequenceNumbersWrappingPast2To32_stayIncreasing() {
    SequenceSpace space = new SequenceSpace();
    space.startAt(0xFFFF_FF00);
    assertThat(space.relative(0xFFFF_FF01)).isEqualTo(1);
    assertThat(space.relative(0x0000_0100)).isEqualTo(0x200);
    assertThat(space.relative(0xFFFF_FFF0)).as("old data from before the wrap").isEqualTo(0xF0);
  }

  @Test
  void tracker_splitsAReused4Tuple_andTakesTheSynAcksReceiverAsClient() {
    ConnectionTracker tracker = new ConnectionTracker();
    tracker.add(new TcpPacket(1, 0, SERVER, CLIENT, 1, 2, SYN | ACK, 100, 0, -1, new int[0]));
    tracker.add(new TcpPacket(2, 1, CLIENT, SERVER, 2, 2, ACK, 100, 0, -1, new int[0]));
    tracker.add(new TcpPacket(3, 2, CLIENT, SERVER, 900, 0, SYN, 100, 0, -1, new int[0]));
    tracker.add(new TcpPacket(4, 3, CLIENT, SERVER, 900, 0, SYN, 100, 0, -1, new int[0])); // resent: same ISN

    assertThat(tracker.connections()).hasSize(2);
    assertThat(tracker.connections().getFirst().client()).isEqualTo(CLIENT);
    assertThat(tracker.connections().get(1).segments()).hasSize(2);
    assertThat(tracker.connections().get(1).number()).isEqualTo(2);
  }
}
