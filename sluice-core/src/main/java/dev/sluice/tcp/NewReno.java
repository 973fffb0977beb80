package dev.sluice.tcp;

/**
 * Standard TCP congestion control (RFC 5681 §3.1), the window half of NewReno; the partial-ACK
 * half (RFC 6582) lives in the engine's recovery, which this class only hears about.
 *
 * <ul>
 *   <li><b>Initial window</b>: configurable in segments, 10 by default (RFC 6928).
 *   <li><b>Slow start</b> ({@code cwnd < ssthresh}): grows by the bytes acknowledged, at most
 *       {@link #SLOW_START_LIMIT_SEGMENTS} SMSS per ACK: Appropriate Byte Counting with L = 2*SMSS
 *       (RFC 3465), so a delayed ACK covering two segments still doubles the window per RTT
 *       while ACK division (many ACKs for one segment) cannot inflate it. Growth stops at
 *       ssthresh; bytes of that ACK beyond it count towards congestion avoidance. RFC 5681
 *       §3.1 eq. 2 standardises L = 1*SMSS and calls L = 2*SMSS experimental; we take 2 because
 *       with delayed ACKs L = 1 makes slow start grow by only half per RTT.
 *   <li><b>Congestion avoidance</b>: byte counting, the method RFC 5681 §3.1 recommends. Acked
 *       bytes accumulate, and each time they reach cwnd the window grows by one SMSS: about one
 *       segment per RTT with or without delayed ACKs, never more than one SMSS per ACK.
 *   <li><b>Loss</b>: ssthresh = max(FlightSize / 2, 2*SMSS) (eq. 4), cwnd = ssthresh on fast
 *       recovery (RFC 6675 §5 (4.2)), cwnd = 1 SMSS (the loss window) on a timeout.
 * </ul>
 *
 * Everything is integer arithmetic on primitives; nothing allocates after construction.
 */
final class NewReno implements CongestionControl {
  /** L of RFC 3465: the most slow start grows per ACK, in SMSS. */
  public static final int SLOW_START_LIMIT_SEGMENTS = 2;

  private final int initialWindowSegments;
  private int smss;
  private long cwnd;
  private long ssthresh = Long.MAX_VALUE;
  /** Bytes acked in congestion avoidance since cwnd last grew (RFC 5681 §3.1 byte counting). */
  private long avoidanceAcked;
  /** A timeout fired and no new data has been acknowledged since: hold ssthresh on the next. */
  private boolean inTimeoutBackoff;

  /** NewReno with the RFC 6928 initial window of 10 segments. */
  public NewReno() {
    this(CongestionAlgorithm.DEFAULT_INITIAL_WINDOW_SEGMENTS);
  }

  public NewReno(int initialWindowSegments) {
    if (initialWindowSegments < 1) {
      throw new IllegalArgumentException(
          "initial window must be at least one segment: " + initialWindowSegments);
    }
    this.initialWindowSegments = initialWindowSegments;
  }

  @Override
  public void init(int smss) {
    requirePositive(smss);
    this.smss = smss;
    cwnd = (long) initialWindowSegments * smss;
    ssthresh = Long.MAX_VALUE;
    avoidanceAcked = 0;
    inTimeoutBackoff = false;
  }

  @Override
  public void setSmss(int newSmss) {
    requirePositive(newSmss);
    if (smss == 0) {
      throw new IllegalStateException("setSmss before init");
    }
    int old = smss;
    smss = newSmss;
    cwnd = Math.max(rescale(cwnd, old, newSmss), newSmss);
    ssthresh = rescale(ssthresh, old, newSmss);
    avoidanceAcked = rescale(avoidanceAcked, old, newSmss);
  }

  @Override
  public long cwnd() {
    return cwnd;
  }

  @Override
  public long ssthresh() {
    return ssthresh;
  }

  public int smss() {
    return smss;
  }

  @Override
  public void onAck(
      long ackedBytes, long rttNanos, long bytesInFlight, long nowNanos) {
    if (ackedBytes <= 0) {
      return;
    }
    inTimeoutBackoff = false;
    if (cwnd < ssthresh) {
      long grow = Math.min(Math.min(ackedBytes, (long) SLOW_START_LIMIT_SEGMENTS * smss),
          ssthresh - cwnd);
      cwnd += grow;
      if (cwnd >= ssthresh) {
        // Slow start ends here; the rest of this ACK counts towards the first avoidance
        // increment, which comes on a later ACK, so no ACK grows cwnd by more than L.
        avoidanceAcked = Math.min(avoidanceAcked + ackedBytes - grow, cwnd - 1);
      }
      return;
    }
    avoidanceAcked += ackedBytes;
    if (avoidanceAcked >= cwnd) {
      // One SMSS per cwnd of acked bytes. The carry is capped below one window, so a stretch ACK
      // grows cwnd by one SMSS only (RFC 5681 §3.1: "MUST NOT increment cwnd by more than SMSS")
      // and cannot bank credit for several increments to come.
      avoidanceAcked = Math.min(avoidanceAcked - cwnd, cwnd - 1);
      cwnd += smss;
    }
  }

  @Override
  public void onEnterRecovery(long bytesInFlight) {
    ssthresh = halfFlightSize(bytesInFlight);
    cwnd = ssthresh;
    avoidanceAcked = 0;
  }

  @Override
  public void onExitRecovery() {
    // cwnd already equals ssthresh unless a timeout during recovery cut it to the loss window,
    // which stays (RFC 6582 §3.2 step 4: the timeout ends fast recovery).
    cwnd = Math.min(cwnd, ssthresh);
    avoidanceAcked = 0;
  }

  @Override
  public void onRetransmitTimeout(long bytesInFlight) {
    if (!inTimeoutBackoff) {
      ssthresh = halfFlightSize(bytesInFlight);
      inTimeoutBackoff = true;
    }
    cwnd = smss;
    avoidanceAcked = 0;
  }

  @Override
  public String name() {
    return "newreno";
  }

  @Override
  public String toString() {
    return "newreno cwnd=" + cwnd + " ssthresh=" + ssthresh + " smss=" + smss;
  }

  /** RFC 5681 §3.1 eq. 4. */
  private long halfFlightSize(long bytesInFlight) {
    return Math.max(bytesInFlight / 2, 2L * smss);
  }

  /** Scales a byte count to keep its size in segments; "arbitrarily high" stays so. */
  static long rescale(long bytes, int oldSmss, int newSmss) {
    if (bytes == Long.MAX_VALUE || oldSmss == newSmss) {
      return bytes;
    }
    return bytes <= Long.MAX_VALUE / newSmss
        ? bytes * newSmss / oldSmss
        : (long) ((double) bytes * newSmss / oldSmss);
  }

  static void requirePositive(int smss) {
    if (smss <= 0) {
      throw new IllegalArgumentException("SMSS must be positive: " + smss);
    }
  }
}
