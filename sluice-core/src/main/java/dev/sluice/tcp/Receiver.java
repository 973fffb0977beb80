package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;

/**
 * The receiving half of a connection (gVisor's {@code rcv.go}): the receive sequence space (RFC
 * 9293 §3.3.1), the reassembly in the {@link ReceiveBuffer}, the peer's FIN, the window we
 * advertise, the SACK and D-SACK blocks we send, timestamps to echo and PAWS (RFC 7323), and when
 * an ACK is owed (delayed and quick ACKs). It changes no connection state: the engine acts on
 * what it reports.
 *
 * <p>Owned by its engine and, like it, driven by one thread at a time (the connection's owner).
 */
final class Receiver {
  /** What we know of the peer's FIN (RFC 9293 §3.10.7.4, eighth). */
  enum PeerFin {
    /** None seen yet, or only beyond the window. */
    NONE,
    /** Recorded at {@link #finSeq}; acted on when RCV.NXT reaches it (the Q114541 invariant). */
    KNOWN,
    /** RCV.NXT passed it: end-of-stream was reported and nothing more can arrive. */
    CONSUMED
  }

  /** RFC 7323 §5.5: TS.Recent is invalid after 24 days of idleness. */
  private static final long PAWS_IDLE_LIMIT_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

  private final TcpEngine engine;
  final ReceiveBuffer buffer;
  /** Our MSS: the largest payload we take, from the configured MTU. */
  private final int mss;
  int irs;
  int nxt;
  /** RCV.NXT + the window last advertised: the right edge never moves left (RFC 9293 §3.8.6). */
  int advertisedEdge;
  PeerFin peerFin = PeerFin.NONE;
  /** The peer's FIN's sequence number, once {@link PeerFin#KNOWN}. */
  int finSeq;
  /** Our window scale (0 to 14), 0 unless both sides offered scaling (RFC 7323 §1.3). */
  byte shift;
  /** Full-sized segments received since our last ACK: one more than 1 means ACK now. */
  private byte fullSegmentsUnacked;
  /** Data segments still to be ACKed at once in quick-ACK mode ({@link TcpConfig#quickAck()}). */
  private byte quickAcks;
  /**
   * An ACK is owed now (set by arrivals, reads and timers; cleared by any segment with ACK). Set
   * it with {@link #ackAtOnce} or {@link #ackWithBurst}.
   */
  boolean ackNow;
  /**
   * The ACK owed now is owed only for in-order data (every second full-sized segment, or quick-ACK
   * mode), so it may wait for the rest of a receive burst and cover it too; see {@link
   * TcpEngine#outputDue}. Meaningful only while {@link #ackNow}.
   */
  boolean ackStretchable;
  private boolean readableSignalled;
  /** {@code shutdown(SHUT_RD)}: in-order data is acknowledged and discarded (BSD semantics). */
  boolean inputShutdown;
  /** When in-order data last arrived, in ms, for quick-ACK mode's idle test. */
  private int lastDataArrivalMillis;
  /** The largest payload the peer has sent: our estimate of its MSS, for delayed ACKs. */
  private int largestSegmentReceived;
  // RFC 7323 §4.3: the timestamp to echo, and when it was taken (for PAWS's 24-day limit).
  int tsRecent;
  long tsRecentTime;
  boolean tsRecentValid;
  int lastAckSent;
  private int lastOutOfOrderOffset = -1;
  // D-SACK (RFC 2883 §4): the duplicate bytes the next ACK reports in its first SACK block, once.
  boolean dsackPending;
  private int dsackStart;
  private int dsackEnd;
  /** Scratch for the SACK blocks of the next segment; made when first needed, dropped when idle. */
  int[] sackEdges;

  Receiver(TcpEngine engine, TcpConfig config, int mss) {
    this.engine = engine;
    this.buffer = new ReceiveBuffer(config.receiveBufferBytes(), config.maxOutOfOrderRanges());
    this.mss = mss;
    this.shift = (byte) (config.windowScaling() ? offeredShift(config) : 0);
  }

  /** The window scale we offer (RFC 7323 §2.3): configured, or the least that covers the buffer. */
  private static int offeredShift(TcpConfig config) {
    int shift = config.windowScaleShift();
    if (shift >= 0) {
      return shift;
    }
    shift = 0;
    while (shift < TcpOptions.MAX_WINDOW_SCALE && (config.receiveBufferBytes() >>> shift) > 0xFFFF) {
      shift++;
    }
    return shift;
  }

  int mss() {
    return mss;
  }

  /** The peer's SYN at {@code seq}: RCV.NXT is the byte after it. */
  void synchronize(int seq) {
    irs = seq;
    nxt = seq + 1;
    advertisedEdge = nxt;
  }

  /** The options of the peer's SYN (RFC 7323 §1.3, §4.3): scaling, and the first TS.Recent. */
  void negotiate(TcpOptions options, boolean windowScaleAgreed, boolean timestampsOk, long now) {
    if (!windowScaleAgreed) {
      shift = 0; // both sides must offer it, or neither side scales
    }
    if (timestampsOk) {
      tsRecent = options.tsVal();
      tsRecentTime = now;
      tsRecentValid = true;
    }
  }

  /**
   * The handshake a SYN cookie completed ({@link TcpEngine#acceptCookie}): the peer's SYN was at
   * {@code seq}, and our SYN-ACK offered at most 65,535 bytes, unscaled.
   */
  void synchronizeFromCookie(int seq) {
    synchronize(seq);
    advertisedEdge = nxt + Math.min(buffer.window(), 0xFFFF);
    shift = 0;
  }

  /** See {@link TcpEngine#read}. */
  int read(byte[] dst, int off, int len) {
    if (inputShutdown) {
      return -1;
    }
    int n = buffer.read(dst, off, len);
    if (n > 0) {
      if (buffer.readable() == 0) {
        readableSignalled = false;
      }
      if (windowUpdateWorthSending()) {
        ackAtOnce(); // RFC 9293 §3.8.6.2.2: the window opened by a worthwhile amount
      }
      return n;
    }
    // A zero-length read with bytes still readable is not the end of the stream.
    return peerFin == PeerFin.CONSUMED && buffer.readable() == 0 ? -1 : 0;
  }

  boolean endOfStreamReached() {
    return peerFin == PeerFin.CONSUMED;
  }

  /** See {@link TcpEngine#shutdownInput}. Returns false if input was already shut down. */
  boolean shutdownInput(boolean synchronizedState) {
    if (inputShutdown) {
      return false;
    }
    inputShutdown = true;
    boolean freed = buffer.readable() > 0;
    buffer.discardReadable();
    readableSignalled = false;
    if (freed && synchronizedState && windowUpdateWorthSending()) {
      ackAtOnce(); // the discarded bytes opened the window: tell a sender that may be waiting
    }
    return true;
  }

  /**
   * Header prediction's receive side (see {@code TcpEngine.onPredictedSegment}): true if
   * {@code seg} starts at RCV.NXT, no FIN of the peer's is known, its timestamp passes PAWS
   * without question (RFC 7323 §5.3), and its {@code payload} bytes, if any, go straight into the
   * buffer, with no hole held and nothing to trim.
   */
  boolean predicts(TcpSegment seg, int payload, long now) {
    return seg.sequenceNumber() == nxt && peerFin == PeerFin.NONE
        && (payload == 0 || buffer.fitsInOrder(payload))
        && (!engine.timestampsOk || timestampPredicted(seg.options(), now));
  }

  private boolean timestampPredicted(TcpOptions options, long now) {
    return options.hasTimestamps() && tsRecentValid && SeqNum.ge(options.tsVal(), tsRecent)
        && now - tsRecentTime <= PAWS_IDLE_LIMIT_NANOS;
  }

  /**
   * The fast path's data: {@code payload} bytes at RCV.NXT that {@link #predicts} accepted. The
   * outcome is {@link #onData}'s for that case, without the trimming at a FIN, the D-SACK check
   * and the hole handling, none of which can apply.
   */
  void receivePredicted(TcpSegment seg, int payload, long now) {
    buffer.append(seg.buffer(), seg.payloadOffset(), payload);
    nxt += payload;
    engine.stats.add(TcpCounter.BYTES_RECEIVED, payload);
    deliverOrDiscard();
    noteDataArrival(now);
    scheduleAck(payload, now);
  }

  /**
   * Stores {@code payload} bytes of {@code seg} that start at {@code dataSeq} (RFC 9293
   * §3.10.7.4, seventh): trimmed at a known FIN, reassembled, and ACKed at once or later.
   */
  void onData(TcpSegment seg, int dataSeq, int payload, long now) {
    int length = payload;
    if (peerFin != PeerFin.NONE) {
      long beforeFin = SeqNum.distance(dataSeq, finSeq);
      if (SeqNum.ge(dataSeq, finSeq)) {
        length = 0;
      } else if (beforeFin < length) {
        length = (int) beforeFin;
      }
      if (length < payload) {
        engine.drop(DropReason.TCP_DATA_AFTER_FIN);
      }
    }
    int offset = dataSeq - nxt; // negative: a retransmission overlapping what we have
    if (engine.sackOk) {
      noteDuplicate(offset, length);
    }
    int advanced = buffer.write(offset, seg.buffer(), seg.payloadOffset(), length);
    if (advanced == ReceiveBuffer.REFUSED) {
      engine.drop(DropReason.TCP_REASSEMBLY_FULL);
      ackAtOnce();
    } else if (advanced > 0) {
      boolean filledHole = advanced > Math.max(0, offset + length);
      nxt += advanced;
      engine.stats.add(TcpCounter.BYTES_RECEIVED, advanced);
      deliverOrDiscard();
      noteDataArrival(now);
      if (filledHole || !buffer.outOfOrder().isEmpty()) {
        ackAtOnce(); // RFC 5681 §4.2: ACK at once when a gap fills
      } else {
        scheduleAck(length, now);
      }
    } else if (offset > 0) {
      lastOutOfOrderOffset = offset;
      ackAtOnce(); // RFC 5681 §4.2: an out-of-order segment gets an immediate duplicate ACK
    } else {
      ackAtOnce(); // a pure duplicate: tell the peer where we are (it may have lost our ACK)
    }
  }

  /**
   * In-order data of {@code length} bytes arrived and no hole is left: ACK now or start the
   * delayed-ACK timer (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2).
   */
  private void scheduleAck(int length, long now) {
    if (dsackPending) {
      ackAtOnce(); // part of it was a duplicate: the sender may be retransmitting needlessly
    } else if (quickAcks > 0) {
      quickAcks--;
      ackWithBurst(); // quick-ACK mode: the sender is in slow start, so do not hold it back
    } else if (length >= fullSegmentSize(length) && ++fullSegmentsUnacked >= 2) {
      ackWithBurst(); // RFC 9293 §3.8.6.3: at least every second full-size segment
    } else if (!engine.timers.isSet(TcpTimer.DELAYED_ACK)) {
      engine.timers.set(TcpTimer.DELAYED_ACK, now + engine.config.delayedAckNanos());
    }
  }

  /** Records the peer's FIN at {@code seq}, unless one is known or it lies beyond the window. */
  void recordFin(int seq) {
    // A FIN beyond the window cannot be recorded: the peer will send it again.
    if (peerFin == PeerFin.NONE && SeqNum.le(seq, nxt + (int) Math.min(buffer.window(), Integer.MAX_VALUE))) {
      peerFin = PeerFin.KNOWN;
      finSeq = seq;
    }
    if (peerFin != PeerFin.CONSUMED && SeqNum.gt(seq, nxt)) {
      ackAtOnce(); // an out-of-order FIN: tell the peer what is missing
    }
  }

  /**
   * Consumes the peer's FIN if RCV.NXT has reached it, and returns true if it did: every byte
   * before it is readable, and the engine reports END_OF_STREAM after their READABLE event. This
   * is the fix for KB Q114541.
   */
  boolean consumeFinIfReached() {
    if (peerFin != PeerFin.KNOWN || nxt != finSeq) {
      return false;
    }
    peerFin = PeerFin.CONSUMED;
    nxt += 1;
    // Bytes held beyond the FIN can never be delivered, and their offsets are relative to the
    // old RCV.NXT: drop them, as Linux's tcp_fin() purges its out-of-order queue.
    buffer.discardOutOfOrder();
    lastOutOfOrderOffset = -1;
    ackAtOnce();
    engine.timers.stop(TcpTimer.DELAYED_ACK);
    return true;
  }

  /**
   * Text and FIN from the peer's SYN in a simultaneous open, now that the connection is
   * ESTABLISHED: stored as if they had just arrived in order. Returns true if a FIN came with
   * them (the engine then consumes it).
   */
  boolean replaySynText(SynText held) {
    int advanced = buffer.write(0, held.data(), 0, held.data().length);
    if (advanced > 0) {
      nxt += advanced;
      engine.stats.add(TcpCounter.BYTES_RECEIVED, advanced);
      deliverOrDiscard();
    }
    if (held.fin()) {
      peerFin = PeerFin.KNOWN;
      finSeq = nxt;
    }
    ackAtOnce();
    return held.fin();
  }

  /** An ACK is owed, and must go out before the next segment is processed. */
  void ackAtOnce() {
    ackNow = true;
    ackStretchable = false;
  }

  /**
   * An ACK is owed for in-order data: it may cover the rest of a receive burst (one ACK per
   * burst, as Linux sends one per GRO-coalesced segment), unless one is owed at once already.
   */
  private void ackWithBurst() {
    if (!ackNow) {
      ackNow = true;
      ackStretchable = true;
    }
  }

  /** A segment carrying ACK = {@code ack} went out: no ACK is owed any more. */
  void onAckSent(int ack) {
    lastAckSent = ack;
    ackNow = false;
    engine.timers.stop(TcpTimer.DELAYED_ACK);
    fullSegmentsUnacked = 0;
  }

  /** The delayed-ACK timer fired. */
  void onDelayedAckTimeout() {
    engine.timers.stop(TcpTimer.DELAYED_ACK);
    ackAtOnce();
  }

  /** Bytes of SACK option the next non-SYN segment will carry. */
  int sackOptionSpace() {
    int blocks = engine.sackOk ? sackBlocks() : 0;
    return blocks > 0 ? 4 + 8 * blocks : 0;
  }

  void releaseIdleBuffers() {
    sackEdges = null;
    buffer.releaseIfEmpty();
  }

  /**
   * Quick-ACK mode, as Linux's {@code tcp_event_data_recv} and {@code tcp_incr_quickack} run it:
   * the first data of a connection, and the first after an idle period longer than the RTO, earn
   * min(16, max(2, RCV.WND / (2·MSS))) segments that are each ACKed at once. Linux's exception for
   * interactive ("pingpong") connections is not modelled.
   */
  private void noteDataArrival(long now) {
    if (!engine.config.quickAck()) {
      return;
    }
    int nowMillis = Math.max(1, (int) (now / 1_000_000L)); // 0 means "no data yet"
    if (lastDataArrivalMillis == 0 || nowMillis - lastDataArrivalMillis > engine.rtt.rtoNanos() / 1_000_000L) {
      long segments = receiveWindowForAcceptance() / (2L * mss);
      quickAcks = (byte) Math.max(quickAcks, Math.min(16, Math.max(2, segments)));
    }
    lastDataArrivalMillis = nowMillis;
  }

  /**
   * The answer to a segment that failed the sequence test (RFC 9293 §3.10.7.4 first), RSTs and
   * the peer's repeated SYN aside: {@code <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>}, unless it is a
   * stale ACK meeting TIME-WAIT, plus a D-SACK for data that all arrived before (RFC 2883 §4).
   */
  void onUnacceptable(TcpSegment seg) {
    ackNow = !staleInTimeWait(seg);
    ackStretchable = false;
    int payload = seg.payloadLength();
    int seq = seg.sequenceNumber();
    if (engine.sackOk && payload > 0 && (seg.flags() & TcpFlags.SYN) == 0 && SeqNum.le(seq + payload, nxt)) {
      noteDuplicate(seq - nxt, payload);
    }
  }

  /**
   * With {@link TcpConfig#ackStaleInTimeWait()} off: a segment without data or FIN meeting
   * TIME-WAIT wholly before RCV.NXT is taken for an old copy overtaken inside this host: an ACK or
   * window update the peer sent before its FIN, or the peer's second SYN-ACK (its answer to our
   * retransmitted SYN), which it can only have sent before its FIN. Spray-mode receive reorders a
   * connection's segments inside this host, so one worker can take such a copy after another has
   * taken the FIN; Linux's per-flow steering never does that. §3.10.7.4 says an unacceptable
   * segment "should" get an ACK, but in TIME-WAIT the peer has closed: the ACK would meet CLOSED
   * and draw a RST (§3.10.7.1). Data and FIN retransmissions are still answered: a peer whose
   * copy of our final ACK was lost resends from its first unacknowledged byte, one segment per
   * timeout, and reaches its FIN only through our answers.
   */
  boolean staleInTimeWait(TcpSegment seg) {
    return !engine.config.ackStaleInTimeWait() && engine.state == TcpState.TIME_WAIT && seg.payloadLength() == 0
        && (seg.flags() & TcpFlags.FIN) == 0 && SeqNum.le(seg.sequenceNumber() + seg.sequenceLength(), nxt);
  }

  /**
   * The ACK TIME-WAIT owes, if any, for a segment that passed the sequence test (RFC 9293
   * §3.10.7.4, seventh and eighth); the engine restarts 2·MSL for a FIN. {@code arrivedInTimeWait}
   * is false for the ACK of our FIN that led here from CLOSING, which needs no answer.
   */
  void onSegmentInTimeWait(TcpSegment seg, boolean arrivedInTimeWait) {
    if ((seg.flags() & TcpFlags.FIN) != 0) {
      ackAtOnce(); // the peer lost our ACK of its FIN (RFC 9293 §3.10.7.4, eighth)
    } else if (!arrivedInTimeWait) {
      return; // the ACK that ended CLOSING: nothing to answer
    } else if (seg.payloadLength() > 0) {
      // Text after the FIN, inside the window: §3.10.7.4 (seventh) says to ignore it, and Linux
      // and FreeBSD answer with an ACK that shows the peer where the stream ended.
      engine.drop(DropReason.TCP_DATA_AFTER_FIN);
      ackAtOnce();
    } else if (seg.sequenceNumber() != nxt) {
      // An empty segment inside the window but not at RCV.NXT is no duplicate of anything we
      // expect: Linux (tcp_timewait_state_process) and FreeBSD ACK it, which shows the peer
      // where we are. Only an empty segment exactly at RCV.NXT, a mere ACK, goes unanswered.
      ackAtOnce();
    }
  }

  /**
   * Records the part of an arrival at {@code offset} (relative to RCV.NXT) that we already had, so
   * the next ACK reports it as a D-SACK (RFC 2883 §4): below RCV.NXT first, else the first overlap
   * with held out-of-order data. The sender learns its retransmission was spurious.
   */
  private void noteDuplicate(int offset, int length) {
    if (length <= 0) {
      return;
    }
    if (offset < 0) {
      if (-(long) offset > engine.stats.get(TcpCounter.BYTES_RECEIVED)) {
        return; // it starts before the peer's first byte: junk, not a duplicate
      }
      dsackStart = nxt + offset;
      dsackEnd = nxt + Math.min(offset + length, 0);
      dsackPending = true;
      engine.stats.increment(TcpCounter.DSACKS_SENT_OLD);
      return;
    }
    Reassembly held = buffer.outOfOrder();
    int i = held.firstOverlapping(offset, offset + length);
    if (i >= 0) {
      dsackStart = nxt + Math.max(offset, held.rangeStart(i));
      dsackEnd = nxt + Math.min(offset + length, held.rangeEnd(i));
      dsackPending = true;
      engine.stats.increment(TcpCounter.DSACKS_SENT_OUT_OF_ORDER);
    }
  }

  /**
   * What counts as a full-sized segment from the peer (RFC 9293 §3.8.6.3): its sending MSS, which
   * we only see on the wire. Estimated as Linux's rcv_mss is: the largest payload received so far,
   * at least 536 (RFC 9293 §3.7.1's default), at most what our MSS leaves after the timestamps.
   */
  private int fullSegmentSize(int length) {
    largestSegmentReceived = Math.max(largestSegmentReceived, length);
    int ceiling = mss - (engine.timestampsOk ? TcpEngine.TIMESTAMP_OPTION_SPACE : 0);
    return Math.min(ceiling, Math.max(largestSegmentReceived, Mss.DEFAULT_IPV4));
  }

  /** New in-order bytes became readable: signal them, or drop them after {@code SHUT_RD}. */
  private void deliverOrDiscard() {
    if (inputShutdown) {
      buffer.discardReadable();
    } else if (!readableSignalled) {
      readableSignalled = true;
      engine.queueEvent(TcpEvent.READABLE);
    }
  }

  /** Timestamp bookkeeping (RFC 7323 §4.3): TS.Recent follows segments at the left window edge. */
  void updateTimestampRecent(TcpSegment seg, long now) {
    if (engine.timestampsOk && seg.options().hasTimestamps()
        && SeqNum.le(seg.sequenceNumber(), lastAckSent)
        && (!tsRecentValid || SeqNum.ge(seg.options().tsVal(), tsRecent))) {
      tsRecent = seg.options().tsVal();
      tsRecentTime = now;
      tsRecentValid = true;
    }
  }

  /**
   * The window to advertise, in bytes, with receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2): the
   * right edge moves right only by at least min(half the buffer, one MSS), and never moves left.
   */
  int advertisedWindow() {
    // §3.8.6.2.2 measures the reserve against the buffer: once the free space beyond the edge
    // reaches the threshold, the edge moves, as far as the field can show.
    int freeEdge = nxt + buffer.window();
    if (edgeMoveWorthwhile(freeEdge)) {
      advertisedEdge = SeqNum.max(advertisedEdge, advertisableEdge());
    }
    return (int) Math.min(Integer.MAX_VALUE, receiveWindowForAcceptance());
  }

  /**
   * The right edge a segment sent now could advertise: the free buffer rounded down to what the
   * scaled field can express, and clamped to the largest window the field holds (65,535 without
   * scaling), so the edge we remember is exactly the one the peer sees.
   */
  private int advertisableEdge() {
    int window = (buffer.window() >>> shift) << shift;
    return nxt + Math.min(window, 0xFFFF << shift);
  }

  /** RFC 9293 §3.8.6.2.2: move the edge right only by at least min(RCV.BUFF / 2, MSS). */
  private boolean edgeMoveWorthwhile(int edge) {
    return SeqNum.gt(edge, advertisedEdge)
        && SeqNum.distance(advertisedEdge, edge) >= Math.min(buffer.capacity() / 2, mss);
  }

  /**
   * After a read: is the opened window worth a segment of its own? Decided on the window the header
   * would actually carry, so a read never sends an ACK identical to the last one (three of those
   * are a duplicate-ACK fast retransmit at the peer). None once the peer's FIN is consumed: nothing
   * more will arrive, and a late window update would reach a peer that may already have closed
   * and answer with a RST (Linux's {@code tcp_cleanup_rbuf} makes the same exception).
   */
  private boolean windowUpdateWorthSending() {
    return peerFin != PeerFin.CONSUMED && edgeMoveWorthwhile(advertisableEdge());
  }

  /** RCV.WND for the acceptability test: what we last advertised. */
  long receiveWindowForAcceptance() {
    return SeqNum.gt(advertisedEdge, nxt) ? SeqNum.distance(nxt, advertisedEdge) : 0;
  }

  /**
   * The four cases of RFC 9293 §3.10.7.4 "first", with a zero-length allowance at RCV.NXT, against
   * the window we last advertised.
   */
  boolean acceptable(int seq, int segLen) {
    long window = receiveWindowForAcceptance();
    if (segLen == 0) {
      return window == 0 ? seq == nxt : SeqNum.inWindow(seq, nxt, window);
    }
    if (window == 0) {
      // RFC 9293: "special allowance should be made to accept valid ACKs, URGs, and RSTs". A
      // segment at RCV.NXT is processed for its ACK and FIN; its data is trimmed by the buffer.
      return seq == nxt;
    }
    return SeqNum.inWindow(seq, nxt, window) || SeqNum.inWindow(seq + segLen - 1, nxt, window);
  }

  /**
   * Fills {@link #sackEdges} and returns the block count. A pending D-SACK comes first, followed
   * by the held block that contains it, if any (RFC 2883 §4); then the block holding the latest
   * out-of-order arrival, then the others, newest offsets first (RFC 2018 §4).
   */
  int sackBlocks() {
    Reassembly holes = buffer.outOfOrder();
    if (!dsackPending && holes.isEmpty()) {
      return 0; // the common case: nothing to report, and no scratch array needed
    }
    if (sackEdges == null) {
      sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];
    }
    int max = engine.timestampsOk ? 3 : 4;
    int count = 0;
    int dsackHolder = -1;
    if (dsackPending) {
      sackEdges[0] = dsackStart;
      sackEdges[1] = dsackEnd;
      count = 1;
      if (SeqNum.gt(dsackEnd, nxt)) {
        dsackHolder = holes.firstOverlapping(dsackStart - nxt, dsackEnd - nxt);
        if (dsackHolder >= 0) {
          count = addSackBlock(count, holes, dsackHolder);
        }
      }
    }
    int latest = -1;
    if (lastOutOfOrderOffset >= 0) {
      int i = holes.firstOverlapping(lastOutOfOrderOffset, lastOutOfOrderOffset + 1);
      if (i >= 0 && i != dsackHolder) {
        latest = i;
        count = addSackBlock(count, holes, i);
      }
    }
    for (int i = holes.rangeCount() - 1; i >= 0 && count < max; i--) {
      if (i != dsackHolder && i != latest) {
        count = addSackBlock(count, holes, i);
      }
    }
    return count;
  }

  private int addSackBlock(int count, Reassembly holes, int index) {
    sackEdges[2 * count] = nxt + holes.rangeStart(index);
    sackEdges[2 * count + 1] = nxt + holes.rangeEnd(index);
    return count + 1;
  }

  /**
   * RFC 7323 §5.3 (PAWS), which comes before the sequence check (the caller exempts RSTs, §5.3
   * R1): true if {@code seg}'s TSval is older than TS.Recent, so the segment is an old duplicate.
   */
  boolean pawsRejects(TcpSegment seg, long now) {
    if (!engine.timestampsOk || !seg.options().hasTimestamps() || !tsRecentValid) {
      return false;
    }
    if (now - tsRecentTime > PAWS_IDLE_LIMIT_NANOS) {
      tsRecentValid = false; // §5.5: forget TS.Recent after 24 days idle
      return false;
    }
    return SeqNum.lt(seg.options().tsVal(), tsRecent) && !disorderedAck(seg);
  }

  /**
   * Linux's {@code tcp_disordered_ack}: a pure duplicate ACK at RCV.NXT that changes no window and
   * whose TSval is older than TS.Recent by less than one RTO was merely overtaken (spray-mode
   * receive and the network both reorder), not replayed from an old incarnation. PAWS (RFC 7323
   * §5.3) would drop it and answer with a duplicate ACK of our own; accepting it changes nothing,
   * because it carries nothing new, and keeps that needless ACK off the wire.
   */
  private boolean disorderedAck(TcpSegment seg) {
    return seg.flags() == TcpFlags.ACK
        && seg.payloadLength() == 0
        && seg.sequenceNumber() == nxt
        && seg.acknowledgmentNumber() == engine.snd.una
        && ((long) seg.window() << engine.snd.shift) == engine.snd.wnd
        && (long) (tsRecent - seg.options().tsVal()) * TcpEngine.TIMESTAMP_TICK_NANOS <= engine.rtt.rtoNanos();
  }
}
