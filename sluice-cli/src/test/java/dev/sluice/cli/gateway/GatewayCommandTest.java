package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import dev.sluice.testkit.Commands;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code sluice gateway}'s options: help, and one clear line for a bad one (no root needed). */
class GatewayCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void help_explainsEveryOption() {
    assertThat(run("gateway", "--help")).isZero();
    assertThat(out.toString()).contains("--netns", "--cidr", "--tun", "--mtu", "--duration", "--max-flows",
        "--connect-timeout", "--udp-timeout", "--max-udp-flows", "--relay-threads", "198.18.0.0/24");
  }

  @Test
  void anUnknownRelayThreadKind_isOneClearLine() {
    assertThat(run("gateway", "--netns", "x", "--relay-threads", "green")).isEqualTo(2);
    assertThat(err.toString()).contains("--relay-threads must be platform or virtual: green")
        .doesNotContain("\tat ");
  }

  @Test
  void aZeroUdpTimeout_andZeroUdpFlows_areOneClearLineEach() {
    assertThat(run("gateway", "--netns", "x", "--udp-timeout", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--udp-timeout must be in [1, 2592000]: 0").doesNotContain("\tat ");
    err.getBuffer().setLength(0);
    assertThat(run("gateway", "--netns", "x", "--max-udp-flows", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--max-udp-flows must be in [1, 1000000]: 0").doesNotContain("\tat ");
  }

  @Test
  void aBadCidr_isOneClearLine_notAStackTrace() {
    assertThat(run("gateway", "--netns", "nowhere", "--cidr", "10.0.0.0/31")).isEqualTo(2);
    assertThat(err.toString()).contains("--cidr's prefix must be in [1, 30]").doesNotContain("\tat ");
    assertThat(err.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l).contains("--cidr"));
  }

  @Test
  void missingNetns_andNegativeDuration_areRejected() {
    assertThat(run("gateway")).isEqualTo(2);
    assertThat(err.toString()).contains("--netns").doesNotContain("\tat ");
    err.getBuffer().setLength(0);
    assertThat(run("gateway", "--netns", "x", "--duration", "-1")).isEqualTo(2);
    assertThat(err.toString()).contains("--duration must be in [0, 2592000]: -1").doesNotContain("\tat ");
  }

  @Test
  void aNamespaceThatDoesNotExist_isOneClearLine() {
    assertThat(run("gateway", "--netns", "sluice-no-such-namespace-" + System.nanoTime())).isEqualTo(2);
    assertThat(err.toString()).contains("--netns: no such network namespace").doesNotContain("\tat ");
  }

  @Test
  void withDuration_itRunsThenStops_andTheDeviceIsGone() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
        && java.nio.file.Files.exists(java.nio.file.Path.of("/dev/net/tun")), "needs root and /dev/net/tun");
    String ns = "sluice-gwc-" + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt());
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", ns);
    try {
      long start = System.nanoTime();
      assertThat(run("gateway", "--netns", ns, "--cidr", "198.18.202.0/24", "--tun", "gw0", "--duration", "2"))
          .as(err.toString()).isZero();
      assertThat(System.nanoTime() - start).isGreaterThan(1_900_000_000L);
      assertThat(out.toString()).contains("guest 198.18.202.1/24 in " + ns + " on gw0, Sluice 198.18.202.2",
          "stopping; flows 0");
      assertThat(Commands.run(Duration.ofSeconds(30), "ip", "-n", ns, "link")).doesNotContain("gw0");
    } finally {
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }

}
