package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.PcapngWriter;
import dev.sluice.testkit.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
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
import java.util.function.Predicate;
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
 * Port forwarding, the flow table and the capture, end to end against Linux (issue 15). The guest
 * namespace (198.18.250.0/24) runs the servers; the gateway's forwards listen on the root side of
 * the testbed's veth (198.18.251.1, port 0: a free port each), and the test's clients, in the root
 * namespace, connect there. The gateway writes its TUN side to a capture from the start. Only
 * addresses from 198.18.250.0/24 and 198.18.251.0/24 are used. Needs root; skips with a message
 * otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayForwardStatsTest {
  private static final String GUEST_ADDRESS = "198.18.250.1"; // GatewayTestbed's for subnet 250
  private static final String ROOT_ADDRESS = "198.18.251.1"; // the root side of its veth
  private static final int ECHO_PORT = 7000;
  private static final int CLOSED_PORT = 7001; // nothing listens there in the guest
  private static final int FULL_PORT = 7002; // a listener whose accept queue is full: SYNs are dropped
  private static final int HTTP_PORT = 8080;
  private static final int UDP_ECHO_PORT = 7053;
  private static final Duration UDP_IDLE = Duration.ofSeconds(2);
  private static final int FILE_BYTES = 1 << 20;
  private static final int MAX_FLOWS = 16;

  private static GatewayTestbed bed;
  private static GatewayHost gateway;
  private static PcapngWriter capture;
  private static boolean captureClosed;
  private static Process fullServer;
  private static final List<Process> guestServers = new ArrayList<>();
  private static int echoForward;
  private static int closedForward;
  private static int fullForward;
  private static int httpForward;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    capture = PcapngWriter.realTime(temp.resolve("gateway.pcapng"), PcapngWriter.SNAPLEN_ALL);
    InetAddress root = InetAddress.ofLiteral(ROOT_ADDRESS);
    bed = GatewayTestbed.start(250, 1500, config -> config.maxFlows(MAX_FLOWS).connectTimeout(Duration.ofSeconds(3))
        .capture(capture)
        .forwards(List.of(new PortForwarder.Rule(false, root, 0, ECHO_PORT),
            new PortForwarder.Rule(false, root, 0, CLOSED_PORT),
            new PortForwarder.Rule(false, root, 0, FULL_PORT), new PortForwarder.Rule(false, root, 0, HTTP_PORT),
            new PortForwarder.Rule(true, root, 0, UDP_ECHO_PORT)))
        .udpIdleTimeout(UDP_IDLE)
        .receiveInline(true)); // as the command and the API default to: the TUN readers receive
    gateway = bed.gateway();
    List<PortForwarder> forwarders = gateway.forwarders();
    echoForward = forwarders.get(0).port();
    closedForward = forwarders.get(1).port();
    fullForward = forwarders.get(2).port();
    httpForward = forwarders.get(3).port();

    Path www = Files.createDirectories(temp.resolve("www"));
    byte[] file = new byte[FILE_BYTES];
    ThreadLocalRandom.current().nextBytes(file);
    Files.write(www.resolve("file"), file);
    inGuestBackground("python3", "-m", "http.server", Integer.toString(HTTP_PORT), "--bind", GUEST_ADDRESS,
        "--directory", www.toString());
    // Echoes what it reads; at the client's end-of-stream (its FIN) it sends a trailer with the count,
    // after the client has stopped sending, then closes: the reply's last part needs the half-close.
    inGuestBackground("python3", "-c", String.join("\n",
        "import socket, threading",
        "def serve(c):",
        "    n = 0",
        "    try:",
        "        while True:",
        "            b = c.recv(65536)",
        "            if not b: break",
        "            c.sendall(b); n += len(b)",
        "        c.sendall(('end %d\\n' % n).encode())",
        "    except OSError:",
        "        pass",
        "    c.close()",
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('" + GUEST_ADDRESS + "', " + ECHO_PORT + ")); s.listen(8)",
        "while True:",
        "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()"));
    // Listens with a backlog of 0 and never accepts: once one connection waits in its accept queue,
    // Linux drops further SYNs (tcp_abort_on_overflow is 0), so a second connect is never answered.
    fullServer = inGuestBackground("python3", "-c", String.join("\n",
        "import socket, time",
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
        "s.bind(('" + GUEST_ADDRESS + "', " + FULL_PORT + ")); s.listen(0)",
        "time.sleep(600)"));
    for (int port : List.of(HTTP_PORT, ECHO_PORT, FULL_PORT)) {
      awaitGuestListening(port);
    }
    // Answers each datagram with its sender's address and port, then the datagram itself.
    inGuestBackground("python3", "-c", String.join("\n",
        "import socket",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.bind(('" + GUEST_ADDRESS + "', " + UDP_ECHO_PORT + "))",
        "while True:",
        "    b, a = s.recvfrom(65535); s.sendto(('%s:%d ' % a).encode() + b, a)"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : guestServers) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    if (bed != null) {
      bed.close();
    }
    if (capture != null && !captureClosed) {
      capture.close();
    }
  }

  @Test
  @Order(1)
  void aCurlDownloadAndAHalfClose_throughForwards_areCaptured_andTsharkReadsTheCapture() throws Exception {
    String expected = sha256(Files.readAllBytes(temp.resolve("www/file")));
    String curl = Commands.run(Duration.ofSeconds(60), "sh", "-c", "curl -sS --max-time 50 http://" + ROOT_ADDRESS + ":"
        + httpForward + "/file | sha256sum");
    assertThat(curl.split(" ")[0]).isEqualTo(expected);
    byte[] request = pattern(300_000);
    assertThat(halfCloseExchange(echoForward, request)).isEqualTo(expectedEcho(request));
    bed.awaitNoFlows(10);

    // What is written so far, a whole number of blocks (each is written under the writer's lock).
    Path snapshot = temp.resolve("so-far.pcapng");
    synchronized (capture) {
      capture.flush();
      Files.copy(temp.resolve("gateway.pcapng"), snapshot);
    }
    // The echo flow on the wire, between Sluice (198.18.250.2) and the guest: one SYN each way, one
    // FIN each way, and every byte the client sent and got back (the echo plus the trailer).
    String toGuest = "ip.dst==" + GUEST_ADDRESS + " && tcp.dstport==" + ECHO_PORT;
    String fromGuest = "ip.src==" + GUEST_ADDRESS + " && tcp.srcport==" + ECHO_PORT;
    assertThat(distinctControlPositions(snapshot, toGuest + " && tcp.flags.syn==1")).isEqualTo(1);
    assertThat(distinctControlPositions(snapshot, fromGuest + " && tcp.flags.syn==1")).isEqualTo(1);
    assertThat(distinctControlPositions(snapshot, toGuest + " && tcp.flags.fin==1")).isEqualTo(1);
    assertThat(distinctControlPositions(snapshot, fromGuest + " && tcp.flags.fin==1")).isEqualTo(1);
    assertThat(payloadBytes(snapshot, toGuest)).isEqualTo(request.length);
    assertThat(payloadBytes(snapshot, fromGuest)).isEqualTo(expectedEcho(request).length);
  }

  @Test
  @Order(2)
  void halfClose_theClientShutsDownItsOutput_andStillReadsTheWholeReply_andTheFlowEnds() throws Exception {
    byte[] request = pattern(2_000_000);
    assertThat(halfCloseExchange(echoForward, request)).isEqualTo(expectedEcho(request));
    bed.awaitNoFlows(10);
    assertThat(gateway.closedFlows.sum()).as(gateway.counters()).isPositive();
  }

  @Test
  @Order(3)
  void aLiveFlow_isInTheFlowTable_withItsBytesEachWay() throws Exception {
    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress(ROOT_ADDRESS, echoForward), 10_000);
      client.setSoTimeout(20_000);
      byte[] hello = pattern(1_234);
      client.getOutputStream().write(hello);
      assertThat(client.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
      String clientText = ROOT_ADDRESS + ":" + client.getLocalPort() + " -> " + GUEST_ADDRESS + ":" + ECHO_PORT;
      // The relay counts a chunk once its write returned, which may be a moment after the client read
      // it: the line is awaited until both directions show the whole chunk.
      String line = awaitTableLine(clientText, l -> l.matches("\\S+ +\\S+ +\\S+ +1234 +1234 .*"));
      assertThat(line.split(" +")).containsExactly("forward", "ESTAB", "open", "1234", "1234",
          line.split(" +")[5], ROOT_ADDRESS + ":" + client.getLocalPort(), "->", GUEST_ADDRESS + ":" + ECHO_PORT);
      assertThat(line.split(" +")[5]).matches("[0-9]+\\.[0-9]s");
      assertThat(FlowTable.format(gateway.flowTable()).lines().findFirst()).hasValueSatisfying(
          h -> assertThat(h).startsWith("Origin"));

      // The client's FIN: the relay has seen the outside's end of input and passed it on as its FIN.
      client.shutdownOutput();
      byte[] rest = client.getInputStream().readAllBytes();
      assertThat(new String(rest, StandardCharsets.US_ASCII)).isEqualTo("end 1234\n");
    }
    bed.awaitNoFlows(10);
    assertThat(gateway.flowTable()).isEmpty();
  }

  @Test
  @Order(4)
  void aForwardToAGuestPortWhereNothingListens_resetsTheClient() throws Exception {
    long refusedBefore = gateway.forwarders().get(1).refusedByGuest.sum();
    assertThat(resetOutcome(closedForward)).isIn(RESET);
    assertThat(gateway.forwarders().get(1).refusedByGuest.sum()).isEqualTo(refusedBefore + 1);
    bed.awaitNoFlows(10);
  }

  @Test
  @Order(5)
  void aGuestThatDoesNotAnswerWithinTheConnectTimeout_resetsTheClient() throws Exception {
    PortForwarder full = gateway.forwarders().get(2);
    try (Socket first = new Socket()) {
      first.connect(new InetSocketAddress(ROOT_ADDRESS, fullForward), 10_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (full.relayed.sum() == 0 && System.nanoTime() < deadline) { // in the guest's accept queue
        Thread.sleep(20);
      }
      assertThat(full.relayed.sum()).isEqualTo(1);
      assertThat(resetOutcome(fullForward)).isIn(RESET);
      assertThat(full.timedOut.sum()).isEqualTo(1);
      assertThat(full.refusedByGuest.sum()).isZero();
    }
    // The first flow waits in the guest's accept queue for as long as the server lives: its end
    // resets the queued connection, and with it the flow.
    fullServer.destroyForcibly();
    bed.awaitNoFlows(10);
  }

  @Test
  @Order(6)
  void forwardedFlowsTakeFlowSlots_beyondMaxFlowsAClientIsReset() throws Exception {
    bed.awaitNoFlows(10);
    PortForwarder echo = gateway.forwarders().get(0);
    long overLimitBefore = echo.overLimit.sum();
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_FLOWS; i++) {
        Socket client = new Socket();
        held.add(client);
        client.connect(new InetSocketAddress(ROOT_ADDRESS, echoForward), 10_000);
        client.setSoTimeout(20_000);
        client.getOutputStream().write('x'); // echoed once the flow is relayed
        assertThat(client.getInputStream().read()).isEqualTo('x');
      }
      assertThat(gateway.flows()).isEqualTo(MAX_FLOWS);
      assertThat(resetOutcome(echoForward)).isIn(RESET);
      assertThat(echo.overLimit.sum()).isEqualTo(overLimitBefore + 1);
    } finally {
      for (Socket client : held) {
        client.close();
      }
    }
    bed.awaitNoFlows(10);
  }

  @Test
  void aUdpForward_givesEachClientItsOwnSluicePort_andTheGuestsAnswersGoBackToIt_fromTheStackThread_untilIdle()
      throws Exception {
    UdpPortForwarder udp = gateway.udpForwarders().get(0);
    long idleBefore = udp.idleClosed.sum();
    long answersBefore = udp.toClients.sum();
    long onStackExitBefore = udp.toClientsOnStackExit.sum();
    // Two clients of the root namespace: each gets its own datagrams back, seen by the guest as
    // coming from a Sluice port of its own on the gateway's address.
    List<String> senders = new ArrayList<>();
    try (java.net.DatagramSocket a = new java.net.DatagramSocket(0, InetAddress.ofLiteral(ROOT_ADDRESS));
        java.net.DatagramSocket b = new java.net.DatagramSocket(0, InetAddress.ofLiteral(ROOT_ADDRESS))) {
      for (java.net.DatagramSocket client : List.of(a, b, a)) {
        client.setSoTimeout(3_000);
        byte[] payload = ("from " + client.getLocalPort()).getBytes(StandardCharsets.US_ASCII);
        String answer = null;
        for (int attempt = 0; attempt < 5 && answer == null; attempt++) { // UDP: resend a lost one
          client.send(new java.net.DatagramPacket(payload, payload.length, InetAddress.ofLiteral(ROOT_ADDRESS),
              udp.port()));
          java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[200], 200);
          try {
            client.receive(reply);
            answer = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
          } catch (java.net.SocketTimeoutException e) {
            // resend
          }
        }
        assertThat(answer).as("the echo of " + client.getLocalPort()).isNotNull()
            .startsWith(bed.guest.host() + ":").endsWith(" from " + client.getLocalPort());
        senders.add(answer.substring(0, answer.indexOf(' ')));
      }
      assertThat(senders.get(0)).as("one client, one Sluice port").isEqualTo(senders.get(2))
          .isNotEqualTo(senders.get(1));
      assertThat(udp.flows()).isEqualTo(2);
      // Every answer went back on the stack thread that received it, none through a thread of its own.
      // (Counted just after the send: the client may hold the answer a moment before the count.)
      long counted = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (udp.toClients.sum() - answersBefore < 3 && System.nanoTime() < counted) {
        Thread.sleep(10);
      }
      long answers = udp.toClients.sum() - answersBefore;
      assertThat(answers).isGreaterThanOrEqualTo(3);
      assertThat(udp.toClientsOnStackExit.sum() - onStackExitBefore).isEqualTo(answers);
      long deadline = System.nanoTime() + UDP_IDLE.toNanos() * 5;
      while (udp.flows() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(udp.flows()).as("idle flows are closed").isZero();
      assertThat(udp.idleClosed.sum()).isEqualTo(idleBefore + 2);
    }
  }

  @Test
  @Order(7)
  void fromOutside_onlyForwardedPortsReachTheGuest_notItsAddress() throws Exception {
    // The root namespace has no route to the guest's network: the guest's address exists only in its
    // own namespace, behind the TUN device, and nothing routes to it from here. A plain connect
    // would follow this host's default route off the machine, so it is not tried; instead the
    // socket is bound to the testbed's veth (SO_BINDTODEVICE), the one link from here to the
    // test's namespaces. With no route through it the kernel takes the address as on-link and asks
    // by ARP; nobody on the veth has it, so the connect fails with EHOSTUNREACH (113).
    assertThat(Commands.run(Duration.ofSeconds(10), "ip", "-4", "route", "show", "198.18.250.0/24").strip()).isEmpty();
    String veth = Commands.run(Duration.ofSeconds(10), "ip", "-o", "-4", "addr", "show", "to", ROOT_ADDRESS + "/32")
        .split("\\s+")[1];
    String direct = Commands.run(Duration.ofSeconds(60), "python3", "-c", String.join("\n",
        "import socket",
        "s = socket.socket(); s.settimeout(30)",
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'" + veth + "')",
        "try:",
        "    s.connect(('" + GUEST_ADDRESS + "', " + ECHO_PORT + ")); print('connected')",
        "except OSError as e:",
        "    print(type(e).__name__, e.errno)"));
    assertThat(direct.strip()).isEqualTo("OSError 113");
    // ... while the forward to the same guest port gets through.
    assertThat(halfCloseExchange(echoForward, pattern(10))).isEqualTo(expectedEcho(pattern(10)));
    bed.awaitNoFlows(10);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void closingTheGateway_closesTheForwards_andTheWholeCaptureIsReadable() throws Exception {
    // Listeners on exactly 198.18.251.1, ours alone (ss's src filter leaves out wildcard listeners;
    // a connect to a closed ephemeral port could reach another process's listener that took it since).
    List<Integer> ours = List.of(echoForward, closedForward, fullForward, httpForward);
    assertThat(listenersOnRootAddress()).containsExactlyInAnyOrderElementsOf(ours);
    bed.stopGateway();
    assertThat(listenersOnRootAddress()).isEmpty();
    long packets;
    synchronized (capture) { // a packet the guest sends now is not in the file: count what is
      capture.close();
      captureClosed = true;
      packets = capture.packets();
    }
    assertThat((long) tshark(temp.resolve("gateway.pcapng"), null).size()).isEqualTo(packets)
        .isGreaterThan(100);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * What a client that connects to a forward and reads sees when the gateway resets it. This
   * host's kernel accepts the client before the gateway decides (as slirp4netns's), so the RST
   * comes after the handshake: usually the connect has returned and the read fails; when the RST
   * comes at once (a client over the flow limit) it can beat connect's return, which then fails.
   */
  private static final List<String> RESET = List.of("read: Connection reset", "connect: Connection reset by peer");

  private static String resetOutcome(int port) throws IOException {
    try (Socket client = new Socket()) {
      try {
        client.connect(new InetSocketAddress(ROOT_ADDRESS, port), 10_000);
      } catch (SocketException e) {
        return "connect: " + e.getMessage();
      }
      client.setSoTimeout(30_000);
      try {
        int b = client.getInputStream().read();
        return b < 0 ? "read: end-of-stream" : "read: a byte";
      } catch (SocketException e) {
        return "read: " + e.getMessage();
      }
    }
  }

  /** Sends {@code request}, shuts down output, reads the reply to end-of-stream (at most 30 s). */
  private static byte[] halfCloseExchange(int port, byte[] request) throws Exception {
    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress(ROOT_ADDRESS, port), 10_000);
      client.setSoTimeout(30_000);
      InputStream in = client.getInputStream();
      var reply = new ByteArrayOutputStream();
      // Read while writing: the server echoes as it reads, so neither side's buffers fill up.
      Thread reader = Thread.ofVirtual().start(() -> {
        try {
          in.transferTo(reply);
        } catch (IOException e) {
          reply.writeBytes(("\nread failed: " + e).getBytes(StandardCharsets.UTF_8));
        }
      });
      client.getOutputStream().write(request);
      client.shutdownOutput();
      assertThat(reader.join(Duration.ofSeconds(40))).as("the reply reached end-of-stream").isTrue();
      return reply.toByteArray();
    }
  }

  private static byte[] expectedEcho(byte[] request) {
    var expected = new ByteArrayOutputStream();
    expected.writeBytes(request);
    expected.writeBytes(("end " + request.length + "\n").getBytes(StandardCharsets.US_ASCII));
    return expected.toByteArray();
  }

  private static byte[] pattern(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i % 251);
    }
    return b;
  }

  /** The first line of the flow table that contains {@code flow} and satisfies {@code also}, waiting up to 10 s. */
  private static String awaitTableLine(String flow, Predicate<String> also) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String table = "";
    while (System.nanoTime() < deadline) {
      table = FlowTable.format(gateway.flowTable());
      for (String line : table.lines().toList()) {
        if (line.contains(flow) && also.test(line)) {
          return line;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no line with " + flow + " and both byte counts in:\n" + table);
  }

  /**
   * How many distinct sequence numbers the SYNs or FINs {@code filter} matches occupy: a SYN's is
   * its segment's, a FIN's comes after the segment's data (RFC 9293 §3.4). A retransmission, whole
   * or repacketized, occupies the same one; a second FIN at another number would count twice.
   */
  private static long distinctControlPositions(Path file, String filter) throws Exception {
    return tshark(file, filter, "tcp.seq_raw", "tcp.len").stream()
        .map(l -> l.split("\t"))
        .mapToLong(f -> Long.parseLong(f[0]) + (filter.contains("fin") ? Long.parseLong(f[1]) : 0))
        .distinct().count();
  }

  /** The ports with a TCP listener bound to {@link #ROOT_ADDRESS} in the root namespace. */
  private static List<Integer> listenersOnRootAddress() throws Exception {
    return Commands.run(Duration.ofSeconds(10), "ss", "-Hltn", "src", ROOT_ADDRESS).lines().filter(l -> !l.isBlank())
        .map(l -> l.trim().split("\\s+")[3])
        .map(local -> Integer.parseInt(local.substring(local.lastIndexOf(':') + 1))).toList();
  }

  /** Payload bytes of the packets {@code filter} matches, retransmissions not counted twice. */
  private static long payloadBytes(Path file, String filter) throws Exception {
    return tshark(file, filter + " && tcp.len > 0 && !tcp.analysis.retransmission", "tcp.len").stream()
        .mapToLong(Long::parseLong).sum();
  }

  /**
   * The {@code fields} (tab-separated) of each packet of {@code file} that {@code filter} matches
   * (null: every packet; no fields: tshark's summary line), read by tshark; its standard error (a
   * warning when run as root) is left out.
   */
  private static List<String> tshark(Path file, String filter, String... fields) throws Exception {
    List<String> command = new ArrayList<>(List.of("tshark", "-r", file.toString()));
    if (filter != null) {
      command.addAll(List.of("-Y", filter));
    }
    if (fields.length > 0) {
      command.addAll(List.of("-T", "fields"));
      for (String field : fields) {
        command.addAll(List.of("-e", field));
      }
    }
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    var output = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        p.getInputStream().transferTo(output);
      } catch (IOException e) {
        // killed
      }
    });
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tshark finished").isTrue();
    reader.join(5_000);
    assertThat(p.exitValue()).as("tshark's exit status").isZero();
    return output.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }

  /** Starts {@code command} in the guest namespace; it is killed after the class. */
  private static Process inGuestBackground(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", bed.guestNs));
    full.addAll(List.of(command));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    guestServers.add(p);
    return p;
  }

  /** Waits until a socket in the guest namespace listens on TCP {@code port} (asked with ss, no traffic). */
  private static void awaitGuestListening(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (bed.inGuest("ss", "-Hltn", "sport = :" + port).isBlank()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing listened on " + port + " in the guest");
      }
      Thread.sleep(100);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
