package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.doctor.ConnectionReport;
import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.DiagnosisJson;
import dev.sluice.cli.doctor.Endpoint;
import dev.sluice.cli.doctor.Problem;
import dev.sluice.cli.doctor.ProblemKind;
import dev.sluice.cli.doctor.Side;
import dev.sluice.cli.doctor.StateChange;
import dev.sluice.cli.doctor.TcpState;
import dev.sluice.cli.json.CliJson;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The CLI's one JSON writer: shapes, numbers (never NaN or infinite), escapes, and its callers. */
class CliJsonTest {
  record Point(String name, double x, List<Integer> path, Side side) {}

  @Test
  void write_nonFiniteNumbers_becomeNull_neverNaNOrInfinity() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nan", Double.NaN);
    m.put("inf", Double.POSITIVE_INFINITY);
    m.put("negInf", Double.NEGATIVE_INFINITY);
    m.put("floatNan", Float.NaN);
    m.put("seconds", CliJson.seconds(Double.NaN));
    m.put("list", Arrays.asList(1.5, Double.NaN));
    String json = CliJson.write(m);
    assertThat(json).isEqualTo(
        "{\"nan\":null,\"inf\":null,\"negInf\":null,\"floatNan\":null,\"seconds\":null,\"list\":[1.5,null]}");
    assertThat(json).doesNotContain(":NaN").doesNotContain("Infinity");
    assertThat(JsonOutputs.parse(json).isObject()).isTrue();
  }

  @Test
  void write_numbers_integralDoublesWithoutFraction_secondsWithSixDecimals() {
    assertThat(CliJson.write(List.of(200.0, 2.5, -3.0, 1e15, 7, 8L, new AtomicLong(9), new BigDecimal("1E+3"))))
        .isEqualTo("[200,2.5,-3,1.0E15,7,8,9,1000]");
    assertThat(CliJson.write(CliJson.seconds(0.1234565))).isEqualTo("0.123457");
    assertThat(CliJson.write(CliJson.seconds(0))).isEqualTo("0.000000");
    assertThat(CliJson.write(CliJson.seconds(1e-7))).isEqualTo("0.000000");
  }

  @Test
  void write_recordsEnumsMapsAndNulls() {
    assertThat(CliJson.write(new Point("a\"b", 0.5, List.of(1, 2), Side.CLIENT)))
        .isEqualTo("{\"name\":\"a\\\"b\",\"x\":0.5,\"path\":[1,2],\"side\":\"CLIENT\"}");
    assertThat(CliJson.write(null)).isEqualTo("null");
    assertThat(CliJson.write(Map.of())).isEqualTo("{}");
    assertThatThrownBy(() -> CliJson.write(new Object())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void write_escapesControlCharactersAndLineSeparators() {
    String nasty = "\u0000\u001f\u2029é\u007f";
    String json = CliJson.write(nasty);
    assertThat(json).isEqualTo("\"\\u0000\\u001F\\u2029é\u007f\"");
    assertThat(JsonOutputs.parse(json).textValue()).isEqualTo(nasty);
  }

  record RunReport(int connections, String mode, double share) { }

  @Test
  void fields_keepTheRecordsComponentOrder() {
    assertThat(CliJson.fields(new RunReport(3, "spray", 0.25)))
        .containsExactly(Map.entry("connections", 3), Map.entry("mode", "spray"), Map.entry("share", 0.25));
  }

  @Test
  void selfCheck_json_startsWithSchemaAndPassed_thenTheReport_thenTheDoctorMember() {
    assertThat(SelfCheck.none().json(new RunReport(3, "spray", Double.NaN), true))
        .isEqualTo("{\"schema\":1,\"passed\":true,\"connections\":3,\"mode\":\"spray\",\"share\":null,"
            + "\"doctor\":null}");
    SelfCheck unreadable = new SelfCheck(Path.of("x.pcapng"), null, "bad \"magic\"", 0);
    assertThat(unreadable.json(new RunReport(1, "steer", 1), false))
        .isEqualTo("{\"schema\":1,\"passed\":false,\"connections\":1,\"mode\":\"steer\",\"share\":1,"
            + "\"doctor\":{\"error\":\"bad \\\"magic\\\"\"}}");
  }

  @Test
  void diagnosisJson_nonFiniteTimesAreNull_andAStateWithoutDetailHasNoDetailKey() {
    ConnectionReport r = new ConnectionReport(1, new Endpoint("198.18.0.1", 5000), new Endpoint("2001:2::1", 80), 3,
        0, 1, List.of(new StateChange(Side.CLIENT, TcpState.SYN_SENT, Double.NaN, null)),
        List.of(new Problem(ProblemKind.RST_AFTER_FIN, Side.SERVER, 0.5, "line\nbreak")));
    Diagnosis d = new Diagnosis(null, 3, 0, Map.of(), List.of(), List.of(r));
    assertThat(DiagnosisJson.render(d)).isEqualTo("{\"schema\":1,\"passed\":false,\"connections\":[{\"client\":\"198.18.0.1:5000\","
        + "\"server\":\"[2001:2::1]:80\",\"states\":[{\"side\":\"client\",\"state\":\"SYN-SENT\",\"atSeconds\":null}],"
        + "\"problems\":[{\"kind\":\"rst-after-fin\",\"side\":\"server\",\"atSeconds\":0.500000,"
        + "\"detail\":\"line\\nbreak\"}]}]}");
  }
}
