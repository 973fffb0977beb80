package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * One connection's counters ({@link TcpCounter}) and its drops by reason.
 *
 * <p>Written only by the connection's owner, with plain stores: counting costs a field
 * increment on the hot path. Anyone may read, and sees values that may be a moment old; a
 * 64-bit JVM never tears a {@code long}. {@link TcpTotals} sums many connections.
 */
public final class TcpStats {
  private static final int RARE_COUNT = TcpCounter.all().length - TcpCounter.HOT_COUNT;
  // The frequent counters (the first TcpCounter.HOT_COUNT) are fields, not an array: an array
  // would cost every connection end its header and a reference, 24 bytes. The rare ones come with
  // the first rare event: an idle connection that never lost anything carries the 8 only.
  private long segmentsIn;
  private long segmentsOut;
  private long bytesReceived;
  private long bytesSent;
  private long bytesAcked;
  private long rttSamples;
  private long activeOpens;
  private long passiveOpens;
  private long[] rare;
  private static final long[] NO_DROPS = new long[DropReason.values().length];
  /** Allocated at the first drop: most connections never drop anything. */
  private long[] drops = NO_DROPS;

  void increment(TcpCounter counter) {
    add(counter, 1);
  }

  void add(TcpCounter counter, long amount) {
    switch (counter) {
      case SEGMENTS_IN -> segmentsIn += amount;
      case SEGMENTS_OUT -> segmentsOut += amount;
      case BYTES_RECEIVED -> bytesReceived += amount;
      case BYTES_SENT -> bytesSent += amount;
      case BYTES_ACKED -> bytesAcked += amount;
      case RTT_SAMPLES -> rttSamples += amount;
      case ACTIVE_OPENS -> activeOpens += amount;
      case PASSIVE_OPENS -> passiveOpens += amount;
      default -> {
        if (rare == null) {
          rare = new long[RARE_COUNT];
        }
        rare[counter.ordinal() - TcpCounter.HOT_COUNT] += amount;
      }
    }
  }

  void drop(DropReason reason) {
    if (drops == NO_DROPS) {
      drops = new long[NO_DROPS.length];
    }
    drops[reason.ordinal()]++;
  }

  public long get(TcpCounter counter) {
    return switch (counter) {
      case SEGMENTS_IN -> segmentsIn;
      case SEGMENTS_OUT -> segmentsOut;
      case BYTES_RECEIVED -> bytesReceived;
      case BYTES_SENT -> bytesSent;
      case BYTES_ACKED -> bytesAcked;
      case RTT_SAMPLES -> rttSamples;
      case ACTIVE_OPENS -> activeOpens;
      case PASSIVE_OPENS -> passiveOpens;
      default -> {
        long[] r = rare;
        yield r == null ? 0 : r[counter.ordinal() - TcpCounter.HOT_COUNT];
      }
    };
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
