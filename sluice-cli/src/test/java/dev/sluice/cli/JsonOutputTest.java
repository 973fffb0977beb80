package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.cli.json.CliJson;
import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.torture.Torture;
import dev.sluice.wire.DropReason;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What docs/json.md promises of every command's {@code --json} line, read with Jackson: {@code
 * schema} first, {@code passed} second and equal to "exit status 0" for the commands that check
 * something, lowerCamelCase keys at every depth but the documented data names, and no NaN or
 * infinity. {@code bench} has the same checks in {@code BenchCommandTest}, whose runs are longer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsonOutputTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  private static Path fixture(String name) throws Exception {
    return MainAccess.capture(name);
  }

  @Test
  void doctor_healthyCapture_passedTrue_exit0() throws Exception {
    int status = run("doctor", "--json", fixture("clean.pcap").toString());

    assertThat(status).as(out + "" + err).isZero();
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, status);
    assertThat(json.get("connections").size()).isPositive();
    assertThat(JsonOutputs.assertKeyStyle(json, Set.of())).isGreaterThan(5);
  }

  @Test
  void doctor_sickCapture_passedFalse_exit1_andTheProblemIsListed() throws Exception {
    int status = run("doctor", "--json", fixture("fin-not-returned.pcap").toString());

    assertThat(status).as(out + "" + err).isEqualTo(1);
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, status);
    assertThat(json.get("connections").get(0).get("problems").get(0).get("kind").textValue())
        .isEqualTo("fin-not-returned");
    JsonOutputs.assertKeyStyle(json, Set.of());
  }

  @Test
  void torture_passingRun_passedTrue_exit0_keysInStyle_andTheDoctorMemberLast() {
    Path capture = dir.resolve("t.pcapng");
    int status = run("torture", "--connections", "200", "--workers", "2", "--seed", "5", "--msl-ms", "2000",
        "--capture", capture.toString(), "--json");

    assertThat(status).as(out + "" + err).isZero();
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, status);
    assertThat(json.get("connections").intValue()).isEqualTo(200);
    assertThat(json.get("doctor").get("sickConnections").intValue()).isZero();
    assertThat(json.get("doctor").get("problems").isArray()).isTrue();
    assertThat(JsonOutputs.names(json).getLast()).isEqualTo("doctor");
    assertThat(JsonOutputs.assertKeyStyle(json, Set.of())).isGreaterThan(20);
  }

  @Test
  void demo_passingRun_passedTrue_exit0_keysInStyle() {
    Path capture = dir.resolve("d.pcapng");
    int status = run("demo", "--connections", "200", "--bulk-mb", "1", "--workers", "2", "--capture",
        capture.toString(), "--report", "none", "--json");

    assertThat(status).as(out + "" + err).isZero();
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, status);
    assertThat(json.get("bulkBytes").longValue()).isEqualTo(1 << 20);
    assertThat(json.get("doctor").get("connections").intValue()).isEqualTo(201);
    JsonOutputs.assertKeyStyle(json, Set.of());
  }

  /** A run whose own checks held but whose capture the doctor finds sick: it fails, and says so. */
  @Test
  void demoOrTortureLine_aFailedRun_passedFalse_andTheDoctorsKindsAsAList() throws Exception {
    SelfCheck check = SelfCheck.of(fixture("fin-not-returned.pcap"));
    Torture.Report report = new Torture.Report(1, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1000, 2, "spray", 1,
        0, 0, false);
    int status = check.verdict(new PrintWriter(new StringWriter()), report.failures(), "PASS");

    JsonNode json = JsonOutputs.parse(check.json(report, status == 0));
    JsonOutputs.assertCheckingCommand(json, status);
    assertThat(status).isEqualTo(1);
    assertThat(json.get("doctor").get("problems").toString()).isEqualTo("[{\"kind\":\"fin-not-returned\",\"count\":1}]");
    JsonOutputs.assertKeyStyle(json, Set.of());
  }

  @Test
  void serveCounters_schemaButNoPassed_counterAndDropNamesAreTheOnlyOtherKeys() {
    TcpTotals totals = new TcpTotals();
    totals.increment(TcpCounter.PASSIVE_OPENS);
    totals.drop(DropReason.LISTEN_QUEUE_FULL);
    Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    drops.put(DropReason.RX_SYN_SHED, 7L);

    JsonNode json = JsonOutputs.parse(ServeCounters.line(1.25, 3, totals.snapshot(List.of()).format(), drops, 2));

    JsonOutputs.assertWatchingCommand(json);
    assertThat(JsonOutputs.names(json)).containsExactly("schema", "seconds", "connections", "tcp", "device",
        "heapUsedBytes");
    assertThat(json.get("tcp").get("TcpPassiveOpens").longValue()).isEqualTo(1);
    assertThat(json.get("device").get("drops").get("RX_SYN_SHED").longValue()).isEqualTo(7);
    assertThat(json.get("device").get("transmitErrors").longValue()).isEqualTo(2);
    JsonOutputs.assertKeyStyle(json, Set.of("tcp", "device.drops"));
  }

  /** The key walk can fail: a snake_case key anywhere, outside a data path, is reported. */
  @Test
  void keyStyle_findsAKeyOutOfStyle_atAnyDepth() {
    JsonNode json = JsonOutputs.parse("{\"schema\":1,\"rows\":{\"bulk_mtu1500\":{\"sluice\":1,\"idle_cpu\":2}}}");

    assertThat(JsonOutputs.assertKeyStyle(JsonOutputs.parse("{\"a\":{\"bB\":[{\"c1\":1}]}}"), Set.of())).isEqualTo(3);
    assertThatThrownBy(() -> JsonOutputs.assertKeyStyle(json, Set.of("rows")))
        .isInstanceOf(AssertionError.class).hasMessageContaining("rows.bulk_mtu1500.idle_cpu");
    assertThatThrownBy(() -> JsonOutputs.assertKeyStyle(json, Set.of()))
        .isInstanceOf(AssertionError.class).hasMessageContaining("rows.bulk_mtu1500");
  }

  /** Non-finite numbers: CliJson writes null, and a strict reader would refuse the alternative. */
  @Test
  void nonFiniteNumbers_areWrittenAsNull_andNaNWouldNotParse() {
    Map<String, Object> m = CliJson.start(true);
    m.put("nan", Double.NaN);
    m.put("infinity", Double.POSITIVE_INFINITY);
    m.put("minusInfinity", Float.NEGATIVE_INFINITY);

    JsonNode json = JsonOutputs.parse(CliJson.write(m));

    assertThat(json.get("nan").isNull()).isTrue();
    assertThat(json.get("infinity").isNull()).isTrue();
    assertThat(json.get("minusInfinity").isNull()).isTrue();
    assertThatThrownBy(() -> JsonOutputs.parse("{\"x\":NaN}"))
        .isInstanceOf(AssertionError.class);
  }
}
