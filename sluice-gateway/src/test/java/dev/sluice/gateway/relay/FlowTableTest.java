package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FlowTable}'s text, from snapshots made up here (no network). */
class FlowTableTest {
  private static InetSocketAddress at(String address, int port) {
    return new InetSocketAddress(address, port);
  }

  private static final TcpRelay.Snapshot OUTBOUND = new TcpRelay.Snapshot(TcpRelay.Origin.GUEST,
      at("198.18.0.1", 40_000), at("198.18.1.2", 80), "ESTABLISHED",
      TcpRelay.OutsideState.OPEN, 120, 5_242_880, 3_450_000_000L);
  private static final TcpRelay.Snapshot FORWARDED = new TcpRelay.Snapshot(TcpRelay.Origin.FORWARD,
      at("198.18.0.1", 7000), at("198.18.1.9", 33_333), "FIN_WAIT_2",
      TcpRelay.OutsideState.INPUT_AT_END, 7, 0, 125_000_000_000L);

  @Test
  void aHeader_thenOneLinePerFlow_sortedByFlow_withBothHalvesStatesBytesAndAge() {
    String table = FlowTable.format(List.of(OUTBOUND, FORWARDED));
    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).split(" +")).containsExactly("Origin", "Guest-State", "Outside", "From-Guest", "To-Guest",
        "Age", "Flow");
    // "198.18.0.1:40000 -> ..." sorts before "198.18.1.9:33333 -> ..."
    assertThat(lines.get(1).split(" +")).containsExactly("guest", "ESTAB", "open", "120", "5242880", "3.4s",
        "198.18.0.1:40000", "->", "198.18.1.2:80");
    assertThat(lines.get(2).split(" +")).containsExactly("forward", "FIN-WAIT-2", "eof-rd", "7", "0", "2m05s",
        "198.18.1.9:33333", "->", "198.18.0.1:7000");
  }

  @Test
  void columnsAreAligned_numbersToTheRight_andNoLineEndsInBlanks() {
    List<String> lines = FlowTable.format(List.of(OUTBOUND, FORWARDED)).lines().toList();
    int flowColumn = lines.get(0).indexOf("Flow");
    for (String line : lines) {
      assertThat(line).doesNotEndWith(" ");
      assertThat(line.length()).isGreaterThan(flowColumn);
      assertThat(line.charAt(flowColumn - 1)).as(line).isEqualTo(' ');
      assertThat(line.charAt(flowColumn)).as(line).isNotEqualTo(' ');
    }
    int toGuestEnd = lines.get(0).indexOf("To-Guest") + "To-Guest".length();
    assertThat(lines.get(1).substring(0, toGuestEnd)).endsWith("5242880");
    assertThat(lines.get(2).substring(0, toGuestEnd)).endsWith(" 0");
  }

  @Test
  void anEmptyTable_isItsHeader() {
    assertThat(FlowTable.format(List.of()).lines().toList()).singleElement()
        .satisfies(l -> assertThat(l).startsWith("Origin"));
  }

  @Test
  void statesAndAges_inTheirShortForms() {
    assertThat(FlowTable.outsideName(TcpRelay.OutsideState.OUTPUT_SHUT_DOWN)).isEqualTo("shut-wr");
    assertThat(FlowTable.outsideName(TcpRelay.OutsideState.BOTH_SHUT_DOWN)).isEqualTo("shut-wr,eof-rd");
    assertThat(FlowTable.outsideName(TcpRelay.OutsideState.CLOSED)).isEqualTo("closed");
    assertThat(FlowTable.age(0)).isEqualTo("0.0s");
    assertThat(FlowTable.age(59_990_000_000L)).isEqualTo("59.9s");
    assertThat(FlowTable.age(3_600_000_000_000L + 61_000_000_000L)).isEqualTo("1h01m");
  }
}
