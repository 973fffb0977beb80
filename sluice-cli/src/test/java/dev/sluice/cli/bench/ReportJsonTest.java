package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code bench --json}: a row whose figures are not finite numbers is written with nulls, never NaN. */
class ReportJsonTest {
  @Test
  void nonFiniteFigures_areNull() {
    Stats.Summary zero = Stats.Summary.of(List.of(0.0));
    Stats.Summary some = Stats.Summary.of(List.of(2.0));
    Stats.Summary nan = Stats.Summary.of(List.of(Double.NaN));
    List<Report.Row> rows = List.of(
        new Report.Row("divByZero", "x", "MB/s", false, some, zero, null, null, null),
        new Report.Row("nan", "y", "us", true, nan, some, null, null, null));
    assertThat(Report.json(rows)).isEqualTo("{\"divByZero\":{\"sluice\":2,\"kernel\":0,\"ratio\":null,\"unit\":\"MB/s\"},"
        + "\"nan\":{\"sluice\":null,\"kernel\":2,\"ratio\":null,\"unit\":\"us\"}}");
  }

  @Test
  void rowWithoutKernel_hasNullKernelAndRatio_thenItsExtraMembersInOrder() {
    Stats.Summary some = Stats.Summary.of(List.of(998.7654));
    Map<String, Double> extra = new LinkedHashMap<>();
    extra.put("connections", 1_000_000.0);
    extra.put("rttP99Ratio", 1.23456);
    List<Report.Row> rows = List.of(new Report.Row("million", "z", "bytes", true, some, null, null, null, null, extra));
    assertThat(Report.json(rows)).isEqualTo("{\"million\":{\"sluice\":998.765,\"kernel\":null,\"ratio\":null,"
        + "\"unit\":\"bytes\",\"connections\":1000000,\"rttP99Ratio\":1.235}}");
    assertThat(Report.table(rows, false)).contains("| – | – |");
  }
}
