package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may go where (issue 15), end to end against Linux: a guest behind the gateway
 * ({@link GatewayTestbed}, subnets 198.18.226.0/24 and 198.18.227.0/24) connects to servers this
 * test created, and {@link DestinationRules} decides. The host rule is tested with the root side
 * of the testbed's veth pair (198.18.227.1, an address of this host that the test created) and
 * with the root namespace's loopback; the allow and deny rules with the outside namespace's server,
 * reached at 198.18.227.2 and at 198.18.228.2 (an address the test adds to the outside namespace,
 * routed through the veth). Each test sets the gateway's policy, and first shows with ALLOW_ALL
 * that the destination is reachable at all, so a refusal is the policy's. Needs root.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayPolicyTest {
  private static final String OUTSIDE = "198.18.227.2"; // GatewayTestbed's for subnet 226
  private static final String OUTSIDE_OTHER = "198.18.228.2";
  private static final String MAPPED_LOOPBACK = "198.18.226.3";
  private static final int OUTSIDE_PORT = 7000;
  private static final String REFUSED = "ConnectionRefusedError";

  private static final AtomicReference<DestinationPolicy> policy = new AtomicReference<>(DestinationPolicy.ALLOW_ALL);
  private static GatewayTestbed bed;
  private static GatewayHost gateway;
  private static boolean routed;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.start(226, 1500, config -> config.policy(destination -> policy.get().route(destination)));
    gateway = bed.gateway();
    Commands.run(Duration.ofSeconds(30), "ip", "-n", bed.outsideNs, "addr", "add", OUTSIDE_OTHER + "/32", "dev", "lo");
    Commands.run(Duration.ofSeconds(30), "ip", "route", "add", OUTSIDE_OTHER + "/32", "via", OUTSIDE);
    routed = true;
    // Greets each client with the address it was reached at, then closes.
    bed.outside("python3", "-c", String.join("\n",
        "import socket",
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('0.0.0.0', " + OUTSIDE_PORT + ")); s.listen(8)",
        "while True:",
        "    c, _ = s.accept()",
        "    try:",
        "        c.sendall(('outside ' + c.getsockname()[0] + '\\n').encode())",
        "    except OSError:",
        "        pass",
        "    c.close()"));
    bed.awaitListening(OUTSIDE_PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (routed) {
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "route", "del", OUTSIDE_OTHER + "/32");
    }
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void anAddressOfThisHost_isReachableWithAllowAll_andRefusedByTheHostRule() throws Exception {
    try (LineServer server = new LineServer(bed.rootAddress, "root")) {
      policy.set(DestinationPolicy.ALLOW_ALL);
      assertThat(guestConnects(bed.rootAddress, server.port())).isEqualTo("root");

      policy.set(rules(false, List.of(), List.of()));
      long denied = gateway.denied.sum();
      assertThat(guestConnects(bed.rootAddress, server.port())).isEqualTo(REFUSED);
      assertThat(gateway.denied.sum()).isEqualTo(denied + 1);
      assertThat(server.accepted()).as("only the allowed connection reached the server").isEqualTo(1);
    }
  }

  @Test
  void withAllowHostLoopback_theHostsLoopbackIsReached_atTheMappedAddress_andNothingElseOfTheHost() throws Exception {
    try (LineServer loopback = new LineServer("127.0.0.1", "loopback");
        LineServer root = new LineServer(bed.rootAddress, "root")) {
      policy.set(rules(false, List.of(), List.of()));
      long denied = gateway.denied.sum();
      assertThat(guestConnects(MAPPED_LOOPBACK, loopback.port())).as("not allowed: refused").isEqualTo(REFUSED);
      assertThat(gateway.denied.sum()).isEqualTo(denied + 1);

      policy.set(rules(true, List.of(), List.of()));
      assertThat(guestConnects(MAPPED_LOOPBACK, loopback.port())).isEqualTo("loopback");
      assertThat(guestConnects(bed.rootAddress, root.port())).isEqualTo(REFUSED);
      assertThat(gateway.denied.sum()).isEqualTo(denied + 2);
      assertThat(loopback.accepted()).isEqualTo(1);
      assertThat(root.accepted()).isZero();
    }
  }

  @Test
  void denyingTheOutsidesSubnet_refusesItsServer_whileAnotherRangeStillPasses() throws Exception {
    policy.set(DestinationPolicy.ALLOW_ALL);
    assertThat(guestConnects(OUTSIDE, OUTSIDE_PORT)).isEqualTo("outside " + OUTSIDE);
    assertThat(guestConnects(OUTSIDE_OTHER, OUTSIDE_PORT)).isEqualTo("outside " + OUTSIDE_OTHER);

    policy.set(rules(false, List.of(), List.of("198.18.227.0/24")));
    long denied = gateway.denied.sum();
    assertThat(guestConnects(OUTSIDE, OUTSIDE_PORT)).isEqualTo(REFUSED);
    assertThat(guestConnects(OUTSIDE_OTHER, OUTSIDE_PORT)).isEqualTo("outside " + OUTSIDE_OTHER);
    assertThat(gateway.denied.sum()).isEqualTo(denied + 1);
  }

  @Test
  void allowingTheOutsidesSubnet_letsItsServerThrough_andRefusesEveryOtherRange_andDenyWinsInsideIt()
      throws Exception {
    policy.set(rules(false, List.of("198.18.227.0/24"), List.of()));
    long denied = gateway.denied.sum();
    assertThat(guestConnects(OUTSIDE, OUTSIDE_PORT)).isEqualTo("outside " + OUTSIDE);
    assertThat(guestConnects(OUTSIDE_OTHER, OUTSIDE_PORT)).isEqualTo(REFUSED);
    assertThat(gateway.denied.sum()).isEqualTo(denied + 1);

    policy.set(rules(false, List.of("198.18.226.0/23", "198.18.228.0/24"), List.of("198.18.227.2/32")));
    assertThat(guestConnects(OUTSIDE, OUTSIDE_PORT)).as("denied inside an allowed range").isEqualTo(REFUSED);
    assertThat(guestConnects(OUTSIDE_OTHER, OUTSIDE_PORT)).isEqualTo("outside " + OUTSIDE_OTHER);
    assertThat(gateway.denied.sum()).isEqualTo(denied + 2);
  }

  @Test
  void anAddressGivenToThisHostAfterTheRulesWereMade_isRefusedOnceTheyReReadTheInterfaces() throws Exception {
    DestinationRules rules = rules(false, List.of(), List.of());
    // A veth pair with both ends here (this kernel has no dummy driver): one end takes the address.
    String veth = "sgwp" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    String address = "198.18.229.1";
    Commands.run(Duration.ofSeconds(30), "ip", "link", "add", veth + "a", "type", "veth", "peer", "name", veth + "b");
    try {
      Commands.run(Duration.ofSeconds(30), "ip", "addr", "add", address + "/24", "dev", veth + "a");
      Commands.run(Duration.ofSeconds(30), "ip", "link", "set", veth + "b", "up");
      Commands.run(Duration.ofSeconds(30), "ip", "link", "set", veth + "a", "up");
      try (LineServer server = new LineServer(address, "added")) {
        policy.set(DestinationPolicy.ALLOW_ALL);
        assertThat(guestConnects(address, server.port())).isEqualTo("added");
        InetSocketAddress destination = new InetSocketAddress(address, server.port());
        assertThat(rules.route(destination)).as("the reading taken before the address existed").isNotNull();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (rules.route(destination) != null && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(rules.route(destination)).as("re-read within about a second").isNull();
        policy.set(rules);
        assertThat(guestConnects(address, server.port())).isEqualTo(REFUSED);
        assertThat(server.accepted()).isEqualTo(1);
      }
    } finally {
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "link", "del", veth + "a");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static DestinationRules rules(boolean allowHostLoopback, List<String> allow, List<String> deny)
      throws IOException {
    return DestinationRules.fromCommandLine(bed.guest, allowHostLoopback, allow, deny);
  }

  /** Connects from the guest and answers the first line the server sent, or the error's name. */
  private static String guestConnects(String address, int port) throws Exception {
    return bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "try:",
        "    c = socket.create_connection(('" + address + "', " + port + "), timeout=10)",
        "    print(c.makefile().readline().strip())",
        "except OSError as e:",
        "    print(type(e).__name__)")).strip();
  }

  /** A server in the root namespace (this JVM's) that sends one line to each client and closes. */
  private static final class LineServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    LineServer(String address, String line) throws IOException {
      socket.bind(new InetSocketAddress(address, 0));
      acceptor = Thread.ofVirtual().start(() -> {
        while (!socket.isClosed()) {
          try (Socket client = socket.accept(); OutputStream out = client.getOutputStream()) {
            accepted.incrementAndGet();
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            // closed, or the client went away: the loop's condition decides
          }
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }

    int accepted() {
      return accepted.get();
    }

    @Override
    public void close() throws Exception {
      socket.close();
      acceptor.join(5_000);
    }
  }
}
