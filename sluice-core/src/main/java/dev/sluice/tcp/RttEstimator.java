package dev.sluice.tcp;

/**
 * The retransmission timeout of one connection, computed from round-trip samples as RFC 6298 §2
 * prescribes, with the exponential backoff of §5.5. All times are nanoseconds in {@code long}s and
 * all arithmetic is integer: no clock is read, and nothing allocates after construction.
 *
 * <p><b>What to pass to {@link #sample}.</b> Choosing samples is the engine's job, not this
 * class's:
 *
 * <ul>
 *   <li>Karn's algorithm (RFC 6298 §3): never sample a segment that was retransmitted, because the
 *       ACK may answer either transmission. The exception is when the Timestamps option is in use:
 *       TSecr echoes the TSval of the transmission that arrived, so the sample is unambiguous
 *       (RFC 7323 Appendix H (d)).
 *   <li>With timestamps, the sample is the current timestamp clock minus the TSecr of an ACK, and
 *       the RTTM rule (RFC 7323 §4.1) applies: only an ACK that advances SND.UNA may be used,
 *       because TSecr in a segment that acknowledges nothing new can carry an idle gap of the
 *       peer's. The engine must also discard a TSecr the peer could not have seen (one that gives
 *       a negative or absurd RTT); a negative sample is a caller bug here and throws.
 *   <li>Without timestamps, time one segment at a time (at least one per RTT, §3) and feed
 *       {@code now - sendTime} when it is cumulatively acknowledged.
 *   <li>Timestamps give a sample per ACK, several per RTT, and the weights 1/8 and 1/4 assume
 *       about one per RTT (RFC 7323 §4.2). The engine feeds every sample with the standard
 *       weights, as Linux does; RFC 7323 Appendix G's per-RTT divisor is not used.
 * </ul>
 *
 * <p><b>Bounds.</b> RFC 6298 §2.4 rounds RTO up to 1 second. We make the floor configurable
 * because with fine-grained clocks 1 s makes every loss without duplicate ACKs stall for a second;
 * the stack's default is 200 ms, as in Linux. §2.5 allows a ceiling of at least 60 s; the
 * constructor does not enforce that, so tests can use small ceilings.
 *
 * <p><b>Backoff.</b> {@link #backoff} doubles the RTO on every timer expiry (§5.5) up to the
 * ceiling, without overflowing. The rule we follow for leaving backoff is the note after §5.7: a
 * new sample recomputes the RTO from SRTT and RTTVAR, "collapsing" it back down, and clears the
 * backoff count. §5.7 itself is the SYN-timeout rule: see
 * {@link #enterDataTransferAfterSynTimeout}. We do not implement the
 * optional "MAY clear SRTT and RTTVAR after backing off multiple times" of §5: the engine can make
 * a fresh estimator if it wants that.
 *
 */
final class RttEstimator {
  /** RFC 6298 §2.1: the initial RTO before any sample. */
  public static final long RFC6298_INITIAL_RTO_NANOS = 1_000_000_000L;

  /** RFC 6298 §5.7: the RTO for data transfer after the SYN timed out with no sample. */
  public static final long SYN_TIMEOUT_FALLBACK_RTO_NANOS = 3_000_000_000L;

  /** RFC 6298 §2.3: K. */
  private static final int K = 4;

  /**
   * The three settings, shared by every estimator built with the same values (connections of one
   * configuration), so each connection carries a reference rather than three longs.
   */
  private record Bounds(long minRto, long maxRto, long granularity) {
    private static final java.util.concurrent.ConcurrentHashMap<Bounds, Bounds> SHARED =
        new java.util.concurrent.ConcurrentHashMap<>();

    /** One instance per distinct value, for the first few hundred values (then no sharing). */
    static Bounds of(long minRto, long maxRto, long granularity) {
      Bounds b = new Bounds(minRto, maxRto, granularity);
      if (SHARED.size() >= 256) {
        return b;
      }
      Bounds shared = SHARED.putIfAbsent(b, b);
      return shared == null ? b : shared;
    }
  }

  private final Bounds bounds;

  private boolean hasSample;
  private long srtt;
  private long rttvar;
  /** RTO computed from SRTT and RTTVAR (or the initial value), clamped, before any backoff. */
  private long baseRto;
  /** The RTO in force: {@code baseRto} doubled once per backoff, capped at {@code maxRto}. */
  private long rto;
  private int backoffCount;

  /**
   * @param initialRtoNanos the RTO until the first sample (§2.1 says 1 s); within [min, max]
   * @param minRtoNanos the floor of §2.4, positive
   * @param maxRtoNanos the ceiling of §2.5, at least the floor
   * @param clockGranularityNanos G of §2 and §4: the tick of the clock that samples are taken
   *     with, the least variance term an RTO may have; positive
   */
  public RttEstimator(
      long initialRtoNanos, long minRtoNanos, long maxRtoNanos, long clockGranularityNanos) {
    if (minRtoNanos <= 0 || maxRtoNanos < minRtoNanos) {
      throw new IllegalArgumentException(
          "need 0 < minRto <= maxRto: min " + minRtoNanos + ", max " + maxRtoNanos);
    }
    if (initialRtoNanos < minRtoNanos || initialRtoNanos > maxRtoNanos) {
      throw new IllegalArgumentException("initial RTO " + initialRtoNanos + " outside ["
          + minRtoNanos + ", " + maxRtoNanos + "]");
    }
    if (clockGranularityNanos <= 0) {
      throw new IllegalArgumentException("clock granularity must be positive: "
          + clockGranularityNanos);
    }
    this.bounds = Bounds.of(minRtoNanos, maxRtoNanos, clockGranularityNanos);
    this.baseRto = initialRtoNanos;
    this.rto = initialRtoNanos;
  }

  /**
   * Takes one RTT measurement. The first sets SRTT to it and RTTVAR to half of it (§2.2); later
   * ones move RTTVAR by beta = 1/4 towards |SRTT - R| and then SRTT by alpha = 1/8 towards R, in
   * that order (§2.3). Then RTO = SRTT + max(G, K * RTTVAR), clamped to [min, max], and any
   * backoff is cleared.
   *
   * @param rttNanos the measured round trip, not negative
   */
  public void sample(long rttNanos) {
    if (rttNanos < 0) {
      throw new IllegalArgumentException("negative RTT sample: " + rttNanos);
    }
    if (!hasSample) {
      srtt = rttNanos;
      rttvar = rttNanos / 2;
      hasSample = true;
    } else {
      // Both operands of each difference are non-negative, so no difference overflows, and
      // moving by a fraction of the gap keeps each value between its old value and the target.
      long error = Math.abs(srtt - rttNanos);
      rttvar += (error - rttvar) / 4;
      srtt += (rttNanos - srtt) / 8;
    }
    // A sample of 0 (a send and its ACK seen with one clock read) must not leave SRTT at 0, which
    // its readers take for "no sample yet" (TLP's PTO would be a second, RACK would have no
    // min_RTT): Linux keeps srtt_us at least 1 (tcp_rtt_estimator) for the same reason.
    srtt = Math.max(1, srtt);
    baseRto = computeRto();
    rto = baseRto;
    backoffCount = 0;
  }

  /**
   * RFC 6298 §5.5: the retransmission timer expired, so double the RTO, capped at the ceiling. The
   * count keeps rising at the cap, so the engine can give up after a number of expiries.
   */
  public void backoff() {
    long maxRto = bounds.maxRto();
    rto = rto > maxRto / 2 ? maxRto : rto * 2; // rto * 2 <= maxRto, so never overflows
    if (backoffCount < Integer.MAX_VALUE) {
      backoffCount++;
    }
  }

  /**
   * RFC 6298 §5.7, called once when the handshake completes after our SYN (or SYN-ACK) timer
   * expired. If no sample was taken during the handshake, the RTO for data transfer becomes 3 s
   * (or the ceiling, if lower) because a 1 s initial RTO evidently fired spuriously or the path is
   * long (Appendix A). If timestamps did give a sample, the RTO computed from it is kept, as Linux
   * does: the rule exists for want of a measurement. Either way the handshake's backoff is
   * cleared.
   */
  public void enterDataTransferAfterSynTimeout() {
    if (!hasSample && baseRto < SYN_TIMEOUT_FALLBACK_RTO_NANOS) {
      baseRto = Math.min(SYN_TIMEOUT_FALLBACK_RTO_NANOS, bounds.maxRto());
    }
    rto = baseRto;
    backoffCount = 0;
  }

  /** The RTO in force, including exponential backoff. */
  public long rtoNanos() {
    return rto;
  }

  /** How many times {@link #backoff} was called since the last sample. */
  public int backoffCount() {
    return backoffCount;
  }

  public boolean hasSample() {
    return hasSample;
  }

  /** SRTT, or 0 before the first sample; at least 1 after it. */
  public long srttNanos() {
    return srtt;
  }

  /** RTTVAR, or 0 before the first sample. */
  public long rttvarNanos() {
    return rttvar;
  }

  private long computeRto() {
    long variance = rttvar > Long.MAX_VALUE / K ? Long.MAX_VALUE : K * rttvar;
    long term = Math.max(bounds.granularity(), variance);
    long raw = srtt > Long.MAX_VALUE - term ? Long.MAX_VALUE : srtt + term;
    return Math.clamp(raw, bounds.minRto(), bounds.maxRto());
  }

  @Override
  public String toString() {
    return "RttEstimator[srtt=" + srtt + " rttvar=" + rttvar + " rto=" + rto + " backoff="
        + backoffCount + (hasSample ? "" : " no sample") + "]";
  }
}
