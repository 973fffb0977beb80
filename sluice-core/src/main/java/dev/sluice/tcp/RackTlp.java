package dev.sluice.tcp;

import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;

/**
 * RACK-TLP (RFC 8985) wired into one connection: the segments in flight ({@link SentSegments}),
 * RACK's time-based loss detection ({@link Rack}) with its reordering timer, and the tail loss
 * probe ({@link TailLossProbe}) with its PTO. On only when the connection negotiated SACK and
 * {@link TcpConfig#rackTlp()} is set; the {@link Sender} makes it at the first data segment.
 *
 * <p>What it changes in loss recovery ({@link LossRecovery}): a SACK connection enters fast
 * recovery when RACK marks a segment lost, not at DupThresh, and NextSeg retransmits the first
 * segment marked lost; RFC 6675's pipe and the congestion response on entering recovery stay.
 * It lives in the connection's {@link LossRecovery}. The per-segment records are dropped whenever
 * nothing is in flight, and all of it with the loss recovery once {@link #idle}; a new one takes
 * SRTT for RACK.min_RTT until its first sample.
 *
 * <p>Driven by the engine's owner, one thread at a time.
 */
final class RackTlp {
  /** RFC 8985 §7.2 WCDelAckT: the peer's worst-case delayed-ACK time when one segment is in flight. */
  static final long MAX_ACK_DELAY_NANOS = 200_000_000L;

  private final TcpEngine engine;
  final Rack rack = new Rack();
  final TailLossProbe tlp = new TailLossProbe();
  /** Made at the first segment sent, dropped when nothing is in flight ({@link #releaseIfIdle}). */
  private SentSegments segments;
  private final int[] newlyLost = new int[1];
  /** The PTO fired and allows a probe: the next pollTransmit sends it. */
  boolean probeOwed;
  /**
   * RACK's reordering timer (§6.2 step 5) and TLP's PTO (§7.2). Kept here rather than in the
   * engine's {@link TimerTable}, so that connections without RACK-TLP, and idle ones, carry no
   * slots for them; the engine's deadline is the minimum of both ({@link Sender#rackDeadline}).
   */
  private long reorderDeadline = TimerTable.NEVER;
  private long probeDeadline = TimerTable.NEVER;

  /**
   * Made at the first data segment, usually after the handshake's RTT sample: SRTT then stands
   * for RACK.min_RTT until the next sample, and counts as TLP's sample (§7.3 rule 2).
   */
  RackTlp(TcpEngine engine, long now) {
    this.engine = engine;
    long srtt = engine.rtt.srttNanos();
    if (srtt > 0) {
      rack.onRttSample(srtt, now);
      tlp.onRttSample();
    }
  }

  /** Test access: the records, or null. */
  SentSegments segmentsOrNull() {
    return segments;
  }

  // ------------------------------------------------------------------ sending

  /** New data {@code [seq, end)} went out (RACK_transmit_new_data). */
  void onSentNew(int seq, int end, long now) {
    SentSegments s = segments;
    if (s == null) {
      s = segments = new SentSegments(16);
    } else if (!s.isEmpty() && s.end(s.size() - 1) != seq) {
      s.clear(); // not contiguous (cannot happen while every send is recorded): start over
    }
    s.sentNew(seq, end, now);
  }

  /** {@code [seq, end)} was sent again (RACK_retransmit_data). */
  void onRetransmitted(int seq, int end, long now) {
    if (segments != null) {
      segments.retransmitted(seq, end, now);
    }
  }

  /**
   * RFC 6675 NextSeg rule 1 under RACK: the first segment marked lost, as the offset from
   * SND.UNA of its start and end, packed {@code (long) end << 32 | offset}, or -1 if none.
   */
  long nextLost(int una) {
    SentSegments s = segments;
    if (s == null) {
      return -1;
    }
    for (int i = 0; i < s.size(); i++) {
      if (s.has(i, SentSegments.LOST) && !s.has(i, SentSegments.SACKED)) {
        int start = SeqNum.max(s.start(i), una);
        int offset = (int) SeqNum.distance(una, start);
        int end = (int) SeqNum.distance(una, s.end(i));
        return (long) end << 32 | (offset & 0xFFFF_FFFFL);
      }
    }
    return -1;
  }

  /** New data went out (not a probe): §7.2 starts or restarts the PTO, unless recovering or SACKed. */
  void afterNewData(long now) {
    if (!engine.snd.inRecovery() && !sackedAny()) {
      armProbeTimer(now);
    }
  }

  // ------------------------------------------------------------------ acknowledgments

  /** An RTT sample the engine took: RACK.min_RTT (§6.2 step 1) and TLP's rule 2 (§7.3). */
  void onRttSample(long sampleNanos, long now) {
    rack.onRttSample(sampleNanos, now);
    tlp.onRttSample();
  }

  /**
   * An acceptable ACK that advanced SND.UNA or carried SACK blocks, after the sender took it
   * (RFC 8985 §6.2 and §7.4). {@code wasInRecovery}: fast recovery was on before this ACK.
   */
  void onAck(TcpSegment seg, int ack, boolean advanced, boolean wasInRecovery, long now) {
    Sender snd = engine.snd;
    TcpOptions options = seg.options();
    int blocks = engine.sackOk ? options.sackBlockCount() : 0;
    boolean dsack = blocks > 0 && isDsack(options, blocks, ack);
    SentSegments s = segments;
    if (s != null) {
      boolean tsecr = engine.timestampsOk && options.hasTimestamps() && options.tsEcr() != 0;
      rack.beginAck(now, tsecr, tsecr ? tsecrNanos(options.tsEcr(), now) : 0);
      s.cumulativeAck(ack, rack);
      for (int b = dsack ? 1 : 0; b < blocks; b++) {
        s.sacked(options.sackLeft(b), options.sackRight(b), rack);
      }
      boolean inRecovery = snd.inRecovery();
      long reoWnd = rack.reorderingWindow(snd.una, snd.max, dsack, inRecovery, wasInRecovery && !inRecovery,
          segmentsSacked(), engine.rtt.srttNanos());
      detectLoss(reoWnd, now);
      if (wasInRecovery && !snd.inRecovery() && nextLost(snd.una) >= 0) {
        enterRecovery(now); // segments marked lost during the recovery that just ended, not yet resent
      }
    }
    boolean dsackCoversProbe = dsack && tlp.probing() && SeqNum.lt(options.sackLeft(0), tlp.endSeq())
        && SeqNum.ge(options.sackRight(0), tlp.endSeq());
    if (tlp.onAck(ack, dsackCoversProbe, false)) {
      // §7.4.2: the probe repaired a loss: the congestion response a fast recovery would make.
      engine.congestion.onEnterRecovery(SeqNum.distance(snd.una, snd.max));
      engine.congestion.onExitRecovery();
    }
    if (snd.una == snd.max) {
      stopTimers();
    } else if (advanced && !snd.inRecovery() && !sackedAny()) {
      armProbeTimer(now);
    }
  }

  /** RFC 2883 §4: the first block lies below the cumulative ACK, or inside the second block. */
  private static boolean isDsack(TcpOptions options, int blocks, int ack) {
    int left = options.sackLeft(0);
    int right = options.sackRight(0);
    if (SeqNum.le(right, ack)) {
      return true;
    }
    return blocks > 1 && SeqNum.ge(left, options.sackLeft(1)) && SeqNum.le(right, options.sackRight(1));
  }

  /** Our timestamp {@code tsEcr} on the engine's clock: the end of its millisecond tick. */
  private long tsecrNanos(int tsEcr, long now) {
    long ticksAgo = engine.snd.timestampNow(now) - tsEcr;
    long tick = TcpEngine.TIMESTAMP_TICK_NANOS;
    return (now / tick - ticksAgo + 1) * tick - 1;
  }

  /** RACK.segs_sacked, from the scoreboard's bytes. */
  private int segmentsSacked() {
    LossRecovery r = engine.recovery;
    SackScoreboard board = r == null ? null : r.scoreboardOrNull();
    return board == null ? 0 : (int) Math.min(Integer.MAX_VALUE, board.sackedBytes() / Math.max(1, engine.snd.mss));
  }

  private boolean sackedAny() {
    LossRecovery r = engine.recovery;
    SackScoreboard board = r == null ? null : r.scoreboardOrNull();
    return board != null && !board.isEmpty();
  }

  /**
   * RACK_detect_loss and what follows it: segments marked lost are counted, start fast recovery
   * if it is not on (with the congestion response of RFC 6675 §5 (4.2)), and the reordering
   * timer is set for the next segment whose window has not run out yet.
   */
  private void detectLoss(long reoWnd, long now) {
    long timeout = rack.detectLoss(segments, reoWnd, now, newlyLost);
    if (newlyLost[0] > 0) {
      engine.stats.add(TcpCounter.RACK_LOSSES, newlyLost[0]);
      enterRecovery(now);
    }
    reorderDeadline = timeout > 0 ? now + timeout : TimerTable.NEVER;
  }

  /** Fast recovery because RACK marked segments lost, unless it is on already (see LossRecovery#onRackLoss). */
  private void enterRecovery(long now) {
    Sender snd = engine.snd;
    if (engine.recovery().onRackLoss(snd.una, snd.max)) {
      engine.stats.increment(TcpCounter.FAST_RETRANSMITS);
      engine.congestion.onEnterRecovery(SeqNum.distance(snd.una, snd.max));
      tlp.reset(); // TLP_init: fast recovery forgets any probe
      probeOwed = false;
      probeDeadline = TimerTable.NEVER;
    }
  }

  // ------------------------------------------------------------------ timers

  /** The earlier of the reordering timer and the PTO, or {@link TimerTable#NEVER}. */
  long nextDeadline() {
    return Math.min(reorderDeadline, probeDeadline);
  }

  /** Runs whichever of the two timers is due, after the engine's own (the RTO first). */
  void onTimer(long now) {
    if (reorderDeadline <= now) {
      onReorderTimeout(now);
    }
    if (probeDeadline <= now) {
      onProbeTimeout();
    }
  }

  private void stopTimers() {
    reorderDeadline = TimerTable.NEVER;
    probeDeadline = TimerTable.NEVER;
    probeOwed = false;
  }

  /** The reordering timer fired (§6.2 step 5): detect losses again. */
  private void onReorderTimeout(long now) {
    reorderDeadline = TimerTable.NEVER;
    Sender snd = engine.snd;
    if (segments == null || segments.isEmpty() || !engine.state.isSynchronized()) {
      return;
    }
    long reoWnd = rack.reorderingWindow(snd.una, snd.max, false, snd.inRecovery(), false, segmentsSacked(),
        engine.rtt.srttNanos());
    detectLoss(reoWnd, now);
  }

  /** TLP_calc_PTO and arming (§7.2); never later than the retransmission timer. */
  private void armProbeTimer(long now) {
    Sender snd = engine.snd;
    long rtoAt = engine.timers.get(TcpTimer.RETRANSMIT);
    long rtoIn = rtoAt == TimerTable.NEVER ? engine.rtt.rtoNanos() : Math.max(0, rtoAt - now);
    boolean oneSegment = SeqNum.distance(snd.una, snd.max) <= snd.mss;
    long pto = TailLossProbe.probeTimeout(engine.rtt.srttNanos(), oneSegment, MAX_ACK_DELAY_NANOS, rtoIn);
    probeDeadline = now + pto;
  }

  /** The PTO fired (§7.3): a probe is owed if one may go out now. */
  private void onProbeTimeout() {
    probeDeadline = TimerTable.NEVER;
    Sender snd = engine.snd;
    if (engine.state.isSynchronized() && snd.una != snd.max && snd.nxt == snd.max && !snd.inRecovery()
        && tlp.mayProbe()) {
      probeOwed = true;
    }
  }

  /** A probe went out: remember it (§7.3), count it, and restart the retransmission timer. */
  void probeSent(boolean retransmission, long now) {
    probeOwed = false;
    tlp.probeSent(engine.snd.max, retransmission);
    engine.stats.increment(TcpCounter.TLP_PROBES);
    engine.timers.set(TcpTimer.RETRANSMIT, now + engine.rtt.rtoNanos());
  }

  /**
   * The retransmission timer fired on data (§6.3): RACK marks the first outstanding segment and
   * every one whose window ran out lost, and TLP forgets its probe. Sluice then goes back to
   * SND.UNA and sends everything again (RFC 6298 §5.4), which clears the marks as it resends, so
   * the marks only matter for what the RTO recovery resends first: the same segments.
   */
  void onRetransmitTimeout(long now) {
    if (segments != null && !segments.isEmpty()) {
      rack.markLossesOnTimeout(segments, rack.reorderingWindow(engine.snd.una, engine.snd.max, false, false,
          false, 0, engine.rtt.srttNanos()), now);
    }
    tlp.reset();
    stopTimers();
  }

  /**
   * Nothing here matters beyond what SRTT gives a new one: no records, no timers, no probe, and a
   * reordering window that is not inflated. Then the connection's loss recovery, and this with
   * it, may be dropped.
   */
  boolean idle() {
    return segments == null && !probeOwed && nextDeadline() == TimerTable.NEVER && !tlp.probing()
        && rack.reorderingWindowMultiplier() == 1;
  }

  /** For the engine's releaseIdleBuffers: drops the records when nothing is in flight. */
  void releaseIfIdle() {
    if (segments != null && segments.isEmpty() && engine.snd.una == engine.snd.max) {
      segments = null;
    }
  }
}
