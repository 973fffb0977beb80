package dev.sluice.tcp;

/**
 * CUBIC congestion control (RFC 9438), for paths whose bandwidth-delay product Reno takes too
 * long to refill: after a loss the window follows a cubic function of the time since the
 * congestion event, independent of the RTT, back to the window where the loss happened (W_max),
 * flat around it, then probing beyond.
 *
 * <p>The RFC states its formulas in segments and seconds (§4.1). Here windows are bytes, so
 * W_cubic(t) = C * (t - K)^3 * SMSS + W_max, and segments_acked becomes acked bytes / SMSS (§4.1
 * allows exactly this). Times are nanoseconds converted to seconds as {@code double}. All the
 * arithmetic is IEEE double, which Java defines bit for bit (JLS §15.4), plus one
 * {@link StrictMath#cbrt} per congestion epoch: {@code Math.cbrt} may be a platform intrinsic that
 * differs in the last bit, {@code StrictMath}'s is the same everywhere. So the same calls give the
 * same windows on every machine.
 *
 * <p>On each ACK in congestion avoidance (§4.2–4.5):
 * <ol>
 *   <li>W_est += alpha * segments_acked / cwnd, with alpha = 3(1 - beta)/(1 + beta) until W_est
 *       reaches cwnd_prior, then 1 (§4.3 Figure 4). The stage's first ACK only sets W_est =
 *       cwnd_epoch.
 *   <li>If W_cubic(t) &lt; W_est the connection is in the Reno-friendly region and cwnd follows
 *       W_est (§4.3).
 *   <li>Otherwise target = W_cubic(t + RTT) clamped to [cwnd, 1.5 cwnd] (§4.2), and cwnd grows by
 *       (target - cwnd) / cwnd per segment acked (§4.4 concave, §4.5 convex).
 * </ol>
 * t runs from the start of the congestion-avoidance stage, which begins on its first ACK (as in
 * Linux). The engine does not detect application-limited stretches (§5.8), so none is excluded. RTT is a smoothed RTT kept
 * here from the engine's samples (RFC 6298 §2.3, gain 1/8).
 *
 * <p>Slow start below ssthresh is {@link NewReno}'s (§4.10 allows RFC 5681 slow start; HyStart++
 * is not implemented). Nothing allocates after construction.
 */
final class Cubic implements CongestionControl {
  /** C of §5: 0.4 segments / second^3. */
  public static final double C = 0.4;
  /** beta_cubic of §4.6: the fraction of the window kept on a congestion event (7/10 exactly). */
  public static final double BETA = 0.7;
  /** alpha_cubic of §4.3: 3(1 - beta)/(1 + beta), about 0.53, so CUBIC matches Reno on average. */
  public static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

  private static final double NANOS_PER_SECOND = 1e9;

  private final int initialWindowSegments;
  private final boolean fastConvergence;
  private int smss;
  private long cwnd;
  private long ssthresh = Long.MAX_VALUE;
  /** Fractions of a byte of cubic growth not yet added to cwnd. */
  private double growthCarry;
  /** Smoothed RTT for the target's look-ahead (RFC 6298 §2.3), -1 before the first sample. */
  private long srttNanos = -1;

  // The congestion-avoidance epoch (§4.1.2), in bytes and nanoseconds.
  private boolean epochStarted;
  private long epochStartNanos;
  private double cwndEpoch;
  private double wMax;
  private double kSeconds;
  private double wEst;
  private double cwndPrior;
  /** A timeout fired and no new data has been acknowledged since: hold ssthresh on the next. */
  private boolean inTimeoutBackoff;

  /** CUBIC with the RFC 6928 initial window of 10 segments and fast convergence. */
  public Cubic() {
    this(CongestionAlgorithm.DEFAULT_INITIAL_WINDOW_SEGMENTS);
  }

  /** CUBIC with fast convergence on (§4.7 SHOULD; Linux's default too). */
  public Cubic(int initialWindowSegments) {
    this(initialWindowSegments, true);
  }

  /**
   * @param fastConvergence §4.7: release bandwidth faster to newly arriving flows. It SHOULD be
   *     off where a single flow owns the path, since it then only delays regaining W_max.
   */
  public Cubic(int initialWindowSegments, boolean fastConvergence) {
    if (initialWindowSegments < 1) {
      throw new IllegalArgumentException(
          "initial window must be at least one segment: " + initialWindowSegments);
    }
    this.initialWindowSegments = initialWindowSegments;
    this.fastConvergence = fastConvergence;
  }

  @Override
  public void init(int smss) {
    NewReno.requirePositive(smss);
    this.smss = smss;
    cwnd = (long) initialWindowSegments * smss;
    ssthresh = Long.MAX_VALUE;
    growthCarry = 0;
    srttNanos = -1;
    epochStarted = false;
    wMax = 0;
    kSeconds = 0;
    wEst = 0;
    cwndEpoch = 0;
    cwndPrior = 0;
    inTimeoutBackoff = false;
  }

  @Override
  public void setSmss(int newSmss) {
    NewReno.requirePositive(newSmss);
    if (smss == 0) {
      throw new IllegalStateException("setSmss before init");
    }
    int old = smss;
    if (old == newSmss) {
      return;
    }
    double ratio = (double) newSmss / old;
    smss = newSmss;
    // Every window keeps its size in segments, so K and the shape of the curve are unchanged.
    cwnd = Math.max(NewReno.rescale(cwnd, old, newSmss), newSmss);
    ssthresh = NewReno.rescale(ssthresh, old, newSmss);
    growthCarry *= ratio;
    cwndEpoch *= ratio;
    wMax *= ratio;
    wEst *= ratio;
    cwndPrior *= ratio;
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

  public boolean fastConvergence() {
    return fastConvergence;
  }

  @Override
  public void onAck(
      long ackedBytes, long rttNanos, long bytesInFlight, long nowNanos) {
    if (ackedBytes <= 0) {
      return;
    }
    inTimeoutBackoff = false;
    if (rttNanos >= 0) {
      srttNanos = srttNanos < 0 ? rttNanos : srttNanos + ((rttNanos - srttNanos) >> 3);
    }
    if (cwnd < ssthresh) {
      // Slow start as NewReno's, ending exactly at ssthresh; the epoch begins with the next ACK.
      cwnd += Math.min(Math.min(ackedBytes, (long) NewReno.SLOW_START_LIMIT_SEGMENTS * smss),
          ssthresh - cwnd);
      return;
    }
    congestionAvoidance(ackedBytes, nowNanos);
  }

  private void congestionAvoidance(long acked, long nowNanos) {
    if (!epochStarted) {
      startEpoch(nowNanos); // W_est = cwnd_epoch; Figure 4 applies from the next ACK on (§4.3)
    } else {
      double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
      // Figure 4 in bytes: W_est/SMSS += alpha * (acked/SMSS) / (cwnd/SMSS).
      wEst += alpha * smss * (double) acked / cwnd;
    }
    double t = Math.max(0, nowNanos - epochStartNanos) / NANOS_PER_SECOND;
    if (wCubic(t) < wEst) {
      // Reno-friendly region (§4.3). cwnd is never lowered to W_est: W_est can trail a cwnd the
      // cubic curve has already carried past it.
      long est = (long) wEst;
      if (est > cwnd) {
        cwnd = est;
        growthCarry = 0;
      }
      return;
    }
    double rtt = srttNanos < 0 ? 0 : srttNanos / NANOS_PER_SECOND;
    double target = Math.min(Math.max(wCubic(t + rtt), cwnd), 1.5 * cwnd);
    // §4.4/§4.5: (target - cwnd) / cwnd per segment acked, in bytes.
    growthCarry += (target - cwnd) * acked / cwnd;
    long whole = (long) growthCarry;
    cwnd += whole;
    growthCarry -= whole;
  }

  /**
   * Begins a congestion-avoidance stage (§4.1.2): t_epoch = now, cwnd_epoch = W_est = cwnd, and K
   * from §4.2 Figure 2. When cwnd already reaches W_max (the first stage after a timeout, §4.8,
   * where W_max was forgotten) K = 0 and W_max = cwnd_epoch, so the curve starts flat and convex.
   */
  private void startEpoch(long nowNanos) {
    epochStarted = true;
    epochStartNanos = nowNanos;
    cwndEpoch = cwnd;
    wEst = cwnd;
    growthCarry = 0;
    if (wMax > cwndEpoch) {
      kSeconds = StrictMath.cbrt((wMax - cwndEpoch) / smss / C);
    } else {
      wMax = cwndEpoch;
      kSeconds = 0;
    }
  }

  /** §4.2 Figure 1 in bytes: the window the cubic curve gives {@code t} seconds into the epoch. */
  double wCubic(double t) {
    double d = t - kSeconds;
    return C * d * d * d * smss + wMax;
  }

  /** Multiplicative decrease (§4.6 Figure 5) after fast convergence (§4.7). */
  @Override
  public void onEnterRecovery(long bytesInFlight) {
    cwndPrior = cwnd;
    wMax = fastConvergence && cwnd < wMax ? cwnd * (1 + BETA) / 2 : cwnd;
    ssthresh = reducedSsthresh(bytesInFlight);
    cwnd = ssthresh; // max(ssthresh, 2 SMSS), and ssthresh is at least 2 SMSS
    endEpoch();
  }

  @Override
  public void onExitRecovery() {
    // cwnd already equals ssthresh unless a timeout during recovery cut it to the loss window,
    // which stays. The new epoch starts on the first ACK of congestion avoidance.
    cwnd = Math.min(cwnd, ssthresh);
  }

  /**
   * §4.8: cwnd falls to the loss window as in Reno, ssthresh uses beta_cubic, and W_max is
   * forgotten so the first congestion-avoidance stage afterwards starts with K = 0 and W_max =
   * cwnd_epoch. Repeated timeouts before new data is acknowledged hold ssthresh (RFC 5681 §3.1).
   */
  @Override
  public void onRetransmitTimeout(long bytesInFlight) {
    if (!inTimeoutBackoff) {
      cwndPrior = cwnd;
      ssthresh = reducedSsthresh(bytesInFlight);
      wMax = 0;
      inTimeoutBackoff = true;
    }
    cwnd = smss;
    endEpoch();
  }

  @Override
  public String name() {
    return "cubic";
  }

  @Override
  public String toString() {
    return "cubic cwnd=" + cwnd + " ssthresh=" + ssthresh + " wMax=" + (long) wMax + " K="
        + kSeconds + " smss=" + smss;
  }

  /** W_max in bytes: the window at the last congestion event, after fast convergence. */
  double wMax() {
    return wMax;
  }

  /** K in seconds for the current epoch (valid once the epoch has started). */
  double kSeconds() {
    return kSeconds;
  }

  /** W_est in bytes for the current epoch. */
  double wEst() {
    return wEst;
  }

  boolean epochStarted() {
    return epochStarted;
  }

  /**
   * §4.6 Figure 5: max(flight_size * beta_cubic, 2 SMSS), with the product floored exactly in
   * integers ({@code 0.7} is not exact in binary, and 10000 * 0.7 must be 7000, not 6999).
   */
  private long reducedSsthresh(long bytesInFlight) {
    long times07 = bytesInFlight / 10 * 7 + bytesInFlight % 10 * 7 / 10;
    return Math.max(times07, 2L * smss);
  }

  private void endEpoch() {
    epochStarted = false;
    growthCarry = 0;
  }

}
