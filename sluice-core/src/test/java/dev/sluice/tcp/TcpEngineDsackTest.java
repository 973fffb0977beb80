package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import org.junit.jupiter.api.Test;

/**
 * D-SACK generation as a receiver (RFC 2883 §4): a duplicate arrival is reported in the first
 * SACK block of the next ACK, once, and only to a peer that agreed to SACK.
 */
class TcpEngineDsackTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;

  private static EngineHarness established(boolean peerOffersSack, boolean timestamps) {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.sack = true;
      b.timestamps = timestamps;
    }));
    Seg syn = h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> {
      b.mss(1460);
      if (peerOffersSack) {
        b.sackPermitted();
      }
      if (timestamps) {
        b.nop().nop().timestamps(1, syn.tsVal());
      }
    });
    h.drain();
    h.events();
    return h;
  }

  @Test
  void established_retransmissionOfAckedData_firstSackBlockReportsIt() {
    EngineHarness h = established(true, false);
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.send(ACK, R + 100, L, 65_535, bytes(100, 2));
    h.drain(); // the ACK of both (second segment); the peer "loses" it
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    Seg ack = h.expectAck(L, R + 200);
    assertThat(ack.sackBlocks()).isEqualTo(1);
    assertThat(ack.sack()[0]).isEqualTo(R);
    assertThat(ack.sack()[1]).isEqualTo(R + 100);
    assertThat(h.engine.stats().get(TcpCounter.DSACKS_SENT_OLD)).isEqualTo(1);
  }

  @Test
  void established_dsackIsReportedOnce() {
    EngineHarness h = established(true, false);
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.drain();
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    assertThat(h.expectOne().sackBlocks()).isEqualTo(1);
    h.write(bytes(10, 3));
    Seg data = h.expectOne();
    assertThat(data.length()).isEqualTo(10);
    assertThat(data.sackBlocks()).as("the D-SACK went out with the previous ACK").isZero();
  }

  @Test
  void established_partialOverlapWithAckedData_reportsOnlyTheOldPart() {
    EngineHarness h = established(true, false);
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.drain();
    byte[] overlapping = new byte[150];
    System.arraycopy(bytes(100, 1), 50, overlapping, 0, 50);
    h.send(ACK, R + 50, L, 65_535, overlapping);
    Seg ack = h.expectAck(L, R + 200);
    assertThat(ack.sackBlocks()).isEqualTo(1);
    assertThat(ack.sack()[0]).isEqualTo(R + 50);
    assertThat(ack.sack()[1]).isEqualTo(R + 100);
  }

  @Test
  void established_duplicateOfHeldOutOfOrderData_dsackThenTheBlockHoldingIt() {
    EngineHarness h = established(true, false);
    h.send(ACK, R + 1000, L, 65_535, bytes(300, 1)); // held: [R+1000, R+1300)
    h.send(ACK, R + 2000, L, 65_535, bytes(100, 2)); // held: [R+2000, R+2100), newest
    h.drain();
    h.send(ACK, R + 1100, L, 65_535, new byte[100]); // a duplicate of part of the first block
    Seg ack = h.expectAck(L, R);
    assertThat(ack.sackBlocks()).isEqualTo(3);
    assertThat(ack.sack()).startsWith(R + 1100, R + 1200, R + 1000, R + 1300, R + 2000, R + 2100);
    assertThat(h.engine.stats().get(TcpCounter.DSACKS_SENT_OUT_OF_ORDER)).isEqualTo(1);
  }

  @Test
  void established_dsackWithTimestamps_stillFitsThreeBlocks() {
    EngineHarness h = established(true, true);
    for (int i = 1; i <= 4; i++) {
      h.send(ACK, R + 1000 * i, L, 65_535, b -> b.nop().nop().timestamps(2, 0), bytes(100, i));
    }
    h.drain();
    h.send(ACK, R + 1000, L, 65_535, b -> b.nop().nop().timestamps(3, 0), bytes(100, 1));
    Seg ack = h.expectAck(L, R);
    assertThat(ack.sackBlocks()).isEqualTo(3);
    assertThat(ack.sack()).startsWith(R + 1000, R + 1100, R + 1000, R + 1100, R + 4000, R + 4100);
  }

  @Test
  void established_peerWithoutSack_getsNoDsack() {
    EngineHarness h = established(false, false);
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.drain();
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    assertThat(h.expectAck(L, R + 100).sackBlocks()).isZero();
    assertThat(h.engine.stats().get(TcpCounter.DSACKS_SENT_OLD)).isZero();
  }

  @Test
  void established_newDataAfterADuplicate_stillDeliversEveryByteOnce() {
    EngineHarness h = established(true, false);
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.send(ACK, R + 100, L, 65_535, bytes(100, 2));
    byte[] expected = new byte[200];
    System.arraycopy(bytes(100, 1), 0, expected, 0, 100);
    System.arraycopy(bytes(100, 2), 0, expected, 100, 100);
    assertThat(h.readAll()).isEqualTo(expected);
  }
}
