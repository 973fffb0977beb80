package dev.sluice.stack;

/**
 * An application call (or an ICMP error for the connection) that found the connection owned by
 * someone else, waiting in the connection's backlog for the owner to run it. Made only on that
 * contended path: an uncontended call runs the engine directly and allocates nothing.
 *
 * <p>The owner writes {@link #result} and then the volatile {@link #done}; the caller reads
 * {@code done} first, so it sees the result (happens-before through the volatile).
 */
final class AppCall {
  enum Kind {
    READ, WRITE, SHUTDOWN_INPUT, SHUTDOWN_OUTPUT, CLOSE, ABORT, SET_NODELAY, SET_KEEPALIVE,
    /** An ICMP "fragmentation needed" / "packet too big": {@code off} is the quoted sequence, {@code len} the MTU. */
    PATH_MTU,
    /** An ICMP hard error: {@code off} is the quoted sequence. */
    ICMP_UNREACHABLE,
    /** A snapshot of the connection's numbers, left in {@link #value}: only the owner reads the engine. */
    INFO
  }

  final Kind kind;
  final byte[] buf;
  /** A {@link Kind#WRITE}'s bytes when they come in a buffer ({@code off} its index), else null. */
  final java.nio.ByteBuffer source;
  final int off;
  final int len;
  /** The thread to unpark when done, or null if the caller polls {@link #isDone()}. */
  final Thread waiter;
  int result;
  /** What an {@link Kind#INFO} call returns. */
  Object value;
  private volatile boolean done;
  /** The link in the connection's stack of waiting calls. */
  AppCall next;

  AppCall(Kind kind, byte[] buf, int off, int len, Thread waiter) {
    this(kind, buf, null, off, len, waiter);
  }

  AppCall(Kind kind, byte[] buf, java.nio.ByteBuffer source, int off, int len, Thread waiter) {
    this.kind = kind;
    this.buf = buf;
    this.source = source;
    this.off = off;
    this.len = len;
    this.waiter = waiter;
  }

  boolean isDone() {
    return done;
  }

  void complete(int result) {
    this.result = result;
    done = true;
    if (waiter != null) {
      java.util.concurrent.locks.LockSupport.unpark(waiter);
    }
  }
}
