package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.MS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import org.junit.jupiter.api.Test;

/**
 * The engine rules that keep teardown clean against real peers (issue 12): window updates decided
 * on the header's window, quick-ACK mode, text on a simultaneous-open SYN, and SHUT_RD. The drill
 * scripts under {@code window/}, {@code teardown/} and {@code handshake/} show the same rules on
 * the wire; these tests reach what a script cannot configure.
 */
class TcpEngineTeardownConformanceTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;

  private static EngineHarness harness(java.util.function.Consumer<TcpConfig.Builder> changes) {
    return new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(changes));
  }

  @Test
  void read_withoutScaling_neverRepeatsTheLastAck() {
    // 256 KB of buffer, but without window scaling the field shows at most 65,535.
    EngineHarness h = harness(b -> b.receiveBufferBytes = 256 * 1024);
    h.establishActive();
    for (int i = 0; i < 5; i++) {
      h.send(ACK, R + 1000 * i, L, 65_535, bytes(1000, i));
      h.fireNextTimer();
      Seg ack = h.expectAck(L, R + 1000 * (i + 1));
      assertThat(ack.window()).isEqualTo(65_535);
      assertThat(h.readAll()).hasSize(1000);
      h.expectNothing(); // the old rule sent a copy of that ACK here: a duplicate ACK to the peer
    }
  }

  @Test
  void read_afterThePeersFin_sendsNoWindowUpdate() {
    EngineHarness h = harness(b -> b.receiveBufferBytes = 4096);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(4096, 1));
    h.send(FIN | ACK, R + 4096, L, 65_535);
    Seg ack = h.expectAck(L, R + 4097);
    assertThat(ack.window()).isZero();
    assertThat(h.readAll()).hasSize(4096);
    h.expectNothing();
    h.engine.close(h.now);
    assertThat(h.expectOne().flagString()).isEqualTo("F.");
  }

  @Test
  void quickAck_acksTheFirstSegmentsAtOnce_thenDelays() {
    EngineHarness h = harness(b -> {
      b.quickAck = true;
      // The first 100 bytes leave RCV.WND = 8·1460 − 100: RCV.WND / (2·MSS) = 3 quick ACKs.
      b.receiveBufferBytes = 8 * 1460;
    });
    h.establishActive();
    for (int i = 0; i < 3; i++) {
      h.send(ACK, R + 100 * i, L, 65_535, bytes(100, i));
      h.expectAck(L, R + 100 * (i + 1)); // at once, not after 40 ms
    }
    h.send(ACK, R + 300, L, 65_535, bytes(100, 4));
    h.expectNothing(); // quick ACKs spent: back to the delayed ACK
    long sent = h.now;
    assertThat(h.fireNextTimer()).isEqualTo(sent + 40 * MS);
    h.expectAck(L, R + 400);
  }

  @Test
  void quickAck_isEarnedAgainAfterAnIdlePeriodLongerThanTheRto() {
    EngineHarness h = harness(b -> b.quickAck = true);
    h.establishActive();
    int seq = R;
    for (int i = 0; i < 20; i++) { // spend every quick ACK
      h.send(ACK, seq, L, 65_535, bytes(100, i));
      seq += 100;
      h.drain();
      h.advance(1 * MS);
    }
    h.send(ACK, seq, L, 65_535, bytes(100, 99));
    seq += 100;
    h.expectNothing();
    h.fireNextTimer();
    h.expectAck(L, seq);
    h.advance(5_000 * MS); // idle well past the RTO
    h.send(ACK, seq, L, 65_535, bytes(100, 100));
    h.expectAck(L, seq + 100);
  }

  @Test
  void quickAck_offByDefault_firstSegmentWaitsForTheDelayedAck() {
    EngineHarness h = harness(b -> { });
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    h.expectNothing();
  }

  @Test
  void simultaneousOpen_synWithDataAndFin_isQueuedUntilEstablished() {
    EngineHarness h = harness(b -> { });
    h.activeOpen();
    h.send(SYN | FIN, REMOTE_ISS, 0, 20_000, bytes(10, 7));
    Seg synAck = h.expectOne();
    assertThat(synAck.flagString()).isEqualTo("S.");
    assertThat(synAck.ack()).as("only the SYN is acknowledged before ESTABLISHED").isEqualTo(R);
    assertThat(h.engine.readable()).isZero();
    h.events();
    h.send(SYN | ACK, REMOTE_ISS, L, 20_000);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
    assertThat(h.events()).containsExactly(TcpEvent.CONNECTED, TcpEvent.READABLE, TcpEvent.END_OF_STREAM);
    h.expectAck(L, R + 11);
    assertThat(h.readAll()).isEqualTo(bytes(10, 7));
    assertThat(h.engine.read(new byte[1], 0, 1)).isEqualTo(-1);
  }

  @Test
  void shutdownInput_discardsUnreadAndLaterData_andTheFinStillArrives() {
    EngineHarness h = harness(b -> b.receiveBufferBytes = 2000);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1000, 1));
    h.send(ACK, R + 1000, L, 65_535, bytes(1000, 2));
    h.fireNextTimer();
    assertThat(h.expectAck(L, R + 2000).window()).isZero();
    h.engine.shutdownInput();
    assertThat(h.expectAck(L, R + 2000).window()).as("the discarded bytes reopen the window").isEqualTo(2000);
    for (int i = 2; i < 6; i++) {
      h.send(ACK, R + 1000 * i, L, 65_535, bytes(1000, i));
    }
    h.fireNextTimer();
    assertThat(h.drain()).last().satisfies(ack -> {
      assertThat(ack.ack()).isEqualTo(R + 6000);
      assertThat(ack.window()).isEqualTo(2000);
    });
    h.send(FIN | ACK, R + 6000, L, 65_535);
    h.expectAck(L, R + 6001);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
    assertThat(h.engine.read(new byte[10], 0, 10)).isEqualTo(-1);
    assertThat(h.engine.stats().get(TcpCounter.BYTES_RECEIVED)).isEqualTo(6000);
  }

  @Test
  void abort_withTimestamps_sendsRstAckWithTimestamps() {
    EngineHarness h = new EngineHarness(TcpConfig.defaults());
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).timestamps(777, 0));
    h.drain();
    h.engine.abort();
    Seg rst = h.expectOne();
    assertThat(rst.flagString()).isEqualTo("R.");
    assertThat(rst.seq()).isEqualTo(L);
    assertThat(rst.ack()).isEqualTo(R);
    assertThat(rst.timestamps()).isTrue();
    assertThat(rst.tsEcr()).isEqualTo(777);
  }

  @Test
  void timeWait_staleEmptySegment_getsNoAckWhenConfigured_butARetransmittedFinDoes() {
    EngineHarness h = harness(b -> b.ackStaleInTimeWait = false);
    h.establishActive();
    h.engine.close(h.now);
    h.expectOne(); // our FIN
    h.send(ACK, R, L + 1, 65_535); // the peer's ACK of it, then its FIN
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1);
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
    // An ACK the peer sent before its FIN, overtaken inside the host: answering would meet CLOSED.
    h.send(ACK, R, L + 1, 65_535);
    h.expectNothing();
    h.send(FIN | ACK, R, L + 1, 65_535); // but a retransmitted FIN is ACKed (§3.10.7.4)
    h.expectAck(L + 1, R + 1);
  }

  /**
   * Spray-mode receive can take the peer's second SYN-ACK (its answer to our retransmitted SYN)
   * after its FIN. Answered from TIME-WAIT, it met the peer CLOSED and drew a RST in a `sluice demo`
   * run with worker jitter. Old data is still answered: it is how a peer whose copy of our final
   * ACK was lost learns it may send its FIN again (without that answer, a demo run's server resent
   * its first segment six times, at ever longer intervals, and never reached its FIN).
   */
  @Test
  void timeWait_anOldSynAck_getsNoAckWhenConfigured_butOldDataAndTheFinDo() {
    EngineHarness h = harness(b -> b.ackStaleInTimeWait = false);
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(100, 1));
    assertThat(h.readAll()).isEqualTo(bytes(100, 1));
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R + 100, L + 1, 65_535);
    assertThat(h.drain()).last().satisfies(ack -> assertThat(ack.ack()).isEqualTo(R + 101));
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);

    h.send(SYN | ACK, REMOTE_ISS, L, 65_535); // the peer's second SYN-ACK, taken late
    h.expectNothing();
    h.send(ACK, R, L + 1, 65_535, bytes(100, 1)); // its data again, as an RTO resends it
    h.expectAck(L + 1, R + 101);
    h.send(FIN | ACK, R + 50, L + 1, 65_535, bytes(50, 1)); // the last data with the FIN, again
    h.expectAck(L + 1, R + 101);
  }

  @Test
  void paws_acceptsAnOvertakenPureDuplicateAck_butRejectsOldData() {
    EngineHarness h = new EngineHarness(TcpConfig.defaults());
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(1460).timestamps(1000, 0));
    h.drain();
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().timestamps(1010, 0));
    h.expectNothing();
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().timestamps(1005, 0)); // overtaken, nothing new
    h.expectNothing();
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().timestamps(1004, 0), bytes(10, 1)); // old data
    assertThat(h.expectOne().ack()).isEqualTo(R);
    assertThat(h.engine.readable()).isZero();
  }

  @Test
  void timeWait_staleEmptySegment_isAckedByDefault() {
    EngineHarness h = harness(b -> { });
    h.establishActive();
    h.engine.close(h.now);
    h.expectOne();
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1);
    h.send(ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1); // RFC 9293 §3.10.7.4, as Linux and FreeBSD answer it
  }

  @Test
  void shutdownInput_withNothingUnread_sendsNothing() {
    EngineHarness h = harness(b -> { });
    h.establishActive();
    h.engine.shutdownInput();
    h.expectNothing(); // only discarded bytes can open a window worth announcing
    assertThat(h.engine.read(new byte[1], 0, 1)).isEqualTo(-1);
  }
}
