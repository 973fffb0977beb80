package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import dev.sluice.wire.DropReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway with {@code --cidr6} end to end against Linux (issue 15): a dual-stack guest
 * (198.18.236.1 and 2001:2:0:236::1) reaches the outside namespace over IPv6 (2001:2:0:237::2) and
 * IPv4 (198.18.237.2) through one gateway, whose Sluice host has both families on the one TUN
 * device. Only 198.18.236-237.0/24 and 2001:2:0:236-237::/64 are used. Needs root; skips with a
 * message otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayIpv6Test {
  private static final int SUBNET = 236;
  private static final String OUTSIDE6 = "2001:2:0:237::2"; // GatewayTestbed's for subnet 236
  private static final String OUTSIDE4 = "198.18.237.2";
  /** Nobody has it on the veth: neighbour discovery for it fails. */
  private static final String NOBODY6 = "2001:2:0:237::99";
  private static final int HTTP_PORT = 8080;
  private static final int HALF_CLOSE_PORT = 9000;
  private static final int CLOSED_PORT = 9002;
  /** Linux's errno for ICMPv6 address unreachable in SYN-SENT (icmpv6_err_convert: EHOSTUNREACH). */
  private static final int EHOSTUNREACH = 113;

  private static GatewayTestbed bed;
  private static GatewayHost gateway;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.startDualStack(SUBNET, 1500, config -> config.connectTimeout(Duration.ofSeconds(10)));
    gateway = bed.gateway();
    assertThat(bed.outsideAddress6).isEqualTo(OUTSIDE6);
    assertThat(bed.outsideAddress).isEqualTo(OUTSIDE4);

    Path www = Files.createDirectories(temp.resolve("www"));
    byte[] file = new byte[3 << 20];
    ThreadLocalRandom.current().nextBytes(file);
    Files.write(www.resolve("file"), file);
    // http.server binds an IPv6 socket when --bind is an IPv6 address.
    bed.outside("python3", "-m", "http.server", Integer.toString(HTTP_PORT), "--bind", OUTSIDE6,
        "--directory", www.toString());
    bed.outside("python3", "-m", "http.server", Integer.toString(HTTP_PORT), "--bind", OUTSIDE4,
        "--directory", www.toString());
    bed.outside(PythonPeers.halfCloseServer(OUTSIDE6, HALF_CLOSE_PORT, 1_000_000)); // an AF_INET6 socket
    bed.awaitListening(OUTSIDE6, HTTP_PORT);
    bed.awaitListening(OUTSIDE4, HTTP_PORT);
    bed.awaitListening(OUTSIDE6, HALF_CLOSE_PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void theGuest_hasBothFamilies_andAnIpv6DefaultRouteThroughSluice() throws Exception {
    assertThat(bed.inGuest("ip", "-6", "addr", "show", "dev", "tun0")).contains("inet6 2001:2:0:236::1/64");
    assertThat(bed.inGuest("ip", "-6", "route", "show", "default")).contains("via 2001:2:0:236::2 dev tun0");
    assertThat(bed.inGuest("ip", "-4", "addr", "show", "dev", "tun0")).contains("inet 198.18.236.1/24");
  }

  @Test
  void curlOverIpv6_downloads3Megabytes_throughTheGateway_andTheSha256Matches() throws Exception {
    String expected = sha256(Files.readAllBytes(temp.resolve("www/file")));
    String out = Commands.run(Duration.ofSeconds(60), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS -g --max-time 50 "
        + "http://[" + OUTSIDE6 + "]:" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(expected);
  }

  @Test
  void curlOverIpv4_stillWorks_inTheSameDualStackGuest() throws Exception {
    String expected = sha256(Files.readAllBytes(temp.resolve("www/file")));
    String out = Commands.run(Duration.ofSeconds(60), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS --max-time 50 "
        + "http://" + OUTSIDE4 + ":" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(expected);
  }

  @Test
  void halfCloseOverIpv6_theGuestShutsDownItsWriteSide_andStillReceivesTheWholeReply() throws Exception {
    // The address is an IPv6 literal, so the guest's socket is AF_INET6, and so is the server's.
    PythonPeers.assertHalfClosed(bed.inGuest(PythonPeers.halfCloseClient(OUTSIDE6, HALF_CLOSE_PORT, 300_000,
        1_000_000)), 1_000_000);
  }

  @Test
  void aClosedIpv6Port_isRefusedToTheGuest() throws Exception {
    long refusedBefore = gateway.refused.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "try:",
        "    socket.create_connection(('" + OUTSIDE6 + "', " + CLOSED_PORT + "), timeout=20); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.strerror)"));
    assertThat(out.strip()).isEqualTo("ConnectionRefusedError Connection refused");
    assertThat(gateway.refused.sum()).isGreaterThan(refusedBefore);
  }

  @Test
  void anUnreachableIpv6Address_isAnsweredWithIcmpv6AddressUnreachable_andTheGuestsConnectFails() throws Exception {
    // Nobody has NOBODY6 on the veth: the gateway's connect fails with EHOSTUNREACH once neighbour
    // discovery gives up (about 3 s), and the gateway answers the guest's SYN with an ICMPv6
    // destination unreachable, code 3 (address unreachable, RFC 4443 §3.1). Linux fails a connect in
    // SYN-SENT on it (tcp_v6_err) with EHOSTUNREACH, long before the guest's own 30 s timeout.
    long unreachableBefore = gateway.unreachable.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket, time",
        "t = time.monotonic()",
        "try:",
        "    socket.create_connection(('" + NOBODY6 + "', 80), timeout=30); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.errno)",
        "print('%.3f' % (time.monotonic() - t))"));
    String[] lines = out.strip().split("\n");
    System.out.println("GatewayIpv6Test: the guest's connect to " + NOBODY6 + " failed after " + lines[1] + " s");
    assertThat(lines[0]).isEqualTo("OSError " + EHOSTUNREACH);
    assertThat(gateway.unreachable.sum()).isGreaterThan(unreachableBefore);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void theGuestsOwnIcmpv6_isDroppedAndCounted_andNoNeighbourSolicitationReachesSluice() throws Exception {
    // With IPv6 on, the guest's kernel sends router solicitations to ff02::2 from its link-local
    // address (about 1 s after the device comes up, then 4, 8, 16 s apart): not ours, counted. A
    // TUN device is IFF_NOARP, so Linux never solicits Sluice's address (the route's gateway needs
    // no link-layer address), joins no solicited-node group (so sends no MLD report) and skips
    // DAD: nothing is addressed to Sluice itself. Every flow ended cleanly.
    bed.awaitNoFlows(15);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (gateway.drops().getOrDefault(DropReason.NOT_FOR_US, 0L) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Map<DropReason, Long> drops = gateway.drops();
    System.out.println("GatewayIpv6Test: the gateway host's drops: " + drops + "; " + gateway.counters());
    assertThat(drops.getOrDefault(DropReason.NOT_FOR_US, 0L)).as("router solicitations to ff02::2").isPositive();
    assertThat(drops.getOrDefault(DropReason.ICMP_NOT_HANDLED, 0L)).as("ICMP to Sluice's own address").isZero();
    assertThat(gateway.guestResets.sum() + gateway.outsideResets.sum()).isZero();
    for (DropReason reason : List.of(DropReason.UNSUPPORTED_PROTOCOL, DropReason.IPV6_BAD_SOURCE,
        DropReason.LOOPBACK_ON_WIRE)) {
      assertThat(drops.getOrDefault(reason, 0L)).as(reason.name()).isZero();
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
