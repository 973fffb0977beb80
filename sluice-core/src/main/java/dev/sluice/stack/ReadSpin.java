package dev.sluice.stack;

/**
 * How long a platform thread blocked in a read spins before it parks, learned per connection
 * (issue 16: "let a blocked reader spin briefly before parking when the connection is
 * latency-sensitive"). A reply that arrives within the spin is taken without a park and a wake-up,
 * which on this project's machines are most of a small round trip; a spin that ends without it is
 * a core's time for nothing. So a connection spins only once it has shown that its replies come
 * within the spin.
 *
 * <p>The rule, with {@code max} the host's {@link HostConfig#readSpinNanos()}:
 * <ul>
 *   <li>A new connection parks at once. After {@link #PROBE_AFTER} reads in a row that parked, the
 *       next read spins {@code max}: a probe. A probe that the bytes end (a hit) starts spinning;
 *       one that runs out (a miss) goes back to parking.
 *   <li>Spinning, every read spins up to {@code max}. A hit keeps it spinning;
 *       {@link #MISSES_IN_A_ROW} misses in a row go back to parking.
 * </ul>
 * A request/response connection whose replies come within {@code max} so keeps spinning, at most
 * {@code max} a read, and a stray slow reply does not stop it; one whose reads wait longer pays one
 * probe, {@code max}, every {@value #PROBE_AFTER} reads or so; an idle connection's reader, one
 * wait, spins not at all. Linux has the fixed form ({@code SO_BUSY_POLL}), which {@link
 * HostConfig#busyPollNanos()} is.
 *
 * <p>The state is one {@code int} per connection: above zero, spinning, with one more than the
 * misses in a row; zero or below, parking, minus the reads that have parked since. Only the reading
 * thread uses it; two threads reading one connection at once race on it harmlessly (a spin more or
 * less).
 */
final class ReadSpin {
  /** Reads in a row that park before one probes with a spin. */
  static final int PROBE_AFTER = 16;
  /** Misses in a row that end spinning. */
  static final int MISSES_IN_A_ROW = 3;

  private ReadSpin() {}

  /** The state of a new connection: parking. */
  static int initial() {
    return 0;
  }

  /** How long the next read spins, in nanoseconds, in {@code state}. */
  static long spinNanos(int state, long max) {
    return state > 0 || state <= -PROBE_AFTER ? max : 0;
  }

  /**
   * The state after a read that spun (it parked at once if not) and was ({@code hit}) or was not
   * ended by its bytes within that spin.
   */
  static int after(int state, boolean spun, boolean hit) {
    if (!spun) {
      return Math.max(state - 1, -PROBE_AFTER); // one more read that parked
    }
    if (hit) {
      return 1;
    }
    return state <= 0 || state >= MISSES_IN_A_ROW ? 0 : state + 1; // a probe's miss, or one too many
  }
}
