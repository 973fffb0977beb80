package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.DropReason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's first piece (issue 15): a host with a {@link TcpForwarder} takes TCP connections
 * to addresses that are not its own, and holds each SYN until the forwarder decides. The guest
 * (the client host, whose default route goes through the gateway) connects to 198.19.0.5, an
 * address neither host has; the test is the forwarder and decides by hand. Deterministic: one
 * thread, a virtual clock.
 */
class TcpForwardingTest {
  private static final HostConfig ONE_WORKER = HostConfig.builder().buildWith(h -> h.workers = 1);
  private static final InetSocketAddress OUTSIDE = new InetSocketAddress(InetAddress.ofLiteral("198.19.0.5"), 80);

  private final List<ForwardedSyn> offered = new ArrayList<>();

  /** The guest routes everything through the gateway, which forwards to the test. */
  private TwoHosts gateway() {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    net.server.forwardTcp(offered::add);
    return net;
  }

  private static String readAvailable(Connection c) throws IOException {
    byte[] buf = new byte[4096];
    int n = c.read(buf, 0, buf.length, 1);
    return n < 0 ? "<eof>" : new String(buf, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void accepted_theGuestsConnectionToAnOutsideAddress_endsInTheGateway_withHalfCloseBothWays() throws IOException {
    TwoHosts net = gateway();
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 100 * MS);
    assertThat(offered).hasSize(1);
    assertThat(guest.isConnected()).as("no SYN-ACK before the decision").isFalse();
    ForwardedSyn syn = offered.get(0);
    assertThat(net.server.format(syn.endpoints())).contains("198.19.0.5:80").contains("198.18.0.1");

    Connection relay = syn.accept(TcpConfig.defaults());
    net.settle();
    assertThat(guest.isConnected()).isTrue();
    assertThat(relay.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(relay.endpoints().localPort()).isEqualTo(80);

    guest.write("request".getBytes(StandardCharsets.US_ASCII), 0, 7, 0);
    guest.shutdownOutput();
    net.settle();
    assertThat(readAvailable(relay)).isEqualTo("request");
    assertThat(readAvailable(relay)).as("the guest's FIN, after its bytes").isEqualTo("<eof>");
    relay.write("reply".getBytes(StandardCharsets.US_ASCII), 0, 5, 0);
    relay.close();
    net.settle();
    assertThat(readAvailable(guest)).isEqualTo("reply");
    assertThat(readAvailable(guest)).isEqualTo("<eof>");
    assertThat(offered).as("the forwarder saw the SYN once").hasSize(1);
  }

  @Test
  void refused_theGuestsConnectIsRefusedWithARst() throws IOException {
    TwoHosts net = gateway();
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 100 * MS);
    offered.get(0).refuse();
    net.settle();
    assertThatThrownBy(() -> guest.awaitConnected(1)).isInstanceOf(ConnectException.class)
        .hasMessageContaining("Connection refused");
    assertThat(net.server.connectionCount()).isZero();
    assertThatThrownBy(() -> offered.get(0).accept(TcpConfig.defaults())).isInstanceOf(SocketException.class)
        .hasMessageContaining("decided already");
  }

  /**
   * The ICMP error reaches the guest, well formed and quoting its SYN: the guest's stack matches it
   * to its connection (else it would count {@code ICMP_NO_SOCKET}). A Linux guest fails its connect
   * on it at once ({@code tcp_v4_err} in SYN-SENT); a Sluice guest, as here, takes a host
   * unreachable as the soft error RFC 1122 §4.2.3.9 asks for and keeps retrying.
   */
  @Test
  void unreachable_answersWithAnIcmpHostUnreachable_quotingTheGuestsSyn() throws IOException {
    TwoHosts net = gateway();
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 100 * MS);
    offered.get(0).unreachable();
    net.settleUntil(net.clock[0] + 100 * MS);
    assertThat(net.client.hostDrops()).containsEntry(DropReason.ICMP_SOFT_ERROR, 1L)
        .doesNotContainKey(DropReason.ICMP_NO_SOCKET);
    assertThat(guest.isConnected()).isFalse();
    assertThat(net.server.connectionCount()).isZero();
  }

  @Test
  void whilePending_retransmittedSynsAreDropped_andAfterForget_theNextOneIsOfferedAgain() throws IOException {
    TwoHosts net = gateway();
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 2_500 * MS); // the guest's SYN RTO is 1 s: one retransmission at least
    assertThat(offered).hasSize(1);
    assertThat(net.server.tcpTotals().drops().get(DropReason.TCP_FORWARD_PENDING)).isPositive();
    offered.get(0).forget();
    net.settleUntil(net.clock[0] + 5_000 * MS); // the next retransmission
    assertThat(offered).hasSize(2);
    offered.get(1).accept(TcpConfig.defaults());
    net.settle();
    assertThat(guest.isConnected()).isTrue();
  }

  @Test
  void withoutAForwarder_aSegmentForAnotherAddressIsNotOurs() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 100 * MS);
    assertThat(net.server.hostDrops()).containsEntry(DropReason.NOT_FOR_US, 1L);
    assertThat(guest.isConnected()).isFalse();
  }

  @Test
  void theGatewaysOwnAddress_stillGoesToItsListener_notToTheForwarder() throws IOException {
    TwoHosts net = gateway();
    Listener listener = net.server.listen(80, 4);
    Connection guest = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    assertThat(guest.isConnected()).isTrue();
    assertThat(listener.poll()).isNotNull();
    assertThat(offered).isEmpty();
  }

  @Test
  void afterTheRelayIsGone_theGuestsNextSegmentIsAnsweredWithARst_notOfferedAsANewSyn() throws IOException {
    TwoHosts net = gateway();
    Connection guest = net.client.connect(OUTSIDE);
    net.settleUntil(net.clock[0] + 100 * MS);
    Connection relay = offered.get(0).accept(TcpConfig.defaults());
    net.settle();
    // The gateway forgets the flow while its RST is lost: the guest's next segment meets no connection.
    net.link.impair(dev.sluice.link.Impairments.NONE.withDelay(MS), dev.sluice.link.Impairments.NONE.withLoss(1.0));
    relay.abort();
    net.settle();
    net.link.impair(dev.sluice.link.Impairments.NONE.withDelay(MS), dev.sluice.link.Impairments.NONE.withDelay(MS));
    long resetsBefore = net.server.tcpTotals().get(dev.sluice.tcp.TcpCounter.RESETS_SENT);
    guest.write("late".getBytes(StandardCharsets.US_ASCII), 0, 4, 0);
    net.settle();
    assertThat(net.server.tcpTotals().get(dev.sluice.tcp.TcpCounter.RESETS_SENT)).isEqualTo(resetsBefore + 1);
    assertThat(guest.failure()).as("the RST reached the guest").isNotNull();
    assertThat(offered).hasSize(1);
  }
}
