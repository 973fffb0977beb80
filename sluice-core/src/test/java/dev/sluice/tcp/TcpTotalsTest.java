package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.DropReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpTotalsTest {
  @Test
  void snapshot_sumsClosedConnectionsLiveOnesAndHostEvents() {
    TcpStats closed = new TcpStats();
    closed.increment(TcpCounter.SEGMENTS_IN);
    closed.add(TcpCounter.BYTES_RECEIVED, 1000);
    closed.drop(DropReason.TCP_OUT_OF_WINDOW);
    TcpStats live = new TcpStats();
    live.add(TcpCounter.SEGMENTS_IN, 4);
    live.drop(DropReason.TCP_OUT_OF_WINDOW);
    TcpTotals totals = new TcpTotals();
    totals.absorb(closed);
    totals.increment(TcpCounter.RESETS_SENT);
    totals.drop(DropReason.TCP_NO_CONNECTION);

    TcpTotals.Snapshot snapshot = totals.snapshot(List.of(live));

    assertThat(snapshot.get(TcpCounter.SEGMENTS_IN)).isEqualTo(5);
    assertThat(snapshot.get(TcpCounter.BYTES_RECEIVED)).isEqualTo(1000);
    assertThat(snapshot.get(TcpCounter.RESETS_SENT)).isEqualTo(1);
    assertThat(snapshot.drops()).containsEntry(DropReason.TCP_OUT_OF_WINDOW, 2L)
        .containsEntry(DropReason.TCP_NO_CONNECTION, 1L).hasSize(2);
    assertThat(snapshot.format()).contains("TcpInSegs").contains("TcpOutRsts")
        .contains("DropTCP_NO_CONNECTION").doesNotContain("TcpRetransSegs");
  }

  @Test
  void absorb_fromManyThreads_losesNoCount() throws InterruptedException {
    TcpTotals totals = new TcpTotals();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 10_000; i++) {
          TcpStats stats = new TcpStats();
          stats.increment(TcpCounter.ACTIVE_OPENS);
          totals.absorb(stats);
        }
      });
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(totals.snapshot(List.of()).get(TcpCounter.ACTIVE_OPENS)).isEqualTo(40_000);
  }

  @Test
  void engineCounters_reachTheTotalsWhenTheConnectionCloses() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.establishActive();
    TcpTotals totals = new TcpTotals();
    totals.absorb(h.engine.stats());
    TcpTotals.Snapshot snapshot = totals.snapshot(List.of());
    assertThat(snapshot.get(TcpCounter.ACTIVE_OPENS)).isEqualTo(1);
    assertThat(snapshot.get(TcpCounter.SEGMENTS_OUT)).isEqualTo(2); // SYN, ACK
    assertThat(snapshot.get(TcpCounter.SEGMENTS_IN)).isEqualTo(1); // SYN-ACK
  }
}
