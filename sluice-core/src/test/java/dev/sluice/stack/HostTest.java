package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.DropReason;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The host runtime driven by hand: connections, listeners, refusals, caps, the watchdog. */
class HostTest {
  private static final HostConfig ONE_WORKER = HostConfig.builder().buildWith(h -> h.workers = 1);

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String readAvailable(Connection c) throws IOException {
    byte[] buf = new byte[4096];
    int n = c.read(buf, 0, buf.length, 1);
    return n < 0 ? "<eof>" : new String(buf, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void connect_accept_exchangeBothWays_thenCloseCleanly_ipv4() throws IOException {
    exchange(false);
  }

  @Test
  void connect_accept_exchangeBothWays_thenCloseCleanly_ipv6() throws IOException {
    exchange(true);
  }

  private static void exchange(boolean ipv6) throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener listener = net.server.listen(80, 8);
    Connection client = net.client.connect(ipv6 ? TwoHosts.serverAddress6(80) : TwoHosts.serverAddress(80));
    net.settle();
    Connection server = listener.poll();
    assertThat(server).isNotNull();
    assertThat(client.isConnected()).isTrue();
    assertThat(server.endpoints().ipv6()).isEqualTo(ipv6);

    client.write(text("hello"), 0, 5, 0);
    client.shutdownOutput();
    net.settle();
    assertThat(readAvailable(server)).isEqualTo("hello");
    assertThat(readAvailable(server)).isEqualTo("<eof>");
    server.write(text("world"), 0, 5, 0);
    server.close();
    net.settle();
    assertThat(readAvailable(client)).isEqualTo("world");
    assertThat(readAvailable(client)).isEqualTo("<eof>");
    client.close();
    net.settle();
    assertThat(client.state()).isIn(TcpState.TIME_WAIT, TcpState.CLOSED);
    assertThat(server.state()).isEqualTo(TcpState.CLOSED);
    assertThat(client.finSentAtNanos()).isGreaterThanOrEqualTo(client.shutdownAtNanos()).isPositive();
    net.settleUntil(net.clock[0] + 5 * 60_000 * MS); // past 2·MSL
    assertThat(net.client.connectionCount()).isZero();
    assertThat(net.server.connectionCount()).isZero();
    assertThat(net.server.tcpTotals().get(TcpCounter.PASSIVE_OPENS)).isEqualTo(1);
    assertThat(net.client.tcpTotals().get(TcpCounter.ACTIVE_OPENS)).isEqualTo(1);
  }

  @Test
  void connect_toAPortNobodyListensOn_isRefused_andTheServerCountsItsRst() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Connection c = net.client.connect(TwoHosts.serverAddress(81));
    net.settle();
    assertThatThrownBy(() -> c.awaitConnected(1)).isInstanceOf(ConnectException.class)
        .hasMessageContaining("Connection refused").hasMessageContaining("198.18.0.2:81");
    assertThat(net.server.tcpTotals().get(TcpCounter.RESETS_SENT)).isEqualTo(1);
    assertThat(net.server.tcpTotals().drops()).containsEntry(DropReason.TCP_NO_CONNECTION, 1L);
    assertThat(net.client.connectionCount()).isZero();
  }

  @Test
  void connect_withoutARoute_throwsNoRouteToHost() {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    assertThatThrownBy(() -> net.client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.19.0.9"), 80)))
        .isInstanceOf(NoRouteToHostException.class).hasMessageContaining("198.19.0.9");
  }

  @Test
  void connect_toAnUnresolvedName_isRefusedWithoutDns() {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    assertThatThrownBy(() -> net.client.connect(InetSocketAddress.createUnresolved("example.invalid", 80)))
        .isInstanceOf(java.net.SocketException.class).hasMessageContaining("no DNS");
  }

  @Test
  void listen_twiceOnOnePort_throwsBindException() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.server.listen(80, 1);
    assertThatThrownBy(() -> net.server.listen(80, 1)).isInstanceOf(BindException.class)
        .hasMessageContaining("port 80");
    assertThatThrownBy(() -> net.server.listen(-1, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port out of range");
    assertThatThrownBy(() -> net.server.listen(65_536, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port out of range");
  }

  @Test
  void listen_onPortZero_takesAFreeEphemeralPort() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener a = net.server.listen(0, 1);
    Listener b = net.server.listen(0, 1);
    assertThat(a.port()).isBetween(49_152, 65_535);
    assertThat(b.port()).isBetween(49_152, 65_535).isNotEqualTo(a.port());
    assertThatThrownBy(() -> net.server.listen(a.port(), 1)).isInstanceOf(BindException.class);
  }

  @Test
  void listen_atItsCap_answersWithACookie_whoseConnectionGetsInOnceThereIsRoom() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener listener = net.server.listen(80, 2);
    Connection[] clients = new Connection[3];
    for (int i = 0; i < 3; i++) {
      clients[i] = net.client.connect(TwoHosts.serverAddress(80));
    }
    net.settleUntil(net.clock[0] + 100 * MS);
    // The third SYN found two half-open connections at the cap: it got a SYN cookie, and its ACK
    // then found the accept queue full (both others established), so the ACK was dropped.
    assertThat(net.server.tcpTotals().get(dev.sluice.tcp.TcpCounter.SYN_COOKIES_SENT)).isEqualTo(1);
    assertThat(listener.queued()).isEqualTo(2);
    assertThat(net.server.tcpTotals().drops()).containsEntry(DropReason.LISTEN_QUEUE_FULL, 1L);
    assertThat(clients[2].isConnected()).as("the client completed its side of the handshake").isTrue();
    assertThat(listener.poll()).isNotNull();
    // Its first data segment carries the cookie again (same SEQ and ACK), and now there is room.
    clients[2].write(new byte[10], 0, 10, 0);
    net.settleUntil(net.clock[0] + 3_000 * MS);
    assertThat(listener.queued()).isEqualTo(2);
    assertThat(net.server.tcpTotals().get(dev.sluice.tcp.TcpCounter.SYN_COOKIES_RECEIVED)).isEqualTo(1);
    listener.poll();
    Connection third = listener.poll();
    byte[] got = new byte[10];
    assertThat(third.read(got, 0, 10, 1_000 * MS)).isEqualTo(10);
  }

  @Test
  void watchdog_reportsAConnectionWhoseApplicationNeverClosesAfterEndOfStream_once() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER.toBuilder().buildWith(h -> h.watchdogNanos = 10_000 * MS));
    TwoHosts.Established pair = net.establish(80);
    Connection client = pair.client();
    Connection server = pair.server();
    client.shutdownOutput();
    net.settle();
    assertThat(server.endOfStreamDelivered()).isTrue();
    long now = net.clock[0];
    assertThat(net.server.watchdogScan(now + 5_000 * MS)).as("not yet stuck").isZero();
    assertThat(net.server.watchdogScan(now + 11_000 * MS)).isEqualTo(1);
    assertThat(net.server.watchdogScan(now + 20_000 * MS)).as("reported once").isZero();
    assertThat(net.server.watchdogReports()).isEqualTo(1);
    assertThat(net.client.watchdogScan(now + 11_000 * MS)).as("the client got no FIN").isZero();
  }

  @Test
  void watchdog_staysQuietWhenTheApplicationClosed() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER.toBuilder().buildWith(h -> h.watchdogNanos = 10_000 * MS));
    TwoHosts.Established pair = net.establish(80);
    Connection client = pair.client();
    Connection server = pair.server();
    client.shutdownOutput();
    net.settle();
    server.close();
    assertThat(net.server.watchdogScan(net.clock[0] + 60_000 * MS)).isZero();
  }

  @Test
  void backlog_whileSomeoneElseOwns_holdsSegmentsUpToItsLimit_andTheOwnerDrainsThem() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER.toBuilder().buildWith(h -> {
      h.backlogLimit = 3;
      // RACK-TLP off: the server is held, so nothing is ACKed, and the client's tail loss probe
      // (RFC 8985 §7, 2·SRTT later) would be a sixth segment for the full backlog. This test is
      // about the backlog's limit, with exactly five segments sent.
      h.tcp = dev.sluice.tcp.TcpConfig.builder().buildWith(b -> {
        b.nagle = false;
        b.rackTlp = false;
      });
    }));
    TwoHosts.Established pair = net.establish(80);
    Connection client = pair.client();
    Connection server = pair.server();
    assertThat(server.tryAcquire()).as("the test plays an application thread owning the connection").isTrue();
    byte[] data = new byte[1000];
    for (int i = 0; i < 5; i++) {
      client.write(data, 0, data.length, 0);
      net.settleUntil(net.clock[0] + 10 * MS);
    }
    assertThat(net.server.hostDrops()).containsEntry(DropReason.BACKLOG_FULL, 2L);
    assertThat(server.hasStrandedWork()).as("owned, so not stranded").isFalse();
    OwnerContext ctx = new OwnerContext(net.server.drops());
    server.drain(ctx, net.clock[0]);
    assertThat(server.hasStrandedWork()).isFalse();
    net.settleUntil(net.clock[0] + 5_000 * MS); // the dropped segments are retransmitted
    byte[] buf = new byte[10_000];
    int total = 0;
    while (total < 5 * data.length) {
      int n = server.read(buf, 0, buf.length, 1); // throws if the bytes are not all there
      assertThat(n).isPositive();
      total += n;
    }
    assertThat(total).isEqualTo(5 * data.length);
  }

  @Test
  void readWithTimeout_throwsSocketTimeoutExceptionNamingTheConnection() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener listener = net.server.listen(80, 8);
    net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    Connection server = listener.poll();
    assertThatThrownBy(() -> server.read(new byte[10], 0, 10, 2 * MS))
        .isInstanceOf(java.net.SocketTimeoutException.class).hasMessageContaining("198.18.0.2:80");
  }

  @Test
  void connectionTable_printsLikeSs() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    client.write(text("abc"), 0, 3, 0);
    net.settle();
    String table = ConnectionTableFormat.format(java.util.List.of(client.info()));
    assertThat(table).contains("State", "Recv-Q", "Send-Q", "ESTAB", "198.18.0.1:", "198.18.0.2:80", "mss:1448",
        "segs_out:");
    assertThat(table.lines().count()).isEqualTo(3);
  }
}
