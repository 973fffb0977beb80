package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
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
 * The gateway end to end against Linux (issue 15). A guest namespace gets its network from the
 * gateway, run in this JVM; the "outside" is a second namespace joined to the root namespace by a
 * veth pair (198.18.201.1 root side, 198.18.201.2 outside), so the gateway's kernel sockets, in
 * the root namespace, reach its servers. Only addresses from 198.18.0.0/15 are used; IPv6 is off
 * in both namespaces. Needs root; skips with a message otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayTest {
  private static final String OUTSIDE_ADDRESS = "198.18.201.2"; // GatewayTestbed's for subnet 200;
  private static final String ROOT_ADDRESS = "198.18.201.1"; // and its root side
  private static final int HTTP_PORT = 8080;
  private static final int HALF_CLOSE_PORT = 9000;
  private static final int RESET_PORT = 9001;
  private static final int CLOSED_PORT = 9002;
  private static final int MAX_FLOWS = 16;

  private static GatewayTestbed bed;
  private static GatewayHost gateway;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.start(200, 1500, config -> config.maxFlows(MAX_FLOWS).connectTimeout(Duration.ofSeconds(5)));
    gateway = bed.gateway();

    // The outside's servers: HTTP over a directory, a half-close server, one that resets.
    bed.startUsualServers(OUTSIDE_ADDRESS, temp.resolve("www"), 5 << 20, HTTP_PORT, HALF_CLOSE_PORT, RESET_PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void curl_inTheGuest_downloads5Megabytes_throughTheGateway_andTheSha256Matches() throws Exception {
    String expected = sha256(Files.readAllBytes(temp.resolve("www/file")));
    String out = Commands.run(Duration.ofSeconds(60), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS --max-time 50 http://"
        + OUTSIDE_ADDRESS + ":" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(expected);
  }

  @Test
  void halfClose_theGuestSends4MegabytesAndShutsDownItsWriteSide_andStillReceivesTheWholeReply() throws Exception {
    // The server answers only after the guest's FIN reached it (as shutdownOutput on the gateway's
    // socket), and its own FIN comes back as ours: the client reads to end-of-stream.
    PythonPeers.assertHalfClosed(guest(PythonPeers.halfCloseClient(OUTSIDE_ADDRESS, HALF_CLOSE_PORT, 4 << 20,
        2_000_000)), 2_000_000);
    awaitNoFlows(); // both ends finished, and the gateway holds nothing of the flow
  }

  @Test
  void aRefusedDestination_isRefusedToTheGuest_quickly() throws Exception {
    String out = guest("python3", "-c", String.join("\n",
        "import socket, time",
        "t = time.monotonic()",
        "try:",
        "    socket.create_connection(('" + OUTSIDE_ADDRESS + "', " + CLOSED_PORT + "), timeout=20); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.strerror)",
        "print('%.3f' % (time.monotonic() - t))"));
    String[] lines = out.strip().split("\n");
    assertThat(lines[0]).isEqualTo("ConnectionRefusedError Connection refused");
    assertThat(Double.parseDouble(lines[1])).as("seconds to the refusal").isLessThan(2.0);
  }

  @Test
  void aResetFromTheOutside_reachesTheGuestAsAReset() throws Exception {
    String out = guest("python3", "-c", String.join("\n",
        "import socket",
        "c = socket.create_connection(('" + OUTSIDE_ADDRESS + "', " + RESET_PORT + "), timeout=20)",
        "got = b''",
        "try:",
        "    while True:",
        "        b = c.recv(65536)",
        "        if not b:",
        "            print('eof'); break",
        "        got += b",
        "except OSError as e:",
        "    print(type(e).__name__)"));
    assertThat(out.strip()).isEqualTo("ConnectionResetError");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (gateway.outsideResets.sum() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(gateway.outsideResets.sum()).isPositive();
  }

  @Test
  void aResetFromTheGuest_reachesTheOutsideAsAReset() throws Exception {
    // The gateway's own listener in the root namespace plays the outside here, so the test sees
    // what arrives: the guest connects, then closes with SO_LINGER 0.
    try (var server = new java.net.ServerSocket()) {
      server.bind(new InetSocketAddress(ROOT_ADDRESS, 0));
      server.setSoTimeout(20_000);
      int port = server.getLocalPort();
      Process client = new ProcessBuilder("ip", "netns", "exec", bed.guestNs, "timeout", "30", "python3", "-c",
          String.join("\n",
              "import socket, struct, time",
              "c = socket.create_connection(('" + ROOT_ADDRESS + "', " + port + "), timeout=20)",
              "c.sendall(b'before the reset'); time.sleep(1)",
              "c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()"))
          .redirectErrorStream(true).start();
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(20_000);
        byte[] first = accepted.getInputStream().readNBytes(16);
        assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("before the reset");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> accepted.getInputStream().read())
            .isInstanceOf(java.net.SocketException.class).hasMessageContaining("Connection reset");
      } finally {
        client.waitFor(30, TimeUnit.SECONDS);
        client.destroyForcibly();
      }
    }
  }

  @Test
  @Order(1)
  void anUnreachableDestination_isAnsweredWithIcmpUnreachable_andTheGuestsConnectFailsAtOnce() throws Exception {
    // Nobody has 198.18.201.99 on the veth: the gateway's connect fails with EHOSTUNREACH (no ARP
    // answer), and the gateway answers the guest's SYN with an ICMP host unreachable, which Linux
    // takes as a failed connect (errno 113, EHOSTUNREACH) well before the guest's own timeout.
    long unreachableBefore = gateway.unreachable.sum();
    String out = guest("python3", "-c", String.join("\n",
        "import socket",
        "try:",
        "    socket.create_connection(('198.18.201.99', 80), timeout=30); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.errno)"));
    assertThat(out.strip()).isEqualTo("OSError 113");
    assertThat(gateway.unreachable.sum()).isGreaterThan(unreachableBefore);
  }

  @Test
  @Order(2)
  void beyondMaxFlows_aNewFlowIsRefused_andOnceTheyCloseFlowsAreTakenAgain() throws Exception {
    awaitNoFlows(); // a SYN still being decided counts (the unreachable test's last retransmission, say)
    try (var server = new java.net.ServerSocket()) {
      server.bind(new InetSocketAddress(ROOT_ADDRESS, 0), 64);
      int port = server.getLocalPort();
      List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            Socket accepted = server.accept();
            held.add(accepted);
            Thread.ofVirtual().start(() -> { // holds the flow open until the client's FIN, then closes
              try (accepted) {
                accepted.getInputStream().readAllBytes();
              } catch (IOException e) {
                // reset
              }
            });
          }
        } catch (IOException e) {
          // the server closed
        }
      });
      String out = guest("python3", "-c", String.join("\n",
          "import socket",
          "held = [socket.create_connection(('" + ROOT_ADDRESS + "', " + port + "), timeout=10) for _ in range("
              + MAX_FLOWS + ")]",
          "try:",
          "    socket.create_connection(('" + ROOT_ADDRESS + "', " + port + "), timeout=10); print('connected')",
          "except OSError as e:",
          "    print(type(e).__name__)",
          "for c in held: c.close()"));
      assertThat(out.strip()).isEqualTo("ConnectionRefusedError");
      assertThat(gateway.overLimit.sum()).isPositive();
      awaitNoFlows();
      String again = guest("python3", "-c", "import socket; socket.create_connection(('" + ROOT_ADDRESS + "', "
          + port + "), timeout=10).close(); print('ok')");
      assertThat(again.strip()).isEqualTo("ok");
      server.close();
      acceptor.join(5_000);
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void closingTheGateway_resetsEveryFlowBothWays_afterTheFinishedFlowsWereClosed() throws Exception {
    awaitNoFlows();
    long acceptedBefore = gateway.accepted.sum();
    try (var server = new java.net.ServerSocket()) {
      server.bind(new InetSocketAddress(ROOT_ADDRESS, 0));
      server.setSoTimeout(20_000);
      Process client = new ProcessBuilder("ip", "netns", "exec", bed.guestNs, "timeout", "30", "python3", "-c",
          String.join("\n",
              "import socket",
              "c = socket.create_connection(('" + ROOT_ADDRESS + "', " + server.getLocalPort() + "), timeout=20)",
              "try:",
              "    print(c.recv(100))",
              "except OSError as e:",
              "    print(type(e).__name__)"))
          .redirectErrorStream(true).start();
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(20_000);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gateway.accepted.sum() == acceptedBefore && System.nanoTime() < until) { // relaying
          Thread.sleep(20);
        }
        bed.stopGateway();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> accepted.getInputStream().read())
            .isInstanceOf(java.net.SocketException.class).hasMessageContaining("Connection reset");
        assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
            .isEqualTo("ConnectionResetError");
      } finally {
        client.destroyForcibly();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Waits until every flow has ended (a pending connect ends within the 5 s connect timeout). */
  private static void awaitNoFlows() throws InterruptedException {
    bed.awaitNoFlows(10);
  }

  private static String guest(String... command) throws Exception {
    return bed.inGuest(command);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
