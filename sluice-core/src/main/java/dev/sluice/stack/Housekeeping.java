package dev.sluice.stack;

import java.util.concurrent.atomic.LongAdder;

/**
 * The host's periodic chores, run by an idle worker once a second, each round over a slice of the
 * connection table ({@link #SLICE_SLOTS}) so a large table costs no more per round: the idle sweep frees the
 * buffers of connections idle for a second (so an idle connection costs about a kilobyte), the
 * fragment reassembler drops datagrams past their timeout (RFC 791 §3.2, RFC 8200 §4.5), and the
 * stuck-connection watchdog reports connections whose peer's FIN was delivered but whose
 * application never closed: the KB Q114541 symptom, when the bug is the application's.
 *
 * <p>The sweep reaches a connection through the ownership protocol ({@link
 * Connection#requestIdleRelease}), like any other work, so it never touches an engine it does not
 * own.
 *
 * <p><b>Threads.</b> {@link #idle} runs on worker 0's thread only, so {@link #nextRun} is that
 * thread's alone. {@link #watchdogScan} and {@link #sweepIdle} may also be called from any thread
 * (tests, tools); they only iterate the lock-free connection table and set each connection's
 * volatile {@code watchdogReported}. The report count is a striped adder.
 */
final class Housekeeping {
  private static final System.Logger LOG = System.getLogger("dev.sluice.stack");
  private static final long PERIOD_NANOS = 1_000_000_000L;
  /** How long a connection must be idle before the sweep frees its buffers. */
  private static final long IDLE_NANOS = 1_000_000_000L;
  /**
   * Slots of the connection table one round visits. A walk of the whole table every second would
   * cost a million-connection host a fifth of a core for nothing (issue 16); a slice bounds each
   * round to a fraction of a millisecond. A table of up to this many slots (about 30,000
   * connections) is still visited whole every round; a million connections' 2^21 slots in 32
   * rounds, so their idle buffers are freed, and a stuck one reported, up to half a minute later.
   */
  static final int SLICE_SLOTS = 1 << 16;

  private final ConnectionTable<Connection> table;
  private final FragmentReassembler fragments;
  private final Clock clock;
  /** Report a connection stuck after this long; 0 turns the watchdog off. */
  private final long watchdogNanos;
  private final LongAdder watchdogReports = new LongAdder();
  /** When the chores run next. Worker 0's thread only. */
  private long nextRun;
  /** Where the next round's slice of the connection table starts. Worker 0's thread only. */
  private int cursor;

  Housekeeping(ConnectionTable<Connection> table, FragmentReassembler fragments, Clock clock, long watchdogNanos) {
    this.table = table;
    this.fragments = fragments;
    this.clock = clock;
    this.watchdogNanos = watchdogNanos;
  }

  /**
   * Called by a worker with nothing to do: if it is worker 0 and a second has passed since the
   * last time, runs the idle sweep, the fragment expiry and the watchdog.
   */
  void idle(Worker worker) {
    if (worker.index != 0) {
      return;
    }
    long now = clock.nanos();
    if (now - nextRun < 0) {
      return;
    }
    nextRun = now + PERIOD_NANOS;
    OwnerContext ctx = worker.context;
    cursor = table.forEachValueInSlice(cursor, SLICE_SLOTS, c -> {
      releaseIfIdle(c, ctx, now, IDLE_NANOS);
      if (watchdogNanos > 0) {
        checkStuck(c, now);
      }
    });
    fragments.expire(now);
  }

  /**
   * How long after a host's {@code connections} fell idle its idle sweep has surely reached every
   * one of them (a second of idleness, then as many rounds as slices in a table that size: the
   * table is at most half full and a power of two). See {@link Host#fullIdleSweepNanos}.
   */
  static long fullSweepNanos(int connections) {
    long slots = Long.highestOneBit(Math.max(1, 4L * connections));
    return (IDLE_NANOS + PERIOD_NANOS) + PERIOD_NANOS * ((slots + SLICE_SLOTS - 1) / SLICE_SLOTS);
  }

  /** When {@code worker} next has housekeeping to do: for worker 0 the next round, for others never. */
  long nextRunNanos(Worker worker) {
    return worker.index == 0 ? nextRun : Long.MAX_VALUE;
  }

  /** Frees the buffers of every connection idle for {@code idleNanos}, owning each in turn: the whole table. */
  void sweepIdle(OwnerContext ctx, long now, long idleNanos) {
    table.forEach((endpoints, c) -> releaseIfIdle(c, ctx, now, idleNanos));
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
