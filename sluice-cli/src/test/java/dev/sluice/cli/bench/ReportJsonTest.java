package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
