package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Direction;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.UdpBuilder;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * UDP forwarding (issue 15): a host with a {@link UdpForwarder} takes datagrams to addresses that
 * are not its own and can answer from any of them ({@link Host#sendUdp}), or with an ICMP
 * unreachable quoting the datagram. The guest (the client host, its default routes through the
 * gateway) sends to 198.19.0.5 and 2001:2:0:1::5, which neither host has; the test is the
 * forwarder. Deterministic: one thread, a virtual clock.
 */
class UdpForwardingTest {
  private static final HostConfig ONE_WORKER = HostConfig.builder().buildWith(h -> h.workers = 1);
  private static final InetSocketAddress OUTSIDE = new InetSocketAddress(InetAddress.ofLiteral("198.19.0.5"), 53);
  private static final InetSocketAddress OUTSIDE6 = new InetSocketAddress(InetAddress.ofLiteral("2001:2:0:1::5"), 53);
  private static final InetAddress GATEWAY = InetAddress.ofLiteral("198.18.0.2");

  private final List<ForwardedDatagram> offered = new ArrayList<>();

  private TwoHosts gateway() {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    net.client.addRoute("::/0", "2001:2::2");
    net.server.forwardUdp(offered::add);
    return net;
  }

  /** Packets that arrive at the guest's interface, copied. */
  private static List<byte[]> arrivingAtGuest(TwoHosts net) {
    List<byte[]> arrived = new ArrayList<>();
    net.link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.INBOUND) {
        arrived.add(Arrays.copyOfRange(buf, off, off + len));
      }
    });
    return arrived;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String text(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return new String(a, StandardCharsets.US_ASCII);
  }

  @Test
  void aDatagramToAnOutsideAddress_goesToTheForwarder_withItsTupleAndPayload_ipv4AndIpv6() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_000, 16);
    guest.send(bytes("query"), 0, 5, OUTSIDE);
    guest.send(bytes("query6"), 0, 6, OUTSIDE6);
    net.settle();
    assertThat(offered).hasSize(2);
    assertThat(offered.get(0).source()).isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.1"), 40_000));
    assertThat(offered.get(0).destination()).isEqualTo(OUTSIDE);
    assertThat(text(offered.get(0).payload())).isEqualTo("query");
    assertThat(offered.get(1).source()).isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("2001:2::1"), 40_000));
    assertThat(offered.get(1).destination()).isEqualTo(OUTSIDE6);
    assertThat(text(offered.get(1).payload())).isEqualTo("query6");
    assertThatThrownBy(() -> offered.get(0).payload().put((byte) 1)).as("the payload is read-only")
        .isInstanceOf(java.nio.ReadOnlyBufferException.class);
  }

  @Test
  void answers_reachTheGuestsConnectedSocket_fromTheOutsideAddress_ipv4AndIpv6() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_001, 16);
    guest.connect(OUTSIDE);
    guest.send(bytes("q"), 0, 1, OUTSIDE);
    net.settle();
    ForwardedDatagram d = offered.get(0);
    ByteBuffer answer = ByteBuffer.wrap(bytes("answer"));
    assertThat(net.server.sendUdp(d.destination(), d.source(), answer)).isTrue();
    assertThat(answer.remaining()).as("the payload's position is left as it was").isEqualTo(6);
    net.settle();
    DatagramPacket p = new DatagramPacket(new byte[100], 100);
    guest.receive(p, 1);
    assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).isEqualTo("answer");
    assertThat(p.getSocketAddress()).as("from the address the guest is connected to").isEqualTo(OUTSIDE);

    UdpEndpoint guest6 = net.client.bindUdp(40_002, 16);
    guest6.send(bytes("q6"), 0, 2, OUTSIDE6);
    net.settle();
    ForwardedDatagram d6 = offered.get(1);
    assertThat(net.server.sendUdp(d6.destination(), d6.source(), ByteBuffer.wrap(bytes("answer6")))).isTrue();
    net.settle();
    guest6.receive(p, 1);
    assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).isEqualTo("answer6");
    assertThat(p.getSocketAddress()).isEqualTo(OUTSIDE6);
  }

  @Test
  void anIpv4AnswerLargerThanTheLink_isFragmented_andTheGuestReassemblesIt() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_003, 16);
    guest.send(bytes("q"), 0, 1, OUTSIDE);
    net.settle();
    byte[] big = new byte[4000]; // an EDNS0 DNS answer, say, on a 1500-byte link
    new SplittableRandom(7).nextBytes(big);
    List<byte[]> arrived = arrivingAtGuest(net);
    assertThat(net.server.sendUdp(OUTSIDE, offered.get(0).source(), ByteBuffer.wrap(big))).isTrue();
    net.settle();
    assertThat(arrived).hasSize(3).allSatisfy(packet -> assertThat(packet.length).isLessThanOrEqualTo(1500));
    DatagramPacket p = new DatagramPacket(new byte[5000], 5000);
    guest.receive(p, 1);
    assertThat(Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(big);
  }

  @Test
  void anIpv6AnswerLargerThanTheLink_isDroppedAndCounted() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_004, 16);
    guest.send(bytes("q"), 0, 1, OUTSIDE6);
    net.settle();
    assertThat(net.server.sendUdp(OUTSIDE6, offered.get(0).source(), ByteBuffer.allocate(1500))).isFalse();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.FORWARD_REPLY_UNSENDABLE, 1L);
    assertThatThrownBy(() -> net.server.sendUdp(OUTSIDE, offered.get(0).source(), ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one family");
  }

  @Test
  void portUnreachable_reachesTheGuest_fromTheDestination_quotingItsDatagram() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_005, 16);
    guest.send(bytes("knock"), 0, 5, OUTSIDE);
    net.settle();
    List<byte[]> arrived = arrivingAtGuest(net);
    assertThat(offered.get(0).unreachable(Unreachable.PORT)).isTrue();
    net.settle();
    assertThat(arrived).hasSize(1);
    assertUnreachable(arrived.get(0), false, IcmpType.V4_CODE_PORT_UNREACHABLE, OUTSIDE.getAddress(), 40_005, 53,
        "knock");
  }

  @Test
  void prohibited_reachesTheGuest_fromTheGateway_withCode13_andIcmpv6Code1() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_006, 16);
    guest.send(bytes("no"), 0, 2, OUTSIDE);
    guest.send(bytes("no6"), 0, 3, OUTSIDE6);
    net.settle();
    List<byte[]> arrived = arrivingAtGuest(net);
    offered.get(0).unreachable(Unreachable.PROHIBITED);
    offered.get(1).unreachable(Unreachable.PROHIBITED);
    net.settle();
    assertThat(arrived).hasSize(2);
    assertUnreachable(arrived.get(0), false, 13, GATEWAY, 40_006, 53, "no");
    assertUnreachable(arrived.get(1), true, 1, InetAddress.ofLiteral("2001:2::2"), 40_006, 53, "no6");
    // Sluice as a guest does not surface ICMP errors to UDP ports yet: it counts them as quoting nothing of its own.
    assertThat(net.client.hostDrops()).containsEntry(DropReason.ICMP_NO_SOCKET, 2L);
  }

  /** Parses {@code packet} as a destination unreachable and checks what it says and what it quotes. */
  private static void assertUnreachable(byte[] packet, boolean v6, int code, InetAddress from, int quotedSourcePort,
      int quotedDestinationPort, String quotedPayload) throws IOException {
    PacketDecoder d = new PacketDecoder(new DropCounters());
    assertThat(d.decodeIp(packet, 0, packet.length)).as("well formed, checksums included").isNull();
    assertThat(d.protocol()).isEqualTo(v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP);
    assertThat(d.icmp().type()).isEqualTo(v6 ? IcmpType.V6_DESTINATION_UNREACHABLE : IcmpType.V4_DESTINATION_UNREACHABLE);
    assertThat(d.icmp().code()).isEqualTo(code);
    byte[] source = v6 ? Arrays.copyOfRange(packet, 8, 24) : Arrays.copyOfRange(packet, 12, 16);
    assertThat(InetAddress.getByAddress(source)).isEqualTo(from);
    // The quote: the guest's own IP header, then its UDP header and data (all of it, being short).
    int quote = d.icmp().bodyOffset();
    int udp = quote + (v6 ? 40 : (packet[quote] & 0x0F) * 4);
    assertThat(Bytes.u8(packet, quote + (v6 ? 6 : 9))).isEqualTo(IpProtocol.UDP);
    assertThat(Bytes.u16(packet, udp)).isEqualTo(quotedSourcePort);
    assertThat(Bytes.u16(packet, udp + 2)).isEqualTo(quotedDestinationPort);
    assertThat(new String(packet, udp + 8, packet.length - udp - 8, StandardCharsets.US_ASCII)).isEqualTo(quotedPayload);
  }

  @Test
  void withoutAForwarder_aDatagramForAnotherAddressIsNotOurs() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    net.server.bindUdp(53, 16); // a socket on the port must not take a datagram for another address
    net.client.bindUdp(40_007, 16).send(bytes("x"), 0, 1, OUTSIDE);
    net.settle();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.NOT_FOR_US, 1L);
  }

  @Test
  void theGatewaysOwnPorts_stillTakeTheirDatagrams_notTheForwarder() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint own = net.server.bindUdp(53, 16);
    net.client.bindUdp(40_008, 16).send(bytes("mine"), 0, 4, TwoHosts.serverAddress(53));
    net.settle();
    assertThat(own.queued()).isEqualTo(1);
    assertThat(offered).isEmpty();
  }

  @Test
  void hostile_multicastBroadcastSpoofedAndCorrupt_areDroppedAndCounted_neverForwarded() throws IOException {
    TwoHosts net = gateway();
    UdpEndpoint guest = net.client.bindUdp(40_009, 16);
    guest.send(bytes("m"), 0, 1, new InetSocketAddress(InetAddress.ofLiteral("239.1.2.3"), 5353));
    guest.send(bytes("b"), 0, 1, new InetSocketAddress(InetAddress.ofLiteral("255.255.255.255"), 67));
    guest.send(bytes("m6"), 0, 2, new InetSocketAddress(InetAddress.ofLiteral("ff02::fb"), 5353));
    net.settle();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.FORWARD_NOT_UNICAST, 3L);
    // From the gateway's own address (LAND), and with a corrupt checksum: crafted on the guest's wire.
    injectFromGuest(net, 0xC612_0002, false);
    injectFromGuest(net, 0xC612_0001, true);
    net.settle();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.IPV4_BAD_SOURCE, 1L)
        .containsEntry(DropReason.UDP_BAD_CHECKSUM, 1L);
    assertThat(offered).isEmpty();
  }

  /** A UDP datagram to 198.19.0.5:53 from {@code source}, put on the guest's side of the link. */
  private static void injectFromGuest(TwoHosts net, int source, boolean corrupt) {
    byte[] packet = new byte[20 + 8 + 4];
    int destination = 0xC613_0005;
    new UdpBuilder().sourcePort(1234).destinationPort(53)
        .write(packet, 20, 4, dev.sluice.wire.Checksum.pseudoHeaderIpv4(source, destination, IpProtocol.UDP, 0));
    if (corrupt) {
      packet[27] ^= 0x55;
    }
    new Ipv4Builder().protocol(IpProtocol.UDP).ttl(64).source(source).destination(destination).write(packet, 0, 12);
    net.link.a().transmit(packet, 0, packet.length, net.clock[0]);
  }

  @Test
  void aForwarderThatThrows_costsOnlyItsDatagram_andIsCounted() throws IOException {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    net.server.forwardUdp(d -> {
      offered.add(d);
      if (offered.size() == 1) {
        throw new IllegalStateException("a bug in the forwarder");
      }
    });
    UdpEndpoint guest = net.client.bindUdp(40_010, 16);
    guest.send(bytes("1"), 0, 1, OUTSIDE);
    net.settle();
    guest.send(bytes("2"), 0, 1, OUTSIDE);
    net.settle();
    assertThat(offered).hasSize(2);
    assertThat(net.server.hostDrops()).containsEntry(DropReason.FORWARD_FAILED, 1L);
    assertThat(net.server.workerFaults()).isZero();
  }

  @Test
  void aFragmentedDatagramToAnOutsideAddress_isReassembledAndForwarded() throws IOException {
    TwoHosts net = gateway();
    byte[] big = new byte[3000];
    new SplittableRandom(3).nextBytes(big);
    // The guest side sends a datagram larger than the link as fragments, as a Linux guest does.
    byte[] udp = new byte[8 + big.length];
    System.arraycopy(big, 0, udp, 8, big.length);
    int source = 0xC612_0001;
    int destination = 0xC613_0005;
    new UdpBuilder().sourcePort(4321).destinationPort(53)
        .write(udp, 0, big.length, dev.sluice.wire.Checksum.pseudoHeaderIpv4(source, destination, IpProtocol.UDP, 0));
    Ipv4Builder ip = new Ipv4Builder().protocol(IpProtocol.UDP).ttl(64).identification(99).source(source)
        .destination(destination);
    for (int offset = 0; offset < udp.length; offset += 1480) {
      int n = Math.min(1480, udp.length - offset);
      byte[] fragment = new byte[20 + n];
      System.arraycopy(udp, offset, fragment, 20, n);
      ip.fragmentOffset(offset).moreFragments(offset + n < udp.length).write(fragment, 0, n);
      net.link.a().transmit(fragment, 0, fragment.length, net.clock[0]);
    }
    net.settleUntil(net.clock[0] + 100 * MS);
    assertThat(offered).hasSize(1);
    ByteBuffer payload = offered.get(0).payload();
    byte[] got = new byte[payload.remaining()];
    payload.get(got);
    assertThat(got).isEqualTo(big);
  }
}
