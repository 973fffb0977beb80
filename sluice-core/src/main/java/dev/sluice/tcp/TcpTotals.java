package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Host-wide TCP counters (RFC 4022's tcp group; Linux's {@code nstat}): the sum over every
 * connection that has closed, plus whatever the host counts outside any connection (a segment for
 * no socket, answered with a RST).
 *
 * <p>Live connections are not counted here as they run: that would put a shared write on the hot
 * path. A reader asks {@link #snapshot(Iterable)} with the live connections' stats, and gets
 * closed + live. Thread-safe: any thread may {@link #absorb} a connection as it closes, and any
 * thread may read.
 */
public final class TcpTotals {
  private final LongAdder[] counters = adders(TcpCounter.all().length);
  private final LongAdder[] drops = adders(DropReason.values().length);

  private static LongAdder[] adders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }

  /** Folds in a connection that has closed; call once per connection. */
  public void absorb(TcpStats closed) {
    for (TcpCounter counter : TcpCounter.all()) {
      long value = closed.get(counter);
      if (value != 0) {
        counters[counter.ordinal()].add(value);
      }
    }
    long[] d = closed.dropArray();
    for (int i = 0; i < d.length; i++) {
      if (d[i] != 0) {
        drops[i].add(d[i]);
      }
    }
  }

  /** Counts an event outside any connection, such as a RST sent for a segment to no socket. */
  public void increment(TcpCounter counter) {
    counters[counter.ordinal()].increment();
  }

  /** Counts a segment dropped outside any connection. */
  public void drop(DropReason reason) {
    drops[reason.ordinal()].increment();
  }

  /** Closed connections plus the live ones given; live values may be a moment old. */
  public Snapshot snapshot(Iterable<TcpStats> live) {
    Map<TcpCounter, Long> counterMap = new EnumMap<>(TcpCounter.class);
    for (TcpCounter counter : TcpCounter.all()) {
      long sum = counters[counter.ordinal()].sum();
      for (TcpStats stats : live) {
        sum += stats.get(counter);
      }
      counterMap.put(counter, sum);
    }
    Map<DropReason, Long> dropMap = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.values()) {
      long sum = drops[reason.ordinal()].sum();
      for (TcpStats stats : live) {
        sum += stats.drops(reason);
      }
      if (sum != 0) {
        dropMap.put(reason, sum);
      }
    }
    return new Snapshot(counterMap, dropMap);
  }

  /**
   * Totals at one moment: every counter (zeros included) and the non-zero drops by reason.
   */
  public record Snapshot(Map<TcpCounter, Long> counters, Map<DropReason, Long> drops) {
    public Snapshot {
      counters = Map.copyOf(counters);
      drops = Map.copyOf(drops);
    }

    public long get(TcpCounter counter) {
      return counters.getOrDefault(counter, 0L);
    }

    /** {@code nstat}-style lines, one per non-zero counter, then the drops. */
    public String format() {
      StringBuilder out = new StringBuilder();
      for (TcpCounter counter : TcpCounter.all()) {
        long value = get(counter);
        if (value != 0) {
          out.append(String.format("%-28s %d%n", counter.nstatName(), value));
        }
      }
      for (DropReason reason : DropReason.values()) {
        Long value = drops.get(reason);
        if (value != null) {
          out.append(String.format("%-28s %d  # %s%n", "Drop" + reason.name(), value, reason.description()));
        }
      }
      return out.toString();
    }
  }
}
