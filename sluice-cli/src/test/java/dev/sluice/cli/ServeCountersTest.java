package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.wire.DropReason;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ServeCounters} reads back the counters that {@code NetStack.tcpCounters()} prints. */
class ServeCountersTest {
  @Test
  void theNstatStyleText_becomesAMapOfCountersAndDropsByName() {
    TcpTotals totals = new TcpTotals();
    for (int i = 0; i < 3; i++) {
      totals.increment(TcpCounter.SYN_COOKIES_SENT);
    }
    totals.increment(TcpCounter.PASSIVE_OPENS);
    totals.drop(DropReason.LISTEN_QUEUE_FULL);
    totals.drop(DropReason.LISTEN_QUEUE_FULL);

    Map<String, Long> parsed = ServeCounters.parseCounters(totals.snapshot(List.of()).format());

    assertThat(parsed).containsExactly(Map.entry("TcpPassiveOpens", 1L), Map.entry("TcpExtSyncookiesSent", 3L),
        Map.entry("DropLISTEN_QUEUE_FULL", 2L));
  }

  @Test
  void linesThatAreNotCounters_areLeftOut() {
    assertThat(ServeCounters.parseCounters("\nTcpInSegs 5\nnot a counter\nTcpOutSegs x\n"))
        .containsExactly(Map.entry("TcpInSegs", 5L));
  }
}
