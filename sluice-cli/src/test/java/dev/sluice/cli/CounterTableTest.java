package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.TcpCounter;
import dev.sluice.wire.DropReason;
import org.junit.jupiter.api.Test;

/** The demo report's counter table: both hosts side by side, and every counter explained in words. */
class CounterTableTest {
  @Test
  void parse_putsTheHostsSideBySide_inFirstSeenOrder_withMeanings() {
    String text = """
        client (198.18.0.1):
        TcpInSegs                    37446
        DropTCP_RST_IN_TIME_WAIT     186  # RST ignored in TIME-WAIT (RFC 1337)
        server (198.18.0.2):
        TcpInSegs                    1200
        TcpPassiveOpens              5001
        not a counter
        """;

    CounterTable table = CounterTable.parse(text);

    assertThat(table.rows()).extracting(CounterTable.Row::name)
        .containsExactly("TcpInSegs", "DropTCP_RST_IN_TIME_WAIT", "TcpPassiveOpens");
    assertThat(table.rows().get(0)).isEqualTo(new CounterTable.Row("TcpInSegs", 37_446L, 1_200L,
        "TCP segments received"));
    assertThat(table.rows().get(1).server()).isNull();
    assertThat(table.rows().get(1).meaning())
        .isEqualTo("packets dropped: " + DropReason.TCP_RST_IN_TIME_WAIT.description());
    assertThat(table.rows().get(2).client()).isNull();
  }

  @Test
  void everyTcpCounter_andEveryDropReason_isExplained() {
    for (TcpCounter c : TcpCounter.values()) {
      assertThat(CounterTable.meaning(c.nstatName())).as(c.nstatName()).isNotEqualTo(CounterTable.UNDESCRIBED);
    }
    for (DropReason r : DropReason.values()) {
      assertThat(CounterTable.meaning("Drop" + r.name())).as(r.name()).startsWith("packets dropped: ")
          .doesNotContainPattern("\\[\\d+\\]");
    }
    assertThat(CounterTable.meaning("SluiceSomethingNew")).isEqualTo(CounterTable.UNDESCRIBED);
  }
}
