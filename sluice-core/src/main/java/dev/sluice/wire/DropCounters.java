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

  public DropCounters() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  public void increment(DropReason reason) {
    counts[reason.ordinal()].increment();
  }

  public long get(DropReason reason) {
    return counts[reason.ordinal()].sum();
  }

  public long total() {
    long total = 0;
    for (LongAdder count : counts) {
      total += count.sum();
    }
    return total;
  }

  /** The non-zero counts, in declaration order. */
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
