package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import dev.sluice.testkit.Commands;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice gateway --cidr6}: one clear line for a bad one, and (as root) a run of the command that gives a namespace whose
 * IPv6 is off by default a dual-stack TUN device, whose Sluice answers pings over IPv6.
 */
class GatewayCidr6Test {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void aBadCidr6_isOneClearLine_notAStackTrace() {
    assertThat(run("gateway", "--netns", "nowhere", "--cidr6", "2001:2::/127")).isEqualTo(2);
    assertThat(err.toString().lines().findFirst()).hasValueSatisfying(
        l -> assertThat(l).contains("--cidr6's prefix must be in [1, 126]"));
    assertThat(err.toString()).doesNotContain("\tat ");
    err.getBuffer().setLength(0);
    assertThat(run("gateway", "--netns", "nowhere", "--cidr6", "2001:2::/64", "--mtu", "1200")).isEqualTo(2);
    assertThat(err.toString()).contains("--mtu must be at least 1280 with --cidr6").doesNotContain("\tat ");
  }

  @Test
  void help_showsCidr6() {
    assertThat(run("gateway", "--help")).isZero();
    assertThat(out.toString()).contains("--cidr6");
  }

  @Test
  void theCommand_givesANamespaceWithIpv6OffByDefault_aDualStackDevice_andSluiceAnswersPing6() throws Exception {
    Assumptions.assumeTrue(Namespaces.AVAILABLE, Namespaces.NEEDS);
    String ns = Namespaces.name("sluice-gw6-");
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", ns);
    Thread gateway = null;
    try {
      // As a container runtime may leave it: IPv6 off for every new device in the namespace.
      Commands.run(Duration.ofSeconds(30), "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
          "net.ipv6.conf.default.disable_ipv6=1");
      int[] exit = {-1};
      gateway = Thread.ofPlatform().start(() -> exit[0] = run("gateway", "--netns", ns, "--cidr", "198.18.238.0/24",
          "--cidr6", "2001:2:0:238::/64", "--tun", "gw6", "--duration", "8"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String addresses = "";
      while (!addresses.contains("2001:2:0:238::1/64") && System.nanoTime() < deadline && gateway.isAlive()) {
        Thread.sleep(100);
        addresses = Commands.run(Duration.ofSeconds(30), "ip", "-n", ns, "-6", "addr", "show");
      }
      assertThat(addresses).as(err.toString()).contains("inet6 2001:2:0:238::1/64");
      String ping = Commands.run(Duration.ofSeconds(30), "ip", "netns", "exec", ns, "ping", "-6", "-c", "1", "-W", "5",
          "2001:2:0:238::2");
      // At once: the guest may ping before the gateway's stack has started (see EarlyArrivalTest).
      assertThat(ping).as(out + "\n" + err).contains("1 received");
      gateway.join(30_000);
      assertThat(exit[0]).as(err.toString()).isZero();
      assertThat(out.toString()).contains("guest 198.18.238.1/24 and 2001:2:0:238::1/64 in " + ns
          + " on gw6, Sluice 198.18.238.2 and 2001:2:0:238::2");
    } finally {
      if (gateway != null) {
        gateway.join(30_000);
      }
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }
}
