package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The ownership protocol that lets every core receive in parallel without ever running one
 * connection's engine on two threads at once: the fix for KB Q114541. {@link Connection} extends
 * it (a superclass, not a field, so an idle connection pays no extra object) and supplies the
 * work; this class decides who does it. {@code OwnershipLincheckTest}, the deterministic
 * simulation and the torture run check it.
 *
 * <h2>Locking rules</h2>
 *
 * <p><b>The ownership word, {@code pending}.</b> It counts units of work announced and not yet
 * accounted for by an owner; 0 means nobody owns the connection. Anyone with work (a receive
 * worker with a segment, an application thread with a call, a worker whose timer fired) first
 * publishes the work where the owner will look (the {@link Backlog} of segments, the stack of
 * {@link AppCall}s, the {@code timerDue} and {@code releaseDue} flags), then adds 1 to {@code
 * pending} ({@link #announce}). Whoever moves it from 0 becomes the owner; everyone else walks
 * away, because the owner is bound to see their work. A receive worker or application thread that
 * finds {@code pending == 0} may instead take ownership with one CAS ({@link #tryAcquire}) and do
 * its work directly, with no queueing at all: the uncontended path, which flow steering makes the
 * common one.
 *
 * <p><b>The owner</b> drains the backlog, the calls and the flags, and then releases with {@code
 * pending.getAndAdd(-owed)} ({@link #release}), where {@code owed} is every unit it has seen. That
 * one atomic step both checks for new work and releases: if it does not bring {@code pending} to
 * 0, someone announced work meanwhile, so the owner keeps ownership and drains again. No wake-up
 * can be lost, and no work waits for a future arrival (Linux: {@code release_sock} draining the
 * backlog; gVisor: the endpoint's processor loop; Reactor: the "work-in-progress" drain loop).
 *
 * <p><b>Owner-only fields</b> ({@code owed}, {@code batch}, {@code callBatch}, {@code dirty}) are
 * touched only between acquiring and releasing; the protocol's atomics order them for the next
 * owner.
 *
 * <p><b>Exclusion check.</b> {@code sessions} counts threads that believe they own the connection.
 * The protocol keeps it at most 1; if it ever exceeds 1, {@link #onOwnershipViolation} counts it.
 * It exists to prove that the tests can see the bug: see {@link OwnershipMutation}.
 */
abstract class OwnershipProtocol extends TimerNode {
  private static final VarHandle PENDING;
  private static final VarHandle SESSIONS;
  private static final VarHandle CALLS;
  private static final VarHandle BACKLOG;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PENDING = lookup.findVarHandle(OwnershipProtocol.class, "pending", int.class);
      SESSIONS = lookup.findVarHandle(OwnershipProtocol.class, "sessions", int.class);
      CALLS = lookup.findVarHandle(OwnershipProtocol.class, "calls", AppCall.class);
      BACKLOG = lookup.findVarHandle(OwnershipProtocol.class, "backlog", Backlog.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // accessed through PENDING
  private volatile int pending;
  @SuppressWarnings("unused") // accessed through SESSIONS
  private volatile int sessions;
  /** Made by the first segment that finds the connection owned; with steering, rarely ever. */
  volatile Backlog backlog;
  private final int backlogLimit;
  /** Calls that found the connection owned: a Treiber stack, newest first, like the backlog. */
  @SuppressWarnings("unused") // accessed through CALLS
  private volatile AppCall calls;
  /** A timer fired in the home worker's wheel: published work. */
  volatile boolean timerDue;
  /** Set by the idle sweep: the owner should free the engine's buffers. Published work. */
  volatile boolean releaseDue;

  // Owner only: the drain in progress.
  private int owed;
  /** Segments taken from the backlog, oldest first, not yet processed. */
  PacketBuffer batch;
  private AppCall callBatch;
  /** The owner did work whose results (segments, events) are not yet flushed. */
  boolean dirty;

  OwnershipProtocol(int backlogLimit) {
    this.backlogLimit = backlogLimit;
  }

  /** The deliberate protocol breakage to run with; {@code NONE} outside mutation tests. */
  abstract OwnershipMutation mutation();

  /** Two threads owned the connection at once: count it (the protocol never lets it happen). */
  abstract void onOwnershipViolation();

  // ------------------------------------------------------------------ taking ownership

  /**
   * Takes ownership if nobody has it, with no work announced: for a creator that owns a brand-new
   * connection, or a worker that will process its segment directly. The caller must then drain
   * until release.
   */
  final boolean tryAcquire() {
    if (!PENDING.compareAndSet(this, 0, 1)) {
      return false;
    }
    beginSession(1);
    dirty = true; // whoever takes ownership this way does work before its first step
    return true;
  }

  /** Publishes nothing; counts one unit of already-published work. True if the caller now owns. */
  final boolean announce() {
    if ((int) PENDING.getAndAdd(this, 1) != 0) {
      return false;
    }
    beginSession(1);
    return true;
  }

  private void beginSession(int units) {
    if ((int) SESSIONS.getAndAdd(this, 1) != 0) {
      onOwnershipViolation();
      // Under -ea (every test run) a real violation fails loudly where it happens; the mutation
      // tests break the protocol on purpose and expect the count instead.
      assert mutation() != OwnershipMutation.NONE : "two threads own " + this + " at once";
    }
    owed = units;
    sessionBegun();
    if (mutation() == OwnershipMutation.RELEASE_BEFORE_DRAIN) {
      PENDING.setVolatile(this, 0); // the bug: let go first, drain afterwards
    }
  }

  /** The calling thread now owns the connection (a hook for observation: it must be quick). */
  void sessionBegun() {
  }

  /** The single atomic check-and-release. False once released. */
  final boolean release() {
    SESSIONS.getAndAdd(this, -1);
    switch (mutation()) {
      case RELEASE_BEFORE_DRAIN -> {
        return false; // already let go at the start
      }
      case NO_BACKLOG_DRAIN -> {
        PENDING.setVolatile(this, 0); // the bug: forget whatever was announced meanwhile
        return false;
      }
      default -> { }
    }
    // Read owed once. After the add, a zero pending word belongs to whoever takes it next, and
    // that thread writes owed: reading it again here could see the new owner's count instead of
    // ours, compute a nonzero remainder, and run beside the new owner (found by sluice bench).
    int units = owed;
    int left = (int) PENDING.getAndAdd(this, -units) - units;
    if (left == 0) {
      return false;
    }
    beginSession(left); // work was announced while we drained: we still own it
    return true;
  }

  // ------------------------------------------------------------------ published work

  /** The backlog, made on first use; producers race to install it, and one wins. */
  final Backlog backlog() {
    Backlog b = backlog;
    if (b == null) {
      Backlog made = new Backlog(backlogLimit);
      b = BACKLOG.compareAndSet(this, null, made) ? made : backlog;
    }
    return b;
  }

  /** Publishes a call for the owner (then {@link #announce}). */
  final void pushCall(AppCall call) {
    AppCall head;
    do {
      head = (AppCall) CALLS.getAcquire(this);
      call.next = head;
    } while (!CALLS.compareAndSet(this, head, call));
  }

  /** Owner only: the next waiting call, oldest first. */
  final AppCall nextCall() {
    if (callBatch == null && CALLS.getAcquire(this) != null) {
      AppCall newestFirst = (AppCall) CALLS.getAndSet(this, null);
      AppCall oldestFirst = null;
      while (newestFirst != null) {
        AppCall following = newestFirst.next;
        newestFirst.next = oldestFirst;
        oldestFirst = newestFirst;
        newestFirst = following;
      }
      callBatch = oldestFirst;
    }
    AppCall call = callBatch;
    if (call != null) {
      callBatch = call.next;
      call.next = null;
    }
    return call;
  }

  /**
   * True if work waits while nobody owns the connection: a lost wake-up, which the protocol never
   * allows. Meaningful only at a quiescent moment, when no producer is between publishing and
   * announcing its work.
   */
  final boolean strandedWork() {
    Backlog b = backlog;
    return (int) PENDING.getVolatile(this) == 0
        && (b != null && !b.isEmpty() || CALLS.getVolatile(this) != null || callBatch != null || timerDue
            || releaseDue);
  }
}
