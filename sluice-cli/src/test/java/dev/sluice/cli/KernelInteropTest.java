package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.link.PcapngWriter;
import dev.sluice.link.TunDevice;
import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice against the Linux kernel as the peer, through a TUN device in a network namespace this
 * test creates (198.18.0.1 is the kernel, 198.18.0.2 is Sluice; no traffic goes anywhere else).
 * Needs root; skips with a message otherwise. The HTTP server is the JDK's own {@code HttpServer} on
 * Sluice's JVM-wide provider, so this class runs in the JVM that has it (tag {@value
 * SluiceProvider#TAG}; see the CLI's pom).
 */
@Tag(SluiceProvider.TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KernelInteropTest {
  private static final String KERNEL = "198.18.0.1";
  private static final String SLUICE = "198.18.0.2";
  private static String namespace;
  private static TunDevice device;
  private static NetStack stack;
  private static HttpService http;
  private static EchoService echo;
  private static PcapngWriter capture;
  private static Path captureFile;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")),
        "kernel interop tests need root and /dev/net/tun (CI runs them as root)");
    namespace = "sluice-it-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", namespace);
    inside("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"); // no router solicitations
    device = TunDevice.open(Path.of("/var/run/netns", namespace), "tun0", 1, 1500);
    captureFile = temp.resolve("interop.pcapng");
    capture = PcapngWriter.create(captureFile, System.currentTimeMillis() * 1_000_000L);
    capture.attach(device);
    inside("ip", "addr", "add", KERNEL + "/24", "dev", "tun0");
    inside("ip", "link", "set", "dev", "tun0", "up");
    stack = NetStack.builder().addInterface(device, SLUICE + "/24").workers(2).build();
    http = new HttpService(stack, 80); // the JDK's HttpServer on Sluice (see the class comment)
    echo = new EchoService(stack.listen(7, 64));
    Thread.ofPlatform().daemon(true).start(echo::run);
  }

  @AfterAll
  static void stop() throws Exception {
    if (namespace == null) {
      return;
    }
    try {
      if (http != null) {
        http.stop();
        echo.stop();
      }
      if (stack != null) {
        stack.close();
      }
      if (device != null) {
        device.close();
      }
      if (capture != null) {
        capture.close();
      }
    } finally {
      Commands.run(Duration.ofSeconds(30), "ip", "netns", "del", namespace);
    }
  }

  @Test
  @Order(1)
  void ping_fromTheKernel_getsAnswers() throws Exception {
    String out = inside("ping", "-c", "3", "-i", "0.2", "-W", "2", SLUICE);
    assertThat(out).contains("3 received");
  }

  @Test
  @Order(2)
  void curl_downloads100MegabytesFromSluice_andTheSha256Matches() throws Exception {
    long n = 100L << 20;
    String out = shell(120, "ip netns exec " + namespace + " curl -sS --max-time 100 http://" + SLUICE
        + "/bytes/" + n + " | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(patternSha256(n));
  }

  @Test
  @Order(3)
  void wrk_64Connections_noErrorsAndOnly2xx() throws Exception {
    String out = inside("wrk", "-t", "2", "-c", "64", "-d", "10s", "--timeout", "5s", "http://" + SLUICE + "/bytes/1000");
    assertThat(out).contains("Requests/sec").doesNotContain("Socket errors").doesNotContain("Non-2xx");
    System.out.println("wrk against sluice serve:\n" + out);
  }

  @Test
  @Order(4)
  void socat_streams100MegabytesEachWay_throughEcho_withAHalfClose() throws Exception {
    Path data = temp.resolve("data");
    byte[] chunk = new byte[1 << 20];
    ThreadLocalRandom.current().nextBytes(chunk);
    try (var out = Files.newOutputStream(data)) {
      for (int i = 0; i < 100; i++) {
        out.write(chunk);
      }
    }
    String expected = sha256(data);
    // socat sends the file and half-closes at its end (-t: then it waits for the echo to finish,
    // which ends with the echo service's own FIN).
    String round = shell(150, "ip netns exec " + namespace + " socat -t 60 -T 60 - TCP:" + SLUICE + ":7 < " + data
        + " | sha256sum");
    assertThat(round.split(" ")[0]).isEqualTo(expected);
  }

  @Test
  @Order(5)
  void sluiceConnectsOut_toALinuxServer_andReadsItsStream() throws Exception {
    Process server = new ProcessBuilder("ip", "netns", "exec", namespace, "socat", "-u",
        "SYSTEM:head -c 5000000 /dev/zero", "TCP-LISTEN:9000,reuseaddr").redirectErrorStream(true).start();
    try {
      TcpConnection c = null;
      for (int attempt = 0; attempt < 50 && c == null; attempt++) {
        try {
          c = stack.connect(new InetSocketAddress(InetAddress.ofLiteral(KERNEL), 9000), java.time.Duration.ofSeconds(5));
        } catch (java.net.ConnectException e) {
          Thread.sleep(100); // socat not listening yet
        }
      }
      assertThat(c).as("connected to the kernel's socat").isNotNull();
      byte[] all = c.getInputStream().readAllBytes(); // ends at Linux's FIN
      assertThat(all.length).isEqualTo(5_000_000);
      assertThat(all).containsOnly(0);
      c.close();
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(6)
  void sluiceClosesFirst_linuxEchoesAndCloses_sluiceEndsInTimeWait() throws Exception {
    Process server = linuxServer("TCP-LISTEN:9001,reuseaddr", "EXEC:cat");
    try {
      TcpConnection c = connectToLinux(9001);
      byte[] data = "sluice closes first".getBytes(StandardCharsets.US_ASCII);
      c.getOutputStream().write(data);
      c.shutdownOutput(); // our FIN first
      assertThat(c.getInputStream().readAllBytes()).isEqualTo(data); // then Linux's FIN
      c.close();
      assertThat(c.stats().state()).isIn("TIME_WAIT", "CLOSED");
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(7)
  void linuxSendsRst_sluiceReadsConnectionReset() throws Exception {
    // SO_LINGER 0 makes Linux's close send a RST instead of a FIN (socat would shut down first).
    Process server = new ProcessBuilder("ip", "netns", "exec", namespace, "python3", "-c",
        "import socket, struct, time\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('" + KERNEL + "', 9002)); s.listen(1); c, _ = s.accept(); time.sleep(0.3)\n"
            + "c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()\n")
        .redirectErrorStream(true).start();
    try {
      TcpConnection c = connectToLinux(9002);
      c.setSoTimeout(java.time.Duration.ofSeconds(10));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.getInputStream().read())
          .isInstanceOf(java.net.SocketException.class).hasMessageContaining("Connection reset");
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(8)
  void capture_opensInTshark_withoutMalformedPacketsOrBadChecksums() throws Exception {
    capture.flush();
    String out = shell(120, "tshark -r " + captureFile + " -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE"
        + " -z expert,error -q 2>&1 | grep -ciE 'malformed|bad checksum|incorrect' ; true");
    assertThat(out.strip()).isEqualTo("0");
  }

  // ------------------------------------------------------------------ helpers

  private static Process linuxServer(String listen, String action) throws IOException {
    return new ProcessBuilder("ip", "netns", "exec", namespace, "socat", listen, action)
        .redirectErrorStream(true).start();
  }

  /** Connects to the kernel's socat on {@code port}, retrying while it starts listening. */
  private static TcpConnection connectToLinux(int port) throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        return stack.connect(new InetSocketAddress(InetAddress.ofLiteral(KERNEL), port), java.time.Duration.ofSeconds(5));
      } catch (java.net.ConnectException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the kernel's socat never listened on " + port);
  }

  private static String patternSha256(long n) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] period = new byte[HttpService.PATTERN_PERIOD * 1000];
    for (int i = 0; i < period.length; i++) {
      period[i] = (byte) (i % HttpService.PATTERN_PERIOD);
    }
    long left = n;
    while (left > 0) {
      int k = (int) Math.min(left, period.length);
      sha.update(period, 0, k);
      left -= k;
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(Files.readAllBytes(file));
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String inside(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return Commands.run(Duration.ofSeconds(60), full);
  }

  private static String shell(long seconds, String script) {
    return Commands.run(Duration.ofSeconds(seconds), "bash", "-c", "set -o pipefail; " + script);
  }
}
