package dev.sluice.api;

import java.time.Duration;
import java.util.Objects;

/**
 * What a receive worker does when it has nothing to do: the trade between the CPU an idle stack
 * burns and how fast a worker answers the next packet. Set with {@link
 * NetStack.Builder#idleStrategy}. In the spirit of Agrona's {@code BackoffIdleStrategy}, but with
 * the park bounded by the worker's own next timer deadline instead of a fixed period.
 *
 * <ul>
 *   <li>{@link #park()}: the worker parks as soon as it finds no work, until a packet arrives for
 *       it, a timer of its wheel is due, or another thread asks it for an earlier timer. An idle
 *       stack costs nothing but its timers; every packet after a quiet moment pays a thread
 *       wake-up (on Linux, a futex wake and a context switch: a few to tens of microseconds).
 *   <li>{@link #backoff(Duration)} (the default, with {@value #DEFAULT_SPIN_MICROS} µs): after
 *       work, the worker spins for a while before it parks, so a reply that comes back within the
 *       spin is taken without a wake-up. The spin adapts: it starts at the given length, halves
 *       each time it ends without work (down to nothing) and doubles again each time work comes
 *       during it, so sparse traffic soon stops paying for it. It happens only after work: a
 *       stack without traffic never spins.
 *   <li>{@link #busySpin()}: the worker never parks. The lowest latency, and one core per worker
 *       all the time; only for a machine with cores to spare (on two cores, a spinning worker
 *       takes the time the application threads need).
 * </ul>
 *
 * <p>Immutable; the factories' results can be shared by any number of stacks.
 */
public final class IdleStrategy {
  /** The default spin of {@link #backoff()}, in microseconds. */
  public static final long DEFAULT_SPIN_MICROS = 20;

  private static final IdleStrategy PARK = new IdleStrategy(0);
  private static final IdleStrategy BUSY_SPIN = new IdleStrategy(Long.MAX_VALUE);

  private final long spinNanos;

  private IdleStrategy(long spinNanos) {
    this.spinNanos = spinNanos;
  }

  /**
   * Park at once: the least CPU.
   *
   * @return the parking strategy
   */
  public static IdleStrategy park() {
    return PARK;
  }

  /**
   * Spin up to {@value #DEFAULT_SPIN_MICROS} µs after work, adaptively, then park: the default.
   *
   * @return the default backoff strategy
   */
  public static IdleStrategy backoff() {
    return backoff(Duration.ofNanos(DEFAULT_SPIN_MICROS * 1_000));
  }

  /**
   * Spin up to {@code spin} after work, adaptively (see the class comment), then park.
   *
   * @param spin the longest spin after work; zero is {@link #park()}
   * @return the backoff strategy
   * @throws IllegalArgumentException if {@code spin} is negative or longer than a second (a
   *     longer spin is {@link #busySpin()} in all but name)
   */
  public static IdleStrategy backoff(Duration spin) {
    Objects.requireNonNull(spin, "spin");
    if (spin.isNegative() || spin.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("spin must be between 0 and 1 s: " + spin);
    }
    return spin.isZero() ? PARK : new IdleStrategy(spin.toNanos());
  }

  /**
   * Never park: the lowest latency, a core per worker.
   *
   * @return the busy-spin strategy
   */
  public static IdleStrategy busySpin() {
    return BUSY_SPIN;
  }

  /**
   * The longest spin after work.
   *
   * @return nanoseconds: 0 parks at once, {@link Long#MAX_VALUE} never parks
   */
  public long spinNanos() {
    return spinNanos;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdleStrategy other && other.spinNanos == spinNanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(spinNanos);
  }

  @Override
  public String toString() {
    if (spinNanos == 0) {
      return "IdleStrategy[park]";
    }
    return spinNanos == Long.MAX_VALUE ? "IdleStrategy[busy spin]" : "IdleStrategy[backoff, spin " + spinNanos + " ns]";
  }
}
