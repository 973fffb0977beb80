package dev.sluice.stack;

import static dev.sluice.stack.FragmentPackets.DST4;
import static dev.sluice.stack.FragmentPackets.DST6;
import static dev.sluice.stack.FragmentPackets.SRC4;
import static dev.sluice.stack.FragmentPackets.SRC6;
import static dev.sluice.stack.FragmentPackets.cut;
import static dev.sluice.stack.FragmentPackets.echo;
import static dev.sluice.stack.FragmentPackets.packets;
import static dev.sluice.stack.FragmentPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Direction;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.stack.FragmentPackets.Spec;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fragmented IPv4 and IPv6 datagrams reach UDP, ICMP and TCP whole, through the host's receive
 * path (RFC 791 §3.2, RFC 8200 §4.5), and hostile fragments are dropped, counted and bounded
 * (hostile input 4). {@link FragmentReassemblerTest} covers the reassembler's rules one by one;
 * this covers its place in the host.
 */
class HostFragmentTest {
  private static final long MS = 1_000_000L;

  private final long[] clock = {1_000 * MS};
  private final SimulatedNetwork network = new SimulatedNetwork(3);
  private final SimulatedLink link = network.connect("peer0", "host0",
      SimulatedLink.Config.defaults().withQueueCapacity(65_536).withBuffers(65_536));
  private final Host host = new Host(HostConfig.builder().buildWith(h -> {
    h.workers = 2;
    h.clock = () -> clock[0];
  }));
  /** What the host sent, decoded later. */
  private final List<byte[]> sent = Collections.synchronizedList(new ArrayList<>());

  HostFragmentTest() {
    // FragmentPackets sends from 198.18.0.1 / 2001:2::1 to 198.19.0.2 / 2001:2:0:ffff::2.
    host.addInterface(link.b(), "198.19.0.2/15");
    host.addInterface(link.b(), "2001:2:0:ffff::2/48");
    link.b().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.OUTBOUND) {
        sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
      }
    });
  }

  private void inject(List<byte[]> packets) {
    for (byte[] p : packets) {
      link.a().transmit(p, 0, p.length, clock[0]);
    }
    settle();
  }

  /** Delivers everything in flight and runs the host's workers until nothing moves. */
  private void settle() {
    for (int round = 0; round < 10_000; round++) {
      clock[0] += MS;
      network.advance(clock[0]);
      boolean worked = host.poll(clock[0]);
      if (!worked && network.nextDueNanos() == Long.MAX_VALUE) {
        return;
      }
    }
    throw new AssertionError("the host never went quiet");
  }

  private DropCounters drops() {
    return host.drops();
  }

  private static byte[] data(int length, long seed) {
    return FragmentPackets.data(length, new SplittableRandom(seed));
  }

  @ParameterizedTest(name = "ipv6={0}")
  @ValueSource(booleans = {false, true})
  void udpDatagram_inFragmentsArrivingOutOfOrder_reachesTheSocketWhole(boolean v6) throws IOException {
    UdpEndpoint socket = host.bindUdp(53, 16);
    byte[] data = data(4000, 1);
    byte[] transport = udp(v6, data);
    List<byte[]> fragments = packets(cut(v6, 77, IpProtocol.UDP, transport.length, 1208), transport);
    assertThat(fragments).hasSize(4);
    Collections.reverse(fragments);
    inject(fragments);

    DatagramPacket received = new DatagramPacket(new byte[8000], 8000);
    socket.receive(received, 1_000 * MS);
    assertThat(java.util.Arrays.copyOfRange(received.getData(), 0, received.getLength())).isEqualTo(data);
    assertThat(received.getPort()).isEqualTo(5353);
    assertThat(host.fragmentDatagramsHeld()).as("nothing left behind").isZero();
    assertThat(host.fragmentBytesHeld()).isZero();
  }

  @ParameterizedTest(name = "ipv6={0}")
  @ValueSource(booleans = {false, true})
  void echoRequest_inFragments_isAnswered(boolean v6) {
    byte[] data = data(1000, 2);
    byte[] request = echo(v6, data);
    inject(packets(cut(v6, 78, v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP, request.length, 512), request));

    PacketDecoder decoder = new PacketDecoder(new DropCounters());
    byte[] reply = sent.stream().filter(p -> decoder.decodeIp(p, 0, p.length) == null
        && decoder.protocol() == (v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP)).findFirst().orElseThrow();
    decoder.decodeIp(reply, 0, reply.length);
    assertThat(decoder.icmp().type()).isEqualTo(v6 ? IcmpType.V6_ECHO_REPLY : IcmpType.V4_ECHO_REPLY);
    assertThat(decoder.icmp().length()).isEqualTo(request.length);
  }

  @ParameterizedTest(name = "ipv6={0}")
  @ValueSource(booleans = {false, true})
  void tcpSyn_inTwoFragments_isAnsweredWithSynAck(boolean v6) throws IOException {
    host.listen(80, 8);
    TcpBuilder tcp = new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(1000)
        .flags(TcpFlags.SYN).window(65_535).mss(1460).sackPermitted().windowScale(7);
    byte[] syn = new byte[tcp.headerLength()];
    int pseudo = v6
        ? Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1], IpProtocol.TCP, syn.length)
        : Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.TCP, syn.length);
    tcp.write(syn, 0, 0, pseudo);
    // The first fragment carries only the ports and the sequence number: nothing can be steered
    // or looked up before the datagram is whole.
    inject(packets(cut(v6, 79, IpProtocol.TCP, syn.length, 8), syn));

    PacketDecoder decoder = new PacketDecoder(new DropCounters());
    byte[] synAck = sent.stream().filter(p -> decoder.decodeIp(p, 0, p.length) == null
        && decoder.protocol() == IpProtocol.TCP).findFirst().orElseThrow();
    decoder.decodeIp(synAck, 0, synAck.length);
    assertThat(decoder.tcp().flags()).isEqualTo(TcpFlags.SYN | TcpFlags.ACK);
    assertThat(decoder.tcp().acknowledgmentNumber()).isEqualTo(1001);
    assertThat(decoder.tcp().destinationPort()).isEqualTo(40_000);
  }

  @Test
  void overlappingFragments_dropTheDatagram_andAreCounted() throws IOException {
    UdpEndpoint socket = host.bindUdp(53, 16);
    byte[] transport = udp(false, data(2000, 3));
    List<byte[]> fragments = packets(List.of(
        new Spec(false, 80, IpProtocol.UDP, 0, 1000, true),
        new Spec(false, 80, IpProtocol.UDP, 992, 1008, false)), transport); // 8 bytes overlap
    inject(fragments);

    assertThat(drops().get(DropReason.FRAGMENT_OVERLAP)).isEqualTo(2);
    assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[4000], 4000), 50 * MS))
        .as("nothing delivered").isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void fragmentsForAnotherHost_takeNoMemory() {
    byte[] transport = udp(false, data(2000, 4));
    List<byte[]> fragments = new ArrayList<>();
    for (Spec spec : cut(false, 81, IpProtocol.UDP, transport.length, 1000)) {
      byte[] p = FragmentPackets.fragment(spec, transport);
      p[19] = 9; // destination 198.19.0.9: on the link, but not ours
      dev.sluice.wire.Bytes.put16(p, 10, 0);
      dev.sluice.wire.Bytes.put16(p, 10, Checksum.finish(Checksum.sum(p, 0, 20)));
      fragments.add(p);
    }
    inject(fragments.subList(0, 1));

    assertThat(drops().get(DropReason.NOT_FOR_US)).isEqualTo(1);
    assertThat(host.fragmentDatagramsHeld()).isZero();
  }

  @Test
  void incompleteDatagram_expiresAfterTheTimeout() {
    byte[] transport = udp(false, data(2000, 5));
    inject(packets(cut(false, 82, IpProtocol.UDP, transport.length, 1000), transport).subList(0, 1));
    assertThat(host.fragmentDatagramsHeld()).isEqualTo(1);

    clock[0] += FragmentReassembler.DEFAULT_TIMEOUT_NANOS + 2_000 * MS;
    host.housekeeping().runIfDue(host.workers()[0]);

    assertThat(host.fragmentDatagramsHeld()).isZero();
    assertThat(host.fragmentBytesHeld()).isZero();
    assertThat(drops().get(DropReason.FRAGMENT_TIMEOUT)).isEqualTo(1);
  }

  @Test
  void floodOfIncompleteDatagrams_staysBounded_andAGenuineDatagramStillCompletes() throws IOException {
    UdpEndpoint socket = host.bindUdp(53, 16);
    byte[] filler = udp(false, data(1400, 6));
    // FragmentSmack: 20,000 first fragments whose datagrams never complete, in bursts.
    for (int burst = 0; burst < 20; burst++) {
      List<byte[]> flood = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        int id = 1_000 + burst * 1000 + i;
        flood.add(FragmentPackets.fragment(new Spec(false, id, IpProtocol.UDP, 0, 1000, true), filler));
      }
      inject(flood);
      assertThat(host.fragmentBytesHeld()).isLessThanOrEqualTo(FragmentReassembler.DEFAULT_MAX_BYTES);
      assertThat(host.fragmentDatagramsHeld()).isLessThanOrEqualTo(FragmentReassembler.DEFAULT_MAX_DATAGRAMS);
    }
    assertThat(drops().get(DropReason.FRAGMENT_MEMORY_PRESSURE) + drops().get(DropReason.FRAGMENT_TABLE_FULL))
        .as("the flood was shed and counted").isPositive();

    byte[] data = data(3000, 7);
    byte[] transport = udp(false, data);
    inject(packets(cut(false, 83, IpProtocol.UDP, transport.length, 1200), transport));
    DatagramPacket received = new DatagramPacket(new byte[4000], 4000);
    socket.receive(received, 1_000 * MS);
    assertThat(java.util.Arrays.copyOfRange(received.getData(), 0, received.getLength())).isEqualTo(data);
  }
}
