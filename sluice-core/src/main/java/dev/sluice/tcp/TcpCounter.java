package dev.sluice.tcp;

/**
 * The counters a connection keeps, in the spirit of the TCP MIB (RFC 4022) and Linux's
 * {@code nstat}. Where the kernel counts the same thing, {@link #nstatName()} is the kernel's name
 * for it, so a Sluice report and an {@code nstat} report can be read side by side; where it does
 * not, the name starts with {@code Sluice}.
 */
public enum TcpCounter {
  // Counted on nearly every connection: the first HOT_COUNT, always allocated.
  SEGMENTS_IN("TcpInSegs"),
  SEGMENTS_OUT("TcpOutSegs"),
  /** Payload bytes that reached RCV.NXT: delivered in order, once each. */
  BYTES_RECEIVED("SluiceBytesReceived"),
  /** Payload bytes sent, retransmissions included. */
  BYTES_SENT("SluiceBytesSent"),
  BYTES_ACKED("SluiceBytesAcked"),
  RTT_SAMPLES("SluiceRttSamples"),
  ACTIVE_OPENS("TcpActiveOpens"),
  PASSIVE_OPENS("TcpPassiveOpens"),
  // Counted only when something goes wrong or unusual: allocated at the first one.
  /** Segments sent again, whatever the cause (RTO, fast retransmit, path MTU shrink). */
  RETRANSMITTED_SEGMENTS("TcpRetransSegs"),
  /** Retransmission timer expiries (RFC 6298 §5.4). */
  TIMEOUT_RETRANSMITS("TcpExtTCPTimeouts"),
  /** Recoveries entered by duplicate ACKs or SACK (RFC 5681 §3.2, RFC 6675), or by RACK (RFC 8985). */
  FAST_RETRANSMITS("SluiceFastRecoveries"),
  RESETS_SENT("TcpOutRsts"),
  RESETS_RECEIVED("SluiceInRsts"),
  /** Challenge ACKs sent (RFC 5961 §3.2, §4.2, §5.2). */
  CHALLENGE_ACKS("TcpExtTCPChallengeACK"),
  /** Zero-window and keepalive probes. */
  PROBES("SluiceProbes"),
  /** Connections given up: retransmission limit, user timeout, keepalive, FIN-WAIT-2 timeout. */
  TIMEOUTS("TcpExtTCPAbortOnTimeout"),
  /** D-SACK blocks sent for data below RCV.NXT (RFC 2883 §4). */
  DSACKS_SENT_OLD("TcpExtTCPDSACKOldSent"),
  /** D-SACK blocks sent for out-of-order data that was already held (RFC 2883 §4). */
  DSACKS_SENT_OUT_OF_ORDER("TcpExtTCPDSACKOfoSent"),
  /** Path MTU decreases acted on (RFC 1191 §6.4, RFC 8201 §5.4). */
  PATH_MTU_DECREASES("SluicePathMtuDecreases"),
  /** SACK blocks ignored as invalid: left ≥ right, or outside [SND.UNA, SND.NXT] (hostile input 1). */
  SACK_BLOCKS_IGNORED("SluiceSackBlocksIgnored"),
  /** SYN-ACKs sent with a SYN cookie by a listener at its cap (RFC 4987 §3.6). */
  SYN_COOKIES_SENT("TcpExtSyncookiesSent"),
  /** ACKs that returned a valid cookie and made a connection. */
  SYN_COOKIES_RECEIVED("TcpExtSyncookiesRecv"),
  /** ACKs to a listener that had sent cookies, carrying none that was valid. */
  SYN_COOKIES_FAILED("TcpExtSyncookiesFailed"),
  /** Tail loss probes sent (RFC 8985 §7.3), new data or a retransmission. */
  TLP_PROBES("TcpExtTCPLossProbes"),
  /** Segments RACK marked lost (RFC 8985 §6.2 step 5, at an ACK or the reordering timer). */
  RACK_LOSSES("SluiceRackLosses"),
  /** Times the send buffer grew with the window ({@link TcpConfig#sendBufferMaxBytes()}). */
  SEND_BUFFER_GROWN("SluiceSendBufferGrown");

  /** The counters before this index are the frequent ones (see {@link TcpStats}). */
  static final int HOT_COUNT = 8;

  private static final TcpCounter[] VALUES = values();

  private final String nstatName;

  TcpCounter(String nstatName) {
    this.nstatName = nstatName;
  }

  /** The kernel's {@code nstat} name for this counter, or a {@code Sluice}-prefixed one. */
  public String nstatName() {
    return nstatName;
  }

  /** All counters; shared, do not modify. Avoids the copy {@link #values()} makes. */
  static TcpCounter[] all() {
    return VALUES;
  }
}
