package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.MS;
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
 * Loss recovery, timestamps, keepalive and the user timeout, event by event: fast retransmit
 * (RFC 5681 §3.2), limited transmit (RFC 3042), NewReno partial ACKs (RFC 6582), SACK-driven
 * retransmission (RFC 6675), PAWS (RFC 7323 §5), keepalive (RFC 1122 §4.2.3.6), user timeout
 * (RFC 5482).
 */
class TcpEngineRecoveryTest {
  private static final int L = LOCAL_ISS + 1;
  private static final int R = REMOTE_ISS + 1;
  private static final int MSS = 1460;

  private static EngineHarness established(boolean sack) {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.sack = sack;
      b.nagle = false;
    }));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> {
      b.mss(MSS);
      if (sack) {
        b.sackPermitted();
      }
    });
    h.drain();
    h.events();
    return h;
  }

  @Test
  void established_threeDuplicateAcks_retransmitTheFirstSegmentAtOnce() {
    EngineHarness h = established(false);
    h.write(bytes(5 * MSS, 1));
    assertThat(h.drain()).hasSize(5);
    h.send(ACK, R, L, 65_535);
    h.send(ACK, R, L, 65_535);
    h.send(ACK, R, L, 65_535);
    Seg retransmission = h.expectOne();
    assertThat(retransmission.seq()).isEqualTo(L);
    assertThat(retransmission.length()).isEqualTo(MSS);
    assertThat(h.engine.stats().fastRetransmits()).isEqualTo(1);
  }

  @Test
  void established_firstTwoDuplicateAcks_releaseNewSegments_limitedTransmit() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.nagle = false;
      b.initialWindowSegments = 2;
    }));
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(MSS));
    h.drain();
    h.write(bytes(6 * MSS, 2));
    assertThat(h.drain()).hasSize(2); // the congestion window
    h.send(ACK, R, L, 65_535);
    Seg third = h.expectOne();
    assertThat(third.seq()).isEqualTo(L + 2 * MSS);
    h.send(ACK, R, L, 65_535);
    assertThat(h.expectOne().seq()).isEqualTo(L + 3 * MSS);
  }

  @Test
  void recovery_partialAck_retransmitsTheNextHoleWithoutWaitingForDupAcks() {
    EngineHarness h = established(false);
    h.write(bytes(5 * MSS, 3));
    h.drain();
    for (int i = 0; i < 3; i++) {
      h.send(ACK, R, L, 65_535);
    }
    h.drain();
    // The peer now has the first segment but not the third: a partial ACK (RFC 6582 §3.2 step 5).
    h.send(ACK, R, L + 2 * MSS, 65_535);
    List<Seg> out = h.drain();
    assertThat(out).isNotEmpty();
    assertThat(out.get(0).seq()).isEqualTo(L + 2 * MSS);
  }

  @Test
  void recovery_fullAck_endsRecovery() {
    EngineHarness h = established(false);
    h.write(bytes(5 * MSS, 4));
    h.drain();
    for (int i = 0; i < 3; i++) {
      h.send(ACK, R, L, 65_535);
    }
    h.drain();
    h.send(ACK, R, L + 5 * MSS, 65_535);
    assertThat(h.engine.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    assertThat(h.engine.cwnd()).isLessThan(10L * MSS); // the window was reduced on loss
  }

  @Test
  void sack_blocksAboveAHole_retransmitOnlyTheHole() {
    EngineHarness h = established(true);
    h.write(bytes(6 * MSS, 5));
    h.drain();
    // Segment 2 (of 0..5) is lost; the peer SACKs 3, 4 and 5.
    h.send(ACK, R, L + 2 * MSS, 65_535);
    h.send(ACK, R, L + 2 * MSS, 65_535, b -> b.nop().nop().sack(1, new int[] {L + 3 * MSS, L + 4 * MSS}));
    h.send(ACK, R, L + 2 * MSS, 65_535, b -> b.nop().nop().sack(1, new int[] {L + 3 * MSS, L + 5 * MSS}));
    h.send(ACK, R, L + 2 * MSS, 65_535, b -> b.nop().nop().sack(1, new int[] {L + 3 * MSS, L + 6 * MSS}));
    List<Seg> out = h.drain();
    assertThat(out).extracting(Seg::seq).containsExactly(L + 2 * MSS);
  }

  @Test
  void sack_invalidBlocks_areIgnored() {
    EngineHarness h = established(true);
    h.write(bytes(4 * MSS, 6));
    h.drain();
    // left ≥ right, and a block beyond SND.NXT: neither may mark anything SACKed.
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().sack(2, new int[] {L + MSS, L + MSS, L + 100 * MSS, L + 101 * MSS}));
    h.expectNothing();
    assertThat(h.engine.stats().fastRetransmits()).isZero();
  }

  @Test
  void timeout_afterRecovery_goesBackToSndUnaWithOneSegment() {
    EngineHarness h = established(false);
    h.write(bytes(4 * MSS, 7));
    h.drain();
    h.fireNextTimer();
    assertThat(h.engine.cwnd()).isEqualTo(MSS);
    List<Seg> out = h.drain();
    assertThat(out).extracting(Seg::seq).containsExactly(L);
  }

  // ------------------------------------------------------------------ timestamps and PAWS

  private static EngineHarness withTimestamps() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.timestamps = true));
    Seg syn = h.activeOpen();
    assertThat(syn.timestamps()).isTrue();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(MSS).nop().nop().timestamps(1000, syn.tsVal()));
    Seg ack = h.expectOne();
    assertThat(ack.tsEcr()).isEqualTo(1000);
    h.events();
    return h;
  }

  @Test
  void established_segmentWithAnOldTimestamp_isDroppedAndAcked_paws() {
    EngineHarness h = withTimestamps();
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().timestamps(999, 0), bytes(10, 1));
    Seg ack = h.expectOne();
    assertThat(ack.ack()).isEqualTo(R);
    assertThat(h.engine.readable()).isZero();
    assertThat(h.engine.stats().drops(DropReason.TCP_PAWS_REJECTED)).isEqualTo(1);
  }

  @Test
  void established_timestampsAcrossTheWrap_areStillNewer() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.timestamps = true));
    Seg syn = h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 65_535, b -> b.mss(MSS).nop().nop().timestamps(0xFFFF_FFF0, syn.tsVal()));
    h.drain();
    h.send(ACK, R, L, 65_535, b -> b.nop().nop().timestamps(5, 0), bytes(10, 1));
    assertThat(h.engine.readable()).isEqualTo(10);
  }

  @Test
  void established_rstWithAnOldTimestamp_isStillJudgedBySequence() {
    EngineHarness h = withTimestamps();
    h.send(dev.sluice.wire.TcpFlags.RST, R, 0, 0, b -> b.nop().nop().timestamps(1, 0));
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }

  @Test
  void established_timestampEchoes_giveRttSamples() {
    EngineHarness h = withTimestamps();
    h.write(bytes(100, 2));
    Seg data = h.expectOne();
    h.advance(30 * MS);
    h.send(ACK, R, L + 100, 65_535, b -> b.nop().nop().timestamps(1001, data.tsVal()));
    // The handshake's sample was 0 ms (virtual time stood still); RFC 6298 §2.3 gives 0 + 30/8.
    assertThat(h.engine.srttNanos()).isEqualTo(30 * MS / 8);
  }

  @Test
  void afterARetransmission_anEchoOfAnOlderTimestamp_givesNoRttSample() {
    EngineHarness h = withTimestamps();
    h.write(bytes(100, 3));
    Seg original = h.expectOne();
    h.fireNextTimer(); // the RTO: the segment goes again with a newer TSval
    Seg again = h.expectOne();
    assertThat(again.tsVal()).isGreaterThan(original.tsVal());
    long srttBefore = h.engine.srttNanos();
    h.advance(5_000 * MS);
    // The peer echoes the first transmission's TSval (its TS.Recent, RFC 7323 §4.3): timing from
    // it would count the whole timeout as round-trip time.
    h.send(ACK, R, L + 100, 65_535, b -> b.nop().nop().timestamps(1002, original.tsVal()));
    assertThat(h.engine.srttNanos()).isEqualTo(srttBefore);
    assertThat(h.engine.bytesUnsentOrUnacked()).isZero();
  }

  // ------------------------------------------------------------------ keepalive and user timeout  // ------------------------------------------------------------------ keepalive and user timeout

  @Test
  void established_idleWithKeepAlive_probesThenGivesUp() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.keepAliveIdleNanos = 10_000 * MS;
      b.keepAliveIntervalNanos = 1_000 * MS;
      b.keepAliveProbes = 3;
    }));
    h.establishActive();
    for (int probe = 0; probe < 3; probe++) {
      h.fireNextTimer();
      Seg seg = h.expectOne();
      assertThat(seg.seq()).isEqualTo(L - 1); // an old sequence number forces an ACK
    }
    h.fireNextTimer();
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).containsExactly(TcpEvent.TIMED_OUT, TcpEvent.CLOSED);
  }

  @Test
  void established_keepAliveAnswered_keepsTheConnection() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.keepAliveIdleNanos = 10_000 * MS;
      b.keepAliveIntervalNanos = 1_000 * MS;
      b.keepAliveProbes = 1;
    }));
    h.establishActive();
    h.fireNextTimer();
    h.expectOne();
    h.send(ACK, R, L, 65_535);
    h.fireNextTimer();
    h.expectOne();
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  @Test
  void established_zeroWindowForever_userTimeoutReclaimsTheConnection() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.userTimeoutNanos = 30_000 * MS));
    h.establishActive();
    h.send(ACK, R, L, 0);
    h.write(bytes(100, 3));
    h.expectNothing(); // the window is shut: the persist timer is armed instead
    int probes = 0;
    while (h.engine.state() != TcpState.CLOSED) {
      h.fireNextTimer();
      probes += h.drain().size();
      assertThat(h.now).isLessThanOrEqualTo(30_000 * MS);
    }
    assertThat(probes).isGreaterThan(3);
    assertThat(h.events()).contains(TcpEvent.TIMED_OUT);
  }

  @Test
  void established_persistProbes_backOff() {
    EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
    h.establishActive();
    h.send(ACK, R, L, 0);
    h.write(bytes(100, 4));
    h.drain();
    long previous = h.now;
    long previousGap = 0;
    for (int i = 0; i < 5; i++) {
      h.fireNextTimer();
      h.expectOne();
      long gap = h.now - previous;
      assertThat(gap).isGreaterThanOrEqualTo(previousGap);
      previousGap = gap;
      previous = h.now;
    }
    assertThat(previousGap).isGreaterThan(1_000 * MS);
  }
}
