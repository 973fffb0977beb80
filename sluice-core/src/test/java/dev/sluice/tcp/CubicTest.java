package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class CubicTest {
  private static final int SMSS = 1000;
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  /** K for W_max = 100 segments, cwnd_epoch = 70: cbrt(30 / 0.4) = cbrt(75) seconds (§4.2). */
  private static final double K_100 = 4.217163326508746;

  private static Cubic started(boolean fastConvergence) {
    Cubic cubic = new Cubic(10, fastConvergence);
    cubic.init(SMSS);
    return cubic;
  }

  private static void ack(CongestionControl cc, long bytes, long rttNanos, long nowNanos) {
    cc.onAck(bytes, rttNanos, cc.cwnd(), nowNanos);
  }

  /**
   * A CUBIC that slow-started to {@code segments} full segments and then lost one: W_max =
   * segments * SMSS, cwnd = ssthresh = 0.7 of it, recovery over, epoch not yet started.
   */
  private static Cubic afterLossAt(int segments, boolean fastConvergence) {
    Cubic cubic = started(fastConvergence);
    while (cubic.cwnd() < (long) segments * SMSS) {
      ack(cubic, SMSS, -1, 0);
    }
    assertThat(cubic.cwnd()).isEqualTo((long) segments * SMSS);
    cubic.onEnterRecovery(cubic.cwnd());
    cubic.onExitRecovery();
    return cubic;
  }

  /**
   * Acknowledges the whole window every RTT, one ACK per SMSS spread over the round trip, each
   * with an RTT sample, on a link that never drops; returns cwnd at the start of each round.
   */
  private static List<Long> rounds(CongestionControl cc, long startNanos, long rtt, int count) {
    List<Long> cwnds = new ArrayList<>();
    long now = startNanos;
    for (int round = 0; round < count; round++) {
      long window = cc.cwnd();
      cwnds.add(window);
      long acks = (window + SMSS - 1) / SMSS;
      long remaining = window;
      for (long i = 1; i <= acks; i++) {
        long acked = Math.min(SMSS, remaining);
        remaining -= acked;
        cc.onAck(acked, rtt, window, now + rtt * i / acks);
      }
      now += rtt;
    }
    return cwnds;
  }

  /** W_cubic(t) of §4.2 Figure 1, in bytes, computed here from the RFC's constants. */
  private static double wCubic(double t, double k, double wMaxBytes) {
    return 0.4 * Math.pow(t - k, 3) * SMSS + wMaxBytes;
  }

  @Test
  void init_setsTenSegmentsAndAnArbitrarilyHighSsthresh() {
    Cubic cubic = new Cubic();
    cubic.init(SMSS);
    assertThat(cubic.cwnd()).isEqualTo(10_000);
    assertThat(cubic.ssthresh()).isEqualTo(Long.MAX_VALUE);
    assertThat(cubic.name()).isEqualTo("cubic");
    assertThat(cubic.fastConvergence()).isTrue();
    assertThatThrownBy(() -> new Cubic(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void constants_areThoseOfRfc9438() {
    assertThat(Cubic.C).isEqualTo(0.4);
    assertThat(Cubic.BETA).isEqualTo(0.7);
    assertThat(Cubic.ALPHA).isCloseTo(0.9 / 1.7, within(1e-15)); // 3(1 - 0.7)/(1 + 0.7)
  }

  @Test
  void slowStart_growsByAtMostTwoSmssPerAck() {
    Cubic cubic = started(true);
    ack(cubic, 5000, -1, 0);
    assertThat(cubic.cwnd()).isEqualTo(12_000);
    ack(cubic, 700, -1, 0);
    assertThat(cubic.cwnd()).isEqualTo(12_700);
  }

  @Test
  void lossEvent_keepsSevenTenthsOfFlightSizeButNotBelowTwoSmss() {
    Cubic cubic = started(true);
    cubic.onEnterRecovery(100_001);
    assertThat(cubic.ssthresh()).isEqualTo(70_000); // floor(70000.7)
    assertThat(cubic.cwnd()).as("cwnd = ssthresh, no +3 SMSS").isEqualTo(70_000);
    cubic.onExitRecovery();
    assertThat(cubic.cwnd()).isEqualTo(70_000);
    cubic.onEnterRecovery(10_000);
    assertThat(cubic.ssthresh()).as("exactly 0.7, not 6999.999").isEqualTo(7_000);
    cubic.onEnterRecovery(2_000);
    assertThat(cubic.ssthresh()).isEqualTo(2_000);
    assertThat(cubic.cwnd()).isEqualTo(2_000);
  }

  @Test
  void cubic_kIsTheTimeTheCurveTakesFromCwndEpochToWmax() {
    Cubic cubic = afterLossAt(100, false);
    assertThat(cubic.wMax()).isEqualTo(100_000);
    assertThat(cubic.cwnd()).isEqualTo(70_000);
    ack(cubic, SMSS, -1, 5 * SECOND); // the first avoidance ACK starts the epoch
    assertThat(cubic.epochStarted()).isTrue();
    assertThat(cubic.kSeconds()).isCloseTo(K_100, within(1e-12));
    assertThat(cubic.wCubic(0)).isCloseTo(70_000, within(1e-6));
    assertThat(cubic.wCubic(K_100)).isCloseTo(100_000, within(1e-6));
    assertThat(cubic.wCubic(K_100 + 1)).isCloseTo(100_400, within(1e-6)); // + C * 1^3 segments
  }

  @Test
  void cubic_concaveRegion_growsByTargetMinusCwndOverCwndPerAck() {
    Cubic cubic = afterLossAt(100, false);
    long t0 = 5 * SECOND;
    ack(cubic, SMSS, -1, t0); // epoch start: target = W_cubic(0) = cwnd, no growth
    assertThat(cubic.cwnd()).isEqualTo(70_000);
    ack(cubic, SMSS, 100 * MS, t0 + SECOND);
    // t = 1 s, RTT = 0.1 s: target = W_cubic(1.1) = 0.4 (1.1 - K)^3 * 1000 + 100000 = 87884.57;
    // cwnd += (target - cwnd) / cwnd * 1000 = 255.49.
    double target = wCubic(1.1, K_100, 100_000);
    assertThat(target).isCloseTo(87_884.57, within(0.01));
    assertThat(cubic.cwnd()).isEqualTo(70_255);
    assertThat(cubic.cwnd()).isEqualTo(70_000 + (long) ((target - 70_000) * SMSS / 70_000));
  }

  @Test
  void cubic_targetIsCappedAtOneAndAHalfCwnd() {
    Cubic cubic = afterLossAt(100, false);
    ack(cubic, SMSS, -1, 0);
    ack(cubic, SMSS, -1, 100 * SECOND); // W_cubic(100 s) is far above 1.5 cwnd
    assertThat(cubic.cwnd()).as("(1.5 cwnd - cwnd) / cwnd per SMSS = SMSS / 2").isEqualTo(70_500);
  }

  @Test
  void cubic_reachesWmaxAtTimeK() {
    Cubic cubic = afterLossAt(100, false);
    long rtt = 100 * MS;
    long start = 3 * SECOND;
    List<Long> cwnds = rounds(cubic, start, rtt, 60);
    double epochStart = (start + rtt / 70) / 1e9; // the first ACK of a 70-segment round

    int reached = -1;
    for (int round = 0; round < cwnds.size(); round++) {
      double t = start / 1e9 + round * 0.1 - epochStart;
      long cwnd = cwnds.get(round);
      if (reached < 0 && cwnd >= 100_000) {
        reached = round;
      }
      if (round > 0 && t <= K_100) {
        // Concave region: cwnd follows the curve, never above the target W_cubic(t + RTT).
        assertThat((double) cwnd).as("round %d, t = %.2f s", round, t)
            .isBetween(wCubic(t, K_100, 100_000) - SMSS / 4.0, wCubic(t + 0.1, K_100, 100_000));
      }
    }
    double reachedAt = start / 1e9 + reached * 0.1 - epochStart;
    assertThat(reachedAt).as("W_max regained after K = %.3f s", K_100)
        .isBetween(K_100, K_100 + 0.2);
    // Around W_max the curve is flat: the RTT on either side of K adds under 1% of an SMSS.
    assertThat(cwnds.get(reached) - cwnds.get(reached - 1)).isLessThan(SMSS / 100);
  }

  @Test
  void cubic_fastConvergence_lowersWmax() {
    Cubic cubic = afterLossAt(100, true); // W_max 100000, cwnd 70000
    cubic.onEnterRecovery(70_000); // another loss below W_max: the saturation point fell
    assertThat(cubic.wMax()).as("cwnd (1 + beta) / 2").isCloseTo(59_500, within(1e-6));
    assertThat(cubic.ssthresh()).isEqualTo(49_000);
    assertThat(cubic.cwnd()).isEqualTo(49_000);

    Cubic without = afterLossAt(100, false);
    without.onEnterRecovery(70_000);
    assertThat(without.wMax()).as("fast convergence off: W_max = cwnd").isEqualTo(70_000);
    assertThat(without.ssthresh()).isEqualTo(49_000);
  }

  @Test
  void cubic_fastConvergence_leavesWmaxAtCwndWhenCwndPassedIt() {
    Cubic cubic = afterLossAt(10, true);
    rounds(cubic, 0, 10 * MS, 40); // Reno-friendly growth carries cwnd past W_max = 10000
    long cwnd = cubic.cwnd();
    assertThat(cwnd).isGreaterThan(10_000);
    cubic.onEnterRecovery(cwnd);
    assertThat(cubic.wMax()).isEqualTo(cwnd);
  }

  @Test
  void cubic_renoFriendlyRegion_cwndFollowsWest() {
    Cubic cubic = afterLossAt(10, false); // W_max 10000, cwnd 7000, K = cbrt(7.5) = 1.957 s
    ack(cubic, SMSS, -1, SECOND); // the epoch starts: W_est = cwnd_epoch = 7000
    assertThat(cubic.wEst()).isEqualTo(7_000);
    assertThat(cubic.cwnd()).isEqualTo(7_000);
    ack(cubic, SMSS, -1, SECOND + 10 * MS);
    // W_est = 7000 + alpha * SMSS * 1000 / 7000 = 7075.63 > W_cubic(0.01 s) = 7045.74
    assertThat(cubic.wEst()).isCloseTo(7_075.63, within(0.01));
    assertThat(cubic.wCubic(0.01)).isCloseTo(7_045.74, within(0.01));
    assertThat(cubic.cwnd()).isEqualTo(7_075);
    ack(cubic, SMSS, -1, SECOND + 20 * MS);
    // W_est += alpha * SMSS * 1000 / 7075 = 7150.46 > W_cubic(0.02 s) = 7091.02
    assertThat(cubic.wCubic(0.02)).isCloseTo(7_091.02, within(0.01));
    assertThat(cubic.cwnd()).isEqualTo(7_150);
  }

  @Test
  void cubic_renoFriendlyRegion_growsByAlphaCubicPerRttThenLikeReno() {
    Cubic cubic = afterLossAt(10, false); // cwnd_prior 10000
    List<Long> cwnds = rounds(cubic, 0, 10 * MS, 30); // 0.3 s: W_cubic barely moves from 7000
    // Round 1's first ACK only starts the epoch (W_est = cwnd_epoch), so start at round 2.
    for (int round = 2; round < cwnds.size(); round++) {
      long grew = cwnds.get(round) - cwnds.get(round - 1);
      if (cwnds.get(round) <= 10_000) {
        // alpha_cubic = 0.529 SMSS per RTT, a little less as cwnd rises within the round
        assertThat(grew).as("round %d", round).isBetween(480L, 530L);
      } else if (cwnds.get(round - 1) > 10_000) {
        // W_est has reached cwnd_prior: alpha = 1, Reno's one SMSS per RTT (less the same drift)
        assertThat(grew).as("round %d", round).isBetween(930L, 1000L);
      }
    }
    assertThat(cwnds.get(29)).isGreaterThan(20_000);
  }

  @Test
  void cubic_renoFriendlyRegion_growsAtLeastLikeReno() {
    // A small BDP (20 segments, 10 ms): the cubic curve needs K = cbrt(15) = 2.5 s = 247 RTTs
    // to climb back, so W_est governs; with beta 0.7 and alpha 0.53 CUBIC's sawtooth stays
    // higher than Reno's and averages at least Reno's window (§4.3).
    long capacity = 20_000;
    IdealLink cubic = IdealLink.run(new Cubic(), SMSS, capacity, 10 * MS, 300);
    IdealLink reno = IdealLink.run(new NewReno(), SMSS, capacity, 10 * MS, 300);
    assertThat(cubic.losses).hasSizeGreaterThan(10);
    assertThat(cubic.meanCwnd(50)).isGreaterThanOrEqualTo(reno.meanCwnd(50));
    // Sawtooth means: CUBIC between 0.7 and 1 of capacity, Reno between 0.5 and 1.
    assertThat(cubic.meanCwnd(50)).isBetween(0.8 * capacity, 0.9 * capacity);
    assertThat(reno.meanCwnd(50)).isBetween(0.7 * capacity, 0.8 * capacity);
  }

  @Test
  void cubic_timeout_dropsToOneSmss_andTheNextEpochStartsWithKZero() {
    Cubic cubic = afterLossAt(100, false);
    rounds(cubic, 0, 100 * MS, 5);
    long before = cubic.cwnd();
    cubic.onRetransmitTimeout(before);
    assertThat(cubic.cwnd()).isEqualTo(SMSS);
    assertThat(cubic.ssthresh()).isEqualTo(before * 7 / 10);
    assertThat(cubic.epochStarted()).isFalse();
    while (cubic.cwnd() < cubic.ssthresh()) {
      ack(cubic, SMSS, -1, 2 * SECOND); // slow start back to ssthresh
    }
    assertThat(cubic.cwnd()).isEqualTo(cubic.ssthresh());
    ack(cubic, SMSS, -1, 3 * SECOND);
    // §4.8: K = 0 and W_max = cwnd at the start of the stage; the curve starts flat.
    assertThat(cubic.kSeconds()).isZero();
    assertThat(cubic.wMax()).isEqualTo(before * 7 / 10);
  }

  @Test
  void repeatedTimeout_holdsSsthreshUntilNewDataIsAcked() {
    Cubic cubic = started(true);
    cubic.onRetransmitTimeout(30_000);
    cubic.onRetransmitTimeout(1_000);
    assertThat(cubic.ssthresh()).isEqualTo(21_000);
    assertThat(cubic.cwnd()).isEqualTo(SMSS);
    ack(cubic, SMSS, -1, 2 * SECOND);
    cubic.onRetransmitTimeout(10_000);
    assertThat(cubic.ssthresh()).isEqualTo(7_000);
  }




  @Test
  void setSmss_keepsTheWindowAndTheCurveInSegments() {
    Cubic cubic = afterLossAt(100, false);
    ack(cubic, SMSS, -1, 0);
    double k = cubic.kSeconds();
    cubic.setSmss(500);
    assertThat(cubic.cwnd()).isEqualTo(35_000);
    assertThat(cubic.ssthresh()).isEqualTo(35_000);
    assertThat(cubic.wMax()).isCloseTo(50_000, within(1e-6));
    assertThat(cubic.kSeconds()).isEqualTo(k);
    assertThat(cubic.wCubic(k)).isCloseTo(50_000, within(1e-6));
    cubic.onRetransmitTimeout(1_000);
    cubic.setSmss(100);
    assertThat(cubic.cwnd()).isEqualTo(100);
    assertThatThrownBy(() -> new Cubic().setSmss(1000)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void simulation_sawtoothKeepsSevenTenthsAtEachLossAndStaysWithinTheLink() {
    long capacity = 100_000; // BDP 80 segments + 20 buffered, 100 ms: K = 4.2 s = 42 RTTs
    IdealLink link = IdealLink.run(new Cubic(), SMSS, capacity, 100 * MS, 200);

    assertThat(link.losses).as("a sawtooth, not a single climb").hasSizeGreaterThanOrEqualTo(4);
    for (IdealLink.Loss loss : link.losses) {
      assertThat(loss.cwndAfter()).as("round %d", loss.round())
          .isEqualTo(loss.cwndAtLoss() * 7 / 10);
    }
    // Slow start overshoots twice (160000, then 0.7 of it is still too much); from then on the
    // plateau around W_max meets the link gently: never more than one SMSS over capacity, and
    // never below 0.7 of it.
    int settled = link.losses.get(2).round();
    for (IdealLink.Loss loss : link.losses.subList(2, link.losses.size())) {
      assertThat(loss.cwndAtLoss()).as("round %d", loss.round())
          .isBetween(capacity + 1, capacity + SMSS);
    }
    for (int round = settled; round < link.cwndPerRound.size(); round++) {
      assertThat(link.cwndPerRound.get(round)).as("round %d", round)
          .isBetween(capacity * 7 / 10, capacity + SMSS);
    }
    // Deterministic: the same run again gives the same trace.
    assertThat(IdealLink.run(new Cubic(), SMSS, capacity, 100 * MS, 200).cwndPerRound)
        .isEqualTo(link.cwndPerRound);
  }

  @Test
  void simulation_regainsWmaxFasterThanNewRenoOnALargeBdp() {
    // 1000 segments at 100 ms (about 80 Mbit/s with 1000-byte segments). Reno climbs back one
    // segment per RTT: 500 RTTs. CUBIC needs K = cbrt(1000 * 0.3 / 0.4) = 9.09 s = 91 RTTs.
    long capacity = 1_000_000;
    long rtt = 100 * MS;
    IdealLink cubic = IdealLink.run(new Cubic(10, false), SMSS, capacity, rtt, 400);
    IdealLink reno = IdealLink.run(new NewReno(), SMSS, capacity, rtt, 900);

    IdealLink.Loss cubicLoss = cubic.losses.get(2); // the first after slow start's overshoot
    int cubicRounds = cubic.firstRoundReaching(cubicLoss.round() + 1, capacity + 1)
        - cubicLoss.round();
    IdealLink.Loss renoLoss = reno.losses.get(1);
    int renoRounds = reno.firstRoundReaching(renoLoss.round() + 1, capacity + 1)
        - renoLoss.round();

    double kRounds = Math.cbrt(cubicLoss.cwndAtLoss() / (double) SMSS * 0.3 / 0.4) / 0.1;
    assertThat((double) cubicRounds).as("K = %.1f RTTs", kRounds)
        .isBetween(kRounds - 6, kRounds + 2);
    assertThat(renoRounds).as("half a window of segments")
        .isBetween((int) (renoLoss.cwndAtLoss() / 2 / SMSS), (int) (capacity / 2 / SMSS) + 2);
    assertThat(cubicRounds * 5).isLessThan(renoRounds);
  }

  @RepeatedTest(50)
  void randomEvents_keepTheWindowRules(RepetitionInfo repetition) {
    long seed = 0xCB1C_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    int smss = 500 + random.nextInt(9000);
    Cubic cubic = new Cubic(1 + random.nextInt(10), random.nextBoolean());
    cubic.init(smss);
    long now = 0;
    for (int step = 0; step < 200; step++) {
      now += random.nextLong(50 * MS);
      long before = cubic.cwnd();
      long ssthreshBefore = cubic.ssthresh();
      int event = random.nextInt(100);
      if (event < 85) {
        long acked = 1 + random.nextLong(4L * smss);
        cubic.onAck(acked, random.nextLong(200 * MS), before, now);
        long grew = cubic.cwnd() - before;
        assertThat(grew).as("seed %d step %d", seed, step).isGreaterThanOrEqualTo(0);
        if (before < ssthreshBefore) {
          assertThat(grew).as("seed %d step %d: slow start", seed, step)
              .isLessThanOrEqualTo(Math.min(acked, 2L * smss));
        } else {
          assertThat(grew).as("seed %d step %d: never faster than slow start", seed, step)
              .isLessThanOrEqualTo(acked);
        }
      } else if (event < 93) {
        long flight = random.nextLong(2 * before + 1);
        cubic.onEnterRecovery(flight);
        assertThat(cubic.ssthresh()).as("seed %d step %d", seed, step)
            .isEqualTo(Math.max(flight * 7 / 10, 2L * smss));
        assertThat(cubic.cwnd()).isEqualTo(cubic.ssthresh());
        assertThat(cubic.wMax()).as("seed %d step %d", seed, step)
            .isBetween(0.85 * before - 1e-6, before + 1e-6);
        cubic.onExitRecovery();
      } else {
        cubic.onRetransmitTimeout(random.nextLong(2 * before + 1));
        assertThat(cubic.cwnd()).as("seed %d step %d", seed, step).isEqualTo(smss);
      }
      assertThat(cubic.cwnd()).as("seed %d step %d", seed, step).isGreaterThanOrEqualTo(smss);
      assertThat(cubic.ssthresh()).as("seed %d step %d", seed, step)
          .isGreaterThanOrEqualTo(2L * smss);
    }
  }
}
