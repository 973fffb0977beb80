package dev.sluice.tcp;

import java.util.Arrays;

/**
 * One deadline per {@link TcpTimer}, {@link #NEVER} when the timer is off (quinn-proto's
 * {@code TimerTable}). Deadlines are in the owner's clock; nothing here reads a clock.
 */
final class TimerTable {
  static final long NEVER = Long.MAX_VALUE;

  private final long[] deadlines = new long[TcpTimer.all().length];

  TimerTable() {
    Arrays.fill(deadlines, NEVER);
  }

  long get(TcpTimer timer) {
    return deadlines[timer.ordinal()];
  }

  boolean isSet(TcpTimer timer) {
    return deadlines[timer.ordinal()] != NEVER;
  }

  void set(TcpTimer timer, long deadline) {
    deadlines[timer.ordinal()] = deadline;
  }

  void stop(TcpTimer timer) {
    deadlines[timer.ordinal()] = NEVER;
  }

  void stop(TcpTimer first, TcpTimer... more) {
    stop(first);
    for (TcpTimer timer : more) {
      stop(timer);
    }
  }

  void stopAll() {
    Arrays.fill(deadlines, NEVER);
  }

  /** True if {@code timer} is set and due at {@code now}. */
  boolean expired(TcpTimer timer, long now) {
    return deadlines[timer.ordinal()] <= now;
  }

  /** The earliest deadline, or {@link #NEVER}. */
  long nextDeadline() {
    long next = NEVER;
    for (long d : deadlines) {
      next = Math.min(next, d);
    }
    return next;
  }
}
