package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import dev.sluice.wire.DropReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The path-MTU hook: ICMP "fragmentation needed" / "packet too big" lower the MSS (RFC 1191 §6.4,
 * RFC 8201 §5.4), and forged or absurd ones are dropped (hostile inputs 11 and 12, RFC 5927).
 */
class TcpEnginePathMtuTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;

  private static EngineHarness established() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.nagle = false));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460));
    h.drain();
    h.events();
    return h;
  }

  @Test
  void established_packetTooBig_resendsInFlightDataAtTheNewSize() {
    EngineHarness h = established();
    byte[] data = bytes(2 * 1460, 1);
    h.write(data);
    assertThat(h.drain()).extracting(Seg::length).containsExactly(1460, 1460);
    long cwndBefore = h.engine.cwnd();
    long rtoBefore = h.engine.rtoNanos();

    assertThat(h.engine.onPathMtu(1000, L)).isTrue();

    assertThat(h.engine.sendMss()).isEqualTo(1000 - 40);
    List<Seg> resent = h.drain();
    assertThat(resent).isNotEmpty();
    assertThat(resent.getFirst().seq()).isEqualTo(L);
    assertThat(resent).allSatisfy(seg -> assertThat(seg.length()).isLessThanOrEqualTo(960));
    assertThat(h.engine.cwnd()).as("the window keeps its size in segments, not bytes")
        .isEqualTo(cwndBefore * 960 / 1460);
    assertThat(h.engine.stats().get(TcpCounter.PATH_MTU_DECREASES)).isEqualTo(1);
    assertThat(h.engine.rtoNanos()).as("no timer backoff: not congestion").isEqualTo(rtoBefore);
  }

  @Test
  void established_packetTooBig_laterSegmentsUseTheNewMss() {
    EngineHarness h = established();
    h.engine.onPathMtu(1200, L);
    h.write(bytes(3000, 2));
    assertThat(h.drain()).extracting(Seg::length).containsExactly(1160, 1160, 680);
  }

  @Test
  void established_mtuBelow576_isIgnoredAndCounted() {
    EngineHarness h = established();
    assertThat(h.engine.onPathMtu(68, L)).isFalse();
    assertThat(h.engine.sendMss()).isEqualTo(1460);
    assertThat(h.engine.stats().drops(DropReason.ICMP_MTU_TOO_SMALL)).isEqualTo(1);
    h.expectNothing();
  }

  @Test
  void established_quoteOutsideTheSendWindow_isDroppedAsForged() {
    EngineHarness h = established();
    h.write(bytes(100, 3));
    h.drain();
    assertThat(h.engine.onPathMtu(1000, L + 5000)).isFalse();
    assertThat(h.engine.onPathMtu(1000, L - 1)).isFalse();
    assertThat(h.engine.sendMss()).isEqualTo(1460);
    assertThat(h.engine.stats().drops(DropReason.ICMP_QUOTE_OUT_OF_WINDOW)).isEqualTo(2);
    h.expectNothing();
  }

  @Test
  void established_largerMtu_isIgnored() {
    EngineHarness h = established();
    assertThat(h.engine.onPathMtu(9000, L)).isFalse();
    assertThat(h.engine.sendMss()).isEqualTo(1460);
  }

  @Test
  void established_packetTooBigWithNothingInFlight_sendsNothing() {
    EngineHarness h = established();
    assertThat(h.engine.onPathMtu(1000, L)).isTrue();
    h.expectNothing();
  }

  @Test
  void synSent_packetTooBig_appliesOnceTheHandshakeCompletes() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.activeOpen();
    assertThat(h.engine.onPathMtu(1000, LOCAL_ISS)).isTrue();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460));
    h.drain();
    assertThat(h.engine.sendMss()).isEqualTo(960);
  }

  @Test
  void closed_packetTooBig_isDropped() {
    EngineHarness h = established();
    h.engine.abort();
    h.drain();
    assertThat(h.engine.onPathMtu(1000, L)).isFalse();
    assertThat(h.engine.stats().drops(DropReason.TCP_NO_CONNECTION)).isEqualTo(1);
  }
}
