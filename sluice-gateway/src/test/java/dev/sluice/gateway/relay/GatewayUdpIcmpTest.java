package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * UDP and ICMP echo through the gateway end to end against Linux (issue 15), on {@link
 * GatewayTestbed} subnets 198.18.210.0/24 (the guest) and 198.18.211.0/24 (the veth: 198.18.211.1
 * the root side, 198.18.211.2 the outside namespace, where the servers run). The test's policy
 * refuses 198.18.211.1, so that a denied destination can be tried; flows idle for 3 s are closed.
 * Needs root; skips with a message otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayUdpIcmpTest {
  private static final String OUTSIDE = "198.18.211.2";
  private static final String DENIED = "198.18.211.1"; // the root side of the veth: refused by the test's policy
  private static final String NOBODY = "198.18.211.99"; // on the veth's network, and nobody has it
  private static final int ECHO_PORT = 7000;
  private static final int DNS_PORT = 5300;
  private static final int CLOSED_PORT = 7999;
  private static final Duration IDLE = Duration.ofSeconds(3);

  private static GatewayTestbed bed;
  private static GatewayHost gateway;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    InetAddress denied = InetAddress.ofLiteral(DENIED);
    bed = GatewayTestbed.start(210, 1500, config -> config.udpIdleTimeout(IDLE)
        .policy(destination -> destination.getAddress().equals(denied) ? null : destination));
    gateway = bed.gateway();
    startUdpEcho(bed, OUTSIDE);
    // A minimal DNS server: answers a query for an A record (RFC 1035 §4.1) with 198.18.211.53.
    bed.outside("python3", "-c", String.join("\n",
        "import socket, struct",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('" + OUTSIDE + "', " + DNS_PORT + "))",
        "while True:",
        "    q, a = s.recvfrom(512)",
        "    try:",
        "        qid, flags, qdcount = struct.unpack('!HHH', q[:6])",
        "        i = 12",
        "        while q[i] != 0: i += 1 + q[i]",
        "        qtype, qclass = struct.unpack('!HH', q[i + 1:i + 5])",
        "    except (IndexError, struct.error):",
        "        continue",
        "    if qdcount != 1 or qtype != 1 or qclass != 1: continue",
        "    answer = struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0) + q[12:i + 5]",
        "    answer += struct.pack('!HHHIH', 0xC00C, 1, 1, 60, 4) + socket.inet_aton('198.18.211.53')",
        "    s.sendto(answer, a)"));
    awaitUdpEcho(OUTSIDE);
  }

  /** A UDP echo server on {@code address}:{@link #ECHO_PORT} in {@code testbed}'s outside namespace. */
  private static void startUdpEcho(GatewayTestbed testbed, String address) throws IOException {
    testbed.outside("python3", "-c", String.join("\n",
        "import socket",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('" + address + "', " + ECHO_PORT + "))",
        "while True:",
        "    b, a = s.recvfrom(65535); s.sendto(b, a)"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  /** Waits until the outside's echo server answers, asking from the root namespace over the veth. */
  private static void awaitUdpEcho(String address) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.connect(new InetSocketAddress(address, ECHO_PORT));
      probe.socket().setSoTimeout(200);
      while (true) {
        try {
          probe.write(ByteBuffer.wrap(new byte[] {1}));
          probe.socket().receive(new java.net.DatagramPacket(new byte[8], 8));
          return;
        } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("the outside's UDP echo server never answered", e);
          }
          Thread.sleep(100);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  @Test
  @Order(1)
  void udpEcho_datagramsOfEverySize_comeBackIntact_fragmentedOnesIncluded() throws Exception {
    // 3000 and 8000 bytes: the guest's kernel fragments them and Sluice reassembles; Sluice fragments
    // the answers and the guest's kernel reassembles them.
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket, os",
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)",
        "c.connect(('" + OUTSIDE + "', " + ECHO_PORT + "))",
        "for n in (1, 100, 1472, 3000, 8000, 0, 512):",
        "    b = os.urandom(n); c.send(b); r = c.recv(65535)",
        "    assert r == b, (n, len(r))",
        "print('echoed', 7)"));
    assertThat(out).contains("echoed 7");
    assertThat(gateway.udp().toOutside.sum()).isGreaterThanOrEqualTo(7);
    assertThat(gateway.udp().toGuest.sum()).isGreaterThanOrEqualTo(7);
  }

  @Test
  @Order(2)
  void dns_aQueryWithARandomId_getsItsAnswer_withThatIdAndTheAddress() throws Exception {
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket, struct, random",
        "qid = random.randrange(65536)",
        "name = b''.join(bytes([len(l)]) + l for l in b'www.sluice.test'.split(b'.')) + b'\\0'",
        "q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) + name + struct.pack('!HH', 1, 1)",
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)",
        "c.connect(('" + OUTSIDE + "', " + DNS_PORT + ")); c.send(q)",
        "r = c.recv(512)",
        "rid, flags, qd, an = struct.unpack('!HHHH', r[:8])",
        "i = 12 + len(name) + 4",
        "rtype, rclass, ttl, rdlen = struct.unpack('!HHIH', r[i + 2:i + 12])",
        "print('id', 'matches' if rid == qid else 'differs', 'answers', an, 'type', rtype,",
        "      'address', socket.inet_ntoa(r[i + 12:i + 12 + rdlen]))"));
    assertThat(out.strip()).isEqualTo("id matches answers 1 type 1 address 198.18.211.53");
  }

  @Test
  @Order(3)
  void aPortWhereNothingListens_givesTheGuestsConnectedSocket_connectionRefused() throws Exception {
    long before = gateway.udp().refused.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(3)",
        "c.connect(('" + OUTSIDE + "', " + CLOSED_PORT + "))",
        "for attempt in range(5):",
        "    try:",
        "        c.send(b'anyone?'); c.recv(100); print('answered'); break",
        "    except ConnectionRefusedError as e:",
        "        print('refused', e.errno); break",
        "    except socket.timeout:",
        "        pass",
        "else:",
        "    print('no answer')"));
    assertThat(out.strip()).isEqualTo("refused 111");
    assertThat(gateway.udp().refused.sum()).isGreaterThan(before);
  }

  /**
   * Linux maps ICMP code 13 (communication administratively prohibited) to EHOSTUNREACH, a hard
   * error for a connected UDP socket ({@code icmp_err_convert} in net/ipv4/icmp.c).
   */
  @Test
  @Order(4)
  void aDeniedDestination_getsAnAdministrativelyProhibited_whichTheGuestSeesAsEhostunreach() throws Exception {
    long before = gateway.udp().denied.sum();
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(3)",
        "c.connect(('" + DENIED + "', " + ECHO_PORT + "))",
        "try:",
        "    c.send(b'let me in'); c.recv(100); print('answered')",
        "except socket.timeout:",
        "    print('no answer')",
        "except OSError as e:",
        "    print('error', e.errno)"));
    assertThat(out.strip()).isEqualTo("error 113");
    assertThat(gateway.udp().denied.sum()).isGreaterThan(before);
  }

  @Test
  @Order(5)
  void idleFlows_areClosedBySweep_afterTheIdleTimeout() throws Exception {
    long opened = gateway.udp().opened.sum();
    long idleBefore = gateway.udp().idleClosed.sum();
    bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "for i in range(3):",
        "    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(10)",
        "    c.connect(('" + OUTSIDE + "', " + ECHO_PORT + ")); c.send(b'x'); assert c.recv(10) == b'x'"));
    assertThat(gateway.udp().opened.sum()).as("a flow per guest port").isGreaterThanOrEqualTo(opened + 3);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (gateway.udp().flows() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(gateway.udp().flows()).as(gateway.counters()).isZero();
    assertThat(gateway.udp().idleClosed.sum()).isGreaterThanOrEqualTo(idleBefore + 3);
  }

  /** On a second testbed (198.18.212.0/24 and 198.18.213.0/24), whose gateway keeps at most two UDP flows. */
  @Test
  @Order(6)
  void beyondMaxUdpFlows_aNewFlowsDatagramIsDroppedAndCounted_whileTheOthersGoOn() throws Exception {
    try (GatewayTestbed capped = GatewayTestbed.start(212, 1500, config -> config.maxUdpFlows(2))) {
      String outside = capped.outsideAddress;
      startUdpEcho(capped, outside);
      awaitUdpEcho(outside);
      String out = capped.inGuest("python3", "-c", String.join("\n",
          "import socket",
          "socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for i in range(3)]",
          "for s in socks:",
          "    s.settimeout(3); s.connect(('" + outside + "', " + ECHO_PORT + "))",
          "result = []",
          "for s in socks:",
          "    try:",
          "        s.send(b'hi'); result.append('answered' if s.recv(10) == b'hi' else 'garbled')",
          "    except socket.timeout:",
          "        result.append('dropped')",
          "socks[0].send(b'again'); result.append('first again ' + ('answered' if socks[0].recv(10) == b'again' else 'garbled'))",
          "print(', '.join(result))"));
      assertThat(out.strip()).isEqualTo("answered, answered, dropped, first again answered");
      assertThat(capped.gateway().udp().overLimit.sum()).isEqualTo(1);
      assertThat(capped.gateway().udp().flows()).isEqualTo(2);
    }
  }

  @Test
  @Order(7)
  void ping_toTheOutside_getsThreeReplies() throws Exception {
    String out = bed.inGuest("ping", "-n", "-c", "3", "-W", "5", OUTSIDE);
    assertThat(out).contains("3 packets transmitted, 3 received");
    assertThat(gateway.echo().replied.sum()).isGreaterThanOrEqualTo(3);
  }

  /**
   * Each reply is taken by the thread that sent the request or by the ping socket's reader, which
   * the kernel wakes for it as well: every echo is answered once, none twice (ping counts a second
   * reply to one request as a duplicate), and none is left waiting in the relay's table. The server
   * namespace's kernel answers within the request's sendto(2), so the sending thread takes replies.
   */
  @Test
  @Order(7)
  void pingsInQuickSuccession_areEachAnsweredOnce() throws Exception {
    long replied = gateway.echo().replied.sum();
    long atOnce = gateway.echo().repliedAtOnce.sum();
    String out = bed.inGuest("ping", "-n", "-q", "-c", "300", "-i", "0.002", "-W", "5", OUTSIDE);
    assertThat(out).contains("300 packets transmitted, 300 received").doesNotContain("duplicates");
    assertThat(gateway.echo().replied.sum() - replied).isEqualTo(300);
    assertThat(gateway.echo().outstanding()).isZero();
    assertThat(gateway.echo().repliedAtOnce.sum() - atOnce).as("taken by the sending thread").isPositive();
  }

  @Test
  @Order(8)
  void ping_toAnAddressNobodyHas_getsNoReply_andDoesNotHang() throws Exception {
    String out = bed.inGuest("sh", "-c", "ping -n -c 2 -W 2 " + NOBODY + "; echo exit=$?");
    assertThat(out).contains("2 packets transmitted, 0 received").contains("exit=1");
  }

  @Test
  @Order(9)
  void ping_toADeniedAddress_isAnsweredAdministrativelyProhibited() throws Exception {
    String out = bed.inGuest("sh", "-c", "ping -n -c 1 -W 5 " + DENIED + "; echo exit=$?");
    assertThat(out).contains("Packet filtered").contains("exit=1");
    assertThat(gateway.echo().denied.sum()).isPositive();
  }
}
