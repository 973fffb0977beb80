package dev.sluice.tcp;

/** The eleven connection states of RFC 9293 §3.3.2. */
public enum TcpState {
  CLOSED,
  LISTEN,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT;

  /** States reached once both sides' SYNs are known (RFC 9293 §3.5.2): RFC 5961 applies here. */
  public boolean isSynchronized() {
    return ordinal() >= ESTABLISHED.ordinal();
  }

  /** True once our FIN has been queued: the application may send no more. */
  public boolean hasSentFin() {
    return this == FIN_WAIT_1 || this == FIN_WAIT_2 || this == CLOSING || this == LAST_ACK
        || this == TIME_WAIT;
  }

  /** True once the peer's FIN has been consumed: no more data will arrive. */
  public boolean hasReceivedFin() {
    return this == CLOSE_WAIT || this == CLOSING || this == LAST_ACK || this == TIME_WAIT;
  }
}
