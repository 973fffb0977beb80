package dev.sluice.stack;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The host's periodic chores, run by worker 0 once a second, busy or idle: the idle sweep frees
 * the buffers of connections idle for a second (so an idle connection costs about a kilobyte), the
 * fragment reassembler drops datagrams past their timeout (RFC 791 §3.2, RFC 8200 §4.5), and the
 * stuck-connection watchdog reports connections whose peer's FIN was delivered but whose
 * application never closed: the KB Q114541 symptom, when the bug is the application's.
 *
 * <p><b>Only the connections with something to do.</b> The sweep and the watchdog visit a list of
 * the connections that may need them, not the connection table: one whose buffers are held, or
 * (with the watchdog on) whose peer's FIN was delivered and not yet reported, while the application
 * has not closed. A connection joins the list when its owner finishes a step of activity ({@link
 * #watch}); a round leaves it off once neither chore can concern it. So a million connections
 * whose buffers were freed cost nothing a round, where a walk of the table cost worker 0 of each
 * host about a percent of a core at a slice a second (issue 16). A round visits at most {@link
 * #SLICE} connections of the list, in the order they joined; more wait for the next rounds.
 *
 * <p>The sweep reaches a connection through the ownership protocol ({@link
 * Connection#requestIdleRelease}), like any other work, so it never touches an engine it does not
 * own.
 *
 * <p><b>Threads.</b> {@link #runIfDue} runs on worker 0's thread only, so {@link #nextRun} and {@link
 * #watched} are that thread's alone. {@link #watch} runs on any thread that owns a connection and
 * hands over through a concurrent queue. {@link #watchdogScan} may also be called from any thread
 * (tests, tools); it iterates the lock-free connection table and sets each connection's volatile
 * {@code watchdogReported}. The report count is a striped adder.
 */
final class Housekeeping {
  private static final System.Logger LOG = System.getLogger("dev.sluice.stack");
  private static final long PERIOD_NANOS = 1_000_000_000L;
  /** How long a connection must be idle before the sweep frees its buffers. */
  private static final long IDLE_NANOS = 1_000_000_000L;
  /**
   * Connections of the list one round visits: a round costs a fraction of a millisecond however
   * many connections are busy. A million busy ones are each visited every 16 rounds, so their
   * buffers are freed, and a stuck one reported, up to about 17 seconds after it qualifies.
   */
  static final int SLICE = 1 << 16;
  /** A list emptied after it held more than this many gives its array back. */
  private static final int SHRINK_ABOVE = 4_096;

  private final ConnectionTable<Connection> table;
  private final FragmentReassembler fragments;
  private final Clock clock;
  /** Report a connection stuck after this long; 0 turns the watchdog off. */
  private final long watchdogNanos;
  private final LongAdder watchdogReports = new LongAdder();
  /** Connections that joined since the last round, from their owners' threads. */
  private final ConcurrentLinkedQueue<Connection> joined = new ConcurrentLinkedQueue<>();
  /** The connections the rounds visit, each once (its {@code swept} mark). Worker 0's thread only. */
  private ArrayDeque<Connection> watched = new ArrayDeque<>();
  /** The most {@link #watched} held since it was last made. Worker 0's thread only. */
  private int watchedPeak;
  /** When the chores run next. Worker 0's thread only. */
  private long nextRun;

  Housekeeping(ConnectionTable<Connection> table, FragmentReassembler fragments, Clock clock, long watchdogNanos) {
    this.table = table;
    this.fragments = fragments;
    this.clock = clock;
    this.watchdogNanos = watchdogNanos;
  }

  /**
   * From the thread that owns {@code c}, after a step of activity (its {@code buffersReleased}
   * cleared): puts it on the rounds' list unless it is there. The owner writes its state, then
   * reads the mark; a round clears the mark, then reads the state ({@link #keepWatching}). Both are
   * volatile, so at least one of the two sees the other's write, and a connection that needs the
   * chores is never left off; the mark's compare-and-set keeps it on the list once.
   */
  void watch(Connection c) {
    if (c.markSwept()) {
      joined.add(c);
    }
  }

  /**
   * Called by every worker between bursts of work, owning no connection: if it is worker 0 and a second has passed since
   * the last time, runs the idle sweep and the watchdog over (a slice of) the list, and the
   * fragment expiry. Not only when idle: a host that is never idle must still free idle buffers,
   * and let go of the connections that closed since they joined the list.
   */
  void runIfDue(Worker worker) {
    if (worker.index != 0) {
      return;
    }
    long now = clock.nanos();
    if (now - nextRun < 0) {
      return;
    }
    nextRun = now + PERIOD_NANOS;
    round(worker.context, now);
    fragments.expire(now);
  }

  /** One round over at most {@link #SLICE} connections of the list. Worker 0's thread only. */
  private void round(OwnerContext ctx, long now) {
    for (Connection c; (c = joined.poll()) != null; ) {
      watched.add(c);
    }
    watchedPeak = Math.max(watchedPeak, watched.size());
    for (int n = Math.min(watched.size(), SLICE); n > 0; n--) {
      Connection c = watched.poll();
      if (!c.closed) {
        releaseIfIdle(c, ctx, now, IDLE_NANOS);
        if (watchdogNanos > 0) {
          checkStuck(c, now);
        }
      }
      if (keepWatching(c)) {
        watched.add(c);
        continue;
      }
      c.clearSwept();
      if (keepWatching(c) && c.markSwept()) { // its owner made it busy again meanwhile
        watched.add(c);
      }
    }
    if (watched.isEmpty() && watchedPeak > SHRINK_ABOVE) { // a million that went idle: not 4 MB kept for them
      watched = new ArrayDeque<>();
      watchedPeak = 0;
    }
  }

  /**
   * Whether a round may still have something to do for {@code c}: free its buffers (or see the
   * release it asked for done), or report it stuck.
   */
  private boolean keepWatching(Connection c) {
    if (c.closed) {
      return false;
    }
    return !c.buffersReleased
        || watchdogNanos > 0 && c.endOfStreamDelivered() && !c.applicationClosed() && !c.watchdogReported;
  }

  /** Connections on the rounds' list now, and joining it: for tests. */
  int watching() {
    return watched.size() + joined.size();
  }

  /**
   * How long after a host's {@code connections} fell idle its idle sweep has surely reached every
   * one of them: a second of idleness, the round that asks for the release, and as many rounds as
   * slices in a list that long.
   */
  static long fullSweepNanos(int connections) {
    return (IDLE_NANOS + 2 * PERIOD_NANOS) + PERIOD_NANOS * ((Math.max(1L, connections) + SLICE - 1) / SLICE);
  }

  /** When {@code worker} next has housekeeping to do: for worker 0 the next round, for others never. */
  long nextRunNanos(Worker worker) {
    return worker.index == 0 ? nextRun : Long.MAX_VALUE;
  }

  private static void releaseIfIdle(Connection c, OwnerContext ctx, long now, long idleNanos) {
    if (c.requestIdleRelease(now, idleNanos)) {
      c.drain(ctx, now);
    }
  }

  /** See {@link Host#watchdogScan}: the whole table. */
  int watchdogScan(long now) {
    int[] reported = {0};
    table.forEach((endpoints, c) -> reported[0] += checkStuck(c, now) ? 1 : 0);
    return reported[0];
  }

  /** Reports {@code c} if it is stuck and not yet reported; true if it did. */
  private boolean checkStuck(Connection c, long now) {
    if (c.endOfStreamDelivered() && !c.applicationClosed() && !c.watchdogReported
        && now - c.endOfStreamAtNanos() > watchdogNanos) {
      c.watchdogReported = true;
      watchdogReports.increment();
      LOG.log(System.Logger.Level.WARNING, "stuck connection " + c + ": the peer's FIN was delivered "
          + (now - c.endOfStreamAtNanos()) / 1_000_000 + " ms ago and the application has not closed");
      return true;
    }
    return false;
  }

  long watchdogReports() {
    return watchdogReports.sum();
  }
}
