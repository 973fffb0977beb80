package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void median_oddCount_isTheMiddleValue_whateverTheOrder() {
    assertThat(Stats.median(new double[] {5, 1, 3})).isEqualTo(3);
    assertThat(Stats.median(new double[] {7})).isEqualTo(7);
  }

  @Test
  void median_evenCount_isTheMeanOfTheTwoMiddleValues() {
    assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void median_doesNotReorderItsArgument() {
    double[] v = {3, 1, 2};
    Stats.median(v);
    assertThat(v).containsExactly(3, 1, 2);
  }

  @Test
  void summary_givesMedianMinMaxAndCount() {
    Stats.Summary s = Stats.Summary.of(List.of(10.0, 40.0, 20.0, 30.0, 50.0));
    assertThat(s.median()).isEqualTo(30);
    assertThat(s.min()).isEqualTo(10);
    assertThat(s.max()).isEqualTo(50);
    assertThat(s.count()).isEqualTo(5);
  }

  @Test
  void emptySummary_isNaN() {
    assertThat(Stats.Summary.of(List.of()).median()).isNaN();
  }

  @Test
  void percentile_isNearestRank() {
    long[] oneToThousand = LongStream.rangeClosed(1, 1_000).toArray();
    assertThat(Stats.percentile(oneToThousand, 50)).isEqualTo(500);
    assertThat(Stats.percentile(oneToThousand, 99)).isEqualTo(990);
    assertThat(Stats.percentile(oneToThousand, 99.9)).isEqualTo(999);
    assertThat(Stats.percentile(oneToThousand, 100)).isEqualTo(1_000);
    assertThat(Stats.percentile(oneToThousand, 0.01)).isEqualTo(1);
    long[] ten = LongStream.rangeClosed(1, 10).toArray();
    assertThat(Stats.percentile(ten, 99.9)).as("the tail of a small sample is its maximum").isEqualTo(10);
    assertThat(Stats.percentile(ten, 50)).isEqualTo(5);
    assertThat(Stats.percentile(new long[] {42}, 99)).isEqualTo(42);
  }

  @Test
  void percentile_rejectsNoSamplesAndOutOfRange() {
    assertThatThrownBy(() -> Stats.percentile(new long[0], 50)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Stats.percentile(new long[] {1}, 101)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reportRatio_isSluiceOverKernel_andTheJsonSaysSo() {
    Stats.Summary s = Stats.Summary.of(List.of(300.0, 100.0, 200.0));
    Stats.Summary k = Stats.Summary.of(List.of(50.0, 150.0, 100.0));
    Report.Row row = new Report.Row("bulk_mtu1500", "bulk", "MB/s", false, s, k, null, null, null);
    assertThat(row.ratio()).isEqualTo(2.0);
    assertThat(Report.json(List.of(row), List.of()))
        .endsWith("\"rows\":{\"bulk_mtu1500\":{\"sluice\":200,\"kernel\":100,\"ratio\":2,\"unit\":\"MB/s\",\"met\":null}}}");
    assertThat(Report.table(List.of(row), false)).contains("| 200 [100-300] | 100 [50.0-150] | 2.00 |");
  }
}
