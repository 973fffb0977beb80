package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The owner's half of a {@link Connection}: what whoever holds ownership does with the work the
 * protocol ({@link OwnershipProtocol}, where the locking rules are written) hands it. Segments from
 * receive workers, application calls, ICMP errors and timers go in; the engine's segments, its
 * events and the published readiness come out ({@link #flush}). {@link Connection} adds the
 * application's half (blocking and non-blocking calls, waiting, observation) on top; the two are
 * one object, so an idle connection pays for no extra header.
 *
 * <p><b>Owner-only state:</b> the engine and every field commented "owner only". Nothing else reads
 * them: readiness and {@link Connection#info()} are published or taken by the owner.
 *
 * <p><b>Faults are contained</b> ({@link #contain}): a throw while processing one connection is
 * counted and logged once, the peer is reset, every waiting call fails with a {@link
 * java.net.SocketException} that says why, and ownership is released, so no worker dies.
 */
abstract sealed class ConnectionDrain extends OwnershipProtocol permits Connection {
  private static final VarHandle TIMER_REQUEST_QUEUED;
  private static final VarHandle SWEPT;
  private static final VarHandle READ_WAITER;
  private static final VarHandle WRITE_WAITER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TIMER_REQUEST_QUEUED = lookup.findVarHandle(ConnectionDrain.class, "timerRequestQueued", int.class);
      SWEPT = lookup.findVarHandle(ConnectionDrain.class, "swept", boolean.class);
      READ_WAITER = lookup.findVarHandle(ConnectionDrain.class, "readWaiter", Thread.class);
      WRITE_WAITER = lookup.findVarHandle(ConnectionDrain.class, "writeWaiter", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Host host;
  final TcpEngine engine; // owner only
  /** Where our segments go: resolved from the routing table once, at creation. */
  final dev.sluice.link.Device device;
  /** The worker whose timer wheel holds this connection's timer. */
  final Worker home;
  final Listener listener;

  // Written by the owner, read by anyone.
  volatile int eventSequence;
  volatile TcpState state;
  volatile boolean connected;
  volatile boolean endOfStream;
  volatile TcpEvent failure;
  /** {@link #READABLE} and {@link #WRITABLE} as the owner last saw them (see {@link Connection#readiness}). */
  volatile int publishedReadiness;
  /**
   * What processing this connection threw, once it did: a bug in Sluice, contained to this
   * connection (see {@link #contain}). Written by the owner, read by anyone.
   */
  volatile Throwable fault;
  volatile boolean closed;
  volatile long endOfStreamAtNanos;
  volatile long finSentAtNanos;
  /** When the owner last did anything; the idle sweep frees buffers a while after. */
  volatile long lastActivityNanos;
  volatile boolean buffersReleased;
  /**
   * True while this connection is on the housekeeping's list ({@link Housekeeping#watch}): the owner
   * puts it there after activity, the housekeeping takes it off once it has nothing to do for it.
   */
  @SuppressWarnings("unused") // accessed through SWEPT
  private volatile boolean swept;
  /**
   * The deadline the engine asked for, or the {@link #handshakeDeadline} if that comes first
   * (written by the owner), and the one the home worker's wheel
   * holds (written by that worker). The wheel catches up lazily: a later deadline needs no
   * request, since the wheel fires early and re-arms; an earlier one does. Both are volatile and
   * each side writes its own then reads the other's, so at least one side sees the change.
   */
  volatile long engineDeadline = Long.MAX_VALUE;
  volatile long wheelDeadline = Long.MAX_VALUE;
  /**
   * When the wait for an active open's handshake ends, on the stack's clock, or
   * {@code Long.MAX_VALUE}: set by the connecting thread before the connection is published
   * ({@link Host#connect(java.net.InetSocketAddress, dev.sluice.tcp.TcpConfig, long)}), then
   * owner only. It joins the engine's deadline in the wheel; when it passes before the handshake
   * completes, the owner sets {@link #handshakeTimedOut} and wakes the waiters. So a thread waiting
   * in {@link Connection#awaitConnected} parks with no timeout: a timed park costs a virtual
   * thread a task scheduled and cancelled in the JDK's delay scheduler, each with a wake-up of its
   * thread, about a tenth of the CPU of connections that live for one request
   * (docs/runtime.md, "The connect timeout on the connection's timer").
   */
  volatile long handshakeDeadline = Long.MAX_VALUE;
  /** The handshake did not complete by {@link #handshakeDeadline}; written by the owner, read by waiters. */
  volatile boolean handshakeTimedOut;
  /** 1 while this connection waits in its home worker's queue of timer requests. */
  @SuppressWarnings("unused") // accessed through TIMER_REQUEST_QUEUED
  private volatile int timerRequestQueued;

  /**
   * The application threads blocked waiting for an event, read by the owner to wake them. A slot
   * holds one thread: the first to wait claims it ({@link #claimWaiterSlot}); another waiting at
   * the same time (two threads reading one connection, which nothing forbids) re-checks on a
   * period instead.
   */
  volatile Thread readWaiter;
  volatile Thread writeWaiter;
  /**
   * Told when readiness may have changed (selectors, async calls); null until the first is added,
   * so a connection nobody selects on pays 4 bytes. Set once, by {@link Connection#addReadinessListener}.
   */
  volatile ReadinessListeners readinessListeners;

  ConnectionDrain(Host host, TcpEngine engine, dev.sluice.link.Device device, Worker home, Listener listener,
      int backlogLimit) {
    super(backlogLimit);
    this.host = host;
    this.engine = engine;
    this.device = device;
    this.home = home;
    this.listener = listener;
    this.state = engine.state();
  }

  /** This object as the connection it is (the only subclass): what hosts, workers and listeners hold. */
  private Connection self() {
    return (Connection) this;
  }

  @Override
  OwnershipMutation mutation() {
    return host.mutation();
  }

  @Override
  void onOwnershipViolation() {
    host.ownershipViolation(self());
  }

  @Override
  void sessionBegun() {
    StackEvents.ownerEntered(self(), engine);
  }

  /** {@link #announce}, and if someone else owns the connection, the hand-off of {@code work} is an event. */
  final boolean announceOrHandOff(String work) {
    if (announce()) {
      return true;
    }
    StackEvents.handedOff(self(), work);
    return false;
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
    return announceOrHandOff("segment") ? Delivery.QUEUED_OWNED : Delivery.QUEUED;
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
    return announceOrHandOff("idle-release");
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
    return announceOrHandOff("timer");
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
    return announceOrHandOff("call");
  }

  /** Marks this connection as queued for a timer request; false if it already was. */
  boolean markTimerRequestQueued() {
    return TIMER_REQUEST_QUEUED.compareAndSet(this, 0, 1);
  }

  void clearTimerRequestQueued() {
    TIMER_REQUEST_QUEUED.setVolatile(this, 0);
  }

  /** Marks this connection as on the housekeeping's list; false if it already was. */
  final boolean markSwept() {
    return !(boolean) SWEPT.getVolatile(this) && SWEPT.compareAndSet(this, false, true);
  }

  final void clearSwept() {
    SWEPT.setVolatile(this, false);
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
  void contain(Throwable e, long now) {
    if (fault != null) {
      return;
    }
    fault = e;
    host.connectionFaulted(self(), e);
    try {
      engine.abort();
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError ignored) {
      // the engine is what failed: the peer learns from its next segment, which meets no connection
    }
  }

  /** Owner only, after {@link #contain}: one step of cleaning up, then release like any drain. */
  boolean runFaulted(OwnerContext ctx, long now) {
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
  boolean step(OwnerContext ctx, long now) {
    int throwing = host.throwingPort();
    if (throwing >= 0 && (engine.endpoints().localPort() == throwing || engine.endpoints().remotePort() == throwing)) {
      throw new IllegalStateException("injected fault (FaultInjection.throwingPort)");
    }
    if (batch != null) {
      if (dirty && engine.outputDue()) {
        // What the last segment asked for goes out before the next is processed: a duplicate ACK
        // per out-of-order segment, a state change at once (TcpEngine.outputDue).
        dirty = false;
        flush(ctx, now);
        return true;
      }
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
      if (handshakeDeadline <= now) {
        handshakeDeadline = Long.MAX_VALUE;
        if (!connected) {
          handshakeTimedOut = true; // before the signal: a woken waiter reads it
          signalWaiters();
        }
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

  /**
   * Owner only: true if this connection must be drained now, not after the rest of the receive
   * burst its segment came in (see {@link Worker}'s gathering and {@link TcpEngine#outputDue}).
   */
  boolean drainDueNow() {
    return fault != null || closed || engine.outputDue();
  }

  /** Owner only: runs every step until ownership is released. */
  void drain(OwnerContext ctx, long now) {
    while (runStep(ctx, now)) {
      // keep draining
    }
  }

  void processBacklogged(PacketBuffer buffer, OwnerContext ctx, long now) {
    // The worker validated this packet before queueing it; decode again to get the views back.
    if (ctx.decoder.decodeIp(buffer.data(), 0, buffer.length(), buffer.tcpChecksumKnownGood()) == null
        && ctx.decoder.protocol() == IpProtocol.TCP) {
      engine.onSegment(ctx.decoder.tcp(), now);
    }
  }

  void execute(AppCall call, long now) {
    if (call.kind == AppCall.Kind.INFO) {
      call.value = snapshot();
      call.complete(0);
      return;
    }
    int result = run(call.kind, call.buf, call.source, call.off, call.len, now);
    // Publish what the call changed before its caller goes on, not when this drain ends: a read
    // that emptied the receive buffer must not leave a selector seeing the connection readable
    // meanwhile, which poll(2) never does (SelectorSemanticsTest.readingTheLastByteSent...).
    int readiness = engineReadiness();
    if (readiness != publishedReadiness) {
      publishedReadiness = readiness;
      fireReadinessListeners();
    }
    call.complete(result);
  }

  /** Owner only: one application call (or ICMP error) on the engine; see {@link AppCall.Kind}. */
  int run(AppCall.Kind kind, byte[] buf, java.nio.ByteBuffer source, int off, int len, long now) {
    return switch (kind) {
      case READ -> engine.read(buf, off, len);
      case WRITE -> source != null ? engine.write(source, off, len, now) : engine.write(buf, off, len, now);
      case SHUTDOWN_INPUT -> {
        engine.shutdownInput();
        yield 0;
      }
      case SHUTDOWN_OUTPUT -> {
        engine.shutdownOutput();
        yield 0;
      }
      case CLOSE -> {
        engine.close(now);
        yield 0;
      }
      case ABORT -> {
        engine.abort();
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
      case PATH_MTU -> engine.onPathMtu(len, off) ? 1 : 0;
      case ICMP_UNREACHABLE -> engine.onIcmpUnreachable(off) ? 1 : 0;
      case INFO -> 0; // run through execute, which keeps the snapshot
    };
  }

  /** Owner only: transmit what the engine owes, deliver its events, re-arm its timer. */
  void flush(OwnerContext ctx, long now) {
    if (listener != null && listener.discards()) {
      while (engine.read(ctx.sink, 0, ctx.sink.length) > 0) {
        // RFC 863: consumed here, so the window reopens in the ACK this flush sends
      }
    }
    TcpEndpoints endpoints = engine.endpoints();
    int ipHeader = endpoints.ipHeaderLength();
    // On a device that segments (TSO), the burst goes out as few large segments; the engine still
    // builds and accounts for MSS-sized ones, and leaves their checksums to the device, which
    // completes them (docs/tun-offloads.md).
    dev.sluice.link.TcpCoalescer coalescer = device != null && device.segmentationLimit() > 0 ? ctx.coalescer() : null;
    try {
      for (int guard = 0; guard < 100_000; guard++) {
        int length = engine.pollTransmit(ctx.tx, ipHeader, now, coalescer != null);
        if (length == 0) {
          break;
        }
        if (finSentAtNanos == 0 && (ctx.tx[ipHeader + 13] & dev.sluice.wire.TcpFlags.FIN) != 0) {
          finSentAtNanos = host.clock().nanos(); // read when it goes out, not when the drain began
        }
        host.transmitTcp(endpoints, device, ctx, length, now, coalescer);
      }
    } finally {
      if (coalescer != null) {
        coalescer.flush(device, now); // even after a failure: a context never carries a batch to its next user
      }
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
    int readiness = engineReadiness();
    boolean readinessChanged = readiness != publishedReadiness;
    publishedReadiness = readiness;
    if (signal) {
      signalWaiters();
    } else if (readinessChanged) {
      fireReadinessListeners();
    }
    if (state == TcpState.CLOSED) {
      engineDeadline = Long.MAX_VALUE;
      if (!closed) {
        markClosed();
      }
    } else {
      lastActivityNanos = now;
      buffersReleased = false;
      host.housekeeping().watch(self()); // after the write above: see Housekeeping#watch
      long next = engine.nextDeadline();
      if (handshakeDeadline != Long.MAX_VALUE) {
        if (connected) {
          handshakeDeadline = Long.MAX_VALUE;
        } else if (handshakeDeadline < next) {
          next = handshakeDeadline;
        }
      }
      engineDeadline = next;
      if (next < wheelDeadline) {
        home.requestTimer(self(), next);
      }
    }
  }

  /** Claims the read or write waiter slot for {@code me}; false if another thread holds it. */
  final boolean claimWaiterSlot(boolean writing, Thread me) {
    return (writing ? WRITE_WAITER : READ_WAITER).compareAndSet(this, (Thread) null, me);
  }

  /** Owner only: a state change happened; blocked callers re-check (see {@code eventSequence}). */
  void signalWaiters() {
    eventSequence = eventSequence + 1; // owner-only writer: a plain increment is safe
    Thread reader = readWaiter;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
    Thread writer = writeWaiter;
    if (writer != null) {
      LockSupport.unpark(writer);
    }
    fireReadinessListeners();
  }

  void fireReadinessListeners() {
    ReadinessListeners listeners = readinessListeners;
    if (listeners != null) {
      listeners.fire();
    }
  }

  /** Owner only, once: the connection is gone from the host (and from its listener's count). */
  void markClosed() {
    closed = true;
    if (listener != null && !connected) {
      listener.abandoned();
    }
    host.remove(self());
  }

  void onEvent(TcpEvent event, long now) {
    switch (event) {
      case CONNECTED -> {
        connected = true;
        if (listener != null) {
          listener.established(self());
        }
      }
      case END_OF_STREAM -> {
        StackEvents.finDelivered(self(), engine);
        endOfStream = true;
        endOfStreamAtNanos = now;
      }
      case REFUSED, RESET, TIMED_OUT -> failure = event;
      default -> { }
    }
    host.observer().onEvent(self(), event, now);
  }

  /** After a contained fault every call fails, saying why (never a misleading timeout). */
  void throwIfFaulted() throws java.net.SocketException {
    Throwable f = fault;
    if (f != null) {
      java.net.SocketException e = new java.net.SocketException(
          "Connection reset: internal error in Sluice (" + f + "): " + this);
      e.initCause(f);
      throw e;
    }
  }

  /**
   * Runs the drain an application call owes, on the application's thread. Inside an inline
   * receive scope ({@link InlineReceiver#enterScope}): what the drain sends to a peer that receives
   * inline is taken by the peer as one burst once the drain is done, not one segment at a time.
   */
  void drainAsApplication(long now) {
    InlineReceiver.Scope scope = InlineReceiver.enterScope();
    OwnerContext ctx = host.borrowContext();
    try {
      drain(ctx, now);
    } finally {
      host.returnContext(ctx);
      InlineReceiver.exitScope(scope);
    }
  }

  /** {@link #readiness()}: bytes or end-of-stream wait to be read. */
  public static final int READABLE = 1;
  /** {@link #readiness()}: the send buffer has room and this side may still send. */
  public static final int WRITABLE = 2;
  /** {@link #readiness()}: the connection was reset, refused or timed out. */
  public static final int FAILED = 4;

  /** Owner only: readiness from the engine, published by {@link #flush} for other threads. */
  int engineReadiness() {
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

  /** After a fault the engine is not read again: what is still known for sure. */
  ConnectionInfo faultedInfo() {
    return new ConnectionInfo(engine.endpoints(), TcpState.CLOSED, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Owner only: the numbers {@link Connection#info} reports, read from the engine. */
  ConnectionInfo snapshot() {
    return new ConnectionInfo(engine.endpoints(), state, engine.srttNanos(), engine.rttvarNanos(),
        engine.rtoNanos(), engine.cwnd(), engine.ssthresh(), engine.stats().retransmittedSegments(),
        backlog == null ? 0 : backlog.size(), engine.readable(), engine.bytesUnsentOrUnacked(), engine.sendMss(),
        engine.stats().segmentsIn(), engine.stats().segmentsOut());
  }
}
