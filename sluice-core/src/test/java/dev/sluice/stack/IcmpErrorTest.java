package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Direction;
import dev.sluice.tcp.TcpCounter;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ICMP errors reach the connection they quote, through the ownership protocol: "fragmentation
 * needed" lowers the MSS, "port unreachable" refuses a connect; forged or stale ones are counted
 * and ignored (RFC 5927, hostile inputs 11 and 12).
 */
class IcmpErrorTest {
  private static final int CLIENT = 0xC612_0001;
  private static final int SERVER = 0xC612_0002;

  /** Packets the client sent, captured at its interface. */
  private static List<byte[]> captureClient(TwoHosts net) {
    List<byte[]> sent = new ArrayList<>();
    net.link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.OUTBOUND) {
        sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
      }
    });
    return sent;
  }

  /** An ICMPv4 error from a router on the path (198.18.0.2 here), quoting {@code quoted}. */
  private static void injectIcmp(TwoHosts net, int type, int code, int rest, byte[] quoted) {
    byte[] packet = new byte[20 + 8 + 28];
    System.arraycopy(quoted, 0, packet, 28, 28); // IP header + 8 bytes of TCP, as RFC 792 asks
    new IcmpBuilder().type(type).code(code).restOfHeader(rest).writeV4(packet, 20, 28);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(SERVER).destination(CLIENT).write(packet, 0, 36);
    // Send it as the server side's interface would, so it arrives at the client.
    net.link.b().transmit(packet, 0, packet.length, net.clock[0]);
  }

  @Test
  void fragmentationNeeded_quotingADataSegment_lowersTheMss_andTheDataStillArrives() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    Listener listener = net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    Connection server = listener.poll();
    List<byte[]> sent = captureClient(net);
    client.write(new byte[3000], 0, 3000, 0);
    byte[] firstData = sent.stream().filter(p -> p.length > 1000).findFirst().orElseThrow();
    injectIcmp(net, IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 1000, firstData);
    net.settle();
    assertThat(client.stats().get(TcpCounter.PATH_MTU_DECREASES)).isEqualTo(1);
    assertThat(sent.stream().filter(p -> p.length > 1000).count()).as("nothing larger went out afterwards")
        .isLessThanOrEqualTo(2);
    byte[] buf = new byte[3000];
    int total = 0;
    while (total < 3000) {
      total += server.read(buf, total, 3000 - total, 1);
    }
    assertThat(total).isEqualTo(3000);
  }

  @Test
  void fragmentationNeeded_withATinyMtu_isIgnored() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    List<byte[]> sent = captureClient(net);
    client.write(new byte[2000], 0, 2000, 0);
    injectIcmp(net, IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 68, sent.get(0));
    net.settle();
    assertThat(client.stats().drops(DropReason.ICMP_MTU_TOO_SMALL)).isEqualTo(1);
    assertThat(client.stats().get(TcpCounter.PATH_MTU_DECREASES)).isZero();
  }

  @Test
  void portUnreachable_forOurSyn_refusesTheConnect() {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    List<byte[]> sent = captureClient(net);
    Connection client;
    try {
      client = net.client.connect(TwoHosts.serverAddress(81));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    byte[] syn = sent.get(0);
    assertThat(Bytes.u8(syn, 33) & 0x02).as("the captured packet is the SYN").isNotZero();
    injectIcmp(net, IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_PORT_UNREACHABLE, 0, syn);
    net.settleUntil(net.clock[0] + 5 * MS); // before the server's own RST could arrive
    assertThatThrownBy(() -> client.awaitConnected(1)).isInstanceOf(ConnectException.class)
        .hasMessageContaining("refused");
  }

  @Test
  void portUnreachable_onAnEstablishedConnection_isSoft() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    List<byte[]> sent = captureClient(net);
    client.write(new byte[100], 0, 100, 0);
    injectIcmp(net, IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_PORT_UNREACHABLE, 0, sent.get(0));
    net.settle();
    assertThat(client.isConnected()).isTrue();
    assertThat(client.failure()).isNull();
    assertThat(client.stats().drops(DropReason.ICMP_SOFT_ERROR)).isEqualTo(1);
  }

  @Test
  void errorQuotingNoConnection_isCounted() {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    byte[] fake = new byte[28];
    new Ipv4Builder().protocol(IpProtocol.TCP).ttl(64).source(CLIENT).destination(SERVER).write(fake, 0, 8);
    Bytes.put16(fake, 20, 12345);
    Bytes.put16(fake, 22, 80);
    injectIcmp(net, IcmpType.V4_DESTINATION_UNREACHABLE, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 1000, fake);
    net.settle();
    assertThat(net.client.hostDrops()).containsEntry(DropReason.ICMP_NO_SOCKET, 1L);
  }
}
