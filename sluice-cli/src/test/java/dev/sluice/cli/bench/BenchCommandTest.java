package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.cli.JsonOutputs;
import dev.sluice.cli.MainAccess;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code sluice bench} end to end with tiny sizes: the JSON's structure, positive figures, and
 * ratios that are Sluice / kernel. No assertion on speed. As root this also exercises the network
 * namespace (created and deleted by the command).
 */
@Timeout(300)
class BenchCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  record Entry(double sluice, double kernel, double ratio, String unit) {}

  /**
   * Parses the last line with Jackson and checks what docs/json.md promises of it ({@code schema},
   * {@code passed} agreeing with {@code exitStatus}, lowerCamelCase keys but the row names), then
   * that every row has the usual members; returns the rows by name, in order.
   */
  private Map<String, Entry> lastLineJson(int exitStatus) {
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, exitStatus);
    assertThat(JsonOutputs.names(json)).containsExactly("schema", "passed", "failures", "rows");
    JsonOutputs.assertKeyStyle(json, Set.of("rows"));
    Map<String, Entry> entries = new LinkedHashMap<>();
    json.get("rows").properties().forEach(row -> {
      JsonNode e = row.getValue();
      assertThat(JsonOutputs.names(e)).as(row.getKey()).startsWith("sluice", "kernel", "ratio", "unit", "met");
      entries.put(row.getKey(), new Entry(e.get("sluice").doubleValue(), e.get("kernel").doubleValue(),
          e.get("ratio").doubleValue(), e.get("unit").textValue()));
    });
    return entries;
  }

  private static void assertSane(Map<String, Entry> entries) {
    entries.forEach((key, e) -> {
      assertThat(e.sluice()).as(key + " sluice").isPositive();
      assertThat(e.kernel()).as(key + " kernel").isPositive();
      assertThat(e.ratio()).as(key + " ratio = sluice / kernel").isCloseTo(e.sluice() / e.kernel(),
          within(1e-3 * Math.max(1, e.ratio())));
      assertThat(e.unit()).as(key + " unit").isNotBlank();
    });
  }

  @Test
  void bulkRttAndConnectRate_tiny_lastLineIsTheJsonWithOneEntryPerRow() {
    assertThat(run("bench", "--reps", "1", "--warmup-reps", "0", "--only", "1,3,5", "--json", "--bytes", "2000000",
        "--duration-ms", "200", "--warmup-ms", "50", "--rtt-samples", "300", "--connect-clients", "4"))
        .as(out + "" + err).isZero();
    Map<String, Entry> entries = lastLineJson(0);
    assertThat(entries.keySet()).containsExactly("bulk_mtu1500", "bulk_mtu65535", "rtt_p50", "rtt_p99", "rtt_p999",
        "connect_rate");
    assertSane(entries);
    assertThat(entries.get("bulk_mtu1500").unit()).isEqualTo("MB/s");
    assertThat(entries.get("rtt_p50").unit()).isEqualTo("us");
    assertThat(entries.get("connect_rate").unit()).isEqualTo("conn/s");
    assertThat(entries.get("rtt_p50").sluice()).isLessThanOrEqualTo(entries.get("rtt_p999").sluice());
    assertThat(out.toString()).contains("| Row | Sluice | Kernel |", "Load average", "Machine:");
  }

  @Test
  void scalingTransactionsAndIdleMemory_tiny_lastLineIsTheJsonWithOneEntryPerRow() {
    assertThat(run("bench", "--reps", "1", "--warmup-reps", "0", "--only", "2,4,6", "--json", "--duration-ms", "500",
        "--warmup-ms", "300", "--transaction-connections", "20", "--connections", "300"))
        .as(out + "" + err).isZero();
    Map<String, Entry> entries = lastLineJson(0);
    assertThat(entries.keySet()).containsExactly("scaling_16", "scaling_256", "transactions", "idle_heap_bytes");
    assertSane(entries);
    assertThat(entries.get("idle_heap_bytes").unit()).isEqualTo("bytes");
    assertThat(out.toString()).contains("Kernel 1 thread pair");
  }

  @Test
  void nettyEcho_tiny_selectedByName_lastLineIsItsOneEntry() {
    assertThat(run("bench", "--reps", "1", "--warmup-reps", "0", "--only", "netty_echo", "--json", "--duration-ms",
        "300", "--warmup-ms", "100", "--netty-connections", "4"))
        .as(out + "" + err).isZero();
    Map<String, Entry> entries = lastLineJson(0);
    assertThat(entries.keySet()).containsExactly("netty_echo");
    assertSane(entries);
    assertThat(entries.get("netty_echo").unit()).isEqualTo("MB/s");
    assertThat(out.toString()).contains("7. Netty echo", "Workload 7 in messages (16 KB echoed) per second");
  }

  /** Each run starts a JVM of its own (the JDK's HttpServer takes the JVM-wide provider). */
  @Test
  void httpServer_tiny_selectedByName_runsTheJdkServerOnBothSides() {
    assertThat(run("bench", "--reps", "1", "--warmup-reps", "0", "--only", "http_server", "--json", "--duration-ms",
        "300", "--warmup-ms", "100", "--jvm-warmup-ms", "200", "--http-connections", "4"))
        .as(out + "" + err).isZero();
    Map<String, Entry> entries = lastLineJson(0);
    assertThat(entries.keySet()).containsExactly("http_server");
    assertSane(entries);
    assertThat(entries.get("http_server").unit()).isEqualTo("req/s");
    assertThat(out.toString()).contains("8. JDK HttpServer");
  }

  /**
   * Workload 9 scaled down from a million to 20,000 connections: its one JSON object carries the
   * heap per end as {@code sluice}, no kernel figure, and the extra members, all positive and finite.
   */
  @Test
  void million_tiny_selectedByName_lastLineIsItsOneObjectWithTheExtraMembers() {
    assertThat(run("bench", "--only", "million", "--json", "--million-connections", "20000", "--million-idle-ms", "300",
        "--rtt-samples", "300"))
        .as(out + "" + err).isZero();
    JsonNode json = JsonOutputs.lastLine(out.toString());
    JsonOutputs.assertCheckingCommand(json, 0);
    JsonOutputs.assertKeyStyle(json, Set.of("rows"));
    assertThat(JsonOutputs.names(json.get("rows"))).containsExactly("million");
    JsonNode million = json.get("rows").get("million");
    assertThat(JsonOutputs.names(million)).containsExactly("sluice", "kernel", "ratio", "unit", "met", "connections",
        "establishedPerSecond", "rttP99Ratio", "idleCpuPercent");
    assertThat(million.get("kernel").isNull()).isTrue();
    assertThat(million.get("ratio").isNull()).isTrue();
    assertThat(million.get("unit").textValue()).isEqualTo("bytes");
    assertThat(million.get("connections").intValue()).isEqualTo(20_000);
    for (String figure : List.of("sluice", "establishedPerSecond", "rttP99Ratio", "idleCpuPercent")) {
      assertThat(million.get(figure).isNumber() && million.get(figure).doubleValue() > 0).as(figure + " of " + json)
          .isTrue();
    }
    assertThat(out.toString()).contains("9. a million idle connections", "Workload 9: 20,000 connections (40,000 ends)",
        "No kernel side");
  }

  /** Workload 10: one row, idle_cpu_percent, with both columns measured and finite. */
  @Test
  void idleCpu_tiny_selectedByName_lastLineIsItsOneEntry() {
    assertThat(run("bench", "--reps", "1", "--only", "idle_cpu", "--json", "--duration-ms", "200"))
        .as(out + "" + err).isZero();
    Map<String, Entry> entries = lastLineJson(0);
    assertThat(entries.keySet()).containsExactly("idle_cpu_percent");
    assertThat(entries.get("idle_cpu_percent").unit()).isEqualTo("percent");
    assertThat(entries.get("idle_cpu_percent").sluice()).isFinite().isNotNegative();
    assertThat(entries.get("idle_cpu_percent").kernel()).isFinite().isNotNegative();
    assertThat(out.toString()).contains("10. CPU of two idle stacks holding 1,000 connections", "Workload 10:");
  }

  @Test
  void million_isSelectedByNameOrNumber_butNotByTheDefaultRun() {
    assertThat(BenchCommand.selected(List.of()).stream().map(Workload::number))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 10);
    assertThat(BenchCommand.selected(List.of("million")).stream().map(Workload::number)).containsExactly(9);
    assertThat(BenchCommand.selected(List.of("3", "9")).stream().map(Workload::number)).containsExactly(3, 9);
  }

  @Test
  void unknownWorkloadNumber_isAUsageError() {
    assertThat(run("bench", "--only", "11")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString())
        .contains("--only takes workload numbers 1 to 10 or names (netty_echo, http_server, million, idle_cpu), not 11");
  }

  @Test
  void unknownWorkloadName_isAUsageError() {
    assertThat(run("bench", "--only", "netty")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("not netty");
  }
}
