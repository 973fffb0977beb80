package dev.sluice.stack;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening port with its accept queue (RFC 9293 §3.10.1 passive OPEN).
 *
 * <p>The cap bounds half-open plus not-yet-accepted connections together, as Linux's SYN and
 * accept backlogs do. A SYN beyond it is answered with a SYN cookie while fewer than {@code cap}
 * connections wait for accept (the host keeps no state for it; hostile input 10, SYN flood), and
 * dropped and counted ({@code LISTEN_QUEUE_FULL}) when the accept queue itself is full, so the
 * peer retransmits it later. Connections made from cookies skip the half-open state, so the
 * accept queue holds at most twice the cap. Thread-safe: workers admit and enqueue, application
 * threads accept.
 */
public final class Listener {
  private final Host host;
  private final int port;
  private final int cap;
  private final boolean discard;
  /** The TCP settings of connections this listener accepts (socket options set on a listening socket). */
  private final dev.sluice.tcp.TcpConfig tcp;
  private final AtomicInteger halfOpen = new AtomicInteger();
  private final ArrayBlockingQueue<Connection> accepted;
  private volatile boolean closed;
  private final ReadinessListeners readinessListeners = new ReadinessListeners();

  Listener(Host host, int port, int cap, boolean discard, dev.sluice.tcp.TcpConfig tcp) {
    this.host = host;
    this.port = port;
    this.cap = cap;
    this.discard = discard;
    this.tcp = tcp;
    // Half-open plus queued stay within the cap; connections made from SYN cookies are admitted
    // only while fewer than cap wait, so the queue never holds more than twice the cap.
    this.accepted = new ArrayBlockingQueue<>(2 * cap);
  }

  public int port() {
    return port;
  }

  /**
   * True for a discard service (RFC 863): the stack itself consumes what its connections receive,
   * on the owner's thread, so nobody has to read. Set by {@link FaultInjection#discardReceived}, for
   * benchmarks of the receive path.
   */
  public boolean discards() {
    return discard;
  }

  /** The TCP settings its connections start with. */
  public dev.sluice.tcp.TcpConfig tcpConfig() {
    return tcp;
  }

  /** When this listener last answered a SYN with a cookie; cookies are checked only after one. */
  private volatile long lastCookieNanos = Long.MIN_VALUE;

  /**
   * True if a SYN beyond the cap may be answered with a SYN cookie (RFC 4987 §3.6): the
   * half-open connections fill the cap but the accept queue has room for what a cookie makes.
   */
  boolean cookiesHelp() {
    return !closed && accepted.size() < cap;
  }

  void cookieSent(long now) {
    lastCookieNanos = now;
  }

  /** True if this listener sent a cookie within the last {@code nanos} (a cookie's lifetime). */
  boolean sentCookiesWithin(long now, long nanos) {
    long last = lastCookieNanos;
    return last != Long.MIN_VALUE && now - last <= nanos;
  }

  /**
   * Reserves an accept-queue place for a connection made from a cookie, which skips the half-open
   * state; false if the accept queue is full or the listener closed.
   */
  boolean admitCookie() {
    if (!cookiesHelp()) {
      return false;
    }
    halfOpen.incrementAndGet(); // released by established(), like a half-open connection's
    return true;
  }

  /** Reserves room for one more half-open connection; false if at the cap or closed. */
  boolean admit() {
    if (closed) {
      return false;
    }
    if (halfOpen.incrementAndGet() + accepted.size() > cap) {
      halfOpen.decrementAndGet();
      return false;
    }
    return true;
  }

  /** A half-open connection reached ESTABLISHED: it moves to the accept queue. */
  void established(Connection connection) {
    halfOpen.decrementAndGet();
    if (!accepted.offer(connection)) {
      host.dropped(dev.sluice.wire.DropReason.LISTEN_QUEUE_FULL); // cannot happen: admission reserved room
    }
    readinessListeners.fire();
  }

  /**
   * Tells {@code listener} whenever a connection is queued for accept or this listener closes (see
   * {@link ReadinessListener}); read {@link #queued()} after adding it.
   */
  public void addReadinessListener(ReadinessListener listener) {
    readinessListeners.add(listener);
  }

  public void removeReadinessListener(ReadinessListener listener) {
    readinessListeners.remove(listener);
  }

  public boolean isClosed() {
    return closed;
  }

  /** A half-open connection died before ESTABLISHED. */
  void abandoned() {
    halfOpen.decrementAndGet();
  }

  /**
   * The next established connection, waiting up to {@code timeoutNanos} (0: forever). Throws
   * {@link SocketTimeoutException} on timeout and {@link SocketException} once closed.
   */
  public Connection accept(long timeoutNanos) throws SocketException, SocketTimeoutException {
    Connection c = accepted.poll();
    if (c != null) {
      return c;
    }
    // Parked until a connection is queued or the listener closes, both of which fire the
    // readiness listeners after their change: no periodic re-check, so a thread blocked in accept
    // costs nothing while nobody connects. The wake-up is added before the queue is looked at
    // again, and the queue's lock orders that look against the worker's offer, so none is missed.
    Thread me = Thread.currentThread();
    ReadinessListener wake = () -> LockSupport.unpark(me);
    readinessListeners.add(wake);
    try {
      long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
      while (true) {
        c = accepted.poll();
        if (c != null) {
          return c;
        }
        if (closed) {
          throw new SocketException("Socket closed: listener on port " + port);
        }
        if (me.isInterrupted()) {
          throw new SocketException("Accept interrupted: listener on port " + port); // the interrupt stays set
        }
        if (timeoutNanos > 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new SocketTimeoutException("Accept timed out: listener on port " + port);
          }
          LockSupport.parkNanos(this, left);
        } else {
          LockSupport.park(this);
        }
      }
    } finally {
      readinessListeners.remove(wake);
    }
  }

  /** The next established connection, or null if none is waiting. */
  public Connection poll() {
    return accepted.poll();
  }

  /** Connections established and not yet accepted. */
  public int queued() {
    return accepted.size();
  }

  /** Stops accepting new connections; those already queued can still be accepted. */
  public void close() {
    closed = true;
    host.unlisten(this);
    readinessListeners.fire();
  }
}
