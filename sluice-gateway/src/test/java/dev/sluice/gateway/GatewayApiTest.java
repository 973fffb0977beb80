package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.Commands;
import dev.sluice.testkit.GuestAndServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public API as a program uses it: each builder setter refuses a bad value at once with one
 * line naming the option, {@code start()} on a namespace that is not there is an IOException that
 * leaves nothing behind, and (as root) a started gateway in a namespace of the test's own
 * (198.18.172.0/24) relays a TCP exchange with half-close to a server in a second namespace reached
 * over a veth pair the test makes (198.18.173.0/24), its counters and flow table show it, a taken
 * forward port is a BindException with nothing left, and close() is idempotent and removes the
 * device.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayApiTest {
  private static final String SERVER = "198.18.173.2";
  private static final int SERVER_PORT = 7007;
  /** How long one ip(8) or ss command may take. */
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(60);

  @TempDir Path temp;

  @Test
  void eachBadValue_isRefusedAtOnce_withOneLineNamingTheOption() {
    Gateway.Builder b = Gateway.builder("nowhere");
    assertThatThrownBy(() -> b.mtu(70_000)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--mtu must be in [576, 65535]: 70000");
    assertThatThrownBy(() -> b.cidr("10.0.0.0/31")).hasMessageContaining("--cidr's prefix must be in [1, 30]");
    assertThatThrownBy(() -> b.cidr("2001:2::/24")).hasMessageContaining("IPv6 goes in --cidr6");
    assertThatThrownBy(() -> b.cidr6("198.18.0.0/24")).hasMessageContaining("--cidr6 must be IPv6");
    assertThatThrownBy(() -> b.tun("a-name-much-too-long")).hasMessage(
        "--tun must be a device name of 1 to 15 characters: a-name-much-too-long");
    assertThatThrownBy(() -> b.maxFlows(0)).hasMessage("--max-flows must be in [1, 1000000]: 0");
    assertThatThrownBy(() -> b.maxUdpFlows(2_000_000)).hasMessage("--max-udp-flows must be in [1, 1000000]: 2000000");
    assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO)).hasMessage(
        "--connect-timeout must be in [1, 2592000]: 0");
    assertThatThrownBy(() -> b.idleTimeout(Duration.ofDays(31))).hasMessageStartingWith("--idle-timeout must be in");
    assertThatThrownBy(() -> b.udpTimeout(Duration.ofMillis(500))).hasMessage(
        "--udp-timeout must be in [1, 2592000]: PT0.5S");
    assertThatThrownBy(() -> b.flowBufferBytes(100)).hasMessage("--flow-buffer must be in [4k, 1g]: 100");
    assertThatThrownBy(() -> b.maxMemoryBytes(1000)).hasMessageStartingWith("--max-memory must hold at least one flow");
    assertThatThrownBy(() -> b.allow("198.18.1.1/24")).hasMessage(
        "--allow 198.18.1.1/24: host bits are set; did you mean 198.18.1.0/24?");
    assertThatThrownBy(() -> b.deny("example.org")).hasMessageStartingWith("--deny example.org:");
    assertThatThrownBy(() -> b.forward("sctp:1:2")).hasMessageContaining("unknown protocol 'sctp'");
    assertThatThrownBy(() -> b.socks5("bob:secret@proxy")).hasMessageStartingWith("--socks5: expected")
        .message().doesNotContain("secret");
    assertThatThrownBy(() -> Gateway.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.relayThreads(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void settingsThatMustAgree_areCheckedByWhicheverComesSecond() {
    assertThatThrownBy(() -> Gateway.builder("x").cidr6("2001:2:0:1::/64").mtu(1000))
        .hasMessage("--mtu must be at least 1280 with --cidr6: 1000");
    assertThatThrownBy(() -> Gateway.builder("x").mtu(1000).cidr6("2001:2:0:1::/64"))
        .hasMessage("--mtu must be at least 1280 with --cidr6: 1000");
    assertThatThrownBy(() -> Gateway.builder("x").cidr("198.18.0.0/30").allowHostLoopback(true))
        .hasMessageStartingWith("--allow-host-loopback needs a --cidr of /29 or wider");
    assertThatThrownBy(() -> Gateway.builder("x").allowHostLoopback(true).cidr("198.18.0.0/30"))
        .hasMessageStartingWith("--allow-host-loopback needs a --cidr of /29 or wider");
    assertThatThrownBy(() -> Gateway.builder("x").maxMemoryBytes(1L << 20).flowBufferBytes(1L << 30))
        .hasMessageStartingWith("--max-memory must hold at least one flow");
    // Good values pass, and a failed setter left the builder as it was.
    Gateway.Builder ok = Gateway.builder("x").cidr("198.18.0.0/29").allowHostLoopback(true).mtu(1280)
        .cidr6("2001:2:0:1::/64").relayThreads(Gateway.RelayThreads.VIRTUAL).forward("udp:127.0.0.1:0:53");
    assertThatThrownBy(() -> ok.mtu(1279)).isInstanceOf(IllegalArgumentException.class);
    assertThat(ok.mtu(1500)).isSameAs(ok);
  }

  @Test
  void startOnAMissingNamespace_isAnIOException_andNothingIsLeft() {
    String missing = "sluice-no-such-ns-" + Long.toHexString(System.nanoTime());
    Path capture = temp.resolve("never.pcapng");
    assertThatThrownBy(() -> Gateway.builder(missing).capture(capture).start())
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining(missing)
        .hasMessageContaining("no such network namespace");
    assertThat(capture).as("nothing was opened").doesNotExist();
  }

  @Test
  void aStartedGateway_relaysAHalfClosedExchange_countsIt_showsItsFlow_andCloseRemovesTheDevice() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")),
        "needs root and /dev/net/tun (it creates namespaces, a veth pair and a TUN device)");
    try (GuestAndServer bed = GuestAndServer.create("sluice-api", "198.18.173.1/24", SERVER + "/24")) {
      String guestNs = bed.guest;
      bed.startServer(SERVER_PORT, "timeout", "100", "python3", "-c", String.join("\n",
          "import socket",
          "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
          "s.bind(('" + SERVER + "', " + SERVER_PORT + ")); s.listen()",
          "while True:",
          "    c, _ = s.accept(); data = b''",
          "    while True:",
          "        d = c.recv(65536)",
          "        if not d: break",
          "        data += d",
          "    c.sendall(b'got %d bytes\\n' % len(data) + data.upper()); c.close()"));

      // A forward whose port is taken: a BindException, and the device is gone again.
      try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        assertThatThrownBy(() -> Gateway.builder(guestNs).cidr("198.18.172.0/24").tun("sapi0")
            .forward("tcp:127.0.0.1:" + taken.getLocalPort() + ":80").start()).isInstanceOf(BindException.class)
            .hasMessageContaining("Address already in use");
        assertThat(Commands.run(COMMAND_BOUND, "ip", "-n", guestNs, "link")).doesNotContain("sapi0");
      }

      Gateway gateway = Gateway.builder(guestNs).cidr("198.18.172.0/24").tun("sapi0").mtu(1500)
          .forward("tcp:127.0.0.1:0:22").start();
      try {
        assertThat(gateway.guestAddress()).isEqualTo(InetAddress.ofLiteral("198.18.172.1"));
        assertThat(gateway.address()).isEqualTo(InetAddress.ofLiteral("198.18.172.2"));
        assertThat(gateway.guestAddress6()).isEmpty();
        assertThat(gateway.forwardAddresses()).singleElement().satisfies(a -> {
          assertThat(a.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
          assertThat(a.getPort()).as("port 0 resolved").isPositive();
        });
        assertThat(gateway.describe().getFirst()).startsWith("guest 198.18.172.1/24 in " + guestNs + " on sapi0, "
            + "Sluice 198.18.172.2; at most " + gateway.flowLimit() + " flows");
        assertThat(Commands.run(COMMAND_BOUND, "ip", "-n", guestNs, "route"))
            .contains("default via 198.18.172.2 dev sapi0");

        // The guest connects, holds the flow a moment (so the table shows it), then sends and half-closes.
        Process client = new ProcessBuilder("ip", "netns", "exec", guestNs, "timeout", "60", "python3", "-c",
            String.join("\n",
                "import socket, sys, time",
                "c = socket.create_connection(('" + SERVER + "', " + SERVER_PORT + "), timeout=30)",
                "time.sleep(2)",
                "c.sendall(b'hello ' * 10000); c.shutdown(socket.SHUT_WR)",
                "out = b''",
                "while True:",
                "    d = c.recv(65536)",
                "    if not d: break",
                "    out += d",
                "sys.stdout.write(out.decode())"))
            .redirectErrorStream(true).start();
        String line = awaitTableLine(gateway, "-> " + SERVER + ":" + SERVER_PORT);
        assertThat(line).startsWith("guest").contains("198.18.172.1:");
        String reply = readAll(client);
        assertThat(reply).isEqualTo("got 60000 bytes\n" + "HELLO ".repeat(10_000));

        awaitNoFlows(gateway);
        GatewayCounters counters = gateway.counters();
        assertThat(counters.accepted()).as(counters.toString()).isEqualTo(1);
        assertThat(counters.closed()).as("ended by FIN both ways: " + counters).isEqualTo(1);
        assertThat(counters.resetByGuest() + counters.resetByOutside() + counters.refused() + counters.denied())
            .isZero();
        assertThat(counters.toString()).startsWith("flows 0, accepted 1, refused 0");
        assertThat(gateway.flowTable().lines().toList()).singleElement().asString().startsWith("Origin");
        assertThat(gateway.forwardCounters()).singleElement().asString().contains("-> 198.18.172.1:22: relayed 0");
      } finally {
        gateway.close();
      }
      gateway.close(); // idempotent
      assertThat(Commands.run(COMMAND_BOUND, "ip", "-n", guestNs, "link")).doesNotContain("sapi0");
      assertThat(gateway.counters().flows()).isZero();
    }
  }

  /** Polls the flow table until a line contains {@code flow} (at most 20 s), and answers it. */
  private static String awaitTableLine(Gateway gateway, String flow) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (String line : gateway.flowTable().lines().toList()) {
        if (line.contains(flow)) {
          return line;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no flow " + flow + " in:\n" + gateway.flowTable());
  }

  private static void awaitNoFlows(Gateway gateway) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (gateway.counters().flows() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(gateway.counters().flows()).as(gateway.counters().toString()).isZero();
  }

  private static String readAll(Process p) throws Exception {
    var out = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        p.getInputStream().transferTo(out);
      } catch (IOException e) {
        // killed
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("a process did not finish in 60 s");
    }
    reader.join(5_000);
    return out.toString(StandardCharsets.UTF_8);
  }
}
