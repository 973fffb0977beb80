package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's timeouts against Linux guests (issue 15): idle and half-closed flows are reset
 * both ways, an outside connect that nobody answers is refused to the guest after the connect
 * timeout, and a guest that is killed or vanishes mid-transfer has its flows reclaimed. The
 * servers are this JVM's sockets on the testbed's root-side veth address, so the test sees what
 * the outside receives. Timeouts are short here; the bounds asserted are the timeouts' own (a
 * flow is never reset before its timeout) plus generous slack above.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayTimeoutsTest {
  private static final Duration IDLE = Duration.ofSeconds(6);
  private static final Duration HALF_CLOSED = Duration.ofSeconds(1);
  private static final Duration CONNECT = Duration.ofSeconds(2);
  private static final Duration GUEST = Duration.ofSeconds(2);
  /** An address of the veth's network whose (made-up) link-layer address nobody has: SYNs vanish. */
  private static final String SILENT_ADDRESS = "198.18.209.77";

  private static GatewayTestbed bed;
  private static GatewayHost gateway;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.start(208, 1500, config -> config.idleTimeout(IDLE).halfClosedTimeout(HALF_CLOSED)
        .connectTimeout(CONNECT).guestTimeout(GUEST));
    gateway = bed.gateway();
    Commands.run(Duration.ofSeconds(30), "ip", "neigh", "replace", SILENT_ADDRESS, "lladdr", "02:00:5e:00:53:77", "nud",
        "permanent", "dev", bed.vethRoot());
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  @Order(1)
  void anIdleFlow_isResetBothWays_afterTheIdleTimeout_butNotBefore() throws Exception {
    try (ServerSocket server = listen()) {
      long timedOutBefore = gateway.timedOut.sum();
      Process client = bed.startInGuest("python3", "-c", String.join("\n",
          "import socket, time",
          "c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "c.sendall(b'x'); t = time.monotonic()",
          "try:",
          "    print(c.recv(10)); print('eof')",
          "except OSError as e:",
          "    print(type(e).__name__)",
          "print('%.1f' % (time.monotonic() - t))"));
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(40_000);
        assertThat(accepted.getInputStream().read()).isEqualTo('x');
        assertThatThrownBy(() -> accepted.getInputStream().read()).isInstanceOf(SocketException.class)
            .hasMessageContaining("Connection reset");
      }
      String[] out = output(client).split("\n");
      assertThat(out[0]).isEqualTo("ConnectionResetError");
      // The guest's clock starts before the gateway read its byte, so it bounds the quiet time from
      // above: the reset came no sooner than the idle timeout (a loaded machine only makes it later).
      assertThat(Double.parseDouble(out[1])).as("seconds the guest waited; " + gateway.counters())
          .isGreaterThanOrEqualTo(IDLE.toSeconds() - 0.1);
      assertThat(gateway.timedOut.sum()).isGreaterThan(timedOutBefore);
      bed.awaitNoFlows(10);
    }
  }

  @Test
  @Order(2)
  void aFlowThatKeepsMoving_outlivesTheIdleTimeout() throws Exception {
    try (ServerSocket server = listen()) {
      // One byte a second for twice the idle timeout, echoed back, then a clean close both ways.
      Process client = bed.startInGuest("python3", "-c", String.join("\n",
          "import socket, time",
          "c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "got = b''",
          "for i in range(" + 2 * IDLE.toSeconds() + "):",
          "    c.sendall(b'k'); got += c.recv(1); time.sleep(1)",
          "c.shutdown(socket.SHUT_WR); print(got.decode(), c.recv(10))"));
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(60_000);
        InputStream in = accepted.getInputStream();
        OutputStream out = accepted.getOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
          out.write(b);
        }
      }
      assertThat(output(client).strip()).isEqualTo("k".repeat((int) (2 * IDLE.toSeconds())) + " b''");
      bed.awaitNoFlows(10);
    }
  }

  @Test
  @Order(3)
  void aHalfClosedFlow_isResetAfterTheShorterHalfClosedTimeout() throws Exception {
    try (ServerSocket server = listen()) {
      long timedOutBefore = gateway.timedOut.sum();
      // The guest sends and closes its side; the server reads to end-of-stream and then never answers.
      Process client = bed.startInGuest("python3", "-c", String.join("\n",
          "import socket, time",
          "c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "c.sendall(b'request'); c.shutdown(socket.SHUT_WR); t = time.monotonic()",
          "try:",
          "    print(c.recv(10))",
          "except OSError as e:",
          "    print(type(e).__name__)",
          "print('%.1f' % (time.monotonic() - t))"));
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(40_000);
        assertThat(new String(accepted.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("request");
        String[] out = output(client).split("\n");
        assertThat(out[0]).isEqualTo("ConnectionResetError");
        assertThat(Double.parseDouble(out[1])).as("seconds from the guest's FIN to the reset: the half-closed "
            + "timeout's, well under the idle timeout's").isLessThan(IDLE.toSeconds() - 1);
        assertThatThrownBy(() -> {
          for (int i = 0; i < 100; i++) { // the outside's end was reset too: its writes fail
            accepted.getOutputStream().write(new byte[1024]);
            Thread.sleep(10);
          }
        }).isInstanceOf(SocketException.class);
      }
      assertThat(gateway.timedOut.sum()).isGreaterThan(timedOutBefore);
      bed.awaitNoFlows(10);
    }
  }

  @Test
  @Order(4)
  void anOutsideThatNeverAnswers_isRefusedToTheGuest_afterTheConnectTimeout() throws Exception {
    long before = gateway.connectTimeouts.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket, time",
        "t = time.monotonic()",
        "try:",
        "    socket.create_connection(('" + SILENT_ADDRESS + "', 80), timeout=30); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__)",
        "print('%.1f' % (time.monotonic() - t))"));
    String[] lines = out.strip().split("\n");
    assertThat(lines[0]).isEqualTo("ConnectionRefusedError");
    assertThat(Double.parseDouble(lines[1])).as("seconds until the RST").isGreaterThanOrEqualTo(1.5);
    assertThat(gateway.connectTimeouts.sum()).isGreaterThan(before);
    bed.awaitNoFlows(10);
  }

  @Test
  @Order(5)
  void aGuestKilledMidTransfer_hasItsFlowClosed_andTheOutsideLearnsOfIt() throws Exception {
    try (ServerSocket server = listen()) {
      Process client = bed.startInGuest("python3", "-c", String.join("\n",
          "import socket, time",
          "c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "c.sendall(b'go')",
          "time.sleep(60)  # never reads: the download piles up in its receive buffer"));
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(40_000);
        assertThat(accepted.getInputStream().readNBytes(2)).isEqualTo("go".getBytes(StandardCharsets.US_ASCII));
        AtomicLong written = new AtomicLong();
        Thread writer = Thread.ofVirtual().start(() -> writeUntilFailure(accepted, written));
        awaitWritten(written, 1 << 20);
        client.descendants().forEach(ProcessHandle::destroyForcibly); // SIGKILL the python process
        client.destroyForcibly();
        writer.join(30_000);
        assertThat(writer.isAlive()).as("the outside's write ends in a reset").isFalse();
      }
      bed.awaitNoFlows(15);
    }
  }

  @Test
  @Order(Integer.MAX_VALUE) // takes the guest's link down for good
  void aGuestThatVanishes_hasItsFlowsReclaimed_whetherDataWasInFlightToItOrNot() throws Exception {
    try (ServerSocket server = listen()) {
      long guestResetsBefore = gateway.guestResets.sum();
      // Two flows: a download (our data in flight to the guest: the user timeout finds it) and an
      // idle one (keepalive finds it).
      Process client = bed.startInGuest("python3", "-c", String.join("\n",
          "import socket, time",
          "a = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "b = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=40)",
          "a.sendall(b'download'); b.sendall(b'idle')",
          "while True:",
          "    if not a.recv(65536): break"));
      try (Socket first = server.accept(); Socket second = server.accept()) {
        first.setSoTimeout(40_000);
        second.setSoTimeout(40_000);
        Socket download = new String(first.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)
            .equals("down") ? first : second;
        Socket idle = download == first ? second : first;
        AtomicLong written = new AtomicLong();
        Thread writer = Thread.ofVirtual().start(() -> writeUntilFailure(download, written));
        awaitWritten(written, 1 << 20);
        // The guest's side of the device goes away: no RST, no FIN, nothing more from the guest.
        Commands.run(Duration.ofSeconds(30), "ip", "-n", bed.guestNs, "link", "set", "tun0", "down");
        writer.join(40_000);
        assertThat(writer.isAlive()).as("the download's outside end is reset").isFalse();
        assertThatThrownBy(() -> idle.getInputStream().readAllBytes()).as("the quiet flow's outside end is reset")
            .isInstanceOf(SocketException.class).hasMessageContaining("Connection reset");
      } finally {
        client.destroyForcibly();
      }
      bed.awaitNoFlows(15);
      assertThat(gateway.guestResets.sum()).isGreaterThanOrEqualTo(guestResetsBefore + 2);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static ServerSocket listen() throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(bed.rootAddress, 0));
    server.setSoTimeout(30_000);
    return server;
  }

  private static void writeUntilFailure(Socket socket, AtomicLong written) {
    byte[] chunk = new byte[64 * 1024];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try {
      OutputStream out = socket.getOutputStream();
      while (System.nanoTime() < deadline) {
        out.write(chunk);
        written.addAndGet(chunk.length);
      }
    } catch (IOException e) {
      // reset by the gateway: what the test waits for
    }
  }

  private static void awaitWritten(AtomicLong written, long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (written.get() < bytes && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(written.get()).isGreaterThanOrEqualTo(bytes);
  }

  private static String output(Process p) throws Exception {
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the guest's client finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
