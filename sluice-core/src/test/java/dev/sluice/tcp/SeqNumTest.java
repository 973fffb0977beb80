package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqNumTest {
  private static final int NEAR_WRAP = 0xFFFF_FFF0; // 2^32 - 16

  @Test
  void comparisons_holdAcrossTheWrap() {
    int after = NEAR_WRAP + 32; // wrapped to 16
    assertThat(after).isEqualTo(16);
    assertThat(SeqNum.lt(NEAR_WRAP, after)).isTrue();
    assertThat(SeqNum.gt(after, NEAR_WRAP)).isTrue();
    assertThat(SeqNum.le(after, after)).isTrue();
    assertThat(SeqNum.ge(NEAR_WRAP, after)).isFalse();
    assertThat(SeqNum.max(NEAR_WRAP, after)).isEqualTo(after);
    assertThat(SeqNum.min(NEAR_WRAP, after)).isEqualTo(NEAR_WRAP);
  }

  @Test
  void inWindow_isHalfOpenAndWraps() {
    assertThat(SeqNum.inWindow(NEAR_WRAP, NEAR_WRAP, 32)).isTrue();
    assertThat(SeqNum.inWindow(15, NEAR_WRAP, 32)).isTrue();
    assertThat(SeqNum.inWindow(16, NEAR_WRAP, 32)).isFalse();
    assertThat(SeqNum.inWindow(NEAR_WRAP - 1, NEAR_WRAP, 32)).isFalse();
    assertThat(SeqNum.inWindow(NEAR_WRAP, NEAR_WRAP, 0)).isFalse();
  }

  @Test
  void distance_isForwardAndUnsigned() {
    assertThat(SeqNum.distance(NEAR_WRAP, 16)).isEqualTo(32);
    assertThat(SeqNum.distance(16, NEAR_WRAP)).isEqualTo((1L << 32) - 32);
  }
}
