package dev.sluice.tcp;

import dev.sluice.wire.TcpOptions;

/**
 * Loss recovery for one connection: duplicate-ACK counting and fast retransmit (RFC 5681 §3.2),
 * NewReno partial ACKs (RFC 6582), the SACK scoreboard and pipe (RFC 6675), limited transmit
 * (RFC 3042), round-trip timing without timestamps (Karn's rule: never time a retransmission),
 * and the count of retransmission timeouts in a row.
 *
 * <p>The engine makes it at the first sign it is needed (a duplicate ACK, a SACK block, a
 * timeout, a segment timed without timestamps) and drops it again when {@link #idle}, so an idle
 * connection, and most connections that never lose a segment, do not carry it. Driven by the
 * engine's owner, one thread at a time.
 */
final class LossRecovery {
  /** RFC 5681 §3.2 / RFC 6675 §2: DupThresh. */
  static final int DUP_THRESHOLD = 3;

  /**
   * RACK-TLP (RFC 8985), on SACK connections with it configured: made at the first data segment
   * ({@link Sender#rackTlp}), and kept while it matters ({@link RackTlp#idle}).
   */
  RackTlp rack;
  /** Made at the first SACK block: many connections that recover never see one. */
  private SackScoreboard scoreboard;
  int dupAcks;
  boolean inRecovery;
  /** RFC 6582 "recover": SND.MAX when recovery (or the last timeout) began. */
  private int recoveryPoint;
  private boolean recoveryPointSet;
  /** RFC 6675 HighRxt: everything below it has been retransmitted in this recovery. */
  int highRxt;
  /** Recovery has begun (or, without SACK, a partial ACK came) and its first retransmission is owed. */
  boolean retransmitDue;
  /**
   * Retransmission timeouts in a row with no new data acknowledged between them (RFC 6298 §5.5
   * backs off once for each); the engine gives up at its configured limit.
   */
  int timeouts;

  // Round-trip timing without timestamps: one segment at a time (RFC 6298 §3).
  private boolean rttTiming;
  private int rttSeq;
  private long rttStart;

  SackScoreboard scoreboard(int maxRanges) {
    SackScoreboard board = scoreboard;
    if (board == null) {
      board = scoreboard = new SackScoreboard(maxRanges);
    }
    return board;
  }

  /**
   * Takes the SACK blocks of an acceptable ACK into the scoreboard (RFC 2018, RFC 6675 §5) and
   * returns how many bytes they newly cover. Invalid blocks are ignored and counted in
   * {@code stats} (hostile input 1).
   */
  long onSackBlocks(TcpOptions options, int una, int max, int maxRanges, TcpStats stats) {
    SackScoreboard board = scoreboard(maxRanges);
    long invalidBefore = board.invalidBlocks();
    long newlySacked = board.apply(options, una, max);
    long invalid = board.invalidBlocks() - invalidBefore;
    if (invalid > 0) {
      stats.add(TcpCounter.SACK_BLOCKS_IGNORED, invalid);
    }
    return newlySacked;
  }

  /** The scoreboard, or null before the first SACK block. */
  SackScoreboard scoreboardOrNull() {
    return scoreboard;
  }

  private boolean hasSacks(boolean sackOk) {
    return sackOk && scoreboard != null && !scoreboard.isEmpty();
  }

  /** Times the segment at {@code seq} unless one is being timed already. */
  void startTiming(int seq, long now) {
    if (!rttTiming) {
      restartTiming(seq, now);
    }
  }

  void restartTiming(int seq, long now) {
    rttTiming = true;
    rttSeq = seq;
    rttStart = now;
  }

  /** Karn: the next ACK may answer either transmission, so it must not be timed. */
  void stopTiming() {
    rttTiming = false;
  }

  /**
   * The RTT sample that {@code ack} gives for the timed segment, or -1; the timing ends once the
   * segment is acknowledged.
   */
  long timedSample(int ack, long now, boolean sampleWanted) {
    if (!rttTiming || !SeqNum.gt(ack, rttSeq)) {
      return -1;
    }
    rttTiming = false;
    return sampleWanted ? now - rttStart : -1;
  }

  /**
   * SND.UNA advances from {@code una} to {@code ack}. Returns true if that full ACK ended
   * recovery (RFC 6582 §3.2 step 6); a partial ACK marks the next segment lost (step 5).
   */
  boolean onUnaAdvanced(int una, int ack, boolean sackOk) {
    if (scoreboard != null) {
      scoreboard.onUnaAdvanced(SeqNum.distance(una, ack));
    }
    dupAcks = 0;
    timeouts = 0;
    if (!inRecovery) {
      return false;
    }
    if (SeqNum.ge(ack, recoveryPoint)) {
      inRecovery = false; // a full ACK ends recovery (RFC 6582 §3.2 step 6)
      retransmitDue = false;
      return true;
    }
    if (!sackOk || SeqNum.lt(highRxt, ack)) {
      highRxt = ack; // a partial ACK: the first unacknowledged segment is lost too (step 5)
      retransmitDue = !sackOk; // RFC 6582 §3.2 step 5: retransmitted whatever the pipe
    }
    return false;
  }

  /**
   * A duplicate ACK, or new SACK information (RFC 6675 §5). At DupThresh, or once DupThresh
   * segments' worth of data above SND.UNA is SACKed (IsLost), recovery begins: but not for
   * duplicates of data sent before the last recovery or timeout (RFC 6582 §3.2 step 1), and not
   * with {@code rack}, where RACK's loss marking starts it ({@link #onRackLoss}). Returns true if
   * recovery began.
   */
  boolean onDuplicateAck(int una, int max, boolean sackOk, int smss, boolean rack) {
    dupAcks++;
    if (inRecovery || rack) {
      return false; // the scoreboard and dupAcks already shrank the pipe; or RACK decides (RFC 8985)
    }
    boolean lost = dupAcks >= DUP_THRESHOLD
        || (sackOk && scoreboard != null && scoreboard.sackedBytes() >= (long) DUP_THRESHOLD * smss);
    return lost && enterRecovery(una, max);
  }

  /**
   * RACK marked a segment lost (RFC 8985 §6.2 step 5): for a SACK connection with RACK on, this,
   * not DupThresh, starts fast recovery; RFC 6582's rule on data sent before the last recovery or
   * timeout still applies. Returns true if recovery began.
   */
  boolean onRackLoss(int una, int max) {
    return !inRecovery && enterRecovery(una, max);
  }

  private boolean enterRecovery(int una, int max) {
    if (recoveryPointSet && SeqNum.lt(una, recoveryPoint)) {
      return false;
    }
    inRecovery = true;
    recoveryPoint = max;
    recoveryPointSet = true;
    highRxt = una;
    retransmitDue = true;
    rttTiming = false;
    return true;
  }

  /**
   * Going back to SND.UNA after a timeout or a path MTU drop: recovery ends, and duplicate ACKs
   * for what was in flight must not start a new one (RFC 6582 §3.2); SACK information is
   * discarded (RFC 6675 §5.1 permits it).
   */
  void goBack(int max) {
    inRecovery = false;
    retransmitDue = false;
    dupAcks = 0;
    recoveryPoint = max;
    recoveryPointSet = true;
    if (scoreboard != null) {
      scoreboard.clear();
    }
  }

  /**
   * RFC 6675 §4 SetPipe, simplified: bytes above the highest SACK are in flight, holes below it
   * are lost unless retransmitted in this recovery. Without SACK, each duplicate ACK stands for
   * one segment that left the network (RFC 5681 §3.2 step 4).
   */
  long pipe(int una, int max, boolean sackOk, int smss) {
    long outstanding = SeqNum.distance(una, max);
    long retransmitted = SeqNum.gt(highRxt, una) ? SeqNum.distance(una, highRxt) : 0;
    if (hasSacks(sackOk)) {
      int high = scoreboard.highestSackedOffset();
      int rxt = (int) Math.min(retransmitted, high);
      return (outstanding - high) + scoreboard.holeBytes(0, rxt);
    }
    return Math.max(0, outstanding - (long) dupAcks * smss) + retransmitted;
  }

  /**
   * RFC 6675 §5 NextSeg rule 1 (without SACK, the first unacknowledged segment once per partial
   * ACK, RFC 6582): the offset from SND.UNA of the next hole to retransmit and the end of that
   * hole, packed as {@code (long) end << 32 | offset}, or -1 if nothing is to be retransmitted.
   */
  long nextHole(int una, int max, boolean sackOk) {
    int offset = (int) SeqNum.distance(una, SeqNum.max(highRxt, una));
    int end;
    if (hasSacks(sackOk)) {
      int limit = scoreboard.highestSackedOffset();
      offset = scoreboard.skipSacked(offset);
      if (offset >= limit) {
        return -1;
      }
      end = Math.min(scoreboard.nextSackedAfter(offset), limit);
    } else {
      if (highRxt != una) {
        return -1;
      }
      end = (int) SeqNum.distance(una, max);
    }
    return (long) end << 32 | (offset & 0xFFFF_FFFFL);
  }

  /**
   * For the engine's {@code releaseIdleBuffers}: drops an empty scoreboard, and returns true when
   * nothing here matters any more, so the engine may drop all of it.
   */
  boolean releaseIfIdle(int una) {
    if (scoreboard != null && scoreboard.isEmpty()) {
      scoreboard = null;
    }
    if (rack != null) {
      rack.releaseIfIdle();
    }
    return idle(una);
  }

  /**
   * True when nothing here matters: no recovery, no counts, no timing, no SACK ranges, and any
   * recovery point already passed.
   */
  private boolean idle(int una) {
    return !inRecovery && !retransmitDue && dupAcks == 0 && timeouts == 0 && !rttTiming
        && (scoreboard == null || scoreboard.isEmpty()) && (rack == null || rack.idle())
        && (!recoveryPointSet || SeqNum.ge(una, recoveryPoint));
  }
}
