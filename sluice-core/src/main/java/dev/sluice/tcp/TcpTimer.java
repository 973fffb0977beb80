package dev.sluice.tcp;

/**
 * The engine's timers, each an index into its {@link TimerTable} (quinn-proto's {@code Timer}).
 * The order is the order {@link TcpEngine#onTimer} runs them in when several are due at once:
 * the timers that end the connection first, then retransmission, then the ones that only owe a
 * segment.
 */
enum TcpTimer {
  /** FIN-WAIT-2's bound after close(), or TIME-WAIT's 2·MSL (RFC 9293 §3.10.7.4). */
  CLOSE,
  /** RFC 5482 / RFC 9293 §3.8.3: data unacknowledged this long ends the connection. */
  USER_TIMEOUT,
  /** RFC 6298 §5. */
  RETRANSMIT,
  /** RFC 9293 §3.8.6.3 (RFC 1122 §4.2.3.2): an ACK held back may wait this long. */
  DELAYED_ACK,
  /** RFC 9293 §3.8.6.1 zero-window probes, and §3.8.6.2.1's SWS override timeout. */
  PERSIST,
  /** RFC 1122 §4.2.3.6. */
  KEEPALIVE;

  private static final TcpTimer[] ALL = values();

  static TcpTimer[] all() {
    return ALL;
  }
}
