package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CongestionAlgorithmTest {
  @Test
  void eachAlgorithm_createsItsController() {
    assertThat(CongestionAlgorithm.NEW_RENO.create(10)).isInstanceOf(NewReno.class)
        .extracting(CongestionControl::name).isEqualTo("newreno");
    assertThat(CongestionAlgorithm.CUBIC.create(10)).isInstanceOf(Cubic.class)
        .extracting(CongestionControl::name).isEqualTo("cubic");
  }

  @Test
  void create_givesAFreshControllerWithTheRequestedInitialWindow() {
    for (CongestionAlgorithm algorithm : CongestionAlgorithm.values()) {
      CongestionControl first = algorithm.create(4);
      first.init(1460);
      assertThat(first.cwnd()).as("%s", algorithm).isEqualTo(4 * 1460);
      CongestionControl byDefault = algorithm.create();
      byDefault.init(1460);
      assertThat(byDefault.cwnd()).as("%s: RFC 6928", algorithm).isEqualTo(10 * 1460);
      assertThat(byDefault).isNotSameAs(first);
    }
  }
}
