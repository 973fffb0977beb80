package dev.sluice.tcp;

/**
 * What the engine tells the application. Each is queued once, after the state change that caused
 * it, and in the order those changes happened: in particular {@link #END_OF_STREAM} always follows
 * the {@link #READABLE} of the last byte.
 */
public enum TcpEvent {
  /** The handshake completed: the connection is ESTABLISHED. */
  CONNECTED,
  /** Bytes became readable where none were. */
  READABLE,
  /** The peer's FIN was reached: after the readable bytes, reads return end-of-stream. */
  END_OF_STREAM,
  /** Send-buffer space became available after a write had filled it. */
  WRITABLE,
  /** The connection was refused (RST answering our SYN). */
  REFUSED,
  /** The peer reset the connection. */
  RESET,
  /** Retransmissions, the user timeout or keepalive gave up on the peer. */
  TIMED_OUT,
  /** The connection reached CLOSED (directly or after TIME-WAIT); nothing more will happen. */
  CLOSED;

  private static final TcpEvent[] VALUES = values();

  /** All events; shared, do not modify. Avoids the copy {@link #values()} makes. */
  static TcpEvent[] all() {
    return VALUES;
  }
}
