package dev.sluice.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ThresholdsTest {
  @Test
  void noLoss_isTheDefaults() {
    assertThat(Thresholds.forRandomLoss(0)).isEqualTo(Thresholds.defaults());
  }

  @Test
  void onePercentLoss_needsSixResendsInARow_forChanceToStayBelowOneCaptureInAThousand() {
    // q = 1 - 0.99² = 0.0199: 1e6 · q^5 = 3.1e-3 is too likely, 1e6 · q^6 = 6.2e-5 is not.
    Thresholds t = Thresholds.forRandomLoss(0.01);
    assertThat(t.sameDataRepeats()).isEqualTo(6);
    assertThat(t.finTimeoutNanos()).isEqualTo((long) (0.2 * 63 * 1e9)); // six doublings from 200 ms
    assertThat(t.stallTimeoutNanos()).isEqualTo(t.finTimeoutNanos());
    assertThat(Thresholds.forRandomLoss(0.03).sameDataRepeats()).isGreaterThan(6);
  }

  @Test
  void notAProbability_isRefused() {
    assertThatThrownBy(() -> Thresholds.forRandomLoss(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Thresholds.forRandomLoss(-0.1)).isInstanceOf(IllegalArgumentException.class);
  }
}
