package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * One connection's counters ({@link TcpCounter}) and its drops by reason.
 *
 * <p>Written only by the connection's owner, with plain stores: counting costs an array
 * increment on the hot path. Anyone may read, and sees values that may be a moment old; a
 * 64-bit JVM never tears a {@code long}. {@link TcpTotals} sums many connections.
 */
public final class TcpStats {
  private static final int RARE_COUNT = TcpCounter.all().length - TcpCounter.HOT_COUNT;
  // The frequent counters always; the rare ones from the first rare event: an idle connection
  // that never lost anything carries 8 longs, not 19.
  private final long[] hot = new long[TcpCounter.HOT_COUNT];
  private long[] rare;
  private static final long[] NO_DROPS = new long[DropReason.values().length];
  /** Allocated at the first drop: most connections never drop anything. */
  private long[] drops = NO_DROPS;

  void increment(TcpCounter counter) {
    add(counter, 1);
  }

  void add(TcpCounter counter, long amount) {
    int i = counter.ordinal();
    if (i < TcpCounter.HOT_COUNT) {
      hot[i] += amount;
    } else {
      if (rare == null) {
        rare = new long[RARE_COUNT];
      }
      rare[i - TcpCounter.HOT_COUNT] += amount;
    }
  }

  void drop(DropReason reason) {
    if (drops == NO_DROPS) {
      drops = new long[NO_DROPS.length];
    }
    drops[reason.ordinal()]++;
  }

  public long get(TcpCounter counter) {
    int i = counter.ordinal();
    if (i < TcpCounter.HOT_COUNT) {
      return hot[i];
    }
    long[] r = rare;
    return r == null ? 0 : r[i - TcpCounter.HOT_COUNT];
  }

  public long drops(DropReason reason) {
    return drops[reason.ordinal()];
  }

  /** The non-zero drop counts. */
  public Map<DropReason, Long> dropsByReason() {
    Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.values()) {
      if (drops[reason.ordinal()] != 0) {
        map.put(reason, drops[reason.ordinal()]);
      }
    }
    return map;
  }

  /** The non-zero counters, in declaration order. */
  public Map<TcpCounter, Long> countersByName() {
    Map<TcpCounter, Long> map = new EnumMap<>(TcpCounter.class);
    for (TcpCounter counter : TcpCounter.all()) {
      long value = get(counter);
      if (value != 0) {
        map.put(counter, value);
      }
    }
    return map;
  }

  long[] dropArray() {
    return drops;
  }

  // Named accessors for the counters read most often.

  public long segmentsIn() {
    return get(TcpCounter.SEGMENTS_IN);
  }

  public long segmentsOut() {
    return get(TcpCounter.SEGMENTS_OUT);
  }

  public long retransmittedSegments() {
    return get(TcpCounter.RETRANSMITTED_SEGMENTS);
  }

  public long timeoutRetransmits() {
    return get(TcpCounter.TIMEOUT_RETRANSMITS);
  }

  public long fastRetransmits() {
    return get(TcpCounter.FAST_RETRANSMITS);
  }

  public long tlpProbes() {
    return get(TcpCounter.TLP_PROBES);
  }

  public long rackLosses() {
    return get(TcpCounter.RACK_LOSSES);
  }

  public long bytesReceived() {
    return get(TcpCounter.BYTES_RECEIVED);
  }

  public long bytesSent() {
    return get(TcpCounter.BYTES_SENT);
  }

  public long bytesAcked() {
    return get(TcpCounter.BYTES_ACKED);
  }

  public long resetsSent() {
    return get(TcpCounter.RESETS_SENT);
  }

  public long resetsReceived() {
    return get(TcpCounter.RESETS_RECEIVED);
  }

  public long challengeAcks() {
    return get(TcpCounter.CHALLENGE_ACKS);
  }

  public long timeouts() {
    return get(TcpCounter.TIMEOUTS);
  }
}
