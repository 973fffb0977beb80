package dev.sluice.stack;

import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.tcp.TcpStats;
import java.util.concurrent.locks.LockSupport;

/**
 * One TCP connection in the runtime: its {@link TcpEngine}, driven through the ownership protocol
 * ({@link OwnershipProtocol}, where its locking rules are written) that lets every core receive in
 * parallel without ever running the engine on two threads at once. This is the fix for KB Q114541,
 * where two receive DPCs processed one connection's data and FIN at once.
 *
 * <p>This class is the application's half: the blocking and non-blocking socket calls, waiting for
 * events, and observation. The owner's half (segments, calls and timers in; segments, events and
 * readiness out) is {@link ConnectionDrain}.
 *
 * <p><b>Application signals:</b> {@code eventSequence} is written only by the owner, after the
 * state change it reports; blocked application threads re-check after it changes (no lost
 * wake-up: a thread reads it before trying, and parks only while it is unchanged).
 */
public final class Connection extends ConnectionDrain {
  // Written by application threads.
  private volatile boolean applicationClosed;
  /** The application aborted (RST): a write that was waiting then reports the reset. */
  private volatile boolean aborted;
  private volatile boolean noDelay;
  private volatile boolean keepAlive;
  /** When the application first shut down, closed or aborted; 0 if never. */
  private volatile long shutdownAtNanos;
  volatile boolean watchdogReported;
  /** The reading thread's {@link ReadSpin} state; plain, as only a reader uses it. */
  private int readSpin = ReadSpin.initial();

  Connection(Host host, TcpEngine engine, dev.sluice.link.Device device, Worker home, Listener listener,
      int backlogLimit) {
    super(host, engine, device, home, listener, backlogLimit);
    this.noDelay = !engine.nagle();
    this.keepAlive = engine.keepAlive();
  }

  // ------------------------------------------------------------------ application side

  /**
   * Runs an application call with the ownership protocol and waits until it is done. Parks, never
   * spins on a native call, so virtual threads may call it.
   */
  int call(AppCall.Kind kind, byte[] buf, int off, int len, long deadlineNanos) throws java.io.IOException {
    return call(kind, buf, null, off, len, deadlineNanos);
  }

  /** As {@link #call(AppCall.Kind, byte[], int, int, long)}, a write's bytes in {@code source} if not null. */
  private int call(AppCall.Kind kind, byte[] buf, java.nio.ByteBuffer source, int off, int len, long deadlineNanos)
      throws java.io.IOException {
    long now = host.clock().nanos();
    if (kind != AppCall.Kind.READ && kind != AppCall.Kind.WRITE && shutdownAtNanos == 0) {
      shutdownAtNanos = now;
    }
    throwIfFaulted();
    if (tryAcquire()) {
      int result = 0;
      try {
        result = run(kind, buf, source, off, len, now);
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        contain(e, now);
      }
      drainAsApplication(now);
      throwIfFaulted();
      return result;
    }
    AppCall call = new AppCall(kind, buf, source, off, len, Thread.currentThread());
    pushCall(call);
    if (announceOrHandOff("call")) {
      drainAsApplication(now);
    }
    while (!call.isDone()) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        // Only a broken ownership protocol (see OwnershipMutation) leaves a call unrun this long.
        throw new java.net.SocketTimeoutException(kind + " was never run by the connection's owner: " + this);
      }
      LockSupport.parkNanos(this, Math.min(left, 100_000_000L));
    }
    throwIfFaulted();
    return call.result;
  }

  /**
   * Reads up to {@code len} bytes, waiting until at least one is readable. Returns the count, or
   * -1 at end-of-stream. Throws {@link java.net.SocketException} if the connection was reset or
   * timed out, and {@link java.net.SocketTimeoutException} if {@code timeoutNanos} (0: forever)
   * passes first.
   */
  public int read(byte[] buf, int off, int len, long timeoutNanos) throws java.io.IOException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    if (len == 0) {
      return 0;
    }
    long deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    while (true) {
      int seen = eventSequence;
      // The caller's timeout bounds only the wait for bytes, never the call itself: a call given up
      // while queued would still run later and take bytes into a buffer nobody reads (SO_TIMEOUT).
      int n = call(AppCall.Kind.READ, buf, off, len, callDeadline(Long.MAX_VALUE));
      if (n != 0) {
        return n;
      }
      throwIfFailed();
      if (applicationClosed) {
        throw new java.net.SocketException("Socket closed: " + this);
      }
      awaitEvent(seen, deadlineNanos, Wait.READ);
    }
  }

  /**
   * Writes all of {@code buf[off, off + len)}, waiting for send-buffer space as needed. Throws
   * {@link java.net.SocketException} once this side can no longer send.
   */
  public void write(byte[] buf, int off, int len, long timeoutNanos) throws java.io.IOException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    writeAll(buf, null, off, len, timeoutNanos);
  }

  /**
   * Writes all of {@code src}'s remaining bytes, as {@link #write(byte[], int, int, long)} does;
   * its position moves past each byte the send buffer takes, so after a failure it stands after
   * the last byte taken. A direct buffer's bytes are copied once, into the send buffer.
   */
  public void write(java.nio.ByteBuffer src, long timeoutNanos) throws java.io.IOException {
    writeAll(null, src, src.position(), src.remaining(), timeoutNanos);
  }

  /** The write loop, from {@code buf[off, off + len)} or, if {@code src} is not null, from {@code src} at {@code off}. */
  private void writeAll(byte[] buf, java.nio.ByteBuffer src, int off, int len, long timeoutNanos)
      throws java.io.IOException {
    long deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    while (len > 0) {
      int seen = eventSequence;
      // As in read: a write given up while queued would still be sent.
      int n = call(AppCall.Kind.WRITE, buf, src, off, len, callDeadline(Long.MAX_VALUE));
      if (n < 0) {
        throwIfFailed();
        if (aborted) {
          // The application reset the connection (abort, or SO_LINGER 0 then close) while this
          // write waited: say so, rather than blame a shutdown that never happened.
          throw new java.net.SocketException("Connection reset: aborted by the application: " + this);
        }
        if (applicationClosed) {
          throw new java.net.SocketException("Socket closed: " + this);
        }
        throw new java.net.SocketException("Socket output is shut down: " + this);
      }
      off += n;
      len -= n;
      if (src != null) {
        src.position(off);
      }
      if (len > 0 && n == 0) {
        throwIfFailed();
        awaitEvent(seen, deadlineNanos, Wait.WRITE);
      }
    }
  }

  /**
   * Reads what is readable now, without waiting: the count, -1 at end-of-stream, or 0 if nothing
   * has arrived yet (a non-blocking socket's {@code EAGAIN}). Throws {@link
   * java.net.SocketException} if the connection was reset or timed out.
   */
  public int readNow(byte[] buf, int off, int len) throws java.io.IOException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    if (len == 0) {
      return 0;
    }
    int n = call(AppCall.Kind.READ, buf, off, len, callDeadline(Long.MAX_VALUE));
    if (n == 0) {
      throwIfFailed();
      if (applicationClosed) {
        throw new java.net.SocketException("Socket closed: " + this);
      }
    }
    return n;
  }

  /**
   * Queues what fits in the send buffer now, without waiting: the count, 0 if the buffer is full
   * (a non-blocking socket's {@code EAGAIN}). Throws {@link java.net.SocketException} once this
   * side can no longer send.
   */
  public int writeNow(byte[] buf, int off, int len) throws java.io.IOException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    return writtenNow(call(AppCall.Kind.WRITE, buf, off, len, callDeadline(Long.MAX_VALUE)));
  }

  /**
   * As {@link #writeNow(byte[], int, int)}, from {@code src}'s remaining bytes; its position moves
   * past those taken.
   */
  public int writeNow(java.nio.ByteBuffer src) throws java.io.IOException {
    int position = src.position();
    int n = writtenNow(call(AppCall.Kind.WRITE, null, src, position, src.remaining(), callDeadline(Long.MAX_VALUE)));
    src.position(position + n);
    return n;
  }

  private int writtenNow(int n) throws java.io.IOException {
    if (n < 0) {
      throwIfFailed();
      throw new java.net.SocketException("Socket output is shut down: " + this);
    }
    return n;
  }

  /**
   * What {@code poll(2)} would report now, as bits of {@link #READABLE}, {@link #WRITABLE} and
   * {@link #FAILED}. Never reads the engine (only its owner may): the owner publishes the bits at
   * the end of every drain that did something, so they are exact once the owner has let go, and a
   * recent snapshot while it works, which is all poll promises anyway.
   */
  public int readiness() {
    return publishedReadiness | (failure != null || fault != null ? FAILED : 0);
  }

  /**
   * The stack is closing ({@code NetStack.close}): resets the peer (RFC 9293 §3.10.5, as an
   * abort) and wakes every waiting call, which then fails saying the stack was closed.
   */
  void resetByStack() {
    if (closed) {
      return;
    }
    try {
      call(AppCall.Kind.ABORT, null, 0, 0, callDeadline(Long.MAX_VALUE));
    } catch (java.io.IOException e) {
      // failed or faulted already: the peer has been told, or learns from its next segment
    }
  }

  private void throwIfStackClosed() throws java.net.SocketException {
    if (host.stopped()) {
      throw new java.net.SocketException("Socket closed: the stack was closed (NetStack.close): " + this);
    }
  }

  /**
   * Waits until the handshake completes; throws {@link java.net.ConnectException} if refused, and
   * {@link java.net.SocketTimeoutException} once {@code timeoutNanos} (0: no limit) or the
   * connection's own handshake deadline ({@link Host#connect(java.net.InetSocketAddress,
   * dev.sluice.tcp.TcpConfig, long)}) has passed.
   */
  public void awaitConnected(long timeoutNanos) throws java.io.IOException {
    long deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    // The connection's own timer wakes this thread by the deadline if it was given one no later
    // (same clock), so the wait needs no timer of its own; see ConnectionDrain#handshakeDeadline.
    long ownDeadline = handshakeDeadline;
    boolean ownerTimesOut = deadlineNanos != Long.MAX_VALUE && ownDeadline != Long.MAX_VALUE
        && host.clock() == Clock.SYSTEM && ownDeadline - deadlineNanos <= 0;
    while (!connected) {
      int seen = eventSequence;
      if (connected) {
        return;
      }
      throwIfFaulted();
      throwIfStackClosed();
      if (applicationClosed) {
        throw new java.net.SocketException("Socket closed: " + this);
      }
      // closed is read before failure: the owner sets failure before closed, so a connection seen
      // closed shows its failure too (read the other way round, a refusal could pass for "closed").
      boolean ended = closed;
      TcpEvent f = failure;
      if (f == TcpEvent.REFUSED) {
        throw new java.net.ConnectException("Connection refused: " + this);
      }
      if (f != null || ended) {
        throw new java.net.ConnectException("Connection " + describe(f) + ": " + this);
      }
      if (handshakeTimedOut) {
        throw new java.net.SocketTimeoutException(Wait.CONNECT + " timed out: " + this);
      }
      awaitEvent(seen, ownerTimesOut ? Long.MAX_VALUE : deadlineNanos, Wait.CONNECT);
    }
  }

  private void throwIfFailed() throws java.net.SocketException {
    throwIfFaulted();
    throwIfStackClosed();
    TcpEvent f = failure;
    if (f == TcpEvent.RESET || f == TcpEvent.REFUSED) {
      throw new java.net.SocketException("Connection reset: " + this);
    }
    if (f == TcpEvent.TIMED_OUT) {
      throw new java.net.SocketException("Connection timed out: " + this);
    }
  }

  private static String describe(TcpEvent failure) {
    return failure == null ? "closed" : failure == TcpEvent.TIMED_OUT ? "timed out" : "reset";
  }

  /** What a caller waits for; a writer parks as the write waiter, everyone else as the reader. */
  private enum Wait {
    READ, WRITE, CONNECT, LINGER;

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Parks until the owner signals an event after {@code seen}, the deadline passes, the application
   * closes the connection (a close from another thread wakes its blocked callers, which then
   * re-check and fail), or the thread is interrupted, which fails the call with {@link
   * java.io.InterruptedIOException} and leaves the interrupt set (a channel's interrupt handler
   * closes it, as the JDK's do).
   */
  private void awaitEvent(int seen, long deadlineNanos, Wait what) throws java.io.InterruptedIOException {
    Thread me = Thread.currentThread();
    boolean writing = what == Wait.WRITE;
    boolean woken = claimWaiterSlot(writing, me);
    long busyPoll = me.isVirtual() ? 0 : host.config().busyPollNanos();
    long readSpinMax = me.isVirtual() || busyPoll > 0 || what != Wait.READ ? 0 : host.config().readSpinNanos();
    try {
      if (readSpinMax > 0) {
        int state = readSpin;
        long spin = ReadSpin.spinNanos(state, readSpinMax);
        boolean hit = spin > 0 && spin(seen, spin, deadlineNanos, me);
        readSpin = ReadSpin.after(state, spin > 0, hit);
      } else if (busyPoll > 0) {
        spin(seen, busyPoll, deadlineNanos, me); // SO_BUSY_POLL
      }
      while (eventSequence == seen && !(applicationClosed && what != Wait.LINGER)) {
        if (me.isInterrupted()) {
          throw new java.io.InterruptedIOException(what + " interrupted: " + this);
        }
        long left = deadlineNanos - System.nanoTime();
        if (deadlineNanos != Long.MAX_VALUE && left <= 0) {
          throw new java.net.SocketTimeoutException(what + " timed out: " + this);
        }
        // The slot's holder needs no safety period: every waker unparks it (the owner after bumping
        // eventSequence, a closing thread after setting applicationClosed, Thread.interrupt), and
        // each writes its field before it reads the slot, as this thread fills the slot before it
        // re-reads the fields. So a blocked reader of an idle connection costs no wake-ups at all.
        // A second thread waiting at once has no slot, and re-checks every 100 ms.
        if (!woken) {
          LockSupport.parkNanos(this, deadlineNanos == Long.MAX_VALUE ? 100_000_000L : Math.min(left, 100_000_000L));
        } else if (deadlineNanos == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, left);
        }
      }
    } finally {
      if (woken) {
        if (writing) {
          writeWaiter = null;
        } else {
          readWaiter = null;
        }
      }
    }
  }

  /**
   * Watches for an event after {@code seen} for up to {@code nanos} (not past the deadline) before
   * the caller pays for a park and a wake-up; answers whether one came (or the connection closed).
   *
   * <p>Between looks it yields the core ({@code sched_yield(2)}) rather than spin in place. The
   * event comes from the thread that answers, and that thread is often waiting to run on this very
   * core: the scheduler keeps two threads that wake each other together, and a machine with few
   * cores has no other to give it. Spinning in place held it off until the spin ran out, so a
   * round trip cost a whole spin; a yield lets it run at once, and returns at once when nothing
   * else wants the core, as Linux's busy poll gives way when another task needs the CPU ({@code
   * need_resched()} in its loop). The 64-byte ping-pong's p50, 15 µs spins: 17.7–19.8 µs spinning
   * in place, 7.0–9.6 yielding; with the machine's other core busy, 19.8–23.8 and 7.0
   * (docs/runtime.md, "A blocked reader's spin").
   */
  private boolean spin(int seen, long nanos, long deadlineNanos, Thread me) {
    long start = System.nanoTime();
    long until = start + (deadlineNanos == Long.MAX_VALUE ? nanos : Math.min(nanos, Math.max(0, deadlineNanos - start)));
    while (eventSequence == seen && !applicationClosed && !me.isInterrupted()) {
      if (System.nanoTime() - until >= 0) {
        return false;
      }
      Thread.yield();
    }
    return true;
  }

  /**
   * {@code shutdown(SHUT_RD)}: reads return end-of-stream from now on, and bytes that arrive are
   * acknowledged and discarded (see {@link dev.sluice.tcp.TcpEngine#shutdownInput}).
   */
  public void shutdownInput() throws java.io.IOException {
    call(AppCall.Kind.SHUTDOWN_INPUT, null, 0, 0, callDeadline(Long.MAX_VALUE));
  }

  /** Half-close: our FIN follows the bytes written so far (RFC 9293 §3.10.4). */
  public void shutdownOutput() throws java.io.IOException {
    call(AppCall.Kind.SHUTDOWN_OUTPUT, null, 0, 0, callDeadline(Long.MAX_VALUE));
  }

  /** Closes: FIN after the data written, or RST if received data was left unread. */
  public void close() throws java.io.IOException {
    applicationClosed = true;
    wakeWaiters();
    call(AppCall.Kind.CLOSE, null, 0, 0, callDeadline(Long.MAX_VALUE));
  }

  /** {@code TCP_NODELAY}: true turns Nagle's algorithm off. */
  public void setNoDelay(boolean on) throws java.io.IOException {
    call(AppCall.Kind.SET_NODELAY, null, 0, on ? 1 : 0, callDeadline(Long.MAX_VALUE));
    noDelay = on;
  }

  public boolean noDelay() {
    return noDelay;
  }

  /** {@code SO_KEEPALIVE} (RFC 1122 §4.2.3.6). */
  public void setKeepAlive(boolean on) throws java.io.IOException {
    call(AppCall.Kind.SET_KEEPALIVE, null, 0, on ? 1 : 0, callDeadline(Long.MAX_VALUE));
    keepAlive = on;
  }

  public boolean keepAlive() {
    return keepAlive;
  }

  /**
   * Waits until our FIN is acknowledged (FIN-WAIT-2, TIME-WAIT or CLOSED), which is what
   * {@code SO_LINGER} waits for. Returns false if {@code timeoutNanos} passed first.
   */
  public boolean awaitFinAcknowledged(long timeoutNanos) throws java.net.SocketTimeoutException {
    long deadlineNanos = System.nanoTime() + timeoutNanos;
    while (true) {
      int seen = eventSequence;
      TcpState s = state;
      if (s == TcpState.FIN_WAIT_2 || s == TcpState.TIME_WAIT || s == TcpState.CLOSED) {
        return true;
      }
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      try {
        awaitEvent(seen, deadlineNanos, Wait.LINGER);
      } catch (java.io.InterruptedIOException e) { // a timeout, or an interrupt: stop lingering
        return false;
      }
    }
  }

  /** Aborts with a RST (RFC 9293 §3.10.5). */
  public void abort() throws java.io.IOException {
    aborted = true;
    applicationClosed = true;
    wakeWaiters();
    call(AppCall.Kind.ABORT, null, 0, 0, callDeadline(Long.MAX_VALUE));
  }

  /** The application closed: callers blocked on other threads wake, see it and fail. */
  private void wakeWaiters() {
    Thread reader = readWaiter;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
    Thread writer = writeWaiter;
    if (writer != null) {
      LockSupport.unpark(writer);
    }
  }

  /** How long a queued call may wait for the owner: the caller's deadline, capped by the host's. */
  private long callDeadline(long deadlineNanos) {
    return Math.min(deadlineNanos, System.nanoTime() + host.config().callTimeoutNanos());
  }

  // ------------------------------------------------------------------ for the deterministic scheduler

  /** Queues an application call without waiting; the simulation polls {@link AppCall#isDone()}. */
  boolean submitWithoutWaiting(AppCall call, long now) {
    if (call.kind == AppCall.Kind.CLOSE || call.kind == AppCall.Kind.ABORT) {
      applicationClosed = true;
    }
    return submit(call, now);
  }

  // ------------------------------------------------------------------ readiness listeners

  /**
   * Tells {@code listener} whenever this connection's readiness may have changed (see {@link
   * ReadinessListener}: it runs on stack threads and must be quick). It is not told of the
   * readiness now: read {@link #readiness()} after adding it.
   */
  public void addReadinessListener(ReadinessListener listener) {
    ReadinessListeners listeners = readinessListeners;
    if (listeners == null) {
      synchronized (ReadinessListeners.class) { // once per connection that is ever selected on
        listeners = readinessListeners;
        if (listeners == null) {
          readinessListeners = listeners = new ReadinessListeners();
        }
      }
    }
    listeners.add(listener);
  }

  public void removeReadinessListener(ReadinessListener listener) {
    ReadinessListeners listeners = readinessListeners;
    if (listeners != null) {
      listeners.remove(listener);
    }
  }

  // ------------------------------------------------------------------ observation

  /**
   * True if work waits while nobody owns the connection: a lost wake-up, which the protocol never
   * allows. Meaningful only when no producer is between publishing and announcing its work, so
   * at a quiescent moment (the simulation between steps, or after the workers stopped).
   *
   * <p>A probe for the ownership checks (the deterministic simulation, the torture run): a true
   * answer at a quiescent moment is a bug in the ownership protocol, or one injected on purpose
   * through {@link FaultInjection#ownershipMutation()}.
   */
  public boolean hasStrandedWork() {
    return strandedWork();
  }

  /**
   * The engine, for this package's tests that measure it at a quiescent moment (when no thread
   * owns the connection). Production code never reads the engine without ownership.
   */
  TcpEngine engineForTests() {
    return engine;
  }

  public TcpEndpoints endpoints() {
    return engine.endpoints();
  }

  /** The state after the last drain; may be a moment old. */
  public TcpState state() {
    return state;
  }

  /** Counters; written by the owner, so a reader sees values that may be a moment old. */
  public TcpStats stats() {
    return engine.stats();
  }

  /** Smoothed RTT, RTT variance, RTO, cwnd and ssthresh, read without ownership: may be stale. */
  public ConnectionInfo info() {
    if (fault != null) {
      return faultedInfo();
    }
    long now = host.clock().nanos();
    if (tryAcquire()) {
      ConnectionInfo info;
      try {
        info = snapshot();
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        contain(e, now);
        info = faultedInfo();
      }
      drainAsApplication(now);
      return info;
    }
    AppCall call = new AppCall(AppCall.Kind.INFO, null, 0, 0, Thread.currentThread());
    pushCall(call);
    if (announceOrHandOff("call")) {
      drainAsApplication(now);
    }
    long deadline = callDeadline(Long.MAX_VALUE);
    while (!call.isDone() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(this, 100_000_000L);
    }
    return call.value instanceof ConnectionInfo info ? info : faultedInfo();
  }

  public boolean isPassive() {
    return listener != null;
  }

  public boolean isConnected() {
    return connected;
  }

  public boolean endOfStreamDelivered() {
    return endOfStream;
  }

  long endOfStreamAtNanos() {
    return endOfStreamAtNanos;
  }

  /** When our first FIN went out, on the host's clock; 0 if it has not. */
  public long finSentAtNanos() {
    return finSentAtNanos;
  }

  /** When the application first shut down, closed or aborted, on the host's clock; 0 if never. */
  public long shutdownAtNanos() {
    return shutdownAtNanos;
  }

  public boolean applicationClosed() {
    return applicationClosed;
  }

  public boolean isClosed() {
    return closed;
  }

  /** The failure that ended the connection (RESET, REFUSED, TIMED_OUT), or null. */
  public TcpEvent failure() {
    return failure;
  }

  int eventSequence() {
    return eventSequence;
  }

  @Override
  public String toString() {
    return host.format(engine.endpoints());
  }
}
