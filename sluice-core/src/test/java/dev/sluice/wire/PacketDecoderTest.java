package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST4;
import static dev.sluice.wire.TestPackets.SRC4;
import static dev.sluice.wire.TestPackets.SRC6;
import static dev.sluice.wire.TestPackets.concat;
import static dev.sluice.wire.TestPackets.fragmentHeader;
import static dev.sluice.wire.TestPackets.ipv4;
import static dev.sluice.wire.TestPackets.ipv4Icmp;
import static dev.sluice.wire.TestPackets.ipv4Raw;
import static dev.sluice.wire.TestPackets.ipv4Tcp;
import static dev.sluice.wire.TestPackets.ipv4Udp;
import static dev.sluice.wire.TestPackets.ipv6;
import static dev.sluice.wire.TestPackets.ipv6Icmp;
import static dev.sluice.wire.TestPackets.ipv6Raw;
import static dev.sluice.wire.TestPackets.ipv6Tcp;
import static dev.sluice.wire.TestPackets.ipv6Udp;
import static dev.sluice.wire.TestPackets.optionsHeader;
import static dev.sluice.wire.TestPackets.routingHeader;
import static dev.sluice.wire.TestPackets.tcp;
import static dev.sluice.wire.TestPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PacketDecoderTest {
  private static final long MAC_A = 0x02_00_00_00_00_0AL;
  private static final long MAC_B = 0x02_00_00_00_00_0BL;

  private final DropCounters drops = new DropCounters();
  private final PacketDecoder decoder = new PacketDecoder(drops);

  private DropReason decodeIp(byte[] packet) {
    return decoder.decodeIp(packet, 0, packet.length);
  }

  private DropReason decodeEthernet(byte[] frame) {
    return decoder.decodeEthernet(frame, 0, frame.length);
  }

  private static byte[] ethernet(int etherType, byte[] payload) {
    return TestPackets.ethernet(new EthernetBuilder().destination(MAC_A).source(MAC_B).etherType(etherType),
        payload);
  }

  // --- accepted packets expose the right views

  @Test
  void ipv4Tcp_decodesToTheTcpView() {
    byte[] payload = TestPackets.bytes(33, 1);
    byte[] packet = ipv4Tcp(ipv4(), tcp().sourcePort(5000).destinationPort(6000).sequenceNumber(77)
        .flags(TcpFlags.ACK | TcpFlags.PSH).mss(1400), payload);
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.ipVersion()).isEqualTo(4);
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.TCP);
    assertThat(decoder.isFragment()).isFalse();
    assertThat(decoder.ipv4().source()).isEqualTo(SRC4);
    assertThat(decoder.ipv4().destination()).isEqualTo(DST4);
    assertThat(decoder.transportOffset()).isEqualTo(20);
    assertThat(decoder.transportLength()).isEqualTo(24 + 33);
    assertThat(decoder.tcp().sourcePort()).isEqualTo(5000);
    assertThat(decoder.tcp().destinationPort()).isEqualTo(6000);
    assertThat(decoder.tcp().sequenceNumber()).isEqualTo(77);
    assertThat(decoder.tcp().options().mss()).isEqualTo(1400);
    assertThat(decoder.tcp().payloadOffset()).isEqualTo(44);
    assertThat(decoder.tcp().payloadLength()).isEqualTo(33);
    assertThat(drops.total()).isZero();
    assertThat(decoder.drops()).isSameAs(drops);
  }

  @Test
  void ipv6Tcp_throughExtensionHeaders_decodesToTheTcpView() {
    byte[] ext = concat(optionsHeader(IpProtocol.IPV6_DESTINATION_OPTIONS),
        optionsHeader(IpProtocol.TCP));
    byte[] packet = ipv6Tcp(ipv6().extensionHeaders(IpProtocol.HOP_BY_HOP, ext, 0, ext.length),
        tcp().sourcePort(443).flags(TcpFlags.SYN | TcpFlags.ACK), TestPackets.bytes(10, 2));
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.ipVersion()).isEqualTo(6);
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.TCP);
    assertThat(decoder.transportOffset()).isEqualTo(56);
    assertThat(decoder.transportLength()).isEqualTo(30);
    assertThat(decoder.ipv6().sourceLow()).isEqualTo(SRC6[1]);
    assertThat(decoder.tcp().sourcePort()).isEqualTo(443);
    assertThat(decoder.tcp().sequenceLength()).isEqualTo(11);
    assertThat(drops.total()).isZero();
  }

  @Test
  void ipv6Udp_decodesToTheUdpView() {
    byte[] packet = ipv6Udp(ipv6(), udp().sourcePort(5353).destinationPort(5353), TestPackets.bytes(21, 3));
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.ipVersion()).isEqualTo(6);
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.UDP);
    assertThat(decoder.udp().destinationPort()).isEqualTo(5353);
    assertThat(decoder.udp().payloadOffset()).isEqualTo(48);
    assertThat(decoder.udp().payloadLength()).isEqualTo(21);
    assertThat(drops.total()).isZero();
  }

  @Test
  void ipv4Udp_decodesToTheUdpView() {
    byte[] packet = ipv4Udp(ipv4(), udp(), TestPackets.bytes(5, 4));
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.UDP);
    assertThat(decoder.udp().sourcePort()).isEqualTo(5353);
    assertThat(decoder.udp().payloadLength()).isEqualTo(5);
  }

  @Test
  void ipv4Icmp_decodesToTheIcmpView() {
    byte[] packet = ipv4Icmp(ipv4(), new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 0xBEEF, 3),
        TestPackets.bytes(56, 5));
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.ICMP);
    assertThat(decoder.icmp().isIpv6()).isFalse();
    assertThat(decoder.icmp().type()).isEqualTo(IcmpType.V4_ECHO_REQUEST);
    assertThat(decoder.icmp().echoIdentifier()).isEqualTo(0xBEEF);
    assertThat(decoder.icmp().echoSequence()).isEqualTo(3);
    assertThat(decoder.icmp().bodyLength()).isEqualTo(56);
  }

  @Test
  void ipv6Icmpv6_decodesToTheIcmpView() {
    byte[] packet = ipv6Icmp(ipv6(), new IcmpBuilder().type(IcmpType.V6_PACKET_TOO_BIG).restOfHeader(1280),
        TestPackets.bytes(48, 6));
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.ICMPV6);
    assertThat(decoder.icmp().isIpv6()).isTrue();
    assertThat(decoder.icmp().reportedMtu()).isEqualTo(1280);
    assertThat(drops.total()).isZero();
  }

  @Test
  void ethernetIpv4WithPadding_decodesWithTheIpLength() {
    // A bare ACK is 40 bytes; the minimum Ethernet payload is 46, so 6 bytes of padding follow.
    byte[] packet = ipv4Tcp(ipv4(), tcp(), new byte[0]);
    byte[] frame = ethernet(EthernetFrame.ETHERTYPE_IPV4, TestPackets.padded(packet, 6, 0xAA));
    assertThat(decodeEthernet(frame)).isNull();
    assertThat(decoder.etherType()).isEqualTo(EthernetFrame.ETHERTYPE_IPV4);
    assertThat(decoder.ethernet().source()).isEqualTo(MAC_B);
    assertThat(decoder.transportOffset()).isEqualTo(34);
    assertThat(decoder.transportLength()).isEqualTo(20);
    assertThat(decoder.tcp().payloadLength()).isZero();
    assertThat(drops.total()).isZero();
  }

  @Test
  void vlanTaggedIpv6_decodes() {
    byte[] packet = ipv6Udp(ipv6(), udp(), new byte[3]);
    byte[] frame = TestPackets.ethernet(
        new EthernetBuilder().etherType(EthernetFrame.ETHERTYPE_IPV6).vlanTag(42), packet);
    assertThat(decodeEthernet(frame)).isNull();
    assertThat(decoder.ethernet().vlanTag()).isEqualTo(42);
    assertThat(decoder.ipVersion()).isEqualTo(6);
    assertThat(decoder.udp().payloadLength()).isEqualTo(3);
  }

  @Test
  void ethernetArp_decodesToTheArpView() {
    byte[] arp = new byte[28];
    new ArpBuilder().operation(ArpPacket.OPERATION_REPLY).sender(MAC_B, SRC4).target(MAC_A, DST4)
        .write(arp, 0);
    byte[] frame = ethernet(EthernetFrame.ETHERTYPE_ARP, TestPackets.padded(arp, 18, 0));
    assertThat(decodeEthernet(frame)).isNull();
    assertThat(decoder.etherType()).isEqualTo(EthernetFrame.ETHERTYPE_ARP);
    assertThat(decoder.ipVersion()).isZero();
    assertThat(decoder.arp().operation()).isEqualTo(ArpPacket.OPERATION_REPLY);
    assertThat(decoder.arp().senderHardwareAddress()).isEqualTo(MAC_B);
    assertThat(decoder.arp().targetProtocolAddress()).isEqualTo(DST4);
  }

  @Test
  void unknownEtherType_isAcceptedButNotDecoded() {
    // LLDP (0x88CC): not for the stack, but not malformed either.
    assertThat(decodeEthernet(ethernet(0x88CC, new byte[30]))).isNull();
    assertThat(decoder.etherType()).isEqualTo(0x88CC);
    assertThat(decoder.ipVersion()).isZero();
    assertThat(drops.total()).isZero();
  }

  @Test
  void unknownIpProtocol_isAcceptedWithoutTransportDecoding() {
    byte[] sctp = ipv4Raw(ipv4(), 132, new byte[3]);
    assertThat(decodeIp(sctp)).isNull();
    assertThat(decoder.protocol()).isEqualTo(132);
    byte[] noNext = ipv6Raw(ipv6(), IpProtocol.IPV6_NO_NEXT_HEADER, new byte[0]);
    assertThat(decodeIp(noNext)).isNull();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.IPV6_NO_NEXT_HEADER);
    assertThat(drops.total()).isZero();
  }

  @Test
  void icmpOfTheOtherFamily_isNotDecoded() {
    // ICMPv4 over IPv6 and ICMPv6 over IPv4 mean nothing; their bytes are not checked.
    assertThat(decodeIp(ipv6Raw(ipv6(), IpProtocol.ICMP, new byte[3]))).isNull();
    assertThat(decodeIp(ipv4Raw(ipv4(), IpProtocol.ICMPV6, new byte[3]))).isNull();
    assertThat(drops.total()).isZero();
  }

  @Test
  void ipv4Fragments_areAcceptedWithoutTransportDecoding() {
    // The first fragment's "TCP header" is incomplete: only reassembly can check it.
    byte[] first = ipv4Raw(ipv4().moreFragments(true), IpProtocol.TCP, new byte[16]);
    assertThat(decodeIp(first)).isNull();
    assertThat(decoder.isFragment()).isTrue();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.TCP);
    assertThat(decoder.transportOffset()).isEqualTo(20);
    assertThat(decoder.transportLength()).isEqualTo(16);
    byte[] last = ipv4Raw(ipv4().fragmentOffset(16), IpProtocol.UDP, new byte[3]);
    assertThat(decodeIp(last)).isNull();
    assertThat(decoder.isFragment()).isTrue();
    assertThat(drops.total()).isZero();
  }

  @Test
  void ipv6Fragments_areAcceptedWithoutTransportDecoding() {
    byte[] frag = fragmentHeader(IpProtocol.TCP, 0, true, 99);
    byte[] packet = ipv6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT, frag, 0, 8), IpProtocol.TCP,
        new byte[16]);
    assertThat(decodeIp(packet)).isNull();
    assertThat(decoder.isFragment()).isTrue();
    assertThat(decoder.protocol()).isEqualTo(IpProtocol.TCP);
    assertThat(decoder.transportOffset()).isEqualTo(48);
    assertThat(decoder.transportLength()).isEqualTo(16);
    assertThat(drops.total()).isZero();
  }

  @Test
  void dropResetsTheDecodedState() {
    assertThat(decodeIp(ipv4Tcp(ipv4(), tcp(), new byte[0]))).isNull();
    assertThat(decoder.ipVersion()).isEqualTo(4);
    assertThat(decodeIp(new byte[] {0x45})).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(decoder.ipVersion()).isZero();
    assertThat(decoder.isFragment()).isFalse();
    assertThat(decoder.protocol()).isEqualTo(-1);
  }

  // --- every malformed case is dropped and counted once under its reason

  record Case(String name, DropReason reason, boolean ethernet, Supplier<byte[]> bytes) {
    @Override
    public String toString() {
      return name + " -> " + reason;
    }
  }

  private static byte[] edit(byte[] packet, int offset, int value) {
    packet[offset] = (byte) value;
    return packet;
  }

  private static byte[] edit16(byte[] packet, int offset, int value) {
    Bytes.put16(packet, offset, value);
    return packet;
  }

  /** An IPv4/TCP packet with raw option bytes, its checksums valid. */
  private static byte[] tcpWithOptions(int... raw) {
    byte[] bytes = new byte[raw.length];
    for (int i = 0; i < raw.length; i++) {
      bytes[i] = (byte) raw[i];
    }
    return ipv4Tcp(ipv4(), tcp().rawOption(bytes, 0, bytes.length), new byte[0]);
  }

  private static byte[] ipv4Options(int... raw) {
    byte[] bytes = new byte[raw.length];
    for (int i = 0; i < raw.length; i++) {
      bytes[i] = (byte) raw[i];
    }
    return ipv4Tcp(ipv4().options(bytes, 0, bytes.length), tcp(), new byte[0]);
  }

  private static byte[] ipv6With(int first, byte[] ext) {
    return ipv6Tcp(ipv6().extensionHeaders(first, ext, 0, ext.length), tcp(), new byte[0]);
  }

  static List<Case> malformed() {
    List<Case> c = new ArrayList<>();
    // IP, either family
    c.add(new Case("empty", DropReason.IP_TRUNCATED, false, () -> new byte[0]));
    c.add(new Case("19-byte IPv4", DropReason.IP_TRUNCATED, false,
        () -> Arrays.copyOf(ipv4Tcp(ipv4(), tcp(), new byte[0]), 19)));
    c.add(new Case("39-byte IPv6", DropReason.IP_TRUNCATED, false,
        () -> Arrays.copyOf(ipv6Tcp(ipv6(), tcp(), new byte[0]), 39)));
    c.add(new Case("version 5", DropReason.IP_BAD_VERSION, false,
        () -> edit(ipv4Tcp(ipv4(), tcp(), new byte[0]), 0, 0x55)));
    c.add(new Case("IPv6 in an IPv4 frame", DropReason.IP_BAD_VERSION, true,
        () -> ethernet(EthernetFrame.ETHERTYPE_IPV4, ipv6Tcp(ipv6(), tcp(), new byte[0]))));
    c.add(new Case("IPv4 in an IPv6 frame", DropReason.IP_BAD_VERSION, true,
        () -> ethernet(EthernetFrame.ETHERTYPE_IPV6, ipv4Tcp(ipv4(), tcp(), new byte[0]))));
    // IPv4
    c.add(new Case("IHL 4", DropReason.IPV4_BAD_HEADER_LENGTH, false,
        () -> edit(ipv4Tcp(ipv4(), tcp(), new byte[0]), 0, 0x44)));
    c.add(new Case("total length past frame", DropReason.IPV4_BAD_TOTAL_LENGTH, false,
        () -> edit16(ipv4Tcp(ipv4(), tcp(), new byte[0]), 2, 41)));
    c.add(new Case("IPv4 checksum", DropReason.IPV4_BAD_CHECKSUM, false,
        () -> edit(ipv4Tcp(ipv4(), tcp(), new byte[0]), 8, 1)));
    c.add(new Case("IPv4 option length 0", DropReason.IPV4_BAD_OPTION, false, () -> ipv4Options(7, 0, 0, 0)));
    c.add(new Case("loose source route", DropReason.IPV4_SOURCE_ROUTED, false,
        () -> ipv4Options(131, 7, 4, 1, 2, 3, 4, 1)));
    c.add(new Case("IPv4 fragment past 65535", DropReason.IPV4_BAD_FRAGMENT, false,
        () -> ipv4Raw(ipv4().fragmentOffset(65_528), IpProtocol.TCP, new byte[8])));
    c.add(new Case("IPv4 multicast source", DropReason.IPV4_BAD_SOURCE, false,
        () -> ipv4Tcp(ipv4().source(0xE000_0001), tcp(), new byte[0])));
    // IPv6
    c.add(new Case("IPv6 payload length past frame", DropReason.IPV6_BAD_PAYLOAD_LENGTH, false,
        () -> edit16(ipv6Tcp(ipv6(), tcp(), new byte[0]), 4, 21)));
    c.add(new Case("IPv6 extension truncated", DropReason.IPV6_EXTENSION_TRUNCATED, false,
        () -> ipv6Raw(ipv6(), IpProtocol.IPV6_DESTINATION_OPTIONS, new byte[4])));
    c.add(new Case("nine extension headers", DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG, false,
        () -> ipv6With(IpProtocol.IPV6_DESTINATION_OPTIONS,
            TestPackets.destinationOptionsChain(9, IpProtocol.TCP))));
    c.add(new Case("hop-by-hop second", DropReason.IPV6_HOP_BY_HOP_NOT_FIRST, false,
        () -> ipv6With(IpProtocol.IPV6_DESTINATION_OPTIONS,
            concat(optionsHeader(IpProtocol.HOP_BY_HOP), optionsHeader(IpProtocol.TCP)))));
    c.add(new Case("routing type 0", DropReason.IPV6_DEPRECATED_ROUTING_HEADER, false,
        () -> ipv6With(IpProtocol.IPV6_ROUTING, routingHeader(IpProtocol.TCP, 0, 0))));
    c.add(new Case("routing with segments left", DropReason.IPV6_ROUTING_NOT_FINAL, false,
        () -> ipv6With(IpProtocol.IPV6_ROUTING, routingHeader(IpProtocol.TCP, 4, 2))));
    c.add(new Case("IPv6 option with discard bits", DropReason.IPV6_BAD_OPTION, false,
        () -> ipv6With(IpProtocol.HOP_BY_HOP, optionsHeader(IpProtocol.TCP, 0x80, 0))));
    c.add(new Case("IPv6 odd-sized fragment", DropReason.IPV6_BAD_FRAGMENT, false,
        () -> ipv6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
            fragmentHeader(IpProtocol.TCP, 0, true, 1), 0, 8), IpProtocol.TCP, new byte[13])));
    c.add(new Case("IPv6 multicast source", DropReason.IPV6_BAD_SOURCE, false,
        () -> ipv6Tcp(ipv6().source(0xFF02_0000_0000_0000L, 1), tcp(), new byte[0])));
    // TCP
    c.add(new Case("TCP truncated", DropReason.TCP_TRUNCATED, false,
        () -> ipv4Raw(ipv4(), IpProtocol.TCP, new byte[19])));
    c.add(new Case("TCP data offset 4", DropReason.TCP_BAD_DATA_OFFSET, false,
        () -> edit(ipv4Tcp(ipv4(), tcp(), new byte[8]), 32, 0x40)));
    c.add(new Case("TCP checksum", DropReason.TCP_BAD_CHECKSUM, false,
        () -> edit(ipv4Tcp(ipv4(), tcp(), new byte[8]), 40, 1)));
    c.add(new Case("TCP checksum over IPv6", DropReason.TCP_BAD_CHECKSUM, false,
        () -> edit(ipv6Tcp(ipv6(), tcp(), new byte[8]), 60, 1)));
    c.add(new Case("TCP option length 1", DropReason.TCP_BAD_OPTION_LENGTH, false,
        () -> tcpWithOptions(30, 1, 0, 0)));
    c.add(new Case("TCP option past data offset", DropReason.TCP_OPTION_PAST_HEADER, false,
        () -> tcpWithOptions(1, 1, 8, 10)));
    c.add(new Case("TCP port 0", DropReason.TCP_BAD_PORT, false,
        () -> ipv4Tcp(ipv4(), tcp().destinationPort(0), new byte[0])));
    // UDP
    c.add(new Case("UDP truncated", DropReason.UDP_TRUNCATED, false,
        () -> ipv4Raw(ipv4(), IpProtocol.UDP, new byte[7])));
    c.add(new Case("UDP length past IP payload", DropReason.UDP_BAD_LENGTH, false,
        () -> edit16(ipv4Udp(ipv4(), udp(), new byte[4]), 24, 13)));
    c.add(new Case("UDP checksum", DropReason.UDP_BAD_CHECKSUM, false,
        () -> edit(ipv6Udp(ipv6(), udp(), new byte[4]), 49, 1)));
    c.add(new Case("UDP over IPv6 without checksum", DropReason.UDP_MISSING_CHECKSUM, false,
        () -> edit16(ipv6Udp(ipv6(), udp(), new byte[4]), 46, 0)));
    c.add(new Case("UDP port 0", DropReason.UDP_BAD_PORT, false,
        () -> ipv4Udp(ipv4(), udp().destinationPort(0), new byte[4])));
    // ICMP
    c.add(new Case("ICMP truncated", DropReason.ICMP_TRUNCATED, false,
        () -> ipv4Raw(ipv4(), IpProtocol.ICMP, new byte[7])));
    c.add(new Case("ICMP checksum", DropReason.ICMP_BAD_CHECKSUM, false,
        () -> edit(ipv4Icmp(ipv4(), new IcmpBuilder().echo(8, 1, 1), new byte[4]), 29, 1)));
    c.add(new Case("ICMPv6 checksum", DropReason.ICMP_BAD_CHECKSUM, false,
        () -> edit(ipv6Icmp(ipv6(), new IcmpBuilder().echo(128, 1, 1), new byte[4]), 45, 0x55)));
    // Ethernet and ARP
    c.add(new Case("Ethernet truncated", DropReason.ETHERNET_TRUNCATED, true, () -> new byte[13]));
    c.add(new Case("ARP truncated", DropReason.ARP_TRUNCATED, true,
        () -> ethernet(EthernetFrame.ETHERTYPE_ARP, new byte[27])));
    c.add(new Case("ARP for IPv6", DropReason.ARP_UNSUPPORTED, true, () -> {
      byte[] arp = new byte[28];
      new ArpBuilder().write(arp, 0);
      return ethernet(EthernetFrame.ETHERTYPE_ARP, edit16(arp, 2, 0x86DD));
    }));
    c.add(new Case("TCP checksum inside Ethernet", DropReason.TCP_BAD_CHECKSUM, true,
        () -> ethernet(EthernetFrame.ETHERTYPE_IPV4, edit(ipv4Tcp(ipv4(), tcp(), new byte[8]), 45, 9))));
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedPacket_isDroppedAndCountedOnceUnderItsReason(Case c) {
    byte[] bytes = c.bytes().get();
    DropReason reason = c.ethernet() ? decodeEthernet(bytes) : decodeIp(bytes);
    assertThat(reason).isEqualTo(c.reason());
    assertThat(drops.get(c.reason())).isEqualTo(1);
    assertThat(drops.total()).isEqualTo(1);
    assertThat(drops.snapshot()).isEqualTo(Map.of(c.reason(), 1L));
  }

  @Test
  void malformedCases_coverEveryReasonTheDecoderCanGive() {
    Set<DropReason> covered = malformed().stream().map(Case::reason).collect(Collectors.toSet());
    // The wire layer's reasons open the enum, from IP to ARP; the TCP engine's and the links'
    // come after them and are not the decoder's to give.
    Set<DropReason> wire = EnumSet.range(DropReason.IP_TRUNCATED, DropReason.ARP_UNSUPPORTED);
    assertThat(covered).containsExactlyInAnyOrderElementsOf(wire);
  }

  @Test
  void countersAccumulateAcrossPackets() {
    byte[] bad = edit(ipv4Tcp(ipv4(), tcp(), new byte[8]), 40, 1);
    for (int i = 0; i < 3; i++) {
      assertThat(decodeIp(bad)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
    }
    assertThat(decodeIp(ipv4Tcp(ipv4(), tcp(), new byte[8]))).isNull();
    assertThat(decodeIp(new byte[0])).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(drops.snapshot())
        .isEqualTo(Map.of(DropReason.TCP_BAD_CHECKSUM, 3L, DropReason.IP_TRUNCATED, 1L));
    assertThat(drops.toString()).contains("TCP_BAD_CHECKSUM=3");
  }

  // --- robustness: nothing throws, and every drop is counted exactly once

  /** The counters moved by exactly one under {@code reason}, or not at all if it is null. */
  private void assertCountedOnce(DropReason reason, Map<DropReason, Long> before) {
    Map<DropReason, Long> expected = new EnumMap<>(DropReason.class);
    expected.putAll(before);
    if (reason != null) {
      expected.merge(reason, 1L, Long::sum);
    }
    assertThat(drops.snapshot()).isEqualTo(expected);
  }

  @RepeatedTest(50)
  void decodeIp_neverThrows_andCountsEachDropOnce(RepetitionInfo repetition) {
    Seeds.run(0xDEC_0000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 120);
        if (buf.length > 0 && r.nextBoolean()) {
          buf[0] = (byte) ((r.nextBoolean() ? 0x40 : 0x60) | (buf[0] & 0x0F));
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 120) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 140) : buf.length - off;
        Map<DropReason, Long> before = drops.snapshot();
        assertCountedOnce(decoder.decodeIp(buf, off, length), before);
      }
    });
  }

  private static final int[] ETHER_TYPES = {EthernetFrame.ETHERTYPE_IPV4,
      EthernetFrame.ETHERTYPE_IPV6, EthernetFrame.ETHERTYPE_ARP, EthernetFrame.ETHERTYPE_VLAN, 0x88CC};

  @RepeatedTest(50)
  void decodeEthernet_neverThrows_andCountsEachDropOnce(RepetitionInfo repetition) {
    Seeds.run(0xDEC_1000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 140);
        if (buf.length >= 14) {
          Bytes.put16(buf, 12, ETHER_TYPES[r.nextInt(ETHER_TYPES.length)]);
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 120) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 160) : buf.length - off;
        Map<DropReason, Long> before = drops.snapshot();
        assertCountedOnce(decoder.decodeEthernet(buf, off, length), before);
      }
    });
  }

  private static final List<Supplier<byte[]>> VALID = List.of(
      () -> ipv4Tcp(ipv4(), tcp().mss(1460).sackPermitted().timestamps(1, 2).windowScale(7), new byte[12]),
      () -> ipv6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS,
          optionsHeader(IpProtocol.TCP, 0x1E, 0), 0, 8), tcp().sack(2, new int[] {1, 2, 3, 4}), new byte[9]),
      () -> ipv6Udp(ipv6(), udp(), new byte[20]),
      () -> ipv4Udp(ipv4(), udp(), new byte[20]),
      () -> ipv4Icmp(ipv4(), new IcmpBuilder().echo(8, 1, 2), new byte[20]),
      () -> ipv6Icmp(ipv6(), new IcmpBuilder().echo(128, 1, 2), new byte[20]),
      () -> ipv4Raw(ipv4().moreFragments(true), IpProtocol.TCP, new byte[24]),
      () -> ipv4Tcp(ipv4().options(new byte[] {7, 7, 4, 0, 0, 0, 0}, 0, 7), tcp(), new byte[4]));

  @RepeatedTest(200)
  void corruptedValidPackets_neverThrow_andCountEachDropOnce(RepetitionInfo repetition) {
    Seeds.run(0xDEC_2000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 10; i++) {
        // Valid packets with a few bytes overwritten, and maybe cut short, reach deeper than
        // random bytes do.
        byte[] packet = VALID.get(r.nextInt(VALID.size())).get();
        int edits = Seeds.between(r, 1, 4);
        for (int e = 0; e < edits; e++) {
          packet[r.nextInt(packet.length)] = (byte) r.nextInt(256);
        }
        int cut = r.nextBoolean() ? 0 : Seeds.between(r, 0, 80);
        int length = Math.max(0, packet.length - cut);
        Map<DropReason, Long> before = drops.snapshot();
        assertCountedOnce(decoder.decodeIp(packet, 0, length), before);

        int etherType = (packet[0] & 0xF0) == 0x60
            ? EthernetFrame.ETHERTYPE_IPV6 : EthernetFrame.ETHERTYPE_IPV4;
        byte[] frame = ethernet(etherType, packet);
        before = drops.snapshot();
        assertCountedOnce(decoder.decodeEthernet(frame, 0, frame.length - cut), before);
      }
    });
  }

  @Test
  void validPacketsUsedByTheCorruptionProperty_areValid() {
    for (Supplier<byte[]> valid : VALID) {
      assertThat(decodeIp(valid.get())).isNull();
    }
    assertThat(drops.total()).isZero();
  }
}
