package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.cli.JsonOutputs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    assertThat(Report.json(rows, List.of())).isEqualTo("{\"schema\":1,\"passed\":true,\"failures\":[],\"rows\":{"
        + "\"divByZero\":{\"sluice\":2,\"kernel\":0,\"ratio\":null,\"unit\":\"MB/s\",\"met\":null},"
        + "\"nan\":{\"sluice\":null,\"kernel\":2,\"ratio\":null,\"unit\":\"us\",\"met\":null}}}");
  }

  @Test
  void rowWithoutKernel_hasNullKernelAndRatio_thenItsExtraMembersInOrder() {
    Stats.Summary some = Stats.Summary.of(List.of(998.7654));
    Map<String, Double> extra = new LinkedHashMap<>();
    extra.put("connections", 1_000_000.0);
    extra.put("rttP99Ratio", 1.23456);
    List<Report.Row> rows = List.of(new Report.Row("million", "z", "bytes", true, some, null, null, null, null, extra));
    assertThat(Report.json(rows, List.of())).endsWith("\"rows\":{\"million\":{\"sluice\":998.765,\"kernel\":null,"
        + "\"ratio\":null,\"unit\":\"bytes\",\"met\":null,\"connections\":1000000,\"rttP99Ratio\":1.235}}}");
    assertThat(Report.table(rows, false)).contains("| – | – |");
  }

  @Test
  void aFailedWorkload_passedFalse_withItsReason_andATargetMissedOrMetIsTheRowsMet() {
    Stats.Summary some = Stats.Summary.of(List.of(2.0));
    List<Report.Row> rows = List.of(new Report.Row("rtt_p99", "x", "us", true, some, some, null, "at most 1.5x", false),
        new Report.Row("connect_rate", "y", "conn/s", false, some, some, null, "at least 0.5x", true));

    JsonNode json = JsonOutputs.parse(Report.json(rows, List.of("workload 3 (RTT) failed: boom")));

    JsonOutputs.assertCheckingCommand(json, 1);
    assertThat(json.get("failures").get(0).textValue()).isEqualTo("workload 3 (RTT) failed: boom");
    assertThat(json.get("rows").get("rtt_p99").get("met").booleanValue()).isFalse();
    assertThat(json.get("rows").get("connect_rate").get("met").booleanValue()).isTrue();
    JsonOutputs.assertKeyStyle(json, Set.of("rows"));
    JsonOutputs.assertCheckingCommand(JsonOutputs.parse(Report.json(rows, List.of())), 0);
  }
}
