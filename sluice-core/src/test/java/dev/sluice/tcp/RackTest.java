package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RACK (RFC 8985 §6) on hand-made flights; times in milliseconds written as nanoseconds. */
class RackTest {
  private static final long MS = 1_000_000L;

  private final Rack rack = new Rack();
  private final SentSegments flight = new SentSegments(8);
  private final int[] lost = new int[1];

  /** Ten 1000-byte segments from 0, the i-th sent at i ms. */
  private void sendTen() {
    for (int i = 0; i < 10; i++) {
      flight.sentNew(i * 1000, (i + 1) * 1000, i * MS);
    }
  }

  @Test
  void aSegmentSentBeforeADeliveredOne_isLostOnceRttPlusTheWindowHasPassed() {
    rack.onRttSample(40 * MS, 0);
    sendTen();
    rack.beginAck(49 * MS, false, 0);
    flight.sacked(9000, 10000, rack); // the last segment arrived (sent at 9 ms, RTT 40 ms); the rest did not
    assertThat(rack.rttNanos()).isEqualTo(40 * MS);
    long reoWnd = rack.reorderingWindow(0, 10000, false, false, false, 1, 40 * MS);
    assertThat(reoWnd).as("min RTT / 4").isEqualTo(10 * MS);

    long timeout = rack.detectLoss(flight, reoWnd, 49 * MS, lost);
    assertThat(lost[0]).as("segment 0, sent at 0 ms, needs until 50 ms").isZero();
    assertThat(timeout).isEqualTo(9 * MS); // segment 8 waits longest: 8 + 40 + 10 - 49

    timeout = rack.detectLoss(flight, reoWnd, 55 * MS, lost);
    assertThat(lost[0]).as("segments 0..5 (sent by 5 ms)").isEqualTo(6);
    assertThat(timeout).isEqualTo(3 * MS);
    assertThat(flight.has(5, SentSegments.LOST)).isTrue();
    assertThat(flight.has(6, SentSegments.LOST)).isFalse();
  }

  @Test
  void reorderingWithinTheWindow_isNotLoss_andIsRemembered() {
    rack.onRttSample(40 * MS, 0);
    sendTen();
    rack.beginAck(44 * MS, false, 0);
    flight.sacked(4000, 5000, rack); // segment 4 overtook segments 0..3
    long reoWnd = rack.reorderingWindow(0, 10000, false, false, false, 1, 40 * MS);
    rack.detectLoss(flight, reoWnd, 44 * MS, lost);
    assertThat(lost[0]).isZero();
    rack.beginAck(45 * MS, false, 0);
    flight.cumulativeAck(4000, rack); // ...and they arrive a moment later
    assertThat(rack.reorderingSeen()).isTrue();
    assertThat(rack.reorderingWindow(0, 10000, false, true, false, 3, 40 * MS))
        .as("with reordering seen, the window stays open even in recovery").isEqualTo(10 * MS);
  }

  @Test
  void withoutReordering_theWindowIsZeroInRecoveryAndAtDupThresh() {
    rack.onRttSample(40 * MS, 0);
    assertThat(rack.reorderingWindow(0, 1000, false, true, false, 0, 40 * MS)).isZero();
    assertThat(rack.reorderingWindow(0, 1000, false, false, false, Rack.DUP_THRESHOLD, 40 * MS)).isZero();
    assertThat(rack.reorderingWindow(0, 1000, false, false, false, 2, 40 * MS)).isEqualTo(10 * MS);
  }

  @Test
  void dsack_widensTheWindowOncePerRoundTrip_capsItAtSrtt_andSixteenRecoveriesResetIt() {
    rack.onRttSample(40 * MS, 0);
    assertThat(rack.reorderingWindow(0, 5000, true, false, false, 0, 100 * MS)).isEqualTo(20 * MS);
    assertThat(rack.reorderingWindow(1000, 5000, true, false, false, 0, 100 * MS))
        .as("a second D-SACK in the same round trip").isEqualTo(20 * MS);
    assertThat(rack.reorderingWindow(5000, 9000, true, false, false, 0, 100 * MS)).isEqualTo(30 * MS);
    for (int i = 0; i < 10; i++) {
      rack.reorderingWindow(9000 + i, 20000, true, false, false, 0, 100 * MS);
    }
    assertThat(rack.reorderingWindow(20000, 30000, true, false, false, 0, 50 * MS)).as("capped by SRTT").isEqualTo(50 * MS);
    int multiplier = rack.reorderingWindowMultiplier();
    for (int i = 0; i < Rack.REORDERING_WINDOW_PERSIST - 1; i++) {
      rack.reorderingWindow(30000, 30000, false, false, true, 0, 100 * MS);
    }
    assertThat(rack.reorderingWindowMultiplier()).isEqualTo(multiplier);
    rack.reorderingWindow(30000, 30000, false, false, true, 0, 100 * MS);
    assertThat(rack.reorderingWindowMultiplier()).isEqualTo(1);
  }

  @Test
  void aRetransmissionDeliveredFasterThanTheMinimumRtt_givesNoSample() {
    rack.onRttSample(40 * MS, 0);
    flight.sentNew(0, 1000, 0);
    flight.retransmitted(0, 1000, 100 * MS);
    rack.beginAck(101 * MS, false, 0); // 1 ms after the retransmission: the original's ACK
    flight.cumulativeAck(1000, rack);
    assertThat(rack.rttNanos()).isZero();
  }

  @Test
  void onTimeout_theFirstOutstandingSegmentIsLost_andOthersOnlyIfTheirTimeIsUp() {
    rack.onRttSample(40 * MS, 0);
    sendTen();
    rack.beginAck(45 * MS, false, 0);
    flight.sacked(5000, 6000, rack);
    assertThat(rack.markLossesOnTimeout(flight, 10 * MS, 52 * MS)).as("segments 0, 1, 2").isEqualTo(3);
    assertThat(flight.has(0, SentSegments.LOST)).isTrue();
    assertThat(flight.has(3, SentSegments.LOST)).isFalse();
  }
}
