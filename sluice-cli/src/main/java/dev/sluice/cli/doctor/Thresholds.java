package dev.sluice.cli.doctor;

/**
 * When a symptom becomes a problem. The defaults and the reasons for them are in docs/doctor.md.
 *
 * @param finTimeoutNanos how long an end may sit on an ACKed FIN (idle, no FIN of its own) before
 *     it counts as fin-not-returned
 * @param stallTimeoutNanos how long a zero window may block a probing peer, and how long a SYN or
 *     SYN-ACK may go unanswered, before it counts
 * @param sameDataRepeats how many retransmissions of the same data make a storm
 * @param manyRetransmissions how many retransmissions from one side make a storm ...
 * @param retransmittedShare ... when they are also at least this share of its data segments
 */
public record Thresholds(long finTimeoutNanos, long stallTimeoutNanos, int sameDataRepeats, int manyRetransmissions,
    double retransmittedShare) {
  public static final double DEFAULT_FIN_TIMEOUT_SECONDS = 1.0;
  public static final double DEFAULT_STALL_TIMEOUT_SECONDS = 1.0;
  /** The first gap of a backoff on a lossy link: Sluice's torture and demo start their RTO here. */
  public static final double LOSSY_LINK_INITIAL_RTO_SECONDS = 0.2;

  public static Thresholds defaults() {
    return of(DEFAULT_FIN_TIMEOUT_SECONDS, DEFAULT_STALL_TIMEOUT_SECONDS);
  }

  /**
   * For a capture of a link that loses each packet independently with probability {@code loss}
   * (a simulated one, whose rate is known): a segment is resent when it or its ACK is lost, so k
   * resends in a row happen by chance with probability q^k, q = 1 - (1 - loss)². The storm
   * threshold is the smallest k ≥ the default for which chance would make one in a thousand
   * captures of a million data segments show one; the FIN and stall timeouts grow to cover k RTO
   * doublings from {@link #LOSSY_LINK_INITIAL_RTO_SECONDS}. Without loss these are the defaults.
   */
  public static Thresholds forRandomLoss(double loss) {
    Thresholds defaults = defaults();
    if (!(loss >= 0 && loss < 1)) {
      throw new IllegalArgumentException("must be a probability in [0, 1): " + loss);
    }
    if (loss == 0) {
      return defaults;
    }
    long dataSegments = 1_000_000;
    double initialRtoSeconds = LOSSY_LINK_INITIAL_RTO_SECONDS;
    double q = 1 - (1 - loss) * (1 - loss);
    int k = defaults.sameDataRepeats();
    while (k < 30 && dataSegments * Math.pow(q, k) > 1e-3) {
      k++;
    }
    double backoff = initialRtoSeconds * (Math.pow(2, k) - 1);
    long timeout = (long) (Math.max(DEFAULT_FIN_TIMEOUT_SECONDS, backoff) * 1e9);
    return new Thresholds(timeout, timeout, k, defaults.manyRetransmissions(), defaults.retransmittedShare());
  }

  public static Thresholds of(double finTimeoutSeconds, double stallTimeoutSeconds) {
    if (!(finTimeoutSeconds >= 0) || !(stallTimeoutSeconds >= 0)) {
      throw new IllegalArgumentException("timeouts must be non-negative numbers of seconds");
    }
    return new Thresholds((long) (finTimeoutSeconds * 1e9), (long) (stallTimeoutSeconds * 1e9), 3, 20, 0.10);
  }
}
