package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.DropReason;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TcpStatsTest {

  @Test
  void everyCounter_keepsWhatWasAddedToIt_andNoOther() {
    TcpStats stats = new TcpStats();
    for (TcpCounter counter : TcpCounter.all()) {
      stats.add(counter, 1_000L * (counter.ordinal() + 1));
      stats.increment(counter);
    }
    for (TcpCounter counter : TcpCounter.all()) {
      assertThat(stats.get(counter)).as(counter.name()).isEqualTo(1_000L * (counter.ordinal() + 1) + 1);
    }
    assertThat(stats.countersByName()).hasSize(TcpCounter.all().length);
  }

  @Test
  void theFrequentCounters_areTheFirstEight_andTheNamedAccessorsReadThem() {
    TcpStats stats = new TcpStats();
    stats.add(TcpCounter.SEGMENTS_IN, 3);
    stats.add(TcpCounter.SEGMENTS_OUT, 4);
    stats.add(TcpCounter.BYTES_RECEIVED, 5);
    stats.add(TcpCounter.BYTES_SENT, 6);
    stats.add(TcpCounter.BYTES_ACKED, 7);

    assertThat(TcpCounter.HOT_COUNT).isEqualTo(8);
    assertThat(TcpCounter.all()[TcpCounter.HOT_COUNT - 1]).isEqualTo(TcpCounter.PASSIVE_OPENS);
    assertThat(stats.segmentsIn()).isEqualTo(3);
    assertThat(stats.segmentsOut()).isEqualTo(4);
    assertThat(stats.bytesReceived()).isEqualTo(5);
    assertThat(stats.bytesSent()).isEqualTo(6);
    assertThat(stats.bytesAcked()).isEqualTo(7);
    assertThat(stats.retransmittedSegments()).as("a rare counter never counted reads 0").isZero();
    assertThat(stats.countersByName()).containsExactly(Map.entry(TcpCounter.SEGMENTS_IN, 3L),
        Map.entry(TcpCounter.SEGMENTS_OUT, 4L), Map.entry(TcpCounter.BYTES_RECEIVED, 5L),
        Map.entry(TcpCounter.BYTES_SENT, 6L), Map.entry(TcpCounter.BYTES_ACKED, 7L));
  }

  @Test
  void drops_areCountedByReason() {
    TcpStats stats = new TcpStats();
    assertThat(stats.dropsByReason()).isEmpty();
    stats.drop(DropReason.TCP_RST_IN_TIME_WAIT);
    stats.drop(DropReason.TCP_RST_IN_TIME_WAIT);

    assertThat(stats.drops(DropReason.TCP_RST_IN_TIME_WAIT)).isEqualTo(2);
    assertThat(stats.dropsByReason()).containsExactly(Map.entry(DropReason.TCP_RST_IN_TIME_WAIT, 2L));
  }
}
