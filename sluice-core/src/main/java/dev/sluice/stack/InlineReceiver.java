package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.PacketBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/**
 * Receives one device queue's packets on the thread that delivered them ({@link Steering#INLINE}),
 * instead of handing them to a receive worker: for an in-process link the sender's own thread, as
 * Linux's loopback runs the receive path on the sending CPU; for a TUN device the queue's reader.
 * A request and its reply then cross two thread hand-offs (each application's wake-up) instead of
 * four.
 *
 * <p>The queue is owned as a connection is ({@link OwnershipProtocol}): each arrival adds 1 to
 * {@link #pending} after its packet is in the queue; the thread that moves it from 0 drains the
 * queue and lets go with {@code getAndAdd(-owed)}, draining again if more arrived meanwhile. So one
 * thread at a time takes a queue's packets, in their order, and none is left behind. A thread
 * that owns a connection while it transmits may come back here for the peer's reply (the peer
 * answers on this thread too): the reply goes to the connection's backlog, which the thread
 * drains once it unwinds, so nesting is bounded by the number of queues.
 *
 * <p><b>Bursts, and one ACK for each.</b> A thread already inside a host of this JVM (in {@link
 * #run}, in an application call's drain, or in a worker's step of a connection it owns: {@link
 * #enterScope}) does not drain a queue it comes
 * to own at once: it owns it, and drains it when its outermost scope ends. So the segments one
 * flush sends wait in the peer's queue until the flush is over, and then drain as one burst; and a
 * burst's connections are drained, as {@link Worker} drains its bursts, only after every packet of
 * the burst was taken ({@link #gatherLimit} at most): one flush, one ACK, for the burst, as Linux's
 * loopback ACKs a GRO-merged segment once. A segment that needs an
 * answer of its own ({@link Connection#drainDueNow}) is drained at once. Deferring is safe because
 * the deferring thread owns the queue (its arrivals count stays above 0, so no one else drains it
 * and every later arrival only counts up) and drains it before the scope that deferred it ends.
 *
 * <p><b>Threads.</b> {@link #run} is called by any thread that delivers into the queue.
 */
final class InlineReceiver implements Runnable {
  private static final VarHandle PENDING;
  /** The most packets a burst takes before its connections are drained, as {@link Worker}'s. */
  private static final int MAX_GATHER = 64;
  /** The calling thread's scope: how deep, and which owned queues wait for its end. */
  private static final ThreadLocal<Scope> SCOPE = ThreadLocal.withInitial(Scope::new);

  static {
    try {
      PENDING = MethodHandles.lookup().findVarHandle(InlineReceiver.class, "pending", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Host host;
  private final Device device;
  private final int queue;
  private final boolean loopback;
  private final int gatherLimit;
  /** Arrivals not yet accounted for by a drain; 0 means no thread owns the queue. */
  @SuppressWarnings("unused") // accessed through PENDING
  private volatile int pending;
  /**
   * {@link Steering#ADAPTIVE} only: the thread that owns the queue, set by {@link
   * #receiveIfUnowned} and cleared before the owner lets go. Read only to ask "is it me?": a thread
   * sees its own writes, and no other thread ever writes its identity, so a plain field answers
   * that correctly.
   */
  private Thread owner;

  InlineReceiver(Host host, Device device, int queue, boolean loopback) {
    this.host = host;
    this.device = device;
    this.queue = queue;
    this.loopback = loopback;
    // A connection's later packets in a burst wait in its backlog: never more than it holds.
    this.gatherLimit = Math.min(MAX_GATHER, host.config().backlogLimit());
  }

  /**
   * A thread's nesting of receive and application drains. {@code deferred} holds queues it owns and
   * has not drained; they are drained when {@code depth} comes back to its outermost level. The
   * queues are made on first use: most threads that enter a scope (an application's, a virtual
   * thread's perhaps) never receive inline.
   */
  static final class Scope {
    private int depth;
    private ArrayDeque<InlineReceiver> deferred;
    /** Connections of the burst being taken, owned and not yet drained; reused by every burst. */
    private ArrayDeque<Connection> gathered;
    /** Tasks for when this thread leaves the stack ({@link StackExit#defer}); made on first use. */
    private ArrayDeque<Runnable> onExit;

    private void defer(InlineReceiver receiver) {
      if (deferred == null) {
        deferred = new ArrayDeque<>();
      }
      deferred.add(receiver);
    }

    private ArrayDeque<Connection> gathered() {
      if (gathered == null) {
        gathered = new ArrayDeque<>();
      }
      return gathered;
    }
  }

  /**
   * Enters the calling thread's scope: until the matching {@link #exitScope}, queues it comes to own
   * wait for that exit. Every application drain enters one, so the segments it sends drain as a
   * burst once it is done.
   */
  static Scope enterScope() {
    Scope scope = SCOPE.get();
    scope.depth++;
    return scope;
  }

  /** Leaves {@code scope}; the outermost exit first drains every queue deferred meanwhile. */
  static void exitScope(Scope scope) {
    exitScope(scope, true);
  }

  /**
   * Leaves {@code scope}; the outermost exit first drains every queue deferred meanwhile, then, if
   * {@code free} (the thread owns no connection past this exit: a worker between steps of one it
   * owns is not), runs the tasks {@link StackExit#defer} queued, in their order. A task runs at
   * the outermost level, so what it drains or defers in turn is taken by this same loop.
   */
  static void exitScope(Scope scope, boolean free) {
    try {
      if (scope.depth == 1) {
        while (true) {
          InlineReceiver next;
          Runnable task;
          if (scope.deferred != null && (next = scope.deferred.poll()) != null) {
            next.drainOwned(scope); // may defer more, to this same loop
          } else if (free && scope.onExit != null && (task = scope.onExit.poll()) != null) {
            StackExit.run(task);
          } else {
            break;
          }
        }
      }
    } finally {
      scope.depth--;
    }
  }

  /** See {@link StackExit#defer}. */
  static boolean deferToExit(Runnable task) {
    Scope scope = SCOPE.get();
    if (scope.depth == 0) {
      return false;
    }
    if (scope.onExit == null) {
      scope.onExit = new ArrayDeque<>();
    }
    scope.onExit.add(task);
    return true;
  }

  /** A packet has just been put in the queue. */
  @Override
  public void run() {
    if ((int) PENDING.getAndAdd(this, 1) != 0) {
      return; // the owner drains the queue before it lets go, and sees this packet
    }
    drainOrDefer();
  }

  /** The queue was just claimed by this thread: drains it now, or when this thread's scope ends. */
  private void drainOrDefer() {
    Scope scope = SCOPE.get();
    if (scope.depth > 0) {
      scope.defer(this); // ours now; drained when this thread's outermost scope ends
      return;
    }
    scope.depth++;
    try {
      drainOwned(scope);
    } finally {
      exitScope(scope);
    }
  }

  /**
   * {@link Steering#ADAPTIVE}: a packet has just been put in the queue, whose worker is parked.
   * Receives it on this thread, as {@link #run} does, unless another thread owns the queue now;
   * then returns false, and the caller wakes the worker, which takes it (two threads draining one
   * queue is what {@link Steering#SPRAY} does all the time). Arrivals here never count up {@link
   * #pending}: it only goes from 0 to 1 and back, so a thread that piles onto an owner does not
   * leave its packet to that owner's thread, which would turn a busy queue into one thread's work.
   * An arrival from the owning thread itself (a host sending to its own address while it drains)
   * needs nothing: the owner polls the queue until it is empty before it lets go.
   */
  boolean receiveIfUnowned() {
    Thread me = Thread.currentThread();
    if (owner == me) {
      return true;
    }
    if (!PENDING.compareAndSet(this, 0, 1)) {
      return false;
    }
    owner = me;
    drainOrDefer();
    return true;
  }

  /** Drains the queue, which this thread owns, until no arrival is left unaccounted for; then lets go. */
  private void drainOwned(Scope scope) {
    int owed = (int) PENDING.get(this);
    Thread me = owner;
    OwnerContext ctx = host.borrowContext();
    try {
      while (true) {
        drain(ctx, scope.gathered());
        owner = null; // before letting go: the next owner may write its own at once
        int before = (int) PENDING.getAndAdd(this, -owed);
        owed = before - owed;
        if (owed == 0) {
          return;
        }
        owner = me;
      }
    } finally {
      host.returnContext(ctx);
    }
  }

  /**
   * Takes every packet in the queue; each connection a packet made this thread own is drained after
   * the burst ({@code gatherLimit} packets at most), or at once if it needs an answer of its own.
   */
  private void drain(OwnerContext ctx, ArrayDeque<Connection> gathered) {
    PacketBuffer packet;
    int taken = 0;
    while ((packet = device.poll(queue)) != null) {
      long now = host.clock().nanos();
      try {
        Connection owned = host.receive(packet, loopback, ctx, now);
        if (owned != null) {
          if (owned.drainDueNow()) {
            owned.drain(ctx, now);
          } else {
            gathered.add(owned);
          }
        }
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        faulted(e); // as in Worker.step: a throw outside any connection's processing loses this packet only
      }
      if (++taken >= gatherLimit || gathered.size() >= gatherLimit) {
        drainGathered(ctx, gathered);
        taken = 0;
      }
    }
    drainGathered(ctx, gathered);
  }

  private void drainGathered(OwnerContext ctx, ArrayDeque<Connection> gathered) {
    Connection c;
    while ((c = gathered.poll()) != null) {
      long now = host.clock().nanos();
      try {
        c.drain(ctx, now);
      } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
        faulted(e);
      }
    }
  }

  private void faulted(Throwable e) {
    host.receiveFaulted("inline receive on " + device + " queue " + queue, e);
  }
}
