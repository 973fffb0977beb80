package dev.sluice.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.capture.CaptureReader;
import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The doctor on captures of the Linux kernel misbehaving on purpose, made by
 * scripts/make-doctor-captures.sh: the committed fixtures, and (as root) fresh ones made on this
 * machine's kernel.
 */
class DoctorOnLinuxCapturesTest {
  /** Each fixture and exactly the problems ("kind side") it must show. */
  private static final Map<String, List<String>> EXPECTED = Map.of(
      "clean.pcap", List.of(),
      "fin-not-returned.pcap", List.of("fin-not-returned server"),
      "zero-window.pcap", List.of("zero-window-stall server"),
      "peer-vanishes.pcap", List.of("retransmission-storm client"));

  static Stream<Arguments> fixtures() {
    return EXPECTED.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  private static List<String> problems(Diagnosis d) {
    return d.reports().stream().flatMap(r -> r.problems().stream())
        .map(p -> p.kind().label() + " " + p.side().label()).toList();
  }

  private static void assertFindings(String name, Diagnosis d, List<String> expected) {
    assertThat(d.reports()).as(name + ": one connection").hasSize(1);
    assertThat(d.malformed()).as(name + ": nothing malformed").isZero();
    ConnectionReport r = d.reports().getFirst();
    assertThat(r.client().toString()).as(name).startsWith("198.18.0.1:");
    assertThat(r.server().toString()).as(name).startsWith("198.18.0.2:");
    assertThat(r.states()).as(name + ": the handshake was captured").first()
        .satisfies(s -> assertThat(s.state()).isEqualTo(TcpState.SYN_SENT));
    assertThat(problems(d)).as(name).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("fixtures")
  void committedFixture_givesExactlyTheExpectedProblems(String name, List<String> expected) throws IOException {
    byte[] bytes;
    try (InputStream in = getClass().getResourceAsStream("/captures/" + name)) {
      assertThat(in).as(name).isNotNull();
      bytes = in.readAllBytes();
    }

    Diagnosis d = Diagnosis.of(CaptureReader.read(bytes), Thresholds.defaults());

    assertFindings(name, d, expected);
  }

  @Test
  void committedFixtures_tellTheirStoriesInTheStates() throws IOException {
    Diagnosis clean = Diagnosis.of(resource("clean.pcap"), Thresholds.defaults());
    assertThat(clean.reports().getFirst().states()).extracting(s -> s.side().label() + " " + s.state())
        .endsWith("server CLOSED", "client TIME_WAIT");

    Diagnosis hung = Diagnosis.of(resource("fin-not-returned.pcap"), Thresholds.defaults());
    assertThat(hung.reports().getFirst().states()).extracting(s -> s.side().label() + " " + s.state())
        .endsWith("client FIN_WAIT_2", "server CLOSE_WAIT");
  }

  private Path resource(String name) {
    try {
      return Path.of(getClass().getResource("/captures/" + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void freshCapturesFromThisKernel_giveTheSameFindings(@TempDir Path out) throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "making captures needs root (network namespaces); CI runs this as root");
    Path script = Path.of("..", "scripts", "make-doctor-captures.sh").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isRegularFile(script), "scripts/make-doctor-captures.sh not found from " + script);
    for (String tool : List.of("ip", "tcpdump", "python3", "ss", "timeout")) {
      Assumptions.assumeTrue(onPath(tool), "'" + tool + "' is missing (scripts/install-test-deps.sh installs it)");
    }
    Assumptions.assumeTrue(onPath("ethtool") || onPath("apt-get"), "'ethtool' is missing and cannot be installed");

    Commands.run(Duration.ofSeconds(80), "bash", script.toString(), out.toString());

    for (Map.Entry<String, List<String>> e : EXPECTED.entrySet()) {
      Path file = out.resolve(e.getKey());
      assertThat(Files.size(file)).as(e.getKey() + " stays small").isLessThan(100_000);
      assertFindings(e.getKey(), Diagnosis.of(file, Thresholds.defaults()), e.getValue());
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
