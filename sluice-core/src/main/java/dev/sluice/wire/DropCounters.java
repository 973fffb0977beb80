package dev.sluice.wire;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drop counts by {@link DropReason}, one table per interface (or per link).
 *
 * <p>Thread-safe without locks: many receive workers count into one table. {@link LongAdder}
 * stripes its cells under contention, so counting costs no shared cache line in steady state and
 * allocates nothing once its cells exist.
 */
public final class DropCounters {
  private final LongAdder[] counts = new LongAdder[DropReason.all().length];

  /** Creates a table with every count at 0. */
  public DropCounters() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /**
   * Counts one drop; allocates nothing once the counter's cells exist.
   *
   * @param reason why the packet was dropped; not {@code null}
   * @throws NullPointerException if {@code reason} is {@code null}
   */
  public void increment(DropReason reason) {
    counts[reason.ordinal()].increment();
  }

  /**
   * The drops counted under {@code reason} so far. Not an atomic snapshot while others count.
   *
   * @param reason the reason asked about
   * @return the count, 0 or more
   */
  public long get(DropReason reason) {
    return counts[reason.ordinal()].sum();
  }

  /**
   * The drops counted under every reason so far. Not an atomic snapshot while others count.
   *
   * @return the sum of all counts, 0 or more
   */
  public long total() {
    long total = 0;
    for (LongAdder count : counts) {
      total += count.sum();
    }
    return total;
  }

  /**
   * The non-zero counts, in declaration order.
   *
   * @return a new mutable map that later drops do not change; empty if nothing was dropped
   */
  public Map<DropReason, Long> snapshot() {
    Map<DropReason, Long> snapshot = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.all()) {
      long n = get(reason);
      if (n != 0) {
        snapshot.put(reason, n);
      }
    }
    return snapshot;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
