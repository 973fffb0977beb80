package dev.sluice.cli.graph;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Axis labels a reader takes in at a glance: thousands separated, no trailing zeros, and each
 * axis titled with its unit.
 */
class AxisTickTest {
  @Test
  void tick_thousandsSeparated_withoutTrailingZeros() {
    assertThat(TimeSequenceGraph.tick(0)).isEqualTo("0");
    assertThat(TimeSequenceGraph.tick(2_000_000)).isEqualTo("2,000,000");
    assertThat(TimeSequenceGraph.tick(0.1 + 0.2)).isEqualTo("0.3"); // a step summed in floating point
    assertThat(TimeSequenceGraph.tick(1234.5)).isEqualTo("1,234.5");
    assertThat(TimeSequenceGraph.tick(-25_000)).isEqualTo("-25,000");
  }

  @Test
  void lineChart_bothAxesHaveTheirUnit_andLargeTicksAreSeparated() {
    String svg = LineChart.render("cwnd", "congestion window (KB)", new double[] {0, 1.5, 3},
        new double[] {10, 40_000, 20_000});

    assertThat(svg).contains(">time since the first sample (s)</text>", ">congestion window (KB)</text>",
        ">40,000</text>", ">1.5</text>").doesNotContainPattern(">\\d{4,}</text>");
  }
}
