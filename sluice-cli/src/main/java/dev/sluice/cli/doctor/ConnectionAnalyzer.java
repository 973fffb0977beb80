package dev.sluice.cli.doctor;

import dev.sluice.cli.doctor.TrackedConnection.Segment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Replays one connection's packets in capture order and infers, from the wire alone, each end's
 * state history (RFC 9293 §3.3.2) and the problems of {@link ProblemKind}.
 *
 * <p>An end's state changes when the packet that proves it is seen: a receiver enters CLOSE_WAIT
 * when it ACKs the peer's FIN (not when the FIN passes by: only the ACK shows the FIN was taken),
 * a FIN's sender leaves FIN_WAIT_1 when its FIN is ACKed. Within one packet the ACK field is
 * taken before the FIN flag, so a FIN+ACK answering a FIN reads CLOSE_WAIT then LAST_ACK. Times
 * are the capture's, seen from wherever the capture was taken.
 */
final class ConnectionAnalyzer {
  /** What the wire has shown about one end so far. */
  private static final class End {
    TcpState state;
    int syns;
    long synTime = -1;
    boolean synAcked;
    boolean sent;
    long highestEnd;
    /**
     * The end of the highest data, SYN or FIN seen (not of a pure ACK, whose sequence number only
     * shows SND.NXT): a segment is a retransmission only if its bytes were captured before. On a
     * reordering path a pure ACK can overtake the data sent before it.
     */
    long highestCarried;
    boolean carried;
    long finSeq = -1;
    long finTime = -1;
    boolean finAcked;
    boolean acked;
    long highestAck;
    long closeWaitSince = -1;
    boolean finWaitJudged;
    long lastNewData = -1;
    long zeroSince = -1;
    int probes;
    int rsts;
    long firstRst = -1;
    long lastRst = -1;
    int resetStateIndex = -1;
    long rstAfterFin = -1;
    /** RSTs exempt from rst-after-fin: replies to a stale segment after a clean close. */
    int staleReplies;
    /** Index (capture order) of the peer's first segment that acknowledged this end's FIN. */
    int finAckedAt = -1;
    long bytesAfterFin;
    long dataAfterFin = -1;
    int dataSegments;
    int retransmissions;
    final Map<Long, List<Long>> sendTimes = new LinkedHashMap<>();
    final Map<Long, Integer> repeats = new LinkedHashMap<>();
  }

  /** Below Linux's 200 ms minimum RTO, with room for a timer firing early: not a timeout. */
  private static final long MIN_RTO_NANOS = 150_000_000L;

  private final TrackedConnection connection;
  private final Thresholds thresholds;
  private final long origin;
  private final End client = new End();
  private final End server = new End();
  private final List<StateChange> states = new ArrayList<>();
  private final List<Problem> problems = new ArrayList<>();
  private long firstFin = -1;
  private Side firstFinSide;
  /** Index of the segment being replayed, in capture order. */
  private int index;

  private ConnectionAnalyzer(TrackedConnection connection, Thresholds thresholds, long origin) {
    this.connection = connection;
    this.thresholds = thresholds;
    this.origin = origin;
  }

  /**
   * @param origin the capture's first timestamp, to which every time in the report is relative
   * @param captureEnd the capture's last timestamp: waits still open then are measured up to it
   */
  static ConnectionReport analyze(TrackedConnection connection, Thresholds thresholds, long origin, long captureEnd) {
    ConnectionAnalyzer analyzer = new ConnectionAnalyzer(connection, thresholds, origin);
    List<Segment> segments = connection.segments();
    if (!segments.getFirst().packet().syn()) {
      long t = segments.getFirst().packet().timeNanos();
      analyzer.enter(Side.CLIENT, TcpState.ESTABLISHED, t, "already open when the capture began");
      analyzer.enter(Side.SERVER, TcpState.ESTABLISHED, t, "already open when the capture began");
    }
    for (int i = 0; i < segments.size(); i++) {
      analyzer.index = i;
      analyzer.on(segments.get(i));
    }
    analyzer.finish(Math.max(captureEnd, connection.lastTimeNanos()));
    analyzer.problems.sort(Comparator.comparingDouble(Problem::atSeconds));
    return new ConnectionReport(connection.number(), connection.client(), connection.server(), segments.size(),
        analyzer.seconds(connection.firstTimeNanos()),
        (connection.lastTimeNanos() - connection.firstTimeNanos()) / 1e9, List.copyOf(analyzer.states),
        List.copyOf(analyzer.problems));
  }

  private End end(Side side) {
    return side == Side.CLIENT ? client : server;
  }

  private void on(Segment s) {
    Side from = s.from();
    End me = end(from);
    End peer = end(from.other());
    long t = s.packet().timeNanos();
    if (s.packet().rst()) {
      onReset(s, from, me, t);
      return;
    }
    if (s.packet().syn()) {
      onSyn(s, from, me, t);
    }
    if (s.packet().ack()) {
      onAck(s, from, me, peer, t);
    }
    onWindow(s, from, me, t);
    onSequence(s, from, me, peer, t);
    if (s.packet().fin()) {
      onFin(s, from, me, t);
    }
  }

  private void onSyn(Segment s, Side from, End me, long t) {
    me.syns++;
    if (me.synTime < 0) {
      me.synTime = t;
      enter(from, s.packet().ack() ? TcpState.SYN_RECEIVED : TcpState.SYN_SENT, t, null);
    }
  }

  private void onAck(Segment s, Side from, End me, End peer, long t) {
    long ack = s.ack();
    if (!me.acked || ack > me.highestAck) {
      me.highestAck = ack;
      me.acked = true;
    }
    // The peer's SYN occupies relative sequence number 0, so an ACK of 1 or more covers it.
    if (peer.synTime >= 0 && !peer.synAcked && ack >= 1) {
      peer.synAcked = true;
      enter(from.other(), TcpState.ESTABLISHED, t, null);
      if (me.state == null) {
        enter(from, TcpState.ESTABLISHED, t, "its SYN was not captured");
      }
    }
    if (peer.finSeq >= 0 && !peer.finAcked && ack >= peer.finSeq + 1) {
      peer.finAcked = true;
      peer.finAckedAt = index;
      switch (peer.state) {
        case FIN_WAIT_1 -> enter(from.other(), TcpState.FIN_WAIT_2, t, null);
        case CLOSING -> enter(from.other(), TcpState.TIME_WAIT, t, null);
        case LAST_ACK -> enter(from.other(), TcpState.CLOSED, t, null);
        case null, default -> { }
      }
      switch (me.state) {
        case FIN_WAIT_1 -> enter(from, TcpState.CLOSING, t, null);
        case FIN_WAIT_2 -> enter(from, TcpState.TIME_WAIT, t, null);
        case RESET, CLOSED, TIME_WAIT, LAST_ACK, CLOSING, CLOSE_WAIT -> { }
        case null, default -> {
          enter(from, TcpState.CLOSE_WAIT, t, null);
          me.closeWaitSince = t;
        }
      }
    }
  }

  private void onWindow(Segment s, Side from, End me, long t) {
    if (s.packet().syn()) {
      return; // windows in the handshake are unscaled offers, not flow control
    }
    if (connection.windowBytes(s) == 0) {
      if (me.zeroSince < 0) {
        me.zeroSince = t;
        me.probes = 0;
      }
    } else if (me.zeroSince >= 0) {
      judgeZeroWindow(from, t, "until it opened the window at " + at(t));
    }
  }

  private void onSequence(Segment s, Side from, End me, End peer, long t) {
    int length = s.packet().payloadLength();
    boolean fin = s.packet().fin();
    long start = s.seq() + (s.packet().syn() ? 1 : 0);
    long end = s.end();
    boolean peerWindowClosed = peer.zeroSince >= 0;
    if (peerWindowClosed && (length > 0 || (me.sent && s.seq() < me.highestEnd))) {
      peer.probes++; // a window probe: data past a zero window, or Linux's byte-below-SND.UNA probe
    }
    if (length > 0 || fin) {
      if (length > 0) {
        me.dataSegments++;
      }
      // A keepalive (RFC 9293 §3.8.4) resends at most one byte the peer already ACKed.
      boolean keepalive = length <= 1 && !fin && peer.acked && end <= peer.highestAck;
      boolean resent = me.carried && start < me.highestCarried;
      if (resent && !keepalive && !peerWindowClosed && !s.packet().syn()) {
        me.retransmissions++;
        me.repeats.merge(start, 1, Integer::sum);
        me.sendTimes.computeIfAbsent(start, k -> new ArrayList<>()).add(t);
      } else if (!resent) {
        me.sendTimes.putIfAbsent(start, new ArrayList<>(List.of(t)));
      }
      if (me.finSeq >= 0 && length > 0 && start + length > me.finSeq) {
        me.bytesAfterFin += start + length - Math.max(start, me.finSeq);
        if (me.dataAfterFin < 0) {
          me.dataAfterFin = t;
        }
      }
      if (length > 0 && (!me.carried || end > me.highestCarried)) {
        me.lastNewData = t;
      }
    }
    if (s.packet().sequenceLength() > 0 && (!me.carried || end > me.highestCarried)) {
      me.highestCarried = end;
      me.carried = true;
    }
    if (!me.sent || end > me.highestEnd) {
      me.highestEnd = end;
      me.sent = true;
    }
  }

  private void onFin(Segment s, Side from, End me, long t) {
    if (me.finSeq >= 0) {
      return; // a retransmitted FIN
    }
    me.finSeq = s.seq() + (s.packet().syn() ? 1 : 0) + s.packet().payloadLength();
    me.finTime = t;
    if (firstFin < 0) {
      firstFin = t;
      firstFinSide = from;
    }
    enter(from, me.state == TcpState.CLOSE_WAIT ? TcpState.LAST_ACK : TcpState.FIN_WAIT_1, t, null);
    if (me.closeWaitSince >= 0) {
      judgeFinWait(from, t, "its FIN came at " + at(t));
    }
  }

  private void onReset(Segment s, Side from, End me, long t) {
    me.rsts++;
    me.lastRst = t;
    boolean staleReply = answersStaleSegment(s, from, me);
    if (staleReply) {
      me.staleReplies++;
    }
    if (me.firstRst < 0) {
      me.firstRst = t;
      enter(from, TcpState.RESET, t, staleReply ? "sent RST " + STALE_REPLY : "sent RST");
      me.resetStateIndex = states.size() - 1;
      End peer = end(from.other());
      if (peer.state != TcpState.RESET) {
        enter(from.other(), TcpState.RESET, t, "received RST");
      }
    }
    if (firstFin >= 0 && me.rstAfterFin < 0 && !staleReply) {
      me.rstAfterFin = t;
    }
    // A RST ends every wait: nobody waits for a FIN or a window on a reset connection.
    for (Side side : Side.values()) {
      End end = end(side);
      if (end.closeWaitSince >= 0 && end.finSeq < 0) {
        judgeFinWait(side, t, "until the " + from.label() + "'s RST at " + at(t));
      }
      if (end.zeroSince >= 0) {
        judgeZeroWindow(side, t, "until the " + from.label() + "'s RST at " + at(t));
      }
    }
  }

  private static final String STALE_REPLY = "(answered a stale segment after a clean close)";

  /**
   * True if the RST {@code s} from {@code from} is the reply a CLOSED end must send to a segment
   * that meets no connection (RFC 9293 §3.10.7.1: {@code <SEQ=SEG.ACK><CTL=RST>}, no ACK flag), and
   * that segment was one the peer sent before its final ACK, overtaken by it in the network: both
   * FINs had been sent and acknowledged before the RST, the RST's sequence number equals the
   * acknowledgment number of a segment from the peer, and every such segment (that is not itself a
   * RST) was captured before the peer's segment that acknowledged this end's FIN. Nothing was lost,
   * and the peer in TIME-WAIT ignores the RST (RFC 1337). A segment the peer sent after its final
   * ACK that draws a RST (a window update from TIME-WAIT, say) is not exempt, unless it is the
   * ACK the peer owed a retransmission of ours after our FIN ({@link #answersOwnRetransmission}),
   * or carries only data and a FIN this end had already acknowledged ({@link #alreadyAcked}), or
   * is a TIME-WAIT's answer to a copy of this end's data that arrived twice ({@link
   * #reportsDuplicate}).
   */
  private boolean answersStaleSegment(Segment s, Side from, End me) {
    End peer = end(from.other());
    if (s.packet().ack() || !me.finAcked || !peer.finAcked || me.finAckedAt < 0) {
      return false;
    }
    List<Segment> segments = connection.segments();
    long acked = highestAckBeforeThisRst(from);
    boolean drawn = false;
    for (int i = 0; i < index; i++) {
      Segment q = segments.get(i);
      if (q.from() != from.other() || q.packet().rst() || !q.packet().ack() || q.ack() != s.seq()
          || i == me.finAckedAt) {
        continue; // the final ACK itself was taken by the connection: it closed this end
      }
      if (i >= me.finAckedAt && !answersOwnRetransmission(q, from, i) && !alreadyAcked(q, acked)
          && !reportsDuplicate(q)) {
        return false; // sent at or after the peer's final ACK: it could have drawn this RST
      }
      drawn = true;
    }
    return drawn;
  }

  /**
   * True if {@code q}, from the peer of {@code from}, is a bare ACK (no data, SYN or FIN) captured
   * after {@code from} resent something once its FIN was out (anything carrying data or a FIN after
   * the FIN is a retransmission: nothing new can follow a FIN). TIME-WAIT must answer such a
   * duplicate with an ACK (RFC 9293 §3.10.7.4); when the retransmission was spurious (the peer's
   * final ACK was already on its way), that answer meets a CLOSED end, whose RST the peer ignores
   * (RFC 1337). A window update from TIME-WAIT with no retransmission before it is not exempt.
   */
  private boolean answersOwnRetransmission(Segment q, Side from, int at) {
    if (q.packet().payloadLength() > 0 || q.packet().fin() || q.packet().syn()) {
      return false;
    }
    boolean finSent = false;
    for (Segment r : connection.segments().subList(0, at)) {
      if (r.from() != from || r.packet().rst()) {
        continue;
      }
      if (finSent && (r.packet().payloadLength() > 0 || r.packet().fin())) {
        return true;
      }
      finSent |= r.packet().fin();
    }
    return false;
  }

  /**
   * True if {@code q}, from the peer of the RST's sender, carries data or a FIN that the sender
   * acknowledged before its RST ({@code acked}, {@link #highestAckBeforeThisRst}): it took
   * {@code q} when it came, so the RST answered a later copy of it. That copy is a spurious
   * retransmission (the peer's RTO fired while our ACK was on its way), or a retransmission from a
   * peer in LAST-ACK whose final ACK was lost, coming after this end's TIME-WAIT ended: the peer
   * backs off its retransmissions (3 s and then 6 s after a lost SYN-ACK, RFC 6298 §5.7), and a
   * TIME-WAIT of 2 MSL can end before one gets through. Either meets this end CLOSED and draws the
   * reply RST (RFC 9293 §3.10.7.1), which ends the peer's LAST-ACK (§3.10.7.4). Nothing was lost.
   * Data the sender never acknowledged is not exempt: a RST drawn by it may have refused it.
   */
  private static boolean alreadyAcked(Segment q, long acked) {
    return q.packet().sequenceLength() > 0 && q.end() <= acked;
  }

  /**
   * True if {@code q} is a bare ACK whose first SACK block lies wholly below its acknowledgment
   * number: a D-SACK (RFC 2883 §4), telling that data the RST's sender sent arrived twice. The
   * peer in TIME-WAIT must answer such a duplicate (RFC 9293 §3.10.7.4), and it can come after the
   * final ACK even though it was sent before it: a retransmission (a tail loss probe, say)
   * overtaken on the path, or, with receive spread over several cores (a spray-mode Sluice host),
   * inside the peer. The answer meets the RST's sender CLOSED (§3.10.7.1); the peer ignores the
   * RST (RFC 1337), and nothing was lost. A window update carries no D-SACK and is not exempt.
   */
  private static boolean reportsDuplicate(Segment q) {
    TcpPacket p = q.packet();
    int[] sack = p.sackBlocks();
    return p.payloadLength() == 0 && !p.syn() && !p.fin() && sack.length >= 2
        && sack[1] - p.acknowledgment() <= 0;
  }

  /** The highest acknowledgment {@code from} sent before the RST being judged ({@link #index}); -1 if none. */
  private long highestAckBeforeThisRst(Side from) {
    long highestAck = -1;
    for (Segment r : connection.segments().subList(0, index)) {
      if (r.from() == from && r.packet().ack() && !r.packet().rst()) {
        highestAck = Math.max(highestAck, r.ack());
      }
    }
    return highestAck;
  }

  private void finish(long captureEnd) {
    for (Side side : Side.values()) {
      End me = end(side);
      if (me.closeWaitSince >= 0 && me.finSeq < 0) {
        judgeFinWait(side, captureEnd, "until the end of the capture");
      }
      if (me.zeroSince >= 0) {
        judgeZeroWindow(side, captureEnd, "until the end of the capture");
      }
      judgeRetransmissions(side, me);
      if (me.bytesAfterFin > 0) {
        problems.add(new Problem(ProblemKind.DATA_AFTER_FIN, side, seconds(me.dataAfterFin),
            side.label() + " sent " + me.bytesAfterFin + " bytes beyond its FIN (sent at " + at(me.finTime)
                + "), first at " + at(me.dataAfterFin)));
      }
      if (me.rstAfterFin >= 0) {
        End finSender = end(firstFinSide);
        String whose = firstFinSide == side ? "its own FIN" : "the " + firstFinSide.label() + "'s FIN";
        problems.add(new Problem(ProblemKind.RST_AFTER_FIN, side, seconds(me.rstAfterFin),
            side.label() + " sent RST at " + at(me.rstAfterFin) + " after " + whose + " at " + at(finSender.finTime)
                + (me.rsts > 1 ? "; " + me.rsts + " RSTs in all" : "")));
      }
      if (me.rsts > 1 && me.resetStateIndex >= 0) {
        StateChange reset = states.get(me.resetStateIndex);
        String stale = me.staleReplies == 0 ? ""
            : me.staleReplies == me.rsts ? ", each " + STALE_REPLY
            : ", " + me.staleReplies + " of them " + STALE_REPLY;
        states.set(me.resetStateIndex, new StateChange(reset.side(), reset.state(), reset.atSeconds(),
            "sent " + me.rsts + " RSTs, the last at " + at(me.lastRst) + stale));
      }
    }
    judgeHandshake(captureEnd);
  }

  /**
   * fin-not-returned: the wait runs from the ACK of the peer's FIN, or from the last new data sent
   * after it (an end still sending in CLOSE_WAIT is a legitimate half-close, RFC 9293 §3.6), to
   * this end's FIN, a RST, or the end of the capture.
   */
  private void judgeFinWait(Side side, long until, String how) {
    End me = end(side);
    if (me.finWaitJudged) {
      return;
    }
    me.finWaitJudged = true;
    long start = Math.max(me.closeWaitSince, me.lastNewData);
    long waited = until - start;
    if (waited >= thresholds.finTimeoutNanos()) {
      End peer = end(side.other());
      problems.add(new Problem(ProblemKind.FIN_NOT_RETURNED, side, seconds(start),
          side.label() + " ACKed the " + side.other().label() + "'s FIN (sent at " + at(peer.finTime) + ") at "
              + at(me.closeWaitSince) + " and sent no FIN for " + duration(waited) + ", " + how));
    }
  }

  /**
   * zero-window-stall: {@code side} advertised a zero window, the peer probed it (so it had data
   * waiting: RFC 9293 §3.8.6.1), and the window stayed shut for at least the stall timeout.
   */
  private void judgeZeroWindow(Side side, long until, String how) {
    End me = end(side);
    long since = me.zeroSince;
    int probes = me.probes;
    me.zeroSince = -1;
    me.probes = 0;
    long stalled = until - since;
    if (stalled >= thresholds.stallTimeoutNanos() && probes > 0) {
      problems.add(new Problem(ProblemKind.ZERO_WINDOW_STALL, side, seconds(since),
          side.label() + " advertised a zero window from " + at(since) + " for " + duration(stalled) + ", " + how
              + "; the " + side.other().label() + " sent " + probes + " window probe" + (probes == 1 ? "" : "s")));
    }
  }

  /**
   * retransmission-storm: the same data resent at least {@link Thresholds#sameDataRepeats()} times
   * (the RTO backing off against a silent peer, RFC 6298 §5.5), or many retransmissions that are
   * also a large share of the side's data segments (a lossy path).
   */
  private void judgeRetransmissions(Side side, End me) {
    if (me.retransmissions == 0) {
      return;
    }
    long worst = -1;
    int worstRepeats = 0;
    for (Map.Entry<Long, Integer> e : me.repeats.entrySet()) {
      if (e.getValue() > worstRepeats) {
        worst = e.getKey();
        worstRepeats = e.getValue();
      }
    }
    boolean repeated = worstRepeats >= thresholds.sameDataRepeats();
    boolean many = me.retransmissions >= thresholds.manyRetransmissions()
        && me.retransmissions >= thresholds.retransmittedShare() * Math.max(1, me.dataSegments);
    if (!repeated && !many) {
      return;
    }
    long longestGap = 0;
    for (List<Long> times : me.sendTimes.values()) {
      for (int i = 1; i < times.size(); i++) {
        longestGap = Math.max(longestGap, times.get(i) - times.get(i - 1));
      }
    }
    List<Long> worstTimes = me.sendTimes.get(worst);
    StringBuilder gaps = new StringBuilder();
    // RTO backoff (RFC 6298 §5.5) doubles the gap each time; Linux's smallest RTO is 200 ms, RFC
    // 6298's 1 s, so gaps that start far below that are fast retransmits or SACK recovery instead.
    boolean doubling = worstTimes.size() >= 3 && worstTimes.get(1) - worstTimes.get(0) >= MIN_RTO_NANOS;
    for (int i = 1; i < worstTimes.size(); i++) {
      long gap = worstTimes.get(i) - worstTimes.get(i - 1);
      if (i < 9) {
        gaps.append(i == 1 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", gap / 1e9));
      }
      if (i >= 2 && gap < 1.5 * (worstTimes.get(i - 1) - worstTimes.get(i - 2))) {
        doubling = false;
      }
    }
    if (worstTimes.size() > 9) {
      gaps.append(", ...");
    }
    long firstResend = worstTimes.size() > worstRepeats ? worstTimes.get(worstTimes.size() - worstRepeats)
        : worstTimes.getFirst();
    problems.add(new Problem(ProblemKind.RETRANSMISSION_STORM, side, seconds(firstResend),
        side.label() + " retransmitted " + me.retransmissions + " of " + me.dataSegments + " data segments; seq "
            + worst + " was resent " + worstRepeats + " time" + (worstRepeats == 1 ? "" : "s") + " (gaps " + gaps
            + " s" + (doubling ? ": RTO backoff" : "") + "); longest gap between copies " + duration(longestGap)));
  }

  /** handshake-incomplete: a SYN or SYN-ACK refused, resent, or left unanswered for the stall timeout. */
  private void judgeHandshake(long captureEnd) {
    if (client.synTime >= 0 && server.synTime < 0) {
      if (server.rsts > 0) {
        problems.add(new Problem(ProblemKind.HANDSHAKE_INCOMPLETE, Side.SERVER, seconds(client.synTime),
            "server refused the client's SYN with RST at " + at(server.firstRst)));
      } else if (client.syns > 1 || captureEnd - client.synTime >= thresholds.stallTimeoutNanos()) {
        problems.add(new Problem(ProblemKind.HANDSHAKE_INCOMPLETE, Side.SERVER, seconds(client.synTime),
            "client sent " + count(client.syns, "SYN") + " from " + at(client.synTime) + "; no SYN-ACK came in "
                + duration(captureEnd - client.synTime)));
      }
    } else if (server.synTime >= 0 && !server.synAcked) {
      if (client.rsts > 0) {
        problems.add(new Problem(ProblemKind.HANDSHAKE_INCOMPLETE, Side.CLIENT, seconds(server.synTime),
            "client answered the server's SYN-ACK with RST at " + at(client.firstRst)));
      } else if (server.syns > 1 || captureEnd - server.synTime >= thresholds.stallTimeoutNanos()) {
        problems.add(new Problem(ProblemKind.HANDSHAKE_INCOMPLETE, Side.CLIENT, seconds(server.synTime),
            "server sent " + count(server.syns, "SYN-ACK") + " from " + at(server.synTime)
                + "; the client never ACKed it in " + duration(captureEnd - server.synTime)));
      }
    }
  }

  private void enter(Side side, TcpState state, long t, String detail) {
    End end = end(side);
    if (end.state == state || end.state == TcpState.RESET) {
      return;
    }
    end.state = state;
    states.add(new StateChange(side, state, seconds(t), detail));
  }

  private double seconds(long t) {
    return (t - origin) / 1e9;
  }

  private String at(long t) {
    return String.format(Locale.ROOT, "%.3f s", seconds(t));
  }

  private static String duration(long nanos) {
    return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
