package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Windows and their arithmetic: receiver and sender SWS avoidance (RFC 9293 §3.8.6.2), window
 * scaling (RFC 7323 §2), zero windows, the MSS and the path MTU (RFC 6691), SACK blocks we send
 * (RFC 2018 §4), and data riding on handshake segments.
 */
class TcpEngineWindowTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;

  private static EngineHarness small(int receiveBuffer) {
    return new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.receiveBufferBytes = receiveBuffer));
  }

  @Test
  void established_fullReceiveBuffer_advertisesZeroWindow() {
    EngineHarness h = small(2000);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1000, 1));
    h.send(ACK, R + 1000, L, 65_535, bytes(1000, 2));
    h.fireNextTimer(); // two sub-MSS segments: the ACK waits for the delayed-ACK timer
    Seg ack = h.expectOne();
    assertThat(ack.ack()).isEqualTo(R + 2000);
    assertThat(ack.window()).isZero();
  }

  @Test
  void zeroWindow_dataAtRcvNxt_isNotStoredButItsAckIsProcessed() {
    EngineHarness h = small(1000);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1000, 1));
    h.drain();
    h.write(bytes(10, 9));
    h.drain();
    h.send(ACK, R + 1000, L + 10, 65_535, bytes(10, 2));
    assertThat(h.engine.readable()).isEqualTo(1000);
    assertThat(h.engine.bytesUnsentOrUnacked()).isZero(); // the ACK of our 10 bytes counted
  }

  @Test
  void receiverSws_smallReadDoesNotReopenTheWindow_aLargeOneDoes() {
    EngineHarness h = small(4000);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1460, 1));
    h.send(ACK, R + 1460, L, 65_535, bytes(1460, 2));
    h.send(ACK, R + 2920, L, 65_535, bytes(1080, 3));
    h.drain();
    assertThat(h.engine.read(new byte[100], 0, 100)).isEqualTo(100);
    h.expectNothing(); // 100 bytes is less than min(half the buffer, one MSS): no update
    assertThat(h.engine.read(new byte[2000], 0, 2000)).isEqualTo(2000);
    Seg update = h.expectOne();
    assertThat(update.window()).isEqualTo(2100);
  }

  @Test
  void receiverSws_advertisedRightEdgeNeverMovesLeft() {
    EngineHarness h = small(3000);
    h.establishActive();
    int lastEdge = R + 3000;
    for (int i = 0; i < 6; i++) {
      h.send(ACK, R + 500 * i, L, 65_535, bytes(500, i));
      for (Seg seg : h.drain()) {
        assertThat(SeqNum.ge(seg.ack() + seg.window(), lastEdge)).isTrue();
        lastEdge = seg.ack() + seg.window();
      }
      if (i % 2 == 1) {
        h.engine.read(new byte[700], 0, 700);
        for (Seg seg : h.drain()) {
          assertThat(SeqNum.ge(seg.ack() + seg.window(), lastEdge)).isTrue();
          lastEdge = seg.ack() + seg.window();
        }
      }
    }
  }

  @Test
  void windowScaling_peerWindowIsShiftedByItsScale() {
    EngineHarness h = new EngineHarness(TcpConfig.defaults());
    Seg syn = h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 1000, b -> b.mss(1460).nop().windowScale(4));
    h.drain();
    assertThat(h.engine.sendWindow()).isEqualTo(1000); // the SYN-ACK's own window is unscaled
    h.send(ACK, R, L, 1000);
    assertThat(h.engine.sendWindow()).isEqualTo(16_000);
    assertThat(syn.windowScale()).isEqualTo(3);
  }

  @Test
  void windowScaling_ourAdvertisedWindowIsShiftedByOurScale() {
    EngineHarness h = new EngineHarness(TcpConfig.defaults());
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 1000, b -> b.mss(1460).nop().windowScale(4));
    Seg ack = h.expectOne();
    assertThat(ack.window()).isEqualTo((256 * 1024) >> 3);
  }

  @Test
  void windowScaling_offeredOnlyByUs_isNotUsedEitherWay() {
    EngineHarness h = new EngineHarness(TcpConfig.defaults());
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 1000, b -> b.mss(1460));
    Seg ack = h.expectOne();
    assertThat(ack.window()).isEqualTo(65_535); // unscaled, capped at 16 bits
    h.send(ACK, R, L, 1000);
    assertThat(h.engine.sendWindow()).isEqualTo(1000);
  }

  @Test
  void mss_isTheSmallerOfThePeersAndThePathMtus() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.mtu = 1280));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460));
    h.drain();
    assertThat(h.engine.sendMss()).isEqualTo(1240);
  }

  @Test
  void mss_withTimestamps_leavesRoomForTheOption() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.timestamps = true));
    Seg syn = h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).nop().nop().timestamps(5, syn.tsVal()));
    h.drain();
    assertThat(h.engine.sendMss()).isEqualTo(1448);
    h.write(bytes(3000, 1));
    List<Seg> out = h.drain();
    assertThat(out.getFirst().length()).isEqualTo(1448);
  }

  @Test
  void outgoingSegments_neverExceedTheMtu_evenWithSackBlocks() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.timestamps = true;
      b.sack = true;
      b.nagle = false;
    }));
    Seg syn = h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).sackPermitted().nop().nop().timestamps(5, syn.tsVal()));
    h.drain();
    // Three holes in what we receive: our segments carry three SACK blocks.
    for (int i = 1; i <= 3; i++) {
      h.send(ACK, R + 200 * i, L, 65_535, b -> b.nop().nop().timestamps(6, 0), bytes(100, i));
    }
    h.drain();
    h.write(bytes(5000, 4));
    for (Seg seg : h.drain()) {
      assertThat(seg.sackBlocks()).isEqualTo(3);
      assertThat(20 + 20 + 40 + seg.length()).isLessThanOrEqualTo(1500);
    }
  }

  @Test
  void sackBlocks_theLatestArrivalFirst() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.sack = true));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).sackPermitted());
    h.drain();
    h.send(ACK, R + 100, L, 65_535, bytes(100, 1));
    h.drain();
    h.send(ACK, R + 300, L, 65_535, bytes(100, 2));
    Seg ack = h.expectOne();
    assertThat(ack.sackBlocks()).isEqualTo(2);
    assertThat(ack.sack()[0]).isEqualTo(R + 300);
    assertThat(ack.sack()[1]).isEqualTo(R + 400);
    assertThat(ack.sack()[2]).isEqualTo(R + 100);
  }

  @Test
  void synSent_synAckCarryingDataAndFin_deliversBothAfterTheHandshake() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.activeOpen();
    h.send(SYN | ACK | FIN, REMOTE_ISS, L, 65_535, b -> b.mss(1460), bytes(20, 5));
    Seg ack = h.expectOne();
    assertThat(ack.ack()).isEqualTo(R + 21);
    assertThat(h.events()).containsExactly(TcpEvent.CONNECTED, TcpEvent.READABLE, TcpEvent.END_OF_STREAM);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
  }

  @Test
  void listen_synCarryingData_isDeliveredOnceEstablished() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(ACK, R, L, 65_535, bytes(30, 6));
    assertThat(h.readAll()).isEqualTo(bytes(30, 6));
  }

  @Test
  void established_finInAZeroWindow_isStillAccepted() {
    EngineHarness h = small(1000);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1000, 1));
    h.drain();
    h.send(FIN | ACK, R + 1000, L, 65_535);
    h.expectAck(L, R + 1001);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
  }

  @Test
  void established_outOfOrderFlood_isCappedInHoles() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.maxOutOfOrderRanges = 4));
    h.establishActive();
    for (int i = 1; i <= 10; i++) {
      h.send(ACK, R + 10 * i * 2, L, 65_535, bytes(10, i)); // ten separate holes
    }
    h.drain();
    assertThat(h.engine.stats().drops(DropReason.TCP_REASSEMBLY_FULL)).isEqualTo(6);
    h.send(ACK, R, L, 65_535, bytes(210, 7));
    assertThat(h.engine.readable()).isEqualTo(210);
  }

  @Test
  void duplicateSackBlock_fromThePeer_isCountedAndIgnored() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.sack = true;
      b.nagle = false;
    }));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).sackPermitted());
    h.drain();
    h.write(bytes(3000, 1));
    h.drain();
    h.send(ACK, R, L + 1460, 65_535, b -> b.nop().nop().sack(1, new int[] {L, L + 1460})); // D-SACK
    h.expectNothing();
    assertThat(h.engine.stats().fastRetransmits()).isZero();
  }
}
