package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class NewRenoTest {
  private static final int SMSS = 1000;
  private static final long MS = 1_000_000L;

  private static NewReno started() {
    NewReno reno = new NewReno();
    reno.init(SMSS);
    return reno;
  }

  /** One ACK of {@code bytes}, window-limited, no RTT sample. */
  private static void ack(CongestionControl cc, long bytes) {
    cc.onAck(bytes, -1, cc.cwnd(), 0);
  }

  /** A reno in congestion avoidance at cwnd = ssthresh = {@code window}, via a loss. */
  private static NewReno inAvoidanceAt(long window) {
    NewReno reno = started();
    reno.onEnterRecovery(2 * window);
    reno.onExitRecovery();
    assertThat(reno.cwnd()).isEqualTo(window);
    assertThat(reno.ssthresh()).isEqualTo(window);
    return reno;
  }

  @Test
  void init_setsTenSegmentsAndAnArbitrarilyHighSsthresh() {
    NewReno reno = started();
    assertThat(reno.cwnd()).isEqualTo(10_000);
    assertThat(reno.ssthresh()).isEqualTo(Long.MAX_VALUE);
    assertThat(reno.name()).isEqualTo("newreno");
  }

  @Test
  void initialWindow_isConfigurableInSegments() {
    NewReno reno = new NewReno(4);
    reno.init(1460);
    assertThat(reno.cwnd()).isEqualTo(4 * 1460);
    assertThatThrownBy(() -> new NewReno(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> reno.init(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void slowStart_growsByAtMostTwoSmssPerAck() {
    NewReno reno = started();
    ack(reno, 5000); // a stretch ACK of five segments: L = 2 SMSS
    assertThat(reno.cwnd()).isEqualTo(12_000);
    ack(reno, 1500);
    assertThat(reno.cwnd()).isEqualTo(13_500);
    ack(reno, 300); // ACK division: a partial segment counts only its bytes
    assertThat(reno.cwnd()).isEqualTo(13_800);
  }

  @Test
  void slowStart_doublesTheWindowPerRoundTrip() {
    NewReno reno = started();
    for (int i = 0; i < 10; i++) {
      ack(reno, SMSS);
    }
    assertThat(reno.cwnd()).isEqualTo(20_000);
    for (int i = 0; i < 10; i++) {
      ack(reno, 2 * SMSS); // delayed ACKs: one per two segments
    }
    assertThat(reno.cwnd()).isEqualTo(40_000);
  }

  @Test
  void slowStart_stopsAtSsthresh_andTheRestOfTheAckCountsTowardsAvoidance() {
    NewReno reno = started();
    reno.onRetransmitTimeout(30_000); // ssthresh 15000, cwnd 1000
    for (int i = 0; i < 13; i++) {
      ack(reno, SMSS);
    }
    assertThat(reno.cwnd()).isEqualTo(14_000);
    ack(reno, 2 * SMSS); // 1000 bytes reach ssthresh, the other 1000 are avoidance bytes
    assertThat(reno.cwnd()).isEqualTo(15_000);
    for (int i = 0; i < 13; i++) {
      ack(reno, SMSS);
    }
    assertThat(reno.cwnd()).as("14000 avoidance bytes < cwnd").isEqualTo(15_000);
    ack(reno, SMSS);
    assertThat(reno.cwnd()).isEqualTo(16_000);
  }

  @Test
  void congestionAvoidance_addsOneSmssPerWindowOfAckedBytes() {
    NewReno reno = inAvoidanceAt(15_000);
    for (int i = 0; i < 14; i++) {
      ack(reno, SMSS);
    }
    assertThat(reno.cwnd()).isEqualTo(15_000);
    ack(reno, SMSS);
    assertThat(reno.cwnd()).isEqualTo(16_000);
    for (int i = 0; i < 8; i++) {
      ack(reno, 2 * SMSS); // delayed ACKs still give one SMSS per window
    }
    assertThat(reno.cwnd()).isEqualTo(17_000);
  }

  @Test
  void congestionAvoidance_neverAddsMoreThanOneSmssPerAck() {
    NewReno reno = inAvoidanceAt(15_000);
    ack(reno, 100_000);
    assertThat(reno.cwnd()).isEqualTo(16_000);
    ack(reno, 1_000);
    assertThat(reno.cwnd()).as("the carry was capped below the old cwnd").isEqualTo(16_000);
    ack(reno, 1);
    assertThat(reno.cwnd()).isEqualTo(17_000);
  }

  @Test
  void lossEvent_halvesFlightSizeButNotBelowTwoSmss() {
    NewReno reno = started();
    reno.onEnterRecovery(30_001);
    assertThat(reno.ssthresh()).isEqualTo(15_000);
    assertThat(reno.cwnd()).as("cwnd = ssthresh, no +3 SMSS").isEqualTo(15_000);
    reno.onExitRecovery();
    reno.onEnterRecovery(3_000);
    assertThat(reno.ssthresh()).isEqualTo(2_000);
    assertThat(reno.cwnd()).isEqualTo(2_000);
  }

  @Test
  void lossEvent_usesFlightSizeNotCwnd() {
    NewReno reno = started(); // cwnd 10000 but only 6000 in flight (app-limited sender)
    reno.onEnterRecovery(6_000);
    assertThat(reno.ssthresh()).isEqualTo(3_000);
    assertThat(reno.cwnd()).isEqualTo(3_000);
  }

  @Test
  void exitRecovery_leavesCwndAtSsthresh() {
    NewReno reno = started();
    reno.onEnterRecovery(40_000);
    reno.onExitRecovery();
    assertThat(reno.cwnd()).isEqualTo(20_000);
    assertThat(reno.ssthresh()).isEqualTo(20_000);
  }

  @Test
  void retransmitTimeout_setsTheLossWindowAndHalvesFlightSize() {
    NewReno reno = started();
    reno.onRetransmitTimeout(30_000);
    assertThat(reno.cwnd()).isEqualTo(1_000);
    assertThat(reno.ssthresh()).isEqualTo(15_000);
    reno.onExitRecovery(); // a timeout during recovery keeps the loss window
    assertThat(reno.cwnd()).isEqualTo(1_000);
  }

  @Test
  void repeatedTimeout_holdsSsthreshUntilNewDataIsAcked() {
    NewReno reno = started();
    reno.onRetransmitTimeout(30_000);
    reno.onRetransmitTimeout(1_000);
    assertThat(reno.ssthresh()).as("RFC 5681 §3.1: held on a second timeout").isEqualTo(15_000);
    assertThat(reno.cwnd()).isEqualTo(1_000);
    ack(reno, SMSS);
    reno.onRetransmitTimeout(8_000);
    assertThat(reno.ssthresh()).isEqualTo(4_000);
  }


  @Test
  void ackOfNothing_changesNothing() {
    NewReno reno = started();
    ack(reno, 0);
    assertThat(reno.cwnd()).isEqualTo(10_000);
  }


  @Test
  void setSmss_keepsTheWindowInSegments() {
    NewReno reno = started();
    reno.setSmss(500);
    assertThat(reno.cwnd()).isEqualTo(5_000);
    assertThat(reno.ssthresh()).isEqualTo(Long.MAX_VALUE);
    reno.onEnterRecovery(30_000);
    reno.setSmss(1_500);
    assertThat(reno.ssthresh()).isEqualTo(45_000);
    assertThat(reno.cwnd()).isEqualTo(45_000);
    reno.onRetransmitTimeout(2_000);
    reno.setSmss(100);
    assertThat(reno.cwnd()).as("the loss window is one new SMSS").isEqualTo(100);
    assertThatThrownBy(() -> new NewReno().setSmss(1000)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void simulation_sawtoothHalvesAtEachLossAndStaysWithinTheLink() {
    long capacity = 100_000; // BDP 80 segments + 20 buffered
    IdealLink link = IdealLink.run(new NewReno(), SMSS, capacity, 100 * MS, 200);

    assertThat(link.losses).as("a sawtooth, not a single climb").hasSizeGreaterThanOrEqualTo(4);
    for (IdealLink.Loss loss : link.losses) {
      assertThat(loss.cwndAfter()).as("round %d", loss.round()).isEqualTo(loss.cwndAtLoss() / 2);
    }
    // After slow start's overshoot (the first two events), congestion avoidance meets the link
    // one SMSS at a time: the window never exceeds capacity by more than one SMSS, nor falls
    // below half of it.
    for (IdealLink.Loss loss : link.losses.subList(1, link.losses.size())) {
      assertThat(loss.cwndAtLoss()).as("round %d", loss.round())
          .isBetween(capacity + 1, capacity + SMSS);
    }
    int settled = link.losses.get(1).round();
    for (int round = settled; round < link.cwndPerRound.size(); round++) {
      long cwnd = link.cwndPerRound.get(round);
      assertThat(cwnd).as("round %d", round).isBetween(capacity / 2, capacity + SMSS);
      if (round > settled && cwnd > link.cwndPerRound.get(round - 1)) {
        assertThat(cwnd - link.cwndPerRound.get(round - 1)).as("round %d: one SMSS per RTT", round)
            .isEqualTo(SMSS);
      }
    }
    // The steady cycle is about capacity/2 round trips: 50 here.
    int cycle = link.losses.get(3).round() - link.losses.get(2).round();
    assertThat(cycle).isBetween(50, 52);
  }

  @RepeatedTest(50)
  void randomEvents_keepTheWindowRules(RepetitionInfo repetition) {
    long seed = 0xC0DE_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    int smss = 500 + random.nextInt(9000);
    NewReno reno = new NewReno(1 + random.nextInt(10));
    reno.init(smss);
    long now = 0;
    for (int step = 0; step < 200; step++) {
      now += random.nextLong(50 * MS);
      long before = reno.cwnd();
      long ssthreshBefore = reno.ssthresh();
      int event = random.nextInt(100);
      if (event < 85) {
        long acked = 1 + random.nextLong(4L * smss);
        reno.onAck(acked, random.nextLong(200 * MS), before, now);
        long grew = reno.cwnd() - before;
        assertThat(grew).as("seed %d step %d", seed, step).isGreaterThanOrEqualTo(0);
        if (before < ssthreshBefore) {
          assertThat(grew).as("seed %d step %d: slow start", seed, step)
              .isLessThanOrEqualTo(Math.min(acked, 2L * smss));
        } else {
          assertThat(grew).as("seed %d step %d: avoidance", seed, step).isLessThanOrEqualTo(smss);
        }
      } else if (event < 93) {
        long flight = random.nextLong(2 * before + 1);
        reno.onEnterRecovery(flight);
        assertThat(reno.ssthresh()).as("seed %d step %d", seed, step)
            .isEqualTo(Math.max(flight / 2, 2L * smss));
        assertThat(reno.cwnd()).isEqualTo(reno.ssthresh());
        reno.onExitRecovery();
      } else {
        reno.onRetransmitTimeout(random.nextLong(2 * before + 1));
        assertThat(reno.cwnd()).as("seed %d step %d", seed, step).isEqualTo(smss);
      }
      assertThat(reno.cwnd()).as("seed %d step %d", seed, step).isGreaterThanOrEqualTo(smss);
      assertThat(reno.ssthresh()).as("seed %d step %d", seed, step)
          .isGreaterThanOrEqualTo(2L * smss);
    }
  }
}
