package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TailLossProbeTest {
  private static final long MS = 1_000_000L;

  @Test
  void probeTimeout_isTwoSrtt_plusTheAckDelayForALoneSegment_or2msForMore_oneSecondWithoutSrtt_neverPastTheRto() {
    // More than one segment in flight: 2·SRTT plus Linux's 2 ms.
    assertThat(TailLossProbe.probeTimeout(10 * MS, false, 200 * MS, 1_000 * MS)).isEqualTo(22 * MS);
    assertThat(TailLossProbe.probeTimeout(20_000, false, 200 * MS, 1_000 * MS)).as("SRTT 20 µs").isEqualTo(2_040_000);
    assertThat(TailLossProbe.probeTimeout(10 * MS, true, 200 * MS, 1_000 * MS)).isEqualTo(220 * MS);
    assertThat(TailLossProbe.probeTimeout(0, false, 200 * MS, 3_000 * MS)).isEqualTo(1_000 * MS);
    assertThat(TailLossProbe.probeTimeout(300 * MS, false, 0, 400 * MS)).isEqualTo(400 * MS);
  }

  @Test
  void oneProbeAtATime_andOnlyAfterAFreshRttSample() {
    TailLossProbe tlp = new TailLossProbe();
    assertThat(tlp.mayProbe()).as("no RTT sample yet").isFalse();
    tlp.onRttSample();
    assertThat(tlp.mayProbe()).isTrue();
    tlp.probeSent(5000, true);
    assertThat(tlp.mayProbe()).isFalse();
    tlp.onAck(6000, false, false);
    assertThat(tlp.mayProbe()).as("episode over, but no new sample").isFalse();
    tlp.onRttSample();
    assertThat(tlp.mayProbe()).isTrue();
  }

  @Test
  void aRetransmittedProbe_thatRepairedTheTail_owesACongestionResponse() {
    TailLossProbe tlp = new TailLossProbe();
    tlp.onRttSample();
    tlp.probeSent(5000, true);
    assertThat(tlp.onAck(5000, false, false)).as("not past TLP.end_seq yet").isFalse();
    assertThat(tlp.probing()).isTrue();
    assertThat(tlp.onAck(5001, false, false)).isTrue();
    assertThat(tlp.probing()).isFalse();
  }

  @Test
  void aDsackOrAPlainDuplicateAck_saysBothCopiesArrived_soNothingWasLost() {
    TailLossProbe tlp = new TailLossProbe();
    tlp.onRttSample();
    tlp.probeSent(5000, true);
    assertThat(tlp.onAck(5000, true, false)).isFalse();
    assertThat(tlp.probing()).isFalse();

    tlp.onRttSample();
    tlp.probeSent(7000, true);
    assertThat(tlp.onAck(7000, false, true)).isFalse();
    assertThat(tlp.probing()).isFalse();
  }

  @Test
  void aNewDataProbe_endsWhenAcknowledged_withoutACongestionResponse() {
    TailLossProbe tlp = new TailLossProbe();
    tlp.onRttSample();
    tlp.probeSent(9000, false);
    assertThat(tlp.onAck(9000, false, false)).isFalse();
    assertThat(tlp.probing()).isFalse();
  }
}
