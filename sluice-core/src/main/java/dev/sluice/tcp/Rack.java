package dev.sluice.tcp;

/**
 * RACK, time-based loss detection (RFC 8985 §6): a segment is lost when a segment sent
 * sufficiently later has been delivered. "Sufficiently" is the reordering window, which starts at
 * a quarter of the minimum RTT, grows by that much for every round trip that brings a D-SACK (the
 * receiver saw a spurious retransmission), and falls back after 16 recoveries without one (§6.2
 * step 4). Without observed reordering it is 0 in recovery and once DupThresh segments are SACKed,
 * which keeps RFC 6675's behaviour for connections that never reorder.
 *
 * <p>Pure state and arithmetic on the segments in flight ({@link SentSegments}); the engine calls
 * it on every ACK and at the reordering timer, and decides what to retransmit. Times are
 * nanoseconds on the engine's clock. Owner only, one thread at a time.
 */
final class Rack implements SentSegments.DeliveryListener {
  /** RFC 8985 §6.2 step 4: an inflated reordering window persists for this many recoveries. */
  static final int REORDERING_WINDOW_PERSIST = 16;
  /** RACK.min_RTT is a minimum over this long, so it adapts to a longer path (Linux: 300 s). */
  static final long MIN_RTT_WINDOW_NANOS = 300_000_000_000L;
  /** RFC 6675 DupThresh: without reordering, this many SACKed segments mean recovery. */
  static final int DUP_THRESHOLD = 3;

  private final WindowedMinimum minRtt = new WindowedMinimum(MIN_RTT_WINDOW_NANOS);
  private boolean haveMinRtt;
  /** RACK.rtt: the RTT of the most recently delivered segment that was not a suspect sample. */
  private long rtt;
  /** RACK.xmit_ts and RACK.end_seq: the most recently sent segment that has been delivered. */
  private long xmitTs;
  private int endSeq;
  private boolean haveSegment;
  /** RACK.fack: the highest sequence selectively or cumulatively acknowledged. */
  private int fack;
  private boolean haveFack;
  private boolean reorderingSeen;
  /** RACK.dsack_round: SND.NXT when a round trip that brought a D-SACK began; unset when none. */
  private int dsackRound;
  private boolean dsackRoundSet;
  private int reoWndMult = 1;
  private int reoWndPersist;

  // The ACK being processed, for delivered() (set by beginAck).
  private long ackNow;
  private long ackTsecrNanos;
  private boolean ackHasTsecr;

  // ------------------------------------------------------------------ step 1: the minimum RTT

  /** An RTT sample the engine took (RFC 6298 or RFC 7323 §4): feeds RACK.min_RTT. */
  void onRttSample(long sampleNanos, long now) {
    if (sampleNanos <= 0) {
      return;
    }
    if (!haveMinRtt) {
      minRtt.reset(now, sampleNanos);
      haveMinRtt = true;
    } else {
      minRtt.update(now, sampleNanos);
    }
  }

  long minRttNanos() {
    return haveMinRtt ? minRtt.get() : 0;
  }

  long rttNanos() {
    return rtt;
  }

  // ------------------------------------------------------------------ steps 2 and 3, per delivered segment

  /**
   * Before handing the ACK's newly delivered segments to {@link #delivered}: the time, and the
   * echoed timestamp converted to the engine's clock if the ACK has one ({@code hasTsecr}).
   */
  void beginAck(long now, boolean hasTsecr, long tsecrAsNanos) {
    ackNow = now;
    ackHasTsecr = hasTsecr;
    ackTsecrNanos = tsecrAsNanos;
  }

  /**
   * A segment newly delivered, cumulatively or selectively (RACK_update and
   * RACK_detect_reordering). A retransmitted segment whose delivery may belong to an earlier
   * transmission (its timestamp echo is older, or it came back faster than the minimum RTT) gives
   * no sample, so a spurious retransmission cannot shrink RACK.rtt.
   */
  @Override
  public void delivered(int end, long sentAt, boolean retransmitted) {
    if (!haveFack || SeqNum.gt(end, fack)) {
      fack = end;
      haveFack = true;
    } else if (SeqNum.lt(end, fack) && !retransmitted) {
      reorderingSeen = true; // an original segment below the forward ACK arrived late
    }
    long sample = ackNow - sentAt;
    if (retransmitted) {
      if (ackHasTsecr && ackTsecrNanos < sentAt) {
        return;
      }
      if (sample < minRttNanos()) {
        return;
      }
    }
    rtt = sample;
    if (!haveSegment || sentAfter(sentAt, end, xmitTs, endSeq)) {
      xmitTs = sentAt;
      endSeq = end;
      haveSegment = true;
    }
  }

  /** RACK_sent_after: later by time, and by sequence when the times tie. */
  private static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
    return t1 > t2 || t1 == t2 && SeqNum.gt(seq1, seq2);
  }

  boolean reorderingSeen() {
    return reorderingSeen;
  }

  // ------------------------------------------------------------------ step 4: the reordering window

  /**
   * RACK_update_reo_wnd: the reordering window for this ACK. {@code dsack} is whether the ACK
   * carried a D-SACK block (RFC 2883); {@code exitingRecovery} whether it ends fast or RTO
   * recovery; {@code segsSacked} is RACK.segs_sacked.
   */
  long reorderingWindow(int sndUna, int sndNxt, boolean dsack, boolean inRecovery, boolean exitingRecovery,
      int segsSacked, long srttNanos) {
    if (dsackRoundSet && SeqNum.ge(sndUna, dsackRound)) {
      dsackRoundSet = false;
    }
    if (!dsackRoundSet && dsack) {
      dsackRound = sndNxt;
      dsackRoundSet = true;
      reoWndMult++;
      reoWndPersist = REORDERING_WINDOW_PERSIST;
    } else if (exitingRecovery) {
      reoWndPersist--;
      if (reoWndPersist <= 0) {
        reoWndMult = 1;
      }
    }
    if (!reorderingSeen && (inRecovery || segsSacked >= DUP_THRESHOLD)) {
      return 0;
    }
    long window = reoWndMult * minRttNanos() / 4;
    return srttNanos > 0 ? Math.min(window, srttNanos) : window;
  }

  int reorderingWindowMultiplier() {
    return reoWndMult;
  }

  // ------------------------------------------------------------------ step 5: losses

  /**
   * RACK_detect_loss: marks lost every segment not yet delivered that was sent before RACK.segment
   * and whose time is up (sent more than RACK.rtt + {@code reoWnd} ago). Returns how long until
   * the next segment's time is up (the reordering timer), or 0 if none is waiting; {@code
   * newlyLost} counts the segments marked now.
   */
  long detectLoss(SentSegments segments, long reoWnd, long now, int[] newlyLost) {
    newlyLost[0] = 0;
    if (!haveSegment) {
      return 0;
    }
    long timeout = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.has(i, SentSegments.SACKED | SentSegments.LOST)) {
        continue;
      }
      long sentAt = segments.sentAt(i);
      if (!sentAfter(xmitTs, endSeq, sentAt, segments.end(i))) {
        if (!segments.has(i, SentSegments.RETRANSMITTED)) {
          // Records are in sequence order: every later original went out no earlier than this
          // one, and every later retransmission later than its original, so none can be lost.
          // This keeps an ACK in the common case O(1) however many segments are in flight.
          break;
        }
        continue;
      }
      long remaining = sentAt + rtt + reoWnd - now;
      if (remaining <= 0) {
        segments.markLost(i);
        newlyLost[0]++;
      } else {
        timeout = Math.max(timeout, remaining);
      }
    }
    return timeout;
  }

  /**
   * RACK_mark_losses_on_RTO (§6.3): the first outstanding segment is lost, and so is every other
   * one sent more than RACK.rtt + {@code reoWnd} ago. Returns how many were marked.
   */
  int markLossesOnTimeout(SentSegments segments, long reoWnd, long now) {
    int marked = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.has(i, SentSegments.SACKED | SentSegments.LOST)) {
        continue;
      }
      if (i == 0 || segments.sentAt(i) + rtt + reoWnd - now <= 0) {
        segments.markLost(i);
        marked++;
      }
    }
    return marked;
  }
}
