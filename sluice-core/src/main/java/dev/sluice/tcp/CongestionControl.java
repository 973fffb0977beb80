package dev.sluice.tcp;

/**
 * A congestion controller: the owner of cwnd and ssthresh, and nothing else.
 *
 * <p>The engine keeps loss detection and recovery to itself (the RFC 6675 pipe estimate, NewReno
 * partial ACKs per RFC 6582, the retransmission timer) and tells the controller only what
 * happened: data was acknowledged, recovery began or ended, the timer fired. That split is why
 * {@link #onEnterRecovery} sets {@code cwnd = ssthresh} with no "+3 SMSS" inflation (RFC 5681
 * §3.2 step 3): the engine sends while {@code cwnd - pipe >= 1 SMSS} (RFC 6675 §5 (C)), so
 * segments that have left the network are already out of pipe and need no window inflation.
 *
 * <p>Like the rest of the engine, implementations are sans-IO and deterministic: time comes in as
 * {@code nowNanos} (any monotonic origin) where an algorithm needs it (CUBIC's window is a
 * function of the time since the last reduction), the same calls give the same windows, and nothing
 * allocates per ACK. Windows are in bytes. Not thread-safe: the connection's owner drives it.
 */
public interface CongestionControl {
  /**
   * Called once when the connection becomes established, before any other method: sets cwnd to
   * the initial window and ssthresh arbitrarily high (RFC 5681 §3.1). The SYN and SYN-ACK do not
   * count towards the window (RFC 5681 §3.1, citing RFC 3390).
   *
   * @param smss the sender maximum segment size in bytes, positive
   */
  void init(int smss);

  /**
   * Updates SMSS after a path MTU change (RFC 1191, RFC 8201). The window keeps its size in
   * segments: RFC 5681 §3.1 says that when the MSS shrinks, cwnd SHOULD shrink by the ratio of
   * the old segment size to the new, so a full window does not become a burst of many more,
   * smaller segments. cwnd never falls below one new SMSS.
   */
  void setSmss(int smss);

  /** The congestion window in bytes. */
  long cwnd();

  /**
   * The slow-start threshold in bytes: {@link Long#MAX_VALUE} until the first congestion event
   * (RFC 5681 §3.1: "arbitrarily high"). Slow start runs while {@code cwnd < ssthresh}.
   */
  long ssthresh();

  /**
   * Called for every ACK that acknowledges new data outside loss recovery (during recovery the
   * engine's pipe governs sending and cwnd stays at the value set on entry).
   *
   * @param ackedBytes bytes newly acknowledged, cumulatively or selectively, by this ACK; ACK
   *     division cannot inflate the window because growth is counted in bytes (RFC 5681 §3.1)
   * @param rttNanos the RTT sample this ACK produced, or -1 if none (RFC 6298 §3: Karn's
   *     algorithm takes no sample from a retransmitted segment)
   * @param bytesInFlight the data outstanding before this ACK (FlightSize)
   */
  void onAck(long ackedBytes, long rttNanos, long bytesInFlight, long nowNanos);

  /**
   * Called when the engine enters fast recovery on duplicate ACKs or SACK (RFC 5681 §3.2 step 2,
   * RFC 6675 §5 (4)), at most once per window of data (RFC 6582 §3.2 step 2). Sets ssthresh from
   * FlightSize, not cwnd (RFC 5681 §3.1 eq. 4 and its implementation note), and cwnd = ssthresh
   * (RFC 6675 §5 (4.2)).
   *
   * @param bytesInFlight FlightSize when loss was detected, excluding segments sent by Limited
   *     Transmit (RFC 5681 §3.2 step 2)
   */
  void onEnterRecovery(long bytesInFlight);

  /**
   * Called when recovery ends because the recovery point was acknowledged (RFC 6582 §3.2 step 3
   * "full acknowledgment", RFC 6675 §5 (4.1)). cwnd is left at ssthresh (RFC 6582 option 2; the
   * engine paces the burst), or lower if a timeout cut it meanwhile.
   */
  void onExitRecovery();

  /**
   * Called when the retransmission timer expires (RFC 6298 §5). The first expiry for a segment
   * sets ssthresh from FlightSize (RFC 5681 §3.1 eq. 4); further expiries before new data is
   * acknowledged hold ssthresh constant. cwnd becomes the loss window, one SMSS, and slow start
   * resumes.
   */
  void onRetransmitTimeout(long bytesInFlight);

  /** A short lowercase name for logs and configuration, e.g. {@code "cubic"}. */
  String name();
}
