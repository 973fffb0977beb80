package dev.sluice.tcp;

/**
 * A windowed running minimum: Kathleen Nichols' three-candidate filter, as in Linux's
 * {@code win_minmax}. It remembers the best, second-best and third-best samples from successive
 * parts of the window, so it never returns a value older than the window and needs O(1) space.
 * RACK (RFC 8985 §6.2 step 1) SHOULD use such a windowed min-filtered RTT so that it adapts when
 * a route gets longer.
 */
final class WindowedMinimum {
  private final long window;
  private long t0;
  private long v0;
  private long t1;
  private long v1;
  private long t2;
  private long v2;

  WindowedMinimum(long window) {
    this.window = window;
  }

  long get() {
    return v0;
  }

  void reset(long now, long value) {
    t0 = t1 = t2 = now;
    v0 = v1 = v2 = value;
  }

  /**
   * A new best, or a window in which even the third candidate has expired, restarts the filter;
   * otherwise the sample may replace the second or third candidate, and candidates age forward
   * as parts of the window pass.
   */
  void update(long now, long value) {
    if (value <= v0 || now - t2 > window) {
      reset(now, value);
      return;
    }
    if (value <= v1) {
      t1 = t2 = now;
      v1 = v2 = value;
    } else if (value <= v2) {
      t2 = now;
      v2 = value;
    }
    long age = now - t0;
    if (age > window) {
      // The best has expired: promote the others, and once more if the new best has expired too.
      shift(now, value);
      if (now - t0 > window) {
        shift(now, value);
      }
    } else if (t1 == t0 && age > window / 4) {
      // A quarter window without a better sample: take a second choice from the next quarter.
      t1 = t2 = now;
      v1 = v2 = value;
    } else if (t2 == t1 && age > window / 2) {
      // Half a window: take a third choice from the second half.
      t2 = now;
      v2 = value;
    }
  }

  private void shift(long now, long value) {
    t0 = t1;
    v0 = v1;
    t1 = t2;
    v1 = v2;
    t2 = now;
    v2 = value;
  }
}
