package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway through a real SOCKS5 proxy, Dante's {@code danted} (issue 15): the guest's flows go
 * to the proxy on 127.0.0.1 of the root namespace, which connects from the veth's root side
 * (198.18.221.1) to the outside namespace's servers (198.18.221.2); the guest's network is
 * 198.18.220.0/24. Proven: a download with its sha256, half-close, a closed port and a destination
 * the proxy's rules block (both refused to the guest), an unreachable address (ICMP unreachable at
 * the guest), what a reset by the destination becomes, UDP echo through a UDP ASSOCIATE, and
 * username/password against a second Dante that wants them (a system user the test creates and
 * deletes). (The command with a proxy that is down: sluice-cli's GatewaySocks5CommandTest.) Needs root, /dev/net/tun and danted (scripts/install-test-deps.sh); skips with a message
 * otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewaySocks5Test {
  private static final String OUTSIDE_ADDRESS = "198.18.221.2"; // GatewayTestbed's for subnet 220
  private static final String ROOT_ADDRESS = "198.18.221.1";
  private static final int HTTP_PORT = 8080;
  private static final int BLOCKED_PORT = 8081; // served, but Dante's rules forbid it
  private static final int HALF_CLOSE_PORT = 9000;
  private static final int RESET_PORT = 9001;
  private static final int CLOSED_PORT = 9002;
  private static final int UDP_ECHO_PORT = 9053;
  private static final Path DANTED = Path.of("/usr/sbin/danted");

  @TempDir static Path temp;

  private static GatewayTestbed bed;
  private static GatewayHost gateway;
  private static InetSocketAddress proxyAddress;
  private static Socks5Connector connector;
  private static final List<String> log = new CopyOnWriteArrayList<>();
  private static final List<Process> proxies = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    Assumptions.assumeTrue(Files.isExecutable(DANTED), "needs danted (Debian's dante-server; scripts/install-test-deps.sh)");
    proxyAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
    connector = new Socks5Connector(new Socks5Proxy(proxyAddress), Duration.ofSeconds(8), log::add);
    bed = GatewayTestbed.start(220, 1500, config -> config.connectTimeout(Duration.ofSeconds(8)).outside(connector));
    gateway = bed.gateway();
    startDante("none", proxyAddress);

    Path www = Files.createDirectories(temp.resolve("www"));
    byte[] file = new byte[4 << 20];
    ThreadLocalRandom.current().nextBytes(file);
    Files.write(www.resolve("file"), file);
    Files.writeString(www.resolve("small"), "small\n");
    for (int port : List.of(HTTP_PORT, BLOCKED_PORT)) {
      bed.outside("python3", "-m", "http.server", Integer.toString(port), "--bind", OUTSIDE_ADDRESS,
          "--directory", www.toString());
    }
    bed.outside(PythonPeers.halfCloseServer(OUTSIDE_ADDRESS, HALF_CLOSE_PORT, 2_000_000));
    bed.outside(PythonPeers.resettingServer(OUTSIDE_ADDRESS, RESET_PORT));
    bed.outside(PythonPeers.udpEchoServer(OUTSIDE_ADDRESS, UDP_ECHO_PORT));
    for (int port : List.of(HTTP_PORT, BLOCKED_PORT, HALF_CLOSE_PORT, RESET_PORT)) {
      bed.awaitListening(port);
    }
    awaitListening(proxyAddress);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (Process p : proxies) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } finally {
      if (bed != null) {
        bed.close();
      }
    }
  }

  @Test
  void curl_inTheGuest_downloads4Megabytes_throughTheProxy_andTheSha256Matches() throws Exception {
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(temp.resolve("www/file"))));
    String out = Commands.run(Duration.ofSeconds(60), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS --max-time 50 http://"
        + OUTSIDE_ADDRESS + ":" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(expected);
    assertThat(connector.describe()).isEqualTo("the SOCKS5 proxy at 127.0.0.1:" + proxyAddress.getPort());
    assertThat(log).as("the proxy's faults").isEmpty();
  }

  @Test
  void halfClose_throughTheProxy_theServerAnswersAfterTheGuestsFin_andItsFinComesBack() throws Exception {
    PythonPeers.assertHalfClosed(bed.inGuest(PythonPeers.halfCloseClient(OUTSIDE_ADDRESS, HALF_CLOSE_PORT, 300_000,
        2_000_000)), 2_000_000);
  }

  @Test
  void aClosedPort_behindTheProxy_isRefusedToTheGuest() throws Exception {
    long before = gateway.refused.sum();
    assertThat(guestConnect(OUTSIDE_ADDRESS, CLOSED_PORT)).isEqualTo("ConnectionRefusedError 111");
    assertThat(gateway.refused.sum()).isGreaterThan(before);
  }

  @Test
  void aDestinationTheProxysRulesBlock_isRefusedToTheGuest_thoughItListens() throws Exception {
    // Something listens on BLOCKED_PORT (the readiness check connected to it directly), so only
    // Dante's "socks block" rule (reply 0x02) can make this a refusal.
    long before = gateway.refused.sum();
    assertThat(guestConnect(OUTSIDE_ADDRESS, BLOCKED_PORT)).isEqualTo("ConnectionRefusedError 111");
    assertThat(gateway.refused.sum()).isGreaterThan(before);
  }

  @Test
  void anUnreachableAddress_behindTheProxy_isHostUnreachableAtTheGuest() throws Exception {
    // Nobody has .99 on the veth: Dante's connect fails with EHOSTUNREACH (no ARP answer, about 3 s)
    // and it replies 0x04, which the gateway answers with an ICMP host unreachable.
    long before = gateway.unreachable.sum();
    assertThat(guestConnect("198.18.221.99", 80)).isEqualTo("OSError 113");
    assertThat(gateway.unreachable.sum()).isGreaterThan(before);
  }

  @Test
  void aResetByTheDestination_reachesTheGuestAsTheProxyPassesItOn() throws Exception {
    // SOCKS5 carries no RST: Dante takes the destination's reset as the end of its stream and
    // closes its side towards us with a FIN, so the guest reads a normal end-of-stream after the
    // greeting (directly, it would get ECONNRESET: GatewayTest).
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "c = socket.create_connection(('" + OUTSIDE_ADDRESS + "', " + RESET_PORT + "), timeout=20)",
        "got = b''",
        "try:",
        "    while True:",
        "        b = c.recv(65536)",
        "        if not b:",
        "            print('eof', got); break",
        "        got += b",
        "except OSError as e:",
        "    print(type(e).__name__, got)"));
    assertThat(out.strip()).isEqualTo(DANTE_PASSES_A_RESET_AS);
  }

  /** What a destination's RST becomes at the guest through Dante 1.4.2: a FIN. */
  private static final String DANTE_PASSES_A_RESET_AS = "eof b'hello\\n'";

  @Test
  void theGuestsUdp_goesThroughTheGateway_andAUdpAssociateOfTheRealProxy() throws Exception {
    // The guest's own datagrams: the gateway's UDP flow opens its outside path with the connector's
    // openDatagrams, a UDP ASSOCIATE of Dante's, and the echo comes back from the echo server.
    long opened = bed.gateway().udp().opened.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket, os",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)",
        "s.connect(('" + OUTSIDE_ADDRESS + "', " + UDP_ECHO_PORT + "))",
        "ok = 0",
        "for size in (1, 512, 1400):",
        "    p = os.urandom(size)",
        "    for attempt in range(5):  # UDP: resend a lost one",
        "        s.send(p)",
        "        try:",
        "            if s.recv(2000) == p: ok += 1",
        "            break",
        "        except socket.timeout:",
        "            pass",
        "print(ok)"));
    assertThat(out.strip()).isEqualTo("3");
    assertThat(bed.gateway().udp().opened.sum()).isGreaterThan(opened);
  }

  @Test
  void udpEcho_throughAUdpAssociateOfTheRealProxy() throws Exception {
    InetSocketAddress echo = new InetSocketAddress(InetAddress.getByName(OUTSIDE_ADDRESS), UDP_ECHO_PORT);
    try (Socks5Datagrams datagrams = (Socks5Datagrams) connector.openDatagrams(echo)) {
      assertThat(datagrams.relay().getAddress().isLoopbackAddress()).as("Dante's relay, on its internal address")
          .isTrue();
      for (int size : new int[] {1, 512, 1400}) {
        byte[] payload = new byte[size];
        ThreadLocalRandom.current().nextBytes(payload);
        ByteBuffer into = ByteBuffer.allocate(2000);
        InetSocketAddress from = null;
        for (int attempt = 0; attempt < 5 && from == null; attempt++) { // UDP: resend a lost one
          datagrams.send(ByteBuffer.wrap(payload), echo);
          try {
            from = AwaitDatagram.from(datagrams, into, Duration.ofSeconds(3));
          } catch (java.net.SocketTimeoutException e) {
            into.clear();
          }
        }
        assertThat(from).as("an echo of " + size + " bytes").isEqualTo(echo);
        assertThat(Arrays.copyOf(into.array(), into.position())).isEqualTo(payload);
      }
      assertThat(datagrams.notFromRelay.sum() + datagrams.fragments.sum() + datagrams.malformed.sum()).isZero();
      datagrams.close();
      assertThatThrownBy(() -> datagrams.receiveNow(ByteBuffer.allocate(10)))
          .as("closed, a read is an error, which ends the flow").isInstanceOf(IOException.class);
    }
  }

  @Test
  void usernameAndPassword_againstADanteThatWantsThem() throws Exception {
    String user = "sluice-s5-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    String password = "pw-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
    Commands.run(Duration.ofSeconds(30), "useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
    try {
      Commands.run(Duration.ofSeconds(30), "sh", "-c", "echo '" + user + ":" + password + "' | chpasswd");
      startDante("username", address);
      awaitListening(address);
      List<String> authLog = new CopyOnWriteArrayList<>();
      InetSocketAddress http = new InetSocketAddress(InetAddress.getByName(OUTSIDE_ADDRESS), HTTP_PORT);

      Socks5Connector right = new Socks5Connector(new Socks5Proxy(address, user, password), Duration.ofSeconds(8),
          authLog::add);
      try (Socket socket = right.connect(http, Duration.ofSeconds(8))) {
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write("GET /small HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(reply).startsWith("HTTP/1.0 200").endsWith("small\n");
      }
      Socks5Connector wrong = new Socks5Connector(new Socks5Proxy(address, user, password + "x"),
          Duration.ofSeconds(8), authLog::add);
      assertThatThrownBy(() -> wrong.connect(http, Duration.ofSeconds(8)))
          .isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("rejected the username and password");
      Socks5Connector none = new Socks5Connector(new Socks5Proxy(address), Duration.ofSeconds(8), authLog::add);
      assertThatThrownBy(() -> none.connect(http, Duration.ofSeconds(8)))
          .isInstanceOf(Socks5Handshake.ProxyFault.class).hasMessageContaining("accepts none of our methods");
      assertThat(authLog).hasSize(2);
    } finally {
      Commands.runQuietly(Duration.ofSeconds(30), "userdel", user);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The guest's connect to {@code address}:{@code port}: "connected", or the error's type and errno. */
  private static String guestConnect(String address, int port) throws Exception {
    return bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "try:",
        "    socket.create_connection(('" + address + "', " + port + "), timeout=30); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.errno)")).strip();
  }

  /**
   * Starts a Dante on {@code address} with socks method {@code method}, connecting out from the
   * veth's root side, and only to the outside namespace's address (never elsewhere), not to
   * {@link #BLOCKED_PORT}.
   */
  private static void startDante(String method, InetSocketAddress address) throws Exception {
    Path config = temp.resolve("danted-" + address.getPort() + ".conf");
    Files.writeString(config, String.join("\n",
        "logoutput: stderr",
        "internal: 127.0.0.1 port = " + address.getPort(),
        "external: " + ROOT_ADDRESS,
        "clientmethod: none",
        "socksmethod: " + method,
        "user.privileged: root",
        "user.unprivileged: nobody",
        "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
        "socks block { from: 0.0.0.0/0 to: " + OUTSIDE_ADDRESS + "/32 port = " + BLOCKED_PORT + " }",
        "socks pass { from: 127.0.0.0/8 to: 198.18.221.0/24 command: connect udpassociate }",
        "socks pass { from: 198.18.221.0/24 to: 127.0.0.0/8 command: udpreply }",
        ""));
    Process p = new ProcessBuilder(DANTED.toString(), "-f", config.toString(), "-N", "1",
        "-p", temp.resolve("danted-" + address.getPort() + ".pid").toString())
        .redirectErrorStream(true).redirectOutput(temp.resolve("danted-" + address.getPort() + ".log").toFile())
        .start();
    proxies.add(p);
  }

  private static void awaitListening(InetSocketAddress address) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(address, 1000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("danted never listened on " + address + ": "
              + Files.readString(temp.resolve("danted-" + address.getPort() + ".log")), e);
        }
        Thread.sleep(100);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
