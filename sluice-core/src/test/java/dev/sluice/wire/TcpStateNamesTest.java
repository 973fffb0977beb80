package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.TcpState;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TcpStateNamesTest {
  @Test
  void everyEngineState_hasItsSsSpelling() {
    Map<TcpState, String> expected = Map.ofEntries(
        Map.entry(TcpState.CLOSED, "CLOSED"), Map.entry(TcpState.LISTEN, "LISTEN"),
        Map.entry(TcpState.SYN_SENT, "SYN-SENT"), Map.entry(TcpState.SYN_RECEIVED, "SYN-RECV"),
        Map.entry(TcpState.ESTABLISHED, "ESTAB"), Map.entry(TcpState.FIN_WAIT_1, "FIN-WAIT-1"),
        Map.entry(TcpState.FIN_WAIT_2, "FIN-WAIT-2"), Map.entry(TcpState.CLOSE_WAIT, "CLOSE-WAIT"),
        Map.entry(TcpState.CLOSING, "CLOSING"), Map.entry(TcpState.LAST_ACK, "LAST-ACK"),
        Map.entry(TcpState.TIME_WAIT, "TIME-WAIT"));
    assertThat(expected).hasSize(TcpState.values().length);
    Arrays.stream(TcpState.values())
        .forEach(s -> assertThat(TcpStateNames.of(s.name())).as(s.name()).isEqualTo(expected.get(s)));
  }

  @Test
  void aToolsOwnState_keepsItsLetters() {
    assertThat(TcpStateNames.of("RESET")).isEqualTo("RESET");
  }
}
