package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.tcp.TcpStats;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One TCP connection in the runtime: its {@link TcpEngine}, driven through the ownership protocol
 * ({@link OwnershipProtocol}, where its locking rules are written) that lets every core receive in
 * parallel without ever running the engine on two threads at once. This is the fix for KB Q114541,
 * where two receive DPCs processed one connection's data and FIN at once.
 *
 * <p><b>Owner-only state:</b> the engine and every field commented "owner only". Nothing else reads
 * them: readiness and {@link #info()} are published or taken by the owner.
 *
 * <p><b>Application signals:</b> {@code eventSequence} is written only by the owner, after the
 * state change it reports; blocked application threads re-check after it changes (no lost
 * wake-up: a thread reads it before trying, and parks only while it is unchanged).
 */
public final class Connection extends OwnershipProtocol {
  private static final VarHandle TIMER_REQUEST_QUEUED;

  static {
    try {
      TIMER_REQUEST_QUEUED = MethodHandles.lookup()
          .findVarHandle(Connection.class, "timerRequestQueued", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Host host;
  private final TcpEngine engine; // owner only
  /** Where our segments go: resolved from the routing table once, at creation. */
  private final dev.sluice.link.Device device;
  /** The worker whose timer wheel holds this connection's timer. */
  final Worker home;
  private final Listener listener;


  // Written by the owner, read by anyone.
  private volatile int eventSequence;
  private volatile TcpState state;
  private volatile boolean connected;
  private volatile boolean endOfStream;
  private volatile TcpEvent failure;
  /** {@link #READABLE} and {@link #WRITABLE} as the owner last saw them (see {@link #readiness}). */
  private volatile int publishedReadiness;
  /**
   * What processing this connection threw, once it did: a bug in Sluice, contained to this
   * connection (see {@link #contain}). Written by the owner, read by anyone.
   */
  private volatile Throwable fault;
  private volatile boolean closed;
  private volatile long endOfStreamAtNanos;
  private volatile long finSentAtNanos;
  /** When the owner last did anything; the idle sweep frees buffers a while after. */
  private volatile long lastActivityNanos;
  private volatile boolean buffersReleased;
  private volatile long shutdownAtNanos;
  /**
   * The deadline the engine asked for (written by the owner) and the one the home worker's wheel
   * holds (written by that worker). The wheel catches up lazily: a later deadline needs no
   * request, since the wheel fires early and re-arms; an earlier one does. Both are volatile and
   * each side writes its own then reads the other's, so at least one side sees the change.
   */
  volatile long engineDeadline = Long.MAX_VALUE;
  volatile long wheelDeadline = Long.MAX_VALUE;
  /** 1 while this connection waits in its home worker's queue of timer requests. */
  @SuppressWarnings("unused") // accessed through TIMER_REQUEST_QUEUED
  private volatile int timerRequestQueued;

  // Written by application threads.
  private volatile boolean applicationClosed;
  private volatile boolean noDelay;
  private volatile boolean keepAlive;
  private volatile Thread readWaiter;
  private volatile Thread writeWaiter;
  volatile boolean watchdogReported;

  Connection(Host host, TcpEngine engine, dev.sluice.link.Device device, Worker home, Listener listener,
      int backlogLimit) {
    super(backlogLimit);
    this.host = host;
    this.engine = engine;
    this.device = device;
    this.home = home;
    this.listener = listener;
    this.state = engine.state();
    this.noDelay = !engine.nagle();
    this.keepAlive = engine.keepAlive();
  }

  @Override
  OwnershipMutation mutation() {
    return host.mutation();
  }

  @Override
  void onOwnershipViolation() {
    host.ownershipViolation(this);
  }

  /** What {@link #deliver} did with a receive worker's segment. */
  enum Delivery {
    /** The caller took ownership and processed the segment; it keeps (and releases) the buffer. */
    OWNED_DIRECT,
    /** The buffer went to the backlog, and the caller now owns the connection. */
    QUEUED_OWNED,
    /** The buffer went to the backlog; the owner will process it. */
    QUEUED,
    /** The backlog was full; the buffer was released and the drop counted. */
    DROPPED;

    /** True if the caller must now run {@link Connection#runStep} until it returns false. */
    boolean owned() {
      return this == OWNED_DIRECT || this == QUEUED_OWNED;
    }
  }

  /**
   * A receive worker's segment. When the outcome is {@link Delivery#owned()}, the caller must then
   * run {@link #runStep} until it returns false.
   */
  Delivery deliver(PacketBuffer buffer, TcpSegment seg, long now) {
    if (tryAcquire()) {
      if (fault == null) {
        try {
          engine.onSegment(seg, now);
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
          contain(e, now);
        }
      }
      return Delivery.OWNED_DIRECT;
    }
    if (!backlog().push(buffer, seg.payloadLength() == 0)) {
      host.dropped(DropReason.BACKLOG_FULL);
      buffer.release();
      return Delivery.DROPPED;
    }
    return announce() ? Delivery.QUEUED_OWNED : Delivery.QUEUED;
  }

  /**
   * The idle sweep: if nothing happened on this connection for {@code idleNanos}, ask its owner to
   * free the engine's buffers (they come back on the next use). Buffers are not freed at every
   * drain, or a request/response connection would allocate them again for every exchange. True
   * if the caller now owns the connection.
   */
  boolean requestIdleRelease(long now, long idleNanos) {
    if (buffersReleased || closed || now - lastActivityNanos < idleNanos) {
      return false;
    }
    releaseDue = true;
    return announce();
  }

  /**
   * A worker hands an ICMP error to this connection (a PATH_MTU or ICMP_UNREACHABLE call). True if
   * the caller now owns the connection and must drain it.
   */
  boolean icmpError(AppCall.Kind kind, int quotedSeq, int mtu, long now) {
    return submit(new AppCall(kind, null, quotedSeq, mtu, null), now);
  }

  /** A timer fired in the home worker's wheel. True if the caller now owns the connection. */
  boolean timerFired() {
    timerDue = true;
    return announce();
  }

  /**
   * Submits an application call. Returns true if the caller owns the connection and must run
   * {@link #runStep} until it returns false; the call is then done when the steps end, or earlier.
   */
  boolean submit(AppCall call, long now) {
    if (tryAcquire()) {
      if (fault != null) {
        call.complete(0);
      } else {
        try {
          execute(call, now);
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
          contain(e, now);
          if (!call.isDone()) {
            call.complete(0);
          }
        }
      }
      return true;
    }
    pushCall(call);
    return announce();
  }

  /** Marks this connection as queued for a timer request; false if it already was. */
  boolean markTimerRequestQueued() {
    return TIMER_REQUEST_QUEUED.compareAndSet(this, 0, 1);
  }

  void clearTimerRequestQueued() {
    TIMER_REQUEST_QUEUED.setVolatile(this, 0);
  }

  // ------------------------------------------------------------------ the owner's drain

  /**
   * Owner only: one step of the drain. Returns true while the caller still owns the connection,
   * false once it has let go. A real thread loops; the deterministic scheduler interleaves these
   * steps with other actors' to explore what parallel cores could do.
   */
  boolean runStep(OwnerContext ctx, long now) {
    if (fault != null) {
      return runFaulted(ctx, now);
    }
    try {
      return step(ctx, now);
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
      // Not VirtualMachineError (out of memory, say): that is the process's, not this connection's.
      contain(e, now);
      return true; // the next step finishes the containment, then releases
    }
  }

  /**
   * A fault is contained to its connection (issue 13): the owner records it, counts and logs it
   * once ({@link Host#connectionFaulted}), and tries to reset the peer through the engine (which
   * may itself be what is broken). {@link #runFaulted} then discards what is queued, fails every
   * waiting call with a {@link java.net.SocketException} that says so, closes the connection and
   * releases ownership, so no worker dies and no caller waits for a timeout.
   */
  private void contain(Throwable e, long now) {
    if (fault != null) {
      return;
    }
    fault = e;
    host.connectionFaulted(this, e);
    try {
      engine.abort(now);
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError ignored) {
      // the engine is what failed: the peer learns from its next segment, which meets no connection
    }
  }

  /** Owner only, after {@link #contain}: one step of cleaning up, then release like any drain. */
  private boolean runFaulted(OwnerContext ctx, long now) {
    for (PacketBuffer b = batch; b != null; ) {
      PacketBuffer next = b.next();
      b.next(null);
      b.release();
      b = next;
    }
    batch = null;
    Backlog queued = backlog;
    for (PacketBuffer b = queued == null ? null : queued.takeAll(); b != null; ) {
      PacketBuffer next = b.next();
      b.next(null);
      b.release();
      b = next;
    }
    for (AppCall call = nextCall(); call != null; call = nextCall()) {
      call.complete(0); // the caller sees the fault (Connection.call) and throws
    }
    timerDue = false;
    releaseDue = false;
    dirty = false;
    if (!closed) {
      try {
        TcpEndpoints endpoints = engine.endpoints();
        int ipHeader = endpoints.ipHeaderLength();
        int length = engine.pollTransmit(ctx.tx, ipHeader, now); // the abort's RST, if the engine made one
        if (length > 0) {
          host.transmitTcp(endpoints, device, ctx, length, now);
        }
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError ignored) {
        // nothing more can be sent for this connection
      }
      state = TcpState.CLOSED;
      engineDeadline = Long.MAX_VALUE;
      markClosed();
      signalWaiters();
    }
    return release();
  }

  /** One step of a healthy connection's drain; see {@link #runStep}. */
  private boolean step(OwnerContext ctx, long now) {
    int throwing = host.throwingPort();
    if (throwing >= 0 && (engine.endpoints().localPort() == throwing || engine.endpoints().remotePort() == throwing)) {
      throw new IllegalStateException("injected fault (FaultInjection.throwingPort)");
    }
    if (batch != null) {
      PacketBuffer buffer = batch;
      batch = buffer.next();
      buffer.next(null);
      processBacklogged(buffer, ctx, now);
      buffer.release();
      dirty = true;
      return true;
    }
    if (host.mutation() != OwnershipMutation.NO_BACKLOG_DRAIN) {
      Backlog b = backlog;
      PacketBuffer taken = b == null ? null : b.takeAll();
      if (taken != null) {
        batch = taken;
        return true;
      }
    }
    AppCall call = nextCall();
    if (call != null) {
      execute(call, now);
      dirty = true;
      return true;
    }
    if (releaseDue) {
      releaseDue = false;
      engine.releaseIdleBuffers();
      buffersReleased = true;
      return true;
    }
    if (timerDue) {
      timerDue = false;
      if (engine.nextDeadline() <= now) {
        engine.onTimer(now);
      }
      dirty = true;
      return true;
    }
    if (dirty) {
      dirty = false;
      flush(ctx, now);
      return true;
    }
    return release();
  }

  /** Owner only: runs every step until ownership is released. */
  void drain(OwnerContext ctx, long now) {
    while (runStep(ctx, now)) {
      // keep draining
    }
  }

  private void processBacklogged(PacketBuffer buffer, OwnerContext ctx, long now) {
    // The worker validated this packet before queueing it; decode again to get the views back.
    if (ctx.decoder.decodeIp(buffer.data(), 0, buffer.length()) == null
        && ctx.decoder.protocol() == IpProtocol.TCP) {
      engine.onSegment(ctx.decoder.tcp(), now);
    }
  }

  private void execute(AppCall call, long now) {
    if (call.kind == AppCall.Kind.INFO) {
      call.value = snapshot();
      call.complete(0);
      return;
    }
    call.complete(run(call.kind, call.buf, call.off, call.len, now));
  }

  /** Owner only: one application call (or ICMP error) on the engine; see {@link AppCall.Kind}. */
  private int run(AppCall.Kind kind, byte[] buf, int off, int len, long now) {
    return switch (kind) {
      case READ -> engine.read(buf, off, len, now);
      case WRITE -> engine.write(buf, off, len, now);
      case SHUTDOWN_INPUT -> {
        engine.shutdownInput(now);
        yield 0;
      }
      case SHUTDOWN_OUTPUT -> {
        engine.shutdownOutput(now);
        yield 0;
      }
      case CLOSE -> {
        engine.close(now);
        yield 0;
      }
      case ABORT -> {
        engine.abort(now);
        yield 0;
      }
      case SET_NODELAY -> {
        engine.setNagle(len == 0);
        yield 0;
      }
      case SET_KEEPALIVE -> {
        engine.setKeepAlive(len != 0, now);
        yield 0;
      }
      case PATH_MTU -> engine.onPathMtu(len, off, now) ? 1 : 0;
      case ICMP_UNREACHABLE -> engine.onIcmpUnreachable(off, now) ? 1 : 0;
      case INFO -> 0; // run through execute, which keeps the snapshot
    };
  }

  /** Owner only: transmit what the engine owes, deliver its events, re-arm its timer. */
  private void flush(OwnerContext ctx, long now) {
    if (listener != null && listener.discards()) {
      while (engine.read(ctx.sink, 0, ctx.sink.length, now) > 0) {
        // RFC 863: consumed here, so the window reopens in the ACK this flush sends
      }
    }
    TcpEndpoints endpoints = engine.endpoints();
    int ipHeader = endpoints.ipHeaderLength();
    for (int guard = 0; guard < 100_000; guard++) {
      int length = engine.pollTransmit(ctx.tx, ipHeader, now);
      if (length == 0) {
        break;
      }
      if (finSentAtNanos == 0 && (ctx.tx[ipHeader + 13] & dev.sluice.wire.TcpFlags.FIN) != 0) {
        finSentAtNanos = host.clock().nanos(); // read when it goes out, not when the drain began
      }
      host.transmitTcp(endpoints, device, ctx, length, now);
    }
    TcpEvent event;
    boolean signal = false;
    while ((event = engine.pollEvent()) != null) {
      signal = true;
      onEvent(event, now);
    }
    TcpState current = engine.state();
    if (current != state) {
      state = current;
      signal = true; // waiters for a state (linger, connect) are woken too
    }
    publishedReadiness = engineReadiness();
    if (signal) {
      signalWaiters();
    }
    if (state == TcpState.CLOSED) {
      engineDeadline = Long.MAX_VALUE;
      if (!closed) {
        markClosed();
      }
    } else {
      lastActivityNanos = now;
      buffersReleased = false;
      long next = engine.nextDeadline();
      engineDeadline = next;
      if (next < wheelDeadline) {
        home.requestTimer(this);
      }
    }
  }

  /** Owner only: a state change happened; blocked callers re-check (see {@code eventSequence}). */
  private void signalWaiters() {
    eventSequence = eventSequence + 1; // owner-only writer: a plain increment is safe
    Thread reader = readWaiter;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
    Thread writer = writeWaiter;
    if (writer != null) {
      LockSupport.unpark(writer);
    }
  }

  /** Owner only, once: the connection is gone from the host (and from its listener's count). */
  private void markClosed() {
    closed = true;
    if (listener != null && !connected) {
      listener.abandoned();
    }
    host.remove(this);
  }

  private void onEvent(TcpEvent event, long now) {
    switch (event) {
      case CONNECTED -> {
        connected = true;
        if (listener != null) {
          listener.established(this);
        }
      }
      case END_OF_STREAM -> {
        endOfStream = true;
        endOfStreamAtNanos = now;
      }
      case REFUSED, RESET, TIMED_OUT -> failure = event;
      default -> { }
    }
    host.observer().onEvent(this, event, now);
  }

  // ------------------------------------------------------------------ application side

  /**
   * Runs an application call with the ownership protocol and waits until it is done. Parks, never
   * spins on a native call, so virtual threads may call it.
   */
  int call(AppCall.Kind kind, byte[] buf, int off, int len, long deadlineNanos) throws java.io.IOException {
    long now = host.clock().nanos();
    if (kind != AppCall.Kind.READ && kind != AppCall.Kind.WRITE && shutdownAtNanos == 0) {
      shutdownAtNanos = now;
    }
    throwIfFaulted();
    if (tryAcquire()) {
      int result = 0;
      try {
        result = run(kind, buf, off, len, now);
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        contain(e, now);
      }
      drainAsApplication(now);
      throwIfFaulted();
      return result;
    }
    AppCall call = new AppCall(kind, buf, off, len, Thread.currentThread());
    pushCall(call);
    if (announce()) {
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

  /** After a contained fault every call fails, saying why (never a misleading timeout). */
  private void throwIfFaulted() throws java.net.SocketException {
    Throwable f = fault;
    if (f != null) {
      java.net.SocketException e = new java.net.SocketException(
          "Connection reset: internal error in Sluice (" + f + "): " + this);
      e.initCause(f);
      throw e;
    }
  }

  private void drainAsApplication(long now) {
    OwnerContext ctx = host.borrowContext();
    try {
      drain(ctx, now);
    } finally {
      host.returnContext(ctx);
    }
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
      int n = call(AppCall.Kind.READ, buf, off, len, callDeadline(deadlineNanos));
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
    long deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    while (len > 0) {
      int seen = eventSequence;
      int n = call(AppCall.Kind.WRITE, buf, off, len, callDeadline(deadlineNanos));
      if (n < 0) {
        throwIfFailed();
        throw new java.net.SocketException("Socket output is shut down: " + this);
      }
      off += n;
      len -= n;
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
    int n = call(AppCall.Kind.WRITE, buf, off, len, callDeadline(Long.MAX_VALUE));
    if (n < 0) {
      throwIfFailed();
      throw new java.net.SocketException("Socket output is shut down: " + this);
    }
    return n;
  }

  /** {@link #readiness()}: bytes or end-of-stream wait to be read. */
  public static final int READABLE = 1;
  /** {@link #readiness()}: the send buffer has room and this side may still send. */
  public static final int WRITABLE = 2;
  /** {@link #readiness()}: the connection was reset, refused or timed out. */
  public static final int FAILED = 4;

  /**
   * What {@code poll(2)} would report now, as bits of {@link #READABLE}, {@link #WRITABLE} and
   * {@link #FAILED}. Never reads the engine (only its owner may): the owner publishes the bits at
   * the end of every drain that did something, so they are exact once the owner has let go, and a
   * recent snapshot while it works, which is all poll promises anyway.
   */
  public int readiness() {
    return publishedReadiness | (failure != null || fault != null ? FAILED : 0);
  }

  /** Owner only: readiness from the engine, published by {@link #flush} for other threads. */
  private int engineReadiness() {
    int bits = 0;
    if (engine.readable() > 0 || engine.endOfStreamReached() || engine.inputShutdown()) {
      bits |= READABLE;
    }
    TcpState s = engine.state();
    if ((s == TcpState.ESTABLISHED || s == TcpState.CLOSE_WAIT) && engine.writable() > 0) {
      bits |= WRITABLE;
    }
    return bits;
  }

  /** Waits until the handshake completes; throws {@link java.net.ConnectException} if refused. */
  public void awaitConnected(long timeoutNanos) throws java.io.IOException {
    long deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    while (!connected) {
      int seen = eventSequence;
      if (connected) {
        return;
      }
      throwIfFaulted();
      TcpEvent f = failure;
      if (f == TcpEvent.REFUSED) {
        throw new java.net.ConnectException("Connection refused: " + this);
      }
      if (f != null || closed) {
        throw new java.net.ConnectException("Connection " + describe(f) + ": " + this);
      }
      awaitEvent(seen, deadlineNanos, Wait.CONNECT);
    }
  }

  private void throwIfFailed() throws java.net.SocketException {
    throwIfFaulted();
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

  private void awaitEvent(int seen, long deadlineNanos, Wait what) throws java.net.SocketTimeoutException {
    Thread me = Thread.currentThread();
    boolean writing = what == Wait.WRITE;
    if (writing) {
      writeWaiter = me;
    } else {
      readWaiter = me;
    }
    try {
      while (eventSequence == seen) {
        long left = deadlineNanos - System.nanoTime();
        if (deadlineNanos != Long.MAX_VALUE && left <= 0) {
          throw new java.net.SocketTimeoutException(what + " timed out: " + this);
        }
        LockSupport.parkNanos(this, deadlineNanos == Long.MAX_VALUE ? 100_000_000L : Math.min(left, 100_000_000L));
      }
    } finally {
      if (writing) {
        writeWaiter = null;
      } else {
        readWaiter = null;
      }
    }
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
      } catch (java.net.SocketTimeoutException e) {
        return false;
      }
    }
  }

  /** Aborts with a RST (RFC 9293 §3.10.5). */
  public void abort() throws java.io.IOException {
    applicationClosed = true;
    call(AppCall.Kind.ABORT, null, 0, 0, callDeadline(Long.MAX_VALUE));
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
    if (announce()) {
      drainAsApplication(now);
    }
    long deadline = callDeadline(Long.MAX_VALUE);
    while (!call.isDone() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(this, 100_000_000L);
    }
    return call.value instanceof ConnectionInfo info ? info : faultedInfo();
  }

  /** After a fault the engine is not read again: what is still known for sure. */
  private ConnectionInfo faultedInfo() {
    return new ConnectionInfo(engine.endpoints(), TcpState.CLOSED, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Owner only: the numbers {@link #info} reports, read from the engine. */
  private ConnectionInfo snapshot() {
    return new ConnectionInfo(engine.endpoints(), state, engine.srttNanos(), engine.rttvarNanos(),
        engine.rtoNanos(), engine.cwnd(), engine.ssthresh(), engine.stats().retransmittedSegments(),
        backlog == null ? 0 : backlog.size(), engine.readable(), engine.bytesUnsentOrUnacked(), engine.sendMss(),
        engine.stats().segmentsIn(), engine.stats().segmentsOut());
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
