package dev.sluice.tcp;

import static dev.sluice.tcp.EngineHarness.LOCAL_ISS;
import static dev.sluice.tcp.EngineHarness.MS;
import static dev.sluice.tcp.EngineHarness.REMOTE_ISS;
import static dev.sluice.tcp.EngineHarness.bytes;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.PSH;
import static dev.sluice.wire.TcpFlags.RST;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineHarness.Seg;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpBuilder;
import org.junit.jupiter.api.Test;

/**
 * The engine state by state and event by event (RFC 9293 §3.10), named {@code state_event_outcome}
 * in the manner of smoltcp's socket tests. The harness plays the peer; ISNs sit just below 2^32 so
 * every exchange wraps the sequence space.
 */
class TcpEngineStateTest {
  private final EngineHarness h = new EngineHarness(EngineHarness.plainConfig());
  private static final int L = LOCAL_ISS + 1; // our first data byte
  private static final int R = REMOTE_ISS + 1; // the peer's first data byte

  // ------------------------------------------------------------------ CLOSED → SYN-SENT

  @Test
  void closed_activeOpen_sendsSynWithMssAndEntersSynSent() {
    Seg syn = h.activeOpen();
    assertThat(syn.flagString()).isEqualTo("S");
    assertThat(syn.seq()).isEqualTo(LOCAL_ISS);
    assertThat(syn.mss()).isEqualTo(1460);
    assertThat(syn.window()).isEqualTo(64_000);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_SENT);
  }

  @Test
  void closed_activeOpenWithAllOptions_offersSackTimestampsAndWindowScale() {
    EngineHarness full = new EngineHarness(TcpConfig.defaults());
    Seg syn = full.activeOpen();
    assertThat(syn.sackPermitted()).isTrue();
    assertThat(syn.timestamps()).isTrue();
    assertThat(syn.tsEcr()).isZero();
    assertThat(syn.windowScale()).isEqualTo(3); // 256 KiB needs a shift of 3 to fit 16 bits
  }

  // ------------------------------------------------------------------ SYN-SENT

  @Test
  void synSent_receivesSynAck_entersEstablishedAndAcks() {
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L, 30_000, b -> b.mss(1000));
    h.expectAck(L, R);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(h.engine.sendMss()).isEqualTo(1000);
    assertThat(h.engine.sendWindow()).isEqualTo(30_000);
    assertThat(h.events()).containsExactly(TcpEvent.CONNECTED);
  }

  @Test
  void synSent_receivesSynAckWithBadAck_sendsResetAndStays() {
    h.activeOpen();
    h.send(SYN | ACK, REMOTE_ISS, L + 5, 30_000);
    Seg rst = h.expectOne();
    assertThat(rst.flagString()).isEqualTo("R");
    assertThat(rst.seq()).isEqualTo(L + 5);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_SENT);
    assertThat(h.engine.stats().drops(DropReason.TCP_BAD_SYN_ACK)).isEqualTo(1);
  }

  @Test
  void synSent_receivesRstAck_isRefusedAndCloses() {
    h.activeOpen();
    h.send(RST | ACK, 0, L, 0);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).containsExactly(TcpEvent.REFUSED, TcpEvent.CLOSED);
    h.expectNothing();
  }

  @Test
  void synSent_receivesRstWithoutAck_isIgnored() {
    h.activeOpen();
    h.send(RST, REMOTE_ISS, 0, 0);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_SENT);
    assertThat(h.events()).isEmpty();
  }

  @Test
  void synSent_receivesSyn_entersSynReceivedAndSendsSynAck() {
    h.activeOpen();
    h.send(SYN, REMOTE_ISS, 0, 20_000, b -> b.mss(1200));
    Seg synAck = h.expectOne();
    assertThat(synAck.flagString()).isEqualTo("S.");
    assertThat(synAck.seq()).isEqualTo(LOCAL_ISS);
    assertThat(synAck.ack()).isEqualTo(R);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_RECEIVED);
  }

  @Test
  void synSent_simultaneousOpenCompletes_onTheAckOfOurSyn() {
    h.activeOpen();
    h.send(SYN, REMOTE_ISS, 0, 20_000);
    h.expectOne();
    h.send(SYN | ACK, REMOTE_ISS, L, 20_000);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  @Test
  void synSent_timeout_retransmitsSynWithBackoff() {
    h.activeOpen();
    long first = h.fireNextTimer();
    assertThat(first).isEqualTo(1_000 * MS);
    Seg again = h.expectOne();
    assertThat(again.flagString()).isEqualTo("S");
    assertThat(again.seq()).isEqualTo(LOCAL_ISS);
    long second = h.fireNextTimer();
    assertThat(second - first).isEqualTo(2_000 * MS);
    assertThat(h.engine.stats().retransmittedSegments()).isEqualTo(1);
  }

  @Test
  void synSent_tooManyTimeouts_givesUpWithTimedOut() {
    h.activeOpen();
    // The default maxSynRetransmits (7) keeps retransmitting for 3 minutes (RFC 9293 §3.8.3 MUST-23).
    for (int i = 0; i < TcpConfig.defaults().maxSynRetransmits(); i++) {
      h.fireNextTimer();
      h.expectOne();
    }
    h.fireNextTimer();
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).containsExactly(TcpEvent.TIMED_OUT, TcpEvent.CLOSED);
  }

  @Test
  void synSent_close_goesStraightToClosed() {
    h.activeOpen();
    h.engine.close(h.now);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    h.expectNothing();
  }

  // ------------------------------------------------------------------ LISTEN → SYN-RECEIVED

  @Test
  void listen_receivesSyn_sendsSynAckFromSynReceived() {
    Seg synAck = h.passiveOpen(new TcpBuilder().mss(1400));
    assertThat(synAck.flagString()).isEqualTo("S.");
    assertThat(synAck.seq()).isEqualTo(LOCAL_ISS);
    assertThat(synAck.ack()).isEqualTo(R);
    assertThat(synAck.mss()).isEqualTo(1460);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_RECEIVED);
  }

  @Test
  void listen_synWithTinyMss_isClampedToTheFloor() {
    h.passiveOpen(new TcpBuilder().mss(48));
    assertThat(h.engine.sendMss()).isEqualTo(536);
  }

  @Test
  void listen_synWithoutMss_assumesTheDefault536() {
    h.passiveOpen(new TcpBuilder());
    assertThat(h.engine.sendMss()).isEqualTo(536);
  }

  @Test
  void listen_synWithoutSackOrTimestamps_synAckOffersNeither() {
    EngineHarness full = new EngineHarness(TcpConfig.defaults());
    Seg synAck = full.passiveOpen(new TcpBuilder().mss(1460));
    assertThat(synAck.sackPermitted()).isFalse();
    assertThat(synAck.timestamps()).isFalse();
    assertThat(synAck.windowScale()).isEqualTo(-1);
  }

  @Test
  void listen_synWithWindowScale15_isClampedTo14() {
    EngineHarness full = new EngineHarness(TcpConfig.defaults());
    full.passiveOpen(new TcpBuilder().mss(1460).windowScale(15));
    full.send(ACK, R, L, 1, b -> {});
    assertThat(full.engine.sendWindow()).isEqualTo(1L << 14);
  }

  // ------------------------------------------------------------------ SYN-RECEIVED

  @Test
  void synReceived_receivesAck_entersEstablished() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(ACK, R, L, 50_000);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(h.events()).containsExactly(TcpEvent.CONNECTED);
    h.expectNothing();
  }

  @Test
  void synReceived_receivesAckOfSomethingUnsent_sendsReset() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(ACK, R, L + 100, 50_000);
    Seg rst = h.expectOne();
    assertThat(rst.flagString()).isEqualTo("R");
    assertThat(rst.seq()).isEqualTo(L + 100);
    assertThat(h.engine.state()).isEqualTo(TcpState.SYN_RECEIVED);
  }

  @Test
  void synReceived_receivesDuplicateSyn_resendsSynAck() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(SYN, REMOTE_ISS, 0, 65_535);
    Seg synAck = h.expectOne();
    assertThat(synAck.flagString()).isEqualTo("S.");
  }

  @Test
  void synReceived_timeout_retransmitsSynAck() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.fireNextTimer();
    assertThat(h.expectOne().flagString()).isEqualTo("S.");
  }

  @Test
  void synReceived_receivesRstAtRcvNxt_closes() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(RST, R, 0, 0);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }

  @Test
  void synReceived_receivesAckWithData_deliversIt() {
    h.passiveOpen(new TcpBuilder().mss(1460));
    h.send(ACK | PSH, R, L, 50_000, bytes(100, 1));
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(h.readAll()).isEqualTo(bytes(100, 1));
  }

  // ------------------------------------------------------------------ ESTABLISHED: receiving

  @Test
  void established_receivesOneSegment_delaysTheAck() {
    h.establishActive();
    h.send(ACK | PSH, R, L, 65_535, bytes(100, 1));
    h.expectNothing();
    assertThat(h.engine.nextDeadline()).isEqualTo(h.now + 40 * MS);
    h.fireNextTimer();
    h.expectAck(L, R + 100);
    assertThat(h.events()).containsExactly(TcpEvent.READABLE);
  }

  @Test
  void established_receivesTwoFullSegments_acksAtOnce() {
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(1460, 1));
    h.expectNothing();
    h.send(ACK, R + 1460, L, 65_535, bytes(1460, 2));
    h.expectAck(L, R + 2920);
  }

  @Test
  void established_receivesOutOfOrder_sendsDuplicateAckAtOnce() {
    h.establishActive();
    h.send(ACK, R + 100, L, 65_535, bytes(100, 2));
    h.expectAck(L, R);
    assertThat(h.engine.readable()).isZero();
  }

  @Test
  void established_fillsTheHole_deliversEverythingAndAcksAtOnce() {
    h.establishActive();
    byte[] data = bytes(300, 3);
    h.send(ACK, R + 100, L, 65_535, java.util.Arrays.copyOfRange(data, 100, 300));
    h.drain();
    h.send(ACK, R, L, 65_535, java.util.Arrays.copyOfRange(data, 0, 100));
    h.expectAck(L, R + 300);
    assertThat(h.readAll()).isEqualTo(data);
  }

  @Test
  void established_receivesDuplicateSegment_reAcksAndDeliversOnce() {
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(100, 4));
    h.drain();
    h.send(ACK, R, L, 65_535, bytes(100, 4));
    h.expectAck(L, R + 100);
    assertThat(h.readAll()).hasSize(100);
  }

  @Test
  void established_receivesFinAfterData_deliversDataThenEndOfStreamAndEntersCloseWait() {
    h.establishActive();
    h.send(ACK | FIN, R, L, 65_535, bytes(50, 5));
    h.expectAck(L, R + 51);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
    assertThat(h.events()).containsExactly(TcpEvent.READABLE, TcpEvent.END_OF_STREAM);
    assertThat(h.readAll()).isEqualTo(bytes(50, 5));
    assertThat(h.engine.read(new byte[1], 0, 1)).isEqualTo(-1);
  }

  @Test
  void established_receivesFinBeforeTheData_waitsForRcvNxtToReachIt() {
    h.establishActive();
    h.send(ACK | FIN, R + 100, L, 65_535); // the FIN overtook 100 bytes of data
    h.expectAck(L, R);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(h.events()).isEmpty();
    h.send(ACK, R, L, 65_535, bytes(100, 6));
    h.expectAck(L, R + 101);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSE_WAIT);
    assertThat(h.events()).containsExactly(TcpEvent.READABLE, TcpEvent.END_OF_STREAM);
    assertThat(h.readAll()).isEqualTo(bytes(100, 6));
  }

  @Test
  void established_dataBeyondAKnownFin_isDropped() {
    h.establishActive();
    h.send(ACK | FIN, R + 10, L, 65_535);
    h.drain();
    h.send(ACK, R, L, 65_535, bytes(20, 7));
    assertThat(h.readAll()).isEqualTo(java.util.Arrays.copyOf(bytes(20, 7), 10));
    assertThat(h.engine.stats().drops(DropReason.TCP_DATA_AFTER_FIN)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ ESTABLISHED: RFC 5961

  @Test
  void established_receivesRstAtRcvNxt_resets() {
    h.establishActive();
    h.send(RST, R, 0, 0);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).containsExactly(TcpEvent.RESET, TcpEvent.CLOSED);
  }

  @Test
  void established_receivesRstInWindowButNotAtRcvNxt_sendsChallengeAck() {
    h.establishActive();
    h.send(RST, R + 10, 0, 0);
    h.expectAck(L, R);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(h.engine.stats().challengeAcks()).isEqualTo(1);
  }

  @Test
  void established_receivesRstOutsideTheWindow_dropsSilently() {
    h.establishActive();
    h.send(RST, R + 1_000_000, 0, 0);
    h.expectNothing();
    assertThat(h.engine.stats().drops(DropReason.TCP_RST_OUT_OF_WINDOW)).isEqualTo(1);
  }

  @Test
  void established_receivesSyn_sendsChallengeAckAndNeverResets() {
    h.establishActive();
    h.send(SYN, R + 5, 0, 65_535);
    h.expectAck(L, R);
    assertThat(h.engine.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  @Test
  void established_manyChallengeTriggers_areRateLimited() {
    h.establishActive();
    int acks = 0;
    for (int i = 0; i < 25; i++) {
      h.send(RST, R + 10 + i, 0, 0);
      acks += h.drain().size();
    }
    assertThat(acks).isEqualTo(10); // ten per second
    assertThat(h.engine.stats().drops(DropReason.TCP_CHALLENGE_ACK_LIMITED)).isEqualTo(15);
    h.advance(1_000 * MS);
    h.send(RST, R + 100, 0, 0);
    assertThat(h.drain()).hasSize(1);
  }

  @Test
  void established_receivesAckBeyondSndNxt_acksAndDrops() {
    h.establishActive();
    h.send(ACK | PSH, R, L + 10, 65_535, bytes(10, 8));
    h.expectAck(L, R);
    assertThat(h.engine.readable()).isZero();
    assertThat(h.engine.stats().drops(DropReason.TCP_ACK_NOT_ACCEPTABLE)).isEqualTo(1);
  }

  @Test
  void established_receivesSegmentWithoutAck_dropsIt() {
    h.establishActive();
    h.send(PSH, R, 0, 65_535, bytes(10, 9));
    assertThat(h.engine.readable()).isZero();
    assertThat(h.engine.stats().drops(DropReason.TCP_NO_ACK_FLAG)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ ESTABLISHED: sending

  @Test
  void established_write_sendsDataWithPushAndStartsTheRetransmitTimer() {
    h.establishActive();
    assertThat(h.write(bytes(100, 1))).isEqualTo(100);
    Seg seg = h.expectOne();
    assertThat(seg.flagString()).isEqualTo("P.");
    assertThat(seg.seq()).isEqualTo(L);
    assertThat(seg.payload()).isEqualTo(bytes(100, 1));
    // The handshake's RTT sample was 0 (virtual time stood still), so RTO is the 200 ms floor.
    assertThat(h.engine.nextDeadline()).isEqualTo(h.now + 200 * MS);
  }

  @Test
  void established_largeWrite_isCutIntoMssSegmentsWithinTheWindow() {
    h.establishActive();
    h.write(bytes(10_000, 2));
    java.util.List<Seg> segments = h.drain();
    // Six full segments fit the window; Nagle holds the 1240-byte tail until they are acked.
    assertThat(segments).hasSize(6);
    assertThat(segments).allSatisfy(s -> assertThat(s.length()).isEqualTo(1460));
    h.send(ACK, R, L + 6 * 1460, 65_535);
    assertThat(h.expectOne().length()).isEqualTo(10_000 - 6 * 1460);
  }

  @Test
  void established_nagle_holdsASmallSegmentWhileDataIsUnacked() {
    h.establishActive();
    h.write(bytes(10, 1));
    h.expectOne();
    h.write(bytes(10, 2));
    h.expectNothing();
    h.send(ACK, R, L + 10, 65_535);
    Seg second = h.expectOne();
    assertThat(second.seq()).isEqualTo(L + 10);
    assertThat(second.length()).isEqualTo(10);
  }

  @Test
  void established_noDelay_sendsSmallSegmentsAtOnce() {
    EngineHarness nodelay = new EngineHarness(EngineHarness.plainConfig().toBuilder().buildWith(b -> b.nagle = false));
    nodelay.establishActive();
    nodelay.write(bytes(10, 1));
    nodelay.expectOne();
    nodelay.write(bytes(10, 2));
    assertThat(nodelay.expectOne().seq()).isEqualTo(L + 10);
  }

  @Test
  void established_retransmitTimeout_resendsFromSndUna() {
    h.establishActive();
    h.write(bytes(100, 3));
    h.expectOne();
    h.fireNextTimer();
    Seg again = h.expectOne();
    assertThat(again.seq()).isEqualTo(L);
    assertThat(again.payload()).isEqualTo(bytes(100, 3));
    assertThat(h.engine.stats().retransmittedSegments()).isEqualTo(1);
  }

  @Test
  void established_ackOfAllData_stopsTheRetransmitTimer() {
    h.establishActive();
    h.write(bytes(100, 3));
    h.expectOne();
    h.send(ACK, R, L + 100, 65_535);
    assertThat(h.engine.nextDeadline()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void established_zeroWindow_armsPersistAndProbes() {
    h.establishActive();
    h.send(ACK, R, L, 0);
    h.write(bytes(100, 4));
    h.expectNothing();
    h.fireNextTimer();
    Seg probe = h.expectOne();
    assertThat(probe.seq()).isEqualTo(L - 1);
    assertThat(probe.length()).isZero();
    h.send(ACK, R, L, 1000);
    assertThat(h.expectOne().length()).isEqualTo(100);
  }

  // ------------------------------------------------------------------ closing

  @Test
  void established_close_sendsFinAndEntersFinWait1() {
    h.establishActive();
    h.engine.close(h.now);
    Seg fin = h.expectOne();
    assertThat(fin.flagString()).isEqualTo("F.");
    assertThat(fin.seq()).isEqualTo(L);
    assertThat(h.engine.state()).isEqualTo(TcpState.FIN_WAIT_1);
  }

  @Test
  void established_closeAfterWrite_finRidesOnTheLastData() {
    h.establishActive();
    h.write(bytes(100, 1));
    h.engine.close(h.now);
    Seg seg = h.expectOne();
    assertThat(seg.flagString()).isEqualTo("FP.");
    assertThat(seg.length()).isEqualTo(100);
  }

  @Test
  void established_closeWithUnreadData_resets() {
    h.establishActive();
    h.send(ACK, R, L, 65_535, bytes(10, 1));
    h.drain();
    h.engine.close(h.now);
    Seg rst = h.expectOne();
    assertThat(rst.flagString()).isEqualTo("R.");
    assertThat(rst.ack()).isEqualTo(R + 10); // ACK = RCV.NXT, as Linux and FreeBSD send it
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }

  @Test
  void finWait1_receivesAckOfFin_entersFinWait2() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(ACK, R, L + 1, 65_535);
    assertThat(h.engine.state()).isEqualTo(TcpState.FIN_WAIT_2);
  }

  @Test
  void finWait1_receivesFin_entersClosing() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R, L, 65_535);
    h.expectAck(L + 1, R + 1);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSING);
  }

  @Test
  void finWait1_receivesFinAck_entersTimeWait() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1);
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
  }

  @Test
  void finWait2_receivesFin_entersTimeWaitForTwoMsl() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(ACK, R, L + 1, 65_535);
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1);
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
    assertThat(h.fireNextTimer()).isEqualTo(h.now);
    assertThat(h.now).isEqualTo(60_000 * MS);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }

  @Test
  void finWait2_peerNeverSendsFin_timesOut() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(ACK, R, L + 1, 65_535);
    h.fireNextTimer();
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).contains(TcpEvent.TIMED_OUT);
  }

  @Test
  void finWait2_halfClosed_stillReceivesData() {
    h.establishActive();
    h.engine.shutdownOutput();
    h.drain();
    h.send(ACK, R, L + 1, 65_535, bytes(30, 1));
    assertThat(h.engine.state()).isEqualTo(TcpState.FIN_WAIT_2);
    assertThat(h.readAll()).isEqualTo(bytes(30, 1));
  }

  @Test
  void closing_receivesAckOfFin_entersTimeWait() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R, L, 65_535);
    h.drain();
    h.send(ACK, R + 1, L + 1, 65_535);
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
  }

  @Test
  void closeWait_close_sendsFinAndEntersLastAck() {
    h.establishActive();
    h.send(FIN | ACK, R, L, 65_535);
    h.drain();
    h.engine.close(h.now);
    Seg fin = h.expectOne();
    assertThat(fin.flagString()).isEqualTo("F.");
    assertThat(h.engine.state()).isEqualTo(TcpState.LAST_ACK);
  }

  @Test
  void closeWait_canStillSend() {
    h.establishActive();
    h.send(FIN | ACK, R, L, 65_535);
    h.drain();
    assertThat(h.write(bytes(10, 1))).isEqualTo(10);
    assertThat(h.expectOne().length()).isEqualTo(10);
  }

  @Test
  void lastAck_receivesAckOfFin_closes() {
    h.establishActive();
    h.send(FIN | ACK, R, L, 65_535);
    h.drain();
    h.engine.close(h.now);
    h.drain();
    h.send(ACK, R + 1, L + 1, 65_535);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
    assertThat(h.events()).endsWith(TcpEvent.CLOSED);
  }

  @Test
  void lastAck_peerNeverAcks_finRetransmissionsAreBounded() {
    h.establishActive();
    h.send(FIN | ACK, R, L, 65_535);
    h.drain();
    h.engine.close(h.now);
    h.drain();
    for (int i = 0; i < 15; i++) {
      h.fireNextTimer();
      assertThat(h.expectOne().flagString()).isEqualTo("F.");
    }
    h.fireNextTimer();
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }

  @Test
  void timeWait_receivesRst_ignoresIt() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.drain();
    h.send(RST, R + 1, 0, 0);
    assertThat(h.engine.state()).isEqualTo(TcpState.TIME_WAIT);
    assertThat(h.engine.stats().drops(DropReason.TCP_RST_IN_TIME_WAIT)).isEqualTo(1);
  }

  @Test
  void timeWait_receivesRetransmittedFin_reAcksAndRestarts2Msl() {
    h.establishActive();
    h.engine.close(h.now);
    h.drain();
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.drain();
    h.advance(10_000 * MS);
    h.send(FIN | ACK, R, L + 1, 65_535);
    h.expectAck(L + 1, R + 1);
    assertThat(h.engine.nextDeadline()).isEqualTo(h.now + 60_000 * MS);
  }

  @Test
  void established_abort_sendsRstAndCloses() {
    h.establishActive();
    h.engine.abort();
    Seg rst = h.expectOne();
    assertThat(rst.flagString()).isEqualTo("R.");
    assertThat(rst.seq()).isEqualTo(L);
    assertThat(rst.ack()).isEqualTo(R);
    assertThat(h.engine.state()).isEqualTo(TcpState.CLOSED);
  }
}
