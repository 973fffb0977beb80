package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import dev.sluice.testkit.Commands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice gateway --forward --stats --capture} as a user runs it, against Linux as the guest
 * (a namespace of the test's own, 198.18.252.0/24; the forwards listen on this host's 127.0.0.1):
 * the start lines, the stats, a download through a forward in a capture that {@code sluice doctor}
 * and tshark read, and a taken host port as one line with nothing left running. The forwards'
 * behaviour itself is proven in sluice-gateway's GatewayForwardStatsTest. Needs root, /dev/net/tun,
 * python3, curl and tshark; skips with a message when not root.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayForwardStatsTest {
  private static final String GUEST_ADDRESS = "198.18.252.1";
  private static final Pattern FORWARD_LINE =
      Pattern.compile("sluice gateway: forward 127\\.0\\.0\\.1:([0-9]+) -> 198\\.18\\.252\\.1:8080: relayed 0");

  @TempDir Path temp;

  @BeforeEach
  void needsRoot() {
    Assumptions.assumeTrue(Namespaces.AVAILABLE, Namespaces.NEEDS);
  }

  @Test
  void theCommand_printsItsForwardsTheStats_andWritesACaptureThatDoctorAndTsharkRead() throws Exception {
    String ns = Namespaces.name("sluice-gwf-");
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", ns);
    Process server = null;
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      Commands.run(Duration.ofSeconds(30), "ip", "-n", ns, "link", "set", "lo", "up");
      Path file = temp.resolve("command.pcapng");
      var out = new StringWriter();
      var err = new StringWriter();
      var cli = MainAccess.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      Future<Integer> command = executor.submit(() -> cli.execute("gateway", "--netns", ns, "--cidr",
          "198.18.252.0/24", "--tun", "gwf0", "--forward", "tcp:127.0.0.1:0:8080", "--stats", "1", "--duration",
          "6", "--capture", file.toString()));
      int port = awaitForwardPort(out, command);
      // The guest's web server, once the command has given the guest its address.
      server = new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "60", "python3", "-m", "http.server", "8080",
          "--bind", GUEST_ADDRESS, "--directory", temp.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      java.nio.file.Files.writeString(temp.resolve("hello.txt"), "hello through the forward\n");
      awaitGuestListening(ns, 8080); // a curl before would be reset, which the doctor would count
      String got = Commands.run(Duration.ofSeconds(30), "curl", "-sS", "--fail", "--max-time", "20",
          "http://127.0.0.1:" + port + "/hello.txt");
      assertThat(got).isEqualTo("hello through the forward\n");
      assertThat(command.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
      String text = out.toString();
      assertThat(text.lines().filter(l -> l.startsWith("Origin  Guest-State")).count()).isBetween(1L, 6L);
      assertThat(text).contains("counters: flows ", "stopping; flows 0", "packets written to " + file);
      assertThat(text).containsPattern("counters: forward 127\\.0\\.0\\.1:" + port + " -> 198\\.18\\.252\\.1:8080: "
          + "relayed [1-9]");

      // The capture: the doctor finds the forwarded connections to the guest's port and no problem ...
      var doctorOut = new StringWriter();
      var doctorErr = new StringWriter();
      var doctor = MainAccess.commandLine();
      doctor.setOut(new PrintWriter(doctorOut));
      doctor.setErr(new PrintWriter(doctorErr));
      assertThat(doctor.execute("doctor", file.toString())).as(doctorOut + "\n" + doctorErr).isZero();
      assertThat(doctorOut.toString()).contains(GUEST_ADDRESS + ":8080");
      // ... and tshark reads it, the guest's SYN-ACK on the port among its packets.
      String synAcks = Commands.run(Duration.ofSeconds(60), "tshark", "-r", file.toString(), "-Y",
          "ip.src==" + GUEST_ADDRESS + " && tcp.srcport==8080 && tcp.flags.syn==1 && tcp.flags.ack==1");
      assertThat(synAcks.lines().filter(l -> !l.isBlank()).count()).isPositive();
    } finally {
      if (server != null) {
        server.descendants().forEach(ProcessHandle::destroyForcibly);
        server.destroyForcibly();
      }
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }

  @Test
  void aForwardWhoseHostPortIsTaken_isOneLine_andNothingIsLeftRunning() throws Exception {
    String ns = Namespaces.name("sluice-gwf-");
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", ns);
    try (var taken = new java.net.ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();
      var out = new StringWriter();
      var err = new StringWriter();
      var cli = MainAccess.commandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      assertThat(cli.execute("gateway", "--netns", ns, "--cidr", "198.18.252.0/24", "--tun", "gwf1",
          "--forward", "tcp:127.0.0.1:" + port + ":80", "--duration", "30"))
          .as("a port that cannot be used is exit 2, as bad usage is").isEqualTo(2);
      assertThat(err.toString().lines().toList()).containsExactly("sluice gateway: --forward tcp:127.0.0.1:" + port
          + ":80: cannot listen on 127.0.0.1:" + port + ": Address already in use");
      assertThat(Commands.run(Duration.ofSeconds(10), "ip", "-n", ns, "link")).doesNotContain("gwf1");
    } finally {
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }

  /** The port the command printed for its forward, once it has started (at most 20 s). */
  private static int awaitForwardPort(StringWriter out, Future<Integer> command) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && !command.isDone()) {
      Matcher m = FORWARD_LINE.matcher(out.toString());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the command never printed its forward: " + out);
  }

  /** Waits until something listens on TCP {@code port} in namespace {@code ns} (at most 20 s). */
  private static void awaitGuestListening(String ns, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String listening = Commands.run(Duration.ofSeconds(10), "ip", "netns", "exec", ns, "ss", "-Hltn",
          "sport = :" + port);
      if (!listening.isBlank()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("nothing listened on " + port + " in " + ns);
  }
}
