package dev.sluice.cli.doctor;

/**
 * The RFC 9293 §3.3.2 states one end passes through, as far as the wire shows them, plus
 * {@link #RESET} for an end whose connection a RST ended. LISTEN is not on the wire and is left out.
 */
public enum TcpState {
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT,
  CLOSED,
  RESET
}
