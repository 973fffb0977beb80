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

class RttEstimatorTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;

  /** Linux-like: 1 s initial (RFC 6298 §2.1), 200 ms floor, 60 s ceiling, 1 ms clock. */
  private static RttEstimator standard() {
    return new RttEstimator(1 * S, 200 * MS, 60 * S, 1 * MS);
  }

  @Test
  void beforeAnySample_theRtoIsTheInitialValueAndNothingIsMeasured() {
    RttEstimator rtt = standard();
    assertThat(rtt.rtoNanos()).isEqualTo(1 * S);
    assertThat(rtt.hasSample()).isFalse();
    assertThat(rtt.backoffCount()).isZero();
    assertThat(rtt.srttNanos()).isZero();
    assertThat(rtt.rttvarNanos()).isZero();
  }

  @Test
  void firstSample_setsSrttToTheSampleAndRttvarToHalf() {
    RttEstimator rtt = standard();
    rtt.sample(100 * MS);
    assertThat(rtt.hasSample()).isTrue();
    assertThat(rtt.srttNanos()).isEqualTo(100 * MS);
    assertThat(rtt.rttvarNanos()).isEqualTo(50 * MS);
    assertThat(rtt.rtoNanos()).isEqualTo(100 * MS + 4 * 50 * MS); // §2.2: SRTT + K*RTTVAR
  }

  @Test
  void laterSamples_updateRttvarWithTheOldSrtt_thenSrtt() {
    RttEstimator rtt = standard();
    rtt.sample(100 * MS);
    rtt.sample(180 * MS);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 180| = 57.5 ms (with the new SRTT it would be 55 ms).
    assertThat(rtt.rttvarNanos()).isEqualTo(57_500_000L);
    // SRTT = 7/8 * 100 + 1/8 * 180 = 110 ms.
    assertThat(rtt.srttNanos()).isEqualTo(110 * MS);
    assertThat(rtt.rtoNanos()).isEqualTo(110 * MS + 4 * 57_500_000L);

    rtt.sample(60 * MS);
    // RTTVAR = 3/4 * 57.5 + 1/4 * |110 - 60| = 55.625 ms; SRTT = 7/8 * 110 + 1/8 * 60 = 103.75 ms.
    assertThat(rtt.rttvarNanos()).isEqualTo(55_625_000L);
    assertThat(rtt.srttNanos()).isEqualTo(103_750_000L);
    assertThat(rtt.rtoNanos()).isEqualTo(103_750_000L + 4 * 55_625_000L);
  }

  @RepeatedTest(100)
  void anySequenceOfSamples_tracksTheRfc6298FormulaInExactArithmetic(RepetitionInfo repetition) {
    long seed = 0x5A7E_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    long minRto = random.nextLong(1, 500 * MS);
    long maxRto = minRto + random.nextLong(0, 120 * S);
    long granularity = random.nextLong(1, 20 * MS);
    RttEstimator rtt = new RttEstimator(minRto, minRto, maxRto, granularity);
    double srtt = 0;
    double rttvar = 0;
    int samples = 1 + random.nextInt(200);
    for (int i = 0; i < samples; i++) {
      long r = random.nextLong(0, 10 * S);
      rtt.sample(r);
      if (i == 0) {
        srtt = r;
        rttvar = r / 2.0;
      } else {
        double beta = 0.25;
        double alpha = 0.125;
        rttvar = (1 - beta) * rttvar + beta * Math.abs(srtt - r);
        srtt = (1 - alpha) * srtt + alpha * r;
      }
      double rto = Math.min(Math.max(srtt + Math.max(granularity, 4 * rttvar), minRto), maxRto);
      String where = "seed " + seed + ", sample " + i;
      // Integer division truncates by under 1 ns per step; the error stays far below 1 µs.
      assertThat((double) rtt.srttNanos()).as(where).isCloseTo(srtt, within(1_000.0));
      assertThat((double) rtt.rttvarNanos()).as(where).isCloseTo(rttvar, within(1_000.0));
      assertThat((double) rtt.rtoNanos()).as(where).isCloseTo(rto, within(5_000.0));
    }
  }

  @Test
  void aSmallRto_isRaisedToTheMinimum() {
    RttEstimator rtt = standard();
    rtt.sample(10 * MS); // 10 + 4 * 5 = 30 ms
    assertThat(rtt.rtoNanos()).isEqualTo(200 * MS);
    assertThat(rtt.srttNanos()).isEqualTo(10 * MS);
  }

  @Test
  void aLargeRto_isCutToTheMaximum() {
    RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 2 * S, 1 * MS);
    rtt.sample(1 * S); // 1 + 4 * 0.5 = 3 s
    assertThat(rtt.rtoNanos()).isEqualTo(2 * S);
  }

  @Test
  void aZeroVariance_isReplacedByTheClockGranularity() {
    RttEstimator rtt = new RttEstimator(1 * S, 1 * MS, 60 * S, 50 * MS);
    rtt.sample(0);
    assertThat(rtt.rtoNanos()).isEqualTo(1 + 50 * MS); // SRTT is kept at 1 ns at least: below
  }

  @Test
  void aSampleOfZero_leavesSrttAtOneNanosecond_soItStillReadsAsMeasured() {
    RttEstimator rtt = new RttEstimator(1 * S, 1 * MS, 60 * S, 1 * MS);
    assertThat(rtt.srttNanos()).as("before any sample").isZero();
    rtt.sample(0);
    assertThat(rtt.srttNanos()).isEqualTo(1);
    rtt.sample(0);
    assertThat(rtt.srttNanos()).isEqualTo(1);
    rtt.sample(80);
    assertThat(rtt.srttNanos()).isEqualTo(1 + (80 - 1) / 8);
  }

  @Test
  void aVarianceThatDecaysBelowTheGranularity_leavesSrttPlusG() {
    RttEstimator rtt = new RttEstimator(1 * S, 1 * MS, 60 * S, 50 * MS);
    rtt.sample(100 * MS);
    assertThat(rtt.rtoNanos()).isEqualTo(300 * MS); // K * RTTVAR = 200 ms > G
    for (int i = 1; i <= 100; i++) {
      rtt.sample(100 * MS);
    }
    assertThat(rtt.rttvarNanos()).isLessThan(50 * MS / 4);
    assertThat(rtt.rtoNanos()).isEqualTo(100 * MS + 50 * MS);
  }

  @Test
  void backoff_doublesTheRto_evenBeforeTheFirstSample() {
    RttEstimator rtt = standard();
    rtt.backoff();
    assertThat(rtt.rtoNanos()).isEqualTo(2 * S);
    rtt.backoff();
    assertThat(rtt.rtoNanos()).isEqualTo(4 * S);
    assertThat(rtt.backoffCount()).isEqualTo(2);
  }

  @Test
  void backoff_stopsAtTheMaximum_andKeepsCounting() {
    RttEstimator rtt = standard();
    List<Long> rtos = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rtt.backoff();
      rtos.add(rtt.rtoNanos() / S);
    }
    assertThat(rtos).containsExactly(2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    assertThat(rtt.backoffCount()).isEqualTo(8);
  }

  @Test
  void backoff_neverOverflows_evenWithAnUnboundedMaximum() {
    RttEstimator rtt = new RttEstimator(3, 1, Long.MAX_VALUE, 1);
    long previous = rtt.rtoNanos();
    for (int i = 0; i < 100; i++) {
      rtt.backoff();
      assertThat(rtt.rtoNanos()).as("after %d backoffs", i + 1).isGreaterThanOrEqualTo(previous);
      previous = rtt.rtoNanos();
    }
    assertThat(rtt.rtoNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aNewSample_collapsesABackedOffRtoAndClearsTheCount() {
    RttEstimator rtt = standard();
    rtt.sample(100 * MS);
    rtt.backoff();
    rtt.backoff();
    rtt.backoff();
    assertThat(rtt.rtoNanos()).isEqualTo(8 * 300 * MS);
    rtt.sample(100 * MS);
    // SRTT stays 100 ms; RTTVAR = 3/4 * 50 = 37.5 ms; RTO = 100 + 150 ms, not 8 times that.
    assertThat(rtt.rtoNanos()).isEqualTo(250 * MS);
    assertThat(rtt.backoffCount()).isZero();
  }

  @Test
  void synTimeoutWithoutASample_startsDataTransferWithAThreeSecondRto() {
    RttEstimator rtt = standard();
    rtt.backoff();
    rtt.backoff();
    rtt.enterDataTransferAfterSynTimeout();
    assertThat(rtt.rtoNanos()).isEqualTo(3 * S);
    assertThat(rtt.backoffCount()).isZero();
    rtt.backoff();
    assertThat(rtt.rtoNanos()).isEqualTo(6 * S);
  }

  @Test
  void synTimeoutWithATimestampSample_keepsTheMeasuredRto() {
    RttEstimator rtt = standard();
    rtt.sample(100 * MS);
    rtt.backoff();
    rtt.enterDataTransferAfterSynTimeout();
    assertThat(rtt.rtoNanos()).isEqualTo(300 * MS);
    assertThat(rtt.backoffCount()).isZero();
  }

  @Test
  void synTimeoutFallback_isCutToTheMaximum() {
    RttEstimator rtt = new RttEstimator(1 * S, 200 * MS, 2 * S, 1 * MS);
    rtt.enterDataTransferAfterSynTimeout();
    assertThat(rtt.rtoNanos()).isEqualTo(2 * S);
  }

  @Test
  void aNegativeSample_isRejected() {
    RttEstimator rtt = standard();
    assertThatThrownBy(() -> rtt.sample(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(rtt.hasSample()).isFalse();
  }

  @Test
  void inconsistentBounds_areRejected() {
    assertThatThrownBy(() -> new RttEstimator(1 * S, 0, 60 * S, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RttEstimator(1 * S, 2 * S, 1 * S, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RttEstimator(100 * MS, 200 * MS, 60 * S, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RttEstimator(1 * S, 200 * MS, 60 * S, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

}
