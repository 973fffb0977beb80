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

  public static Thresholds defaults() {
    return of(DEFAULT_FIN_TIMEOUT_SECONDS, DEFAULT_STALL_TIMEOUT_SECONDS);
  }

  public static Thresholds of(double finTimeoutSeconds, double stallTimeoutSeconds) {
    if (!(finTimeoutSeconds >= 0) || !(stallTimeoutSeconds >= 0)) {
      throw new IllegalArgumentException("timeouts must be non-negative numbers of seconds");
    }
    return new Thresholds((long) (finTimeoutSeconds * 1e9), (long) (stallTimeoutSeconds * 1e9), 3, 20, 0.10);
  }
}
