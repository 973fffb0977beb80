package dev.sluice.tcp;

/**
 * Tunables of one connection. Defaults follow Linux where the RFCs leave a choice, and each
 * field names the rule it sets.
 *
 * @param receiveBufferBytes receive buffer, and so the largest window we offer
 * @param sendBufferBytes send buffer, and where it starts when it may grow
 * @param sendBufferMaxBytes the most the send buffer grows to while the congestion window calls
 *     for it, as Linux's send-buffer autotuning grows {@code sk_sndbuf} towards
 *     {@code tcp_wmem[2]} ({@code tcp_sndbuf_expand}); 0, or any value up to {@code
 *     sendBufferBytes}, keeps it at {@code sendBufferBytes}: so a configuration derived with a
 *     larger {@code sendBufferBytes} (an application's {@code SO_SNDBUF}) simply stops growing, as
 *     Linux stops autotuning a socket whose {@code SO_SNDBUF} was set
 * @param sendBufferBudget where the growth beyond {@code sendBufferBytes} is reserved and given
 *     back: shared by the connections whose memory one bound covers
 * @param maxOutOfOrderRanges cap on holes in the reassembly map (hostile input 3)
 * @param mtu the path MTU towards the peer, before any ICMP lowers it
 * @param minPeerMss floor to which a tiny peer MSS is clamped (hostile input 2; ≥ 64)
 * @param initialRtoNanos RFC 6298 §2.1 (1 s)
 * @param minRtoNanos RFC 6298 §2.4 says 1 s; Linux uses 200 ms
 * @param maxRtoNanos RFC 6298 §2.5 (≥ 60 s)
 * @param delayedAckNanos RFC 9293 §3.8.6.3 / RFC 1122 §4.2.3.2: at most 500 ms; we use 40 ms
 * @param nagle RFC 9293 §3.7.4; off is TCP_NODELAY
 * @param timestamps offer RFC 7323 timestamps
 * @param sack offer RFC 2018 SACK
 * @param windowScaling offer RFC 7323 window scaling
 * @param mslNanos maximum segment lifetime; TIME-WAIT lasts 2·MSL (RFC 9293 §3.4.2)
 * @param finWait2TimeoutNanos how long FIN-WAIT-2 waits for the peer's FIN after we closed
 * @param maxSynRetransmits SYN or SYN-ACK retransmissions before the open fails
 * @param maxRetransmits data or FIN retransmissions before the connection is aborted
 * @param userTimeoutNanos RFC 5482 / RFC 9293 §3.8.3: unacknowledged data older than this aborts
 *     the connection, however many retransmissions that took; 0 disables it
 * @param keepAliveIdleNanos RFC 1122 §4.2.3.6: idle time before the first probe; 0 disables
 * @param keepAliveIntervalNanos time between probes
 * @param keepAliveProbes unanswered probes before the connection is aborted
 * @param challengeAcksPerSecond RFC 5961 §7 rate limit, per connection
 * @param congestion congestion control algorithm
 * @param initialWindowSegments initial congestion window (RFC 6928)
 * @param quickAck Linux's quick-ACK mode: every data segment is ACKed at once during the first
 *     segments of a connection and after an idle period longer than the RTO, so a sender in slow
 *     start is not held back by delayed ACKs (RFC 9293 §3.8.6.3 allows ACKing sooner than the
 *     delayed-ACK rule requires). Off by default: Sluice's documented policy is every second
 *     full segment or 40 ms
 * @param ackStaleInTimeWait whether TIME-WAIT answers an old segment without data or FIN (wholly
 *     before RCV.NXT) with an ACK, as RFC 9293 §3.10.7.4 says it should and Linux and FreeBSD do.
 *     A host in spray mode, which reorders a connection's segments inside itself, should turn it
 *     off: there an ACK the peer sent before its FIN, or its second SYN-ACK, can be taken after
 *     the FIN, and the answer meets a closed peer and draws a RST. Data and FIN retransmissions
 *     are answered either way
 * @param windowScaleShift the window scale we offer (RFC 7323 §2.3, at most 14); -1 derives the
 *     smallest shift that covers the receive buffer. An explicit shift lets a host offer what a
 *     system with larger maximum buffers would (FreeBSD and Linux derive it from the maximum).
 * @param rackTlp RACK-TLP loss detection (RFC 8985) on connections that negotiated SACK: RACK's
 *     time-based loss marking replaces DupThresh as the trigger of fast recovery, and a tail loss
 *     probe goes out about two RTTs after the last transmission; off, or without SACK, loss
 *     detection is RFC 6675's and RFC 6582's alone
 */
public record TcpConfig(
    int receiveBufferBytes,
    int sendBufferBytes,
    int sendBufferMaxBytes,
    SendBufferBudget sendBufferBudget,
    int maxOutOfOrderRanges,
    int mtu,
    int minPeerMss,
    long initialRtoNanos,
    long minRtoNanos,
    long maxRtoNanos,
    long delayedAckNanos,
    boolean nagle,
    boolean timestamps,
    boolean sack,
    boolean windowScaling,
    long mslNanos,
    long finWait2TimeoutNanos,
    int maxSynRetransmits,
    int maxRetransmits,
    long userTimeoutNanos,
    long keepAliveIdleNanos,
    long keepAliveIntervalNanos,
    int keepAliveProbes,
    int challengeAcksPerSecond,
    CongestionAlgorithm congestion,
    int initialWindowSegments,
    boolean quickAck,
    boolean ackStaleInTimeWait,
    int windowScaleShift,
    boolean rackTlp) {

  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  /** RFC 1122 §4.2.3.6: keepalive's idle time "MUST default to no less than two hours". */
  public static final long DEFAULT_KEEPALIVE_IDLE_NANOS = 2 * 3600 * S;

  public TcpConfig {
    if (receiveBufferBytes < 1 || sendBufferBytes < 1) {
      throw new IllegalArgumentException("buffer sizes must be positive");
    }
    if (sendBufferMaxBytes < 0) {
      throw new IllegalArgumentException("the send buffer's maximum must not be negative: " + sendBufferMaxBytes);
    }
    java.util.Objects.requireNonNull(sendBufferBudget, "sendBufferBudget");
    if (mtu < 68 || mtu > 65_535) {
      throw new IllegalArgumentException("MTU must be in [68, 65535]: " + mtu);
    }
    if (minPeerMss < 64) {
      throw new IllegalArgumentException("the MSS floor must be at least 64: " + minPeerMss);
    }
    if (minRtoNanos <= 0 || initialRtoNanos < minRtoNanos || maxRtoNanos < initialRtoNanos) {
      throw new IllegalArgumentException("need 0 < minRto ≤ initialRto ≤ maxRto");
    }
    if (windowScaleShift < -1 || windowScaleShift > 14) {
      throw new IllegalArgumentException("window scale shift must be -1 (derive) or in [0, 14]: " + windowScaleShift);
    }
  }

  public static TcpConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.receiveBufferBytes = receiveBufferBytes;
    b.sendBufferBytes = sendBufferBytes;
    b.sendBufferMaxBytes = sendBufferMaxBytes;
    b.sendBufferBudget = sendBufferBudget;
    b.maxOutOfOrderRanges = maxOutOfOrderRanges;
    b.mtu = mtu;
    b.minPeerMss = minPeerMss;
    b.initialRtoNanos = initialRtoNanos;
    b.minRtoNanos = minRtoNanos;
    b.maxRtoNanos = maxRtoNanos;
    b.delayedAckNanos = delayedAckNanos;
    b.nagle = nagle;
    b.timestamps = timestamps;
    b.sack = sack;
    b.windowScaling = windowScaling;
    b.mslNanos = mslNanos;
    b.finWait2TimeoutNanos = finWait2TimeoutNanos;
    b.maxSynRetransmits = maxSynRetransmits;
    b.maxRetransmits = maxRetransmits;
    b.userTimeoutNanos = userTimeoutNanos;
    b.keepAliveIdleNanos = keepAliveIdleNanos;
    b.keepAliveIntervalNanos = keepAliveIntervalNanos;
    b.keepAliveProbes = keepAliveProbes;
    b.challengeAcksPerSecond = challengeAcksPerSecond;
    b.congestion = congestion;
    b.initialWindowSegments = initialWindowSegments;
    b.quickAck = quickAck;
    b.ackStaleInTimeWait = ackStaleInTimeWait;
    b.windowScaleShift = windowScaleShift;
    b.rackTlp = rackTlp;
    return b;
  }

  /** Mutable companion of {@link TcpConfig}; its initial values are the defaults. */
  public static final class Builder {
    public int receiveBufferBytes = 256 * 1024;
    public int sendBufferBytes = 256 * 1024;
    public int sendBufferMaxBytes = 0;
    public SendBufferBudget sendBufferBudget = SendBufferBudget.UNBOUNDED;
    public int maxOutOfOrderRanges = 64;
    public int mtu = 1500;
    public int minPeerMss = 536;
    public long initialRtoNanos = 1 * S;
    public long minRtoNanos = 200 * MS;
    public long maxRtoNanos = 120 * S;
    public long delayedAckNanos = 40 * MS;
    public boolean nagle = true;
    public boolean timestamps = true;
    public boolean sack = true;
    public boolean windowScaling = true;
    public long mslNanos = 30 * S;
    public long finWait2TimeoutNanos = 60 * S;
    // RFC 9293 §3.8.3 (MUST-23): a SYN is retransmitted for at least 3 minutes. With a 1 s initial RTO
    // doubling to the 120 s cap, 7 retransmissions go out by 127 s and the open fails at 247 s
    // (Linux's default of 6 gives up at 127 s).
    public int maxSynRetransmits = 7;
    public int maxRetransmits = 15;
    public long userTimeoutNanos = 0;
    public long keepAliveIdleNanos = 0;
    public long keepAliveIntervalNanos = 75 * S;
    public int keepAliveProbes = 9;
    public int challengeAcksPerSecond = 10;
    public CongestionAlgorithm congestion = CongestionAlgorithm.CUBIC;
    public int initialWindowSegments = CongestionAlgorithm.DEFAULT_INITIAL_WINDOW_SEGMENTS;
    public boolean quickAck = false;
    public boolean ackStaleInTimeWait = true;
    public int windowScaleShift = -1;
    public boolean rackTlp = true;

    private Builder() {}

    /** Applies {@code changes} to this builder and builds. */
    public TcpConfig buildWith(java.util.function.Consumer<Builder> changes) {
      changes.accept(this);
      return build();
    }

    public TcpConfig build() {
      return new TcpConfig(receiveBufferBytes, sendBufferBytes, sendBufferMaxBytes, sendBufferBudget,
          maxOutOfOrderRanges, mtu,
          minPeerMss, initialRtoNanos, minRtoNanos, maxRtoNanos, delayedAckNanos, nagle,
          timestamps, sack, windowScaling, mslNanos, finWait2TimeoutNanos, maxSynRetransmits,
          maxRetransmits, userTimeoutNanos, keepAliveIdleNanos, keepAliveIntervalNanos,
          keepAliveProbes, challengeAcksPerSecond, congestion, initialWindowSegments, quickAck,
          ackStaleInTimeWait, windowScaleShift, rackTlp);
    }
  }
}
