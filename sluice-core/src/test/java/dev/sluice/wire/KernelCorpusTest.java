package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real packets from the Linux kernel (captured by {@code scripts/capture-corpus.sh}, see
 * {@code src/test/resources/corpus/README.md}) must pass every check of the wire views, and the
 * builders must reproduce each one byte for byte from the parsed fields alone.
 *
 * <p>Round trips through Sluice's own builders and parsers cannot catch a field that both sides
 * get wrong in the same way, such as a misplaced flag or a checksum over the wrong range. The
 * kernel is an independent implementation, so agreeing with it bit for bit is the real check.
 */
class KernelCorpusTest {
  private static final List<String> CORPUS =
      List.of("tcp-ipv4.pcap", "tcp-ipv6.pcap", "udp-icmp.pcap", "fragments.pcap", "sack.pcap");
  // The two hosts of scripts/capture-corpus.sh.
  private static final long MAC_A = 0x02_53_4c_00_00_0aL;
  private static final long MAC_B = 0x02_53_4c_00_00_0bL;
  private static final long MAC_BROADCAST = 0xFF_FF_FF_FF_FF_FFL;
  private static final int IPV4_A = 0xC6_12_00_01; // 198.18.0.1
  private static final int IPV4_B = 0xC6_12_00_02; // 198.18.0.2
  private static final long IPV6_BENCHMARKING_PREFIX = 0x2001_0002_0000_0000L; // 2001:2::/64
  private static final long IPV6_LINK_LOCAL_PREFIX = 0xFE80_0000_0000_0000L; // fe80::/64
  private static final Set<Integer> TCP_PORTS = Set.of(8001, 8002, 8003, 8004, 9);
  private static final Set<Integer> UDP_PORTS = Set.of(7001, 7002, 9);

  /** Ethernet's minimum frame without the FCS: shorter frames are padded up to it on the wire. */
  private static final int MIN_FRAME_LENGTH = 60;

  /** What the corpus must demonstrably contain, so that a bad re-capture fails loudly. */
  enum Feature {
    ARP_REQUEST, ARP_REPLY,
    NEIGHBOR_SOLICITATION, NEIGHBOR_ADVERTISEMENT, IPV6_HOP_BY_HOP,
    TCP_OVER_IPV4, TCP_OVER_IPV6, TCP_PAYLOAD,
    SYN_WITH_MSS_SACK_PERMITTED_TIMESTAMPS_WINDOW_SCALE, SYN_WITH_MSS_ONLY, SYN_REQUESTING_ECN,
    ECN_CAPABLE_TRANSPORT, FIN, RST, SACK_BLOCK, SACK_SEVERAL_BLOCKS,
    UDP_OVER_IPV4, UDP_OVER_IPV6,
    ICMPV4_ECHO_REQUEST, ICMPV4_ECHO_REPLY, ICMPV4_PORT_UNREACHABLE,
    ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY, ICMPV6_PORT_UNREACHABLE,
    IPV4_FIRST_FRAGMENT, IPV4_LATER_FRAGMENT, IPV6_FIRST_FRAGMENT, IPV6_LATER_FRAGMENT
  }

  private static final Map<String, Set<Feature>> EXPECTED_FEATURES = Map.of(
      "tcp-ipv4.pcap", EnumSet.of(Feature.ARP_REQUEST, Feature.ARP_REPLY, Feature.TCP_OVER_IPV4,
          Feature.TCP_PAYLOAD, Feature.SYN_WITH_MSS_SACK_PERMITTED_TIMESTAMPS_WINDOW_SCALE,
          Feature.SYN_WITH_MSS_ONLY, Feature.SYN_REQUESTING_ECN, Feature.ECN_CAPABLE_TRANSPORT,
          Feature.FIN, Feature.RST),
      "tcp-ipv6.pcap", EnumSet.of(Feature.NEIGHBOR_SOLICITATION, Feature.NEIGHBOR_ADVERTISEMENT,
          Feature.IPV6_HOP_BY_HOP, Feature.TCP_OVER_IPV6, Feature.TCP_PAYLOAD,
          Feature.SYN_WITH_MSS_SACK_PERMITTED_TIMESTAMPS_WINDOW_SCALE, Feature.SYN_WITH_MSS_ONLY,
          Feature.SYN_REQUESTING_ECN, Feature.ECN_CAPABLE_TRANSPORT, Feature.FIN, Feature.RST),
      "udp-icmp.pcap", EnumSet.of(Feature.ARP_REQUEST, Feature.ARP_REPLY,
          Feature.NEIGHBOR_SOLICITATION, Feature.NEIGHBOR_ADVERTISEMENT, Feature.UDP_OVER_IPV4,
          Feature.UDP_OVER_IPV6, Feature.ICMPV4_ECHO_REQUEST, Feature.ICMPV4_ECHO_REPLY,
          Feature.ICMPV4_PORT_UNREACHABLE, Feature.ICMPV6_ECHO_REQUEST, Feature.ICMPV6_ECHO_REPLY,
          Feature.ICMPV6_PORT_UNREACHABLE),
      "fragments.pcap", EnumSet.of(Feature.IPV4_FIRST_FRAGMENT, Feature.IPV4_LATER_FRAGMENT,
          Feature.IPV6_FIRST_FRAGMENT, Feature.IPV6_LATER_FRAGMENT),
      "sack.pcap", EnumSet.of(Feature.TCP_OVER_IPV4, Feature.TCP_PAYLOAD, Feature.SACK_BLOCK,
          Feature.SACK_SEVERAL_BLOCKS, Feature.FIN));

  @TestFactory
  Stream<DynamicTest> everyKernelPacketParsesAndRebuildsIdentically() {
    return CORPUS.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      PcapFile pcap = PcapFile.readResource("/corpus/" + name);
      assertThat(pcap.linkType()).as("%s link type", name).isEqualTo(PcapFile.LINKTYPE_ETHERNET);
      assertThat(pcap.packets()).as("%s packets", name).isNotEmpty();
      DropCounters drops = new DropCounters();
      PacketDecoder decoder = new PacketDecoder(drops);
      for (PcapFile.Packet packet : pcap.packets()) {
        String where = name + " frame " + (packet.index() + 1); // 1-based, as Wireshark numbers
        assertThat(packet.truncated()).as("%s is cut short by the snap length", where).isFalse();
        assertParsesAndRebuilds(where, packet.data(), decoder, drops);
      }
    }));
  }

  /**
   * veth hands frames over unpadded, so the corpus has frames shorter than Ethernet's 60-byte
   * minimum (ARP, and IPv4 segments without options). A NIC pads them with zeros; padded like
   * that they must still parse, and rebuild to the packet with only the padding left over.
   */
  @Test
  void paddedMinimumFramesParseAndRebuildWithoutThePadding() {
    Set<Integer> paddedEtherTypes = new TreeSet<>();
    for (String name : CORPUS) {
      DropCounters drops = new DropCounters();
      PacketDecoder decoder = new PacketDecoder(drops);
      for (PcapFile.Packet packet : PcapFile.readResource("/corpus/" + name).packets()) {
        if (packet.data().length < MIN_FRAME_LENGTH) {
          String where = name + " frame " + (packet.index() + 1) + " padded to " + MIN_FRAME_LENGTH;
          assertParsesAndRebuilds(where, Arrays.copyOf(packet.data(), MIN_FRAME_LENGTH), decoder, drops);
          paddedEtherTypes.add(decoder.etherType());
        }
      }
    }
    assertThat(paddedEtherTypes).as("EtherTypes of the short frames")
        .contains(EthernetFrame.ETHERTYPE_ARP, EthernetFrame.ETHERTYPE_IPV4);
  }

  private static void assertParsesAndRebuilds(String where, byte[] frame, PacketDecoder decoder,
      DropCounters drops) {
    DropReason reason = decoder.decodeEthernet(frame, 0, frame.length);
    assertThat(reason).as("%s drop reason", where).isNull();
    assertThat(drops.total()).as("%s drop counters %s", where, drops).isZero();

    byte[] rebuilt = new byte[frame.length + 64];
    int length = Rebuilder.rebuildFrame(decoder, rebuilt);
    assertSameBytes(where, frame, rebuilt, length);
  }

  @Test
  void corpusHoldsTheTrafficItIsMeantToCover() {
    for (String name : CORPUS) {
      Set<Feature> found = EnumSet.noneOf(Feature.class);
      PacketDecoder decoder = new PacketDecoder(new DropCounters());
      for (PcapFile.Packet packet : PcapFile.readResource("/corpus/" + name).packets()) {
        assertThat(decoder.decodeEthernet(packet.data(), 0, packet.data().length))
            .as("%s frame %d", name, packet.index() + 1).isNull();
        found.addAll(features(decoder));
      }
      assertThat(found).as("features of %s", name).containsAll(EXPECTED_FEATURES.get(name));
    }
  }

  /**
   * A byte-exact rebuild cannot tell a getter and a builder that agree on the wrong offset. So
   * the fields that the capture script fixed are checked for their known values too; this also
   * shows that nothing but the two test hosts' own traffic ever got into the corpus.
   */
  @Test
  void corpusHoldsOnlyTrafficBetweenTheTwoTestHosts() {
    for (String name : CORPUS) {
      PacketDecoder d = new PacketDecoder(new DropCounters());
      for (PcapFile.Packet packet : PcapFile.readResource("/corpus/" + name).packets()) {
        String where = name + " frame " + (packet.index() + 1);
        assertThat(d.decodeEthernet(packet.data(), 0, packet.data().length)).as(where).isNull();
        EthernetFrame eth = d.ethernet();
        assertThat(eth.source()).as("%s source MAC", where).isIn(MAC_A, MAC_B);
        // Unicast to the other host, broadcast (ARP) or an IPv6 multicast MAC 33:33:xx:xx:xx:xx.
        assertThat(eth.destination() == MAC_A || eth.destination() == MAC_B
            || eth.destination() == MAC_BROADCAST || eth.destination() >>> 32 == 0x3333)
            .as("%s destination MAC %012x", where, eth.destination()).isTrue();
        assertThat(eth.vlanTag()).as("%s VLAN tag", where).isEqualTo(-1);
        if (d.etherType() == EthernetFrame.ETHERTYPE_ARP) {
          assertThat(d.arp().senderProtocolAddress()).as("%s ARP sender", where).isIn(IPV4_A, IPV4_B);
          assertThat(d.arp().targetProtocolAddress()).as("%s ARP target", where).isIn(IPV4_A, IPV4_B);
          assertThat(d.arp().senderHardwareAddress()).as("%s ARP sender MAC", where).isEqualTo(eth.source());
          continue;
        }
        boolean v6 = d.ipVersion() == 6;
        if (v6) {
          Ipv6Packet ip = d.ipv6();
          assertThat(ip.sourceHigh()).as("%s IPv6 source prefix", where)
              .isIn(IPV6_BENCHMARKING_PREFIX, IPV6_LINK_LOCAL_PREFIX);
          assertThat(ip.destinationHigh() == IPV6_BENCHMARKING_PREFIX
              || ip.destinationHigh() >>> 48 == 0xFF02)
              .as("%s IPv6 destination %016x%016x", where, ip.destinationHigh(), ip.destinationLow())
              .isTrue();
        } else {
          Ipv4Packet ip = d.ipv4();
          assertThat(Set.of(ip.source(), ip.destination())).as("%s IPv4 addresses", where)
              .containsExactlyInAnyOrder(IPV4_A, IPV4_B);
          assertThat(ip.ttl()).as("%s TTL", where).isEqualTo(64);
        }
        if (d.isFragment()) {
          continue;
        }
        // Host A is always the client and B the server, so the direction pins down which port is
        // which: a getter and a builder that both swapped them would still rebuild identically.
        boolean fromA = eth.source() == MAC_A;
        if (d.protocol() == IpProtocol.TCP) {
          TcpSegment tcp = d.tcp();
          assertThat(fromA ? tcp.destinationPort() : tcp.sourcePort())
              .as("%s TCP server port of %d > %d", where, tcp.sourcePort(), tcp.destinationPort())
              .isIn(TCP_PORTS);
          if (tcp.options().mss() >= 0) {
            // 1500-byte MTU less the IP and TCP headers.
            assertThat(tcp.options().mss()).as("%s MSS", where).isEqualTo(v6 ? 1440 : 1460);
          }
        } else if (d.protocol() == IpProtocol.UDP) {
          UdpDatagram udp = d.udp();
          assertThat(fromA ? udp.destinationPort() : udp.sourcePort())
              .as("%s UDP server port of %d > %d", where, udp.sourcePort(), udp.destinationPort())
              .isIn(UDP_PORTS);
        }
      }
    }
  }

  /**
   * The fragments carry checksums over whole datagrams, which no single fragment can confirm:
   * put them back together and the reassembled datagram must parse and rebuild too.
   */
  @Test
  void fragmentedDatagramsReassembleIntoPacketsThatParseAndRebuild() {
    PcapFile pcap = PcapFile.readResource("/corpus/fragments.pcap");
    PacketDecoder decoder = new PacketDecoder(new DropCounters());
    Map<String, List<Fragment>> pending = new LinkedHashMap<>();
    List<byte[]> datagrams = new ArrayList<>();
    for (PcapFile.Packet packet : pcap.packets()) {
      assertThat(decoder.decodeEthernet(packet.data(), 0, packet.data().length)).isNull();
      if (!decoder.isFragment()) {
        continue;
      }
      Fragment fragment = Fragment.of(decoder);
      List<Fragment> pieces = pending.computeIfAbsent(fragment.key(), k -> new ArrayList<>());
      pieces.add(fragment);
      byte[] datagram = Fragment.reassemble(pieces);
      if (datagram != null) {
        pending.remove(fragment.key());
        datagrams.add(datagram);
      }
    }
    assertThat(pending).as("datagrams with fragments missing").isEmpty();

    DropCounters drops = new DropCounters();
    PacketDecoder whole = new PacketDecoder(drops);
    Set<String> kinds = new TreeSet<>();
    for (int i = 0; i < datagrams.size(); i++) {
      byte[] datagram = datagrams.get(i);
      String where = "reassembled datagram " + i;
      assertThat(whole.decodeIp(datagram, 0, datagram.length)).as(where).isNull();
      assertThat(drops.total()).as("%s drop counters %s", where, drops).isZero();
      assertThat(whole.isFragment()).as(where).isFalse();
      kinds.add("IPv" + whole.ipVersion() + "/" + whole.protocol());

      byte[] rebuilt = new byte[datagram.length];
      int length = Rebuilder.rebuildIp(whole, rebuilt, 0);
      assertSameBytes(where, datagram, rebuilt, length);
    }
    // ping -s 3000 and a 3000-byte UDP datagram, each way, over both families.
    assertThat(datagrams).hasSize(8);
    assertThat(kinds).containsExactlyInAnyOrder("IPv4/" + IpProtocol.ICMP, "IPv4/" + IpProtocol.UDP,
        "IPv6/" + IpProtocol.ICMPV6, "IPv6/" + IpProtocol.UDP);
  }

  @Test
  void pcapReaderAcceptsBothByteOrdersAndNanosecondTimestamps() {
    byte[] frame = {1, 2, 3, 4, 5};
    for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
      for (boolean nanos : List.of(false, true)) {
        ByteBuffer file = ByteBuffer.allocate(24 + 16 + frame.length).order(order);
        file.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4)
            .putInt(0).putInt(0).putInt(65_535).putInt(PcapFile.LINKTYPE_ETHERNET);
        file.putInt(1_700_000_000).putInt(123).putInt(frame.length).putInt(frame.length + 1).put(frame);

        PcapFile pcap = PcapFile.read(file.array());

        assertThat(pcap.byteOrder()).isEqualTo(order);
        assertThat(pcap.nanosecondTimestamps()).isEqualTo(nanos);
        assertThat(pcap.snapLength()).isEqualTo(65_535);
        assertThat(pcap.packets()).singleElement().satisfies(p -> {
          assertThat(p.seconds()).isEqualTo(1_700_000_000L);
          assertThat(p.nanos()).isEqualTo(nanos ? 123 : 123_000);
          assertThat(p.data()).containsExactly(frame);
          assertThat(p.truncated()).isTrue();
        });
      }
    }
    byte[] pcapng = {0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThatThrownBy(() -> PcapFile.read(pcapng)).hasMessageContaining("not a classic pcap");
  }

  /**
   * The rebuilt bytes must equal the original's prefix; anything the original has beyond that can
   * only be Ethernet padding of a frame shorter than the minimum, which Linux fills with zeros.
   */
  private static void assertSameBytes(String where, byte[] original, byte[] rebuilt, int length) {
    assertThat(length).as("%s rebuilt length", where).isLessThanOrEqualTo(original.length);
    int mismatch = Arrays.mismatch(original, 0, length, rebuilt, 0, length);
    assertThat(mismatch)
        .as("%s: rebuilt differs at byte %d%n original %s%n rebuilt  %s", where, mismatch,
            HexFormat.of().formatHex(original, 0, length), HexFormat.of().formatHex(rebuilt, 0, length))
        .isEqualTo(-1);
    if (length < original.length) {
      assertThat(original.length).as("%s: %d bytes past the packet, so it must be a padded minimum frame",
          where, original.length - length).isEqualTo(MIN_FRAME_LENGTH);
      assertThat(Arrays.copyOfRange(original, length, original.length)).as("%s padding", where)
          .containsOnly(0);
    }
  }

  private static Set<Feature> features(PacketDecoder d) {
    Set<Feature> f = EnumSet.noneOf(Feature.class);
    if (d.etherType() == EthernetFrame.ETHERTYPE_ARP) {
      f.add(d.arp().operation() == ArpPacket.OPERATION_REQUEST ? Feature.ARP_REQUEST : Feature.ARP_REPLY);
      return f;
    }
    boolean v6 = d.ipVersion() == 6;
    if (v6) {
      if ((d.ipv6().trafficClass() & 0x03) != 0) {
        f.add(Feature.ECN_CAPABLE_TRANSPORT);
      }
      if (d.ipv6().nextHeader() == IpProtocol.HOP_BY_HOP) {
        f.add(Feature.IPV6_HOP_BY_HOP);
      }
      if (d.isFragment()) {
        f.add(d.ipv6().fragmentOffset() == 0 ? Feature.IPV6_FIRST_FRAGMENT : Feature.IPV6_LATER_FRAGMENT);
        return f;
      }
    } else {
      if ((d.ipv4().typeOfService() & 0x03) != 0) {
        f.add(Feature.ECN_CAPABLE_TRANSPORT);
      }
      if (d.isFragment()) {
        f.add(d.ipv4().fragmentOffset() == 0 ? Feature.IPV4_FIRST_FRAGMENT : Feature.IPV4_LATER_FRAGMENT);
        return f;
      }
    }
    switch (d.protocol()) {
      case IpProtocol.TCP -> {
        TcpSegment tcp = d.tcp();
        TcpOptions o = tcp.options();
        f.add(v6 ? Feature.TCP_OVER_IPV6 : Feature.TCP_OVER_IPV4);
        if (tcp.payloadLength() > 0) {
          f.add(Feature.TCP_PAYLOAD);
        }
        if (tcp.hasFlags(TcpFlags.SYN)) {
          if (o.mss() > 0 && o.sackPermitted() && o.hasTimestamps() && o.hasWindowScale()) {
            f.add(Feature.SYN_WITH_MSS_SACK_PERMITTED_TIMESTAMPS_WINDOW_SCALE);
          }
          if (o.mss() > 0 && o.layoutCount() == 1) {
            f.add(Feature.SYN_WITH_MSS_ONLY);
          }
          if (!tcp.hasFlags(TcpFlags.ACK) && tcp.hasFlags(TcpFlags.ECE | TcpFlags.CWR)) {
            f.add(Feature.SYN_REQUESTING_ECN);
          }
        }
        if (tcp.hasFlags(TcpFlags.FIN)) {
          f.add(Feature.FIN);
        }
        if (tcp.hasFlags(TcpFlags.RST)) {
          f.add(Feature.RST);
        }
        if (o.sackBlockCount() > 0) {
          f.add(Feature.SACK_BLOCK);
        }
        if (o.sackBlockCount() > 1) {
          f.add(Feature.SACK_SEVERAL_BLOCKS);
        }
      }
      case IpProtocol.UDP -> f.add(v6 ? Feature.UDP_OVER_IPV6 : Feature.UDP_OVER_IPV4);
      case IpProtocol.ICMP -> {
        IcmpMessage icmp = d.icmp();
        switch (icmp.type()) {
          case IcmpType.V4_ECHO_REQUEST -> f.add(Feature.ICMPV4_ECHO_REQUEST);
          case IcmpType.V4_ECHO_REPLY -> f.add(Feature.ICMPV4_ECHO_REPLY);
          case IcmpType.V4_DESTINATION_UNREACHABLE -> {
            if (icmp.code() == IcmpType.V4_CODE_PORT_UNREACHABLE) {
              f.add(Feature.ICMPV4_PORT_UNREACHABLE);
            }
          }
          default -> { }
        }
      }
      case IpProtocol.ICMPV6 -> {
        IcmpMessage icmp = d.icmp();
        switch (icmp.type()) {
          case IcmpType.V6_ECHO_REQUEST -> f.add(Feature.ICMPV6_ECHO_REQUEST);
          case IcmpType.V6_ECHO_REPLY -> f.add(Feature.ICMPV6_ECHO_REPLY);
          case IcmpType.V6_NEIGHBOR_SOLICITATION -> f.add(Feature.NEIGHBOR_SOLICITATION);
          case IcmpType.V6_NEIGHBOR_ADVERTISEMENT -> f.add(Feature.NEIGHBOR_ADVERTISEMENT);
          case IcmpType.V6_DESTINATION_UNREACHABLE -> {
            if (icmp.code() == IcmpType.V6_CODE_PORT_UNREACHABLE) {
              f.add(Feature.ICMPV6_PORT_UNREACHABLE);
            }
          }
          default -> { }
        }
      }
      default -> { }
    }
    return f;
  }

  /**
   * Writes a packet anew from the fields a {@link PacketDecoder} parsed, using the builders for
   * every header and copying only payload bytes, so that every checksum is the builders' own.
   */
  static final class Rebuilder {
    private Rebuilder() {}

    /** Rebuilds the frame the decoder just accepted into {@code out}; returns its length. */
    static int rebuildFrame(PacketDecoder d, byte[] out) {
      EthernetFrame eth = d.ethernet();
      int pos = new EthernetBuilder()
          .destination(eth.destination())
          .source(eth.source())
          .vlanTag(eth.vlanTag())
          .etherType(eth.etherType())
          .write(out, 0);
      return switch (eth.etherType()) {
        case EthernetFrame.ETHERTYPE_ARP -> {
          ArpPacket arp = d.arp();
          yield pos + new ArpBuilder()
              .operation(arp.operation())
              .sender(arp.senderHardwareAddress(), arp.senderProtocolAddress())
              .target(arp.targetHardwareAddress(), arp.targetProtocolAddress())
              .write(out, pos);
        }
        case EthernetFrame.ETHERTYPE_IPV4, EthernetFrame.ETHERTYPE_IPV6 -> pos + rebuildIp(d, out, pos);
        default -> throw new AssertionError(String.format("no builder for EtherType %04x", eth.etherType()));
      };
    }

    /** Rebuilds the IP packet the decoder just accepted at {@code off}; returns its length. */
    static int rebuildIp(PacketDecoder d, byte[] out, int off) {
      if (d.ipVersion() == 4) {
        Ipv4Packet ip = d.ipv4();
        Ipv4Builder b = new Ipv4Builder()
            .typeOfService(ip.typeOfService())
            .identification(ip.identification())
            .dontFragment(ip.dontFragment())
            .moreFragments(ip.moreFragments())
            .fragmentOffset(ip.fragmentOffset())
            .ttl(ip.ttl())
            .protocol(ip.protocol())
            .source(ip.source())
            .destination(ip.destination())
            .options(ip.buffer(), ip.optionsOffset(), ip.optionsLength());
        int headerLength = b.headerLength();
        // The transport goes first: the IP header needs its length, and it needs only the
        // builder's addresses and protocol for its pseudo-header.
        int payloadLength = d.isFragment()
            ? copy(ip.buffer(), ip.payloadOffset(), ip.payloadLength(), out, off + headerLength)
            : rebuildTransport(d, out, off + headerLength, b::pseudoHeaderSum);
        return b.write(out, off, payloadLength) + payloadLength;
      }
      Ipv6Packet ip = d.ipv6();
      Ipv6Builder b = new Ipv6Builder()
          .trafficClass(ip.trafficClass())
          .flowLabel(ip.flowLabel())
          .hopLimit(ip.hopLimit())
          .source(ip.sourceHigh(), ip.sourceLow())
          .destination(ip.destinationHigh(), ip.destinationLow())
          .protocol(ip.upperLayerProtocol())
          // Hop-by-Hop, Fragment and the rest are copied as they came: they carry no checksum.
          .extensionHeaders(ip.nextHeader(), ip.buffer(), ip.offset() + Ipv6Packet.HEADER_LENGTH,
              ip.extensionHeadersLength());
      int headerLength = b.headerLength();
      int payloadLength = d.isFragment()
          ? copy(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerLength(), out, off + headerLength)
          : rebuildTransport(d, out, off + headerLength, b::pseudoHeaderSum);
      return b.write(out, off, payloadLength) + payloadLength;
    }

    interface PseudoHeader {
      int sum(int length);
    }

    private static int rebuildTransport(PacketDecoder d, byte[] out, int off, PseudoHeader pseudo) {
      boolean v6 = d.ipVersion() == 6;
      return switch (d.protocol()) {
        case IpProtocol.TCP -> rebuildTcp(d.tcp(), out, off, pseudo);
        case IpProtocol.UDP -> {
          UdpDatagram udp = d.udp();
          int length = copy(udp.buffer(), udp.payloadOffset(), udp.payloadLength(), out,
              off + UdpDatagram.HEADER_LENGTH);
          yield new UdpBuilder()
              .sourcePort(udp.sourcePort())
              .destinationPort(udp.destinationPort())
              // UDP adds its own Length to the pseudo-header sum (RFC 768).
              .write(out, off, length, pseudo.sum(0)) + length;
        }
        case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
          IcmpMessage icmp = d.icmp();
          int length = copy(icmp.buffer(), icmp.bodyOffset(), icmp.bodyLength(), out,
              off + IcmpMessage.HEADER_LENGTH);
          IcmpBuilder b = new IcmpBuilder().type(icmp.type()).code(icmp.code()).restOfHeader(icmp.restOfHeader());
          yield (v6 ? b.writeV6(out, off, length, pseudo.sum(IcmpMessage.HEADER_LENGTH + length))
              : b.writeV4(out, off, length)) + length;
        }
        default -> throw new AssertionError("no builder for IP protocol " + d.protocol());
      };
    }

    /** Re-emits the options in the order they came, each through its own builder method. */
    private static int rebuildTcp(TcpSegment tcp, byte[] out, int off, PseudoHeader pseudo) {
      TcpBuilder b = new TcpBuilder()
          .sourcePort(tcp.sourcePort())
          .destinationPort(tcp.destinationPort())
          .sequenceNumber(tcp.sequenceNumber())
          .acknowledgmentNumber(tcp.acknowledgmentNumber())
          .reservedBits(tcp.reservedBits())
          .flags(tcp.flags())
          .window(tcp.window())
          .urgentPointer(tcp.urgentPointer());
      TcpOptions o = tcp.options();
      for (int i = 0; i < o.layoutCount(); i++) {
        int at = tcp.optionsOffset() + o.layoutOffset(i);
        switch (o.layoutKind(i)) {
          case TcpOptions.KIND_END -> b.endOfOptions();
          case TcpOptions.KIND_NOP -> b.nop();
          case TcpOptions.KIND_MSS -> b.mss(o.mss());
          case TcpOptions.KIND_WINDOW_SCALE -> b.windowScale(o.windowScale());
          case TcpOptions.KIND_SACK_PERMITTED -> b.sackPermitted();
          case TcpOptions.KIND_TIMESTAMPS -> b.timestamps(o.tsVal(), o.tsEcr());
          case TcpOptions.KIND_SACK -> {
            int[] edges = new int[2 * o.sackBlockCount()];
            for (int block = 0; block < o.sackBlockCount(); block++) {
              edges[2 * block] = o.sackLeft(block);
              edges[2 * block + 1] = o.sackRight(block);
            }
            b.sack(o.sackBlockCount(), edges);
          }
          default -> b.rawOption(tcp.buffer(), at, Bytes.u8(tcp.buffer(), at + 1));
        }
      }
      int headerLength = b.headerLength();
      int length = copy(tcp.buffer(), tcp.payloadOffset(), tcp.payloadLength(), out, off + headerLength);
      return b.write(out, off, length, pseudo.sum(headerLength + length)) + length;
    }

    private static int copy(byte[] src, int srcOff, int length, byte[] out, int off) {
      System.arraycopy(src, srcOff, out, off, length);
      return length;
    }
  }

  /**
   * One fragment of an IPv4 or IPv6 datagram, its data copied out of the capture. Each carries a
   * builder for the unfragmented datagram's header, set from its own header; the first one's wins.
   */
  record Fragment(String key, int offset, boolean more, byte[] data, Ipv4Builder v4, Ipv6Builder v6) {
    static Fragment of(PacketDecoder d) {
      if (d.ipVersion() == 4) {
        Ipv4Packet ip = d.ipv4();
        Ipv4Builder header = new Ipv4Builder()
            .typeOfService(ip.typeOfService())
            .identification(ip.identification())
            .dontFragment(ip.dontFragment())
            .ttl(ip.ttl())
            .protocol(ip.protocol())
            .source(ip.source())
            .destination(ip.destination())
            .options(ip.buffer(), ip.optionsOffset(), ip.optionsLength());
        String key = String.format("4 %08x %08x %d %d", ip.source(), ip.destination(), ip.protocol(),
            ip.identification());
        return new Fragment(key, ip.fragmentOffset(), ip.moreFragments(),
            Arrays.copyOfRange(ip.buffer(), ip.payloadOffset(), ip.payloadOffset() + ip.payloadLength()),
            header, null);
      }
      Ipv6Packet ip = d.ipv6();
      // Linux puts no extension header before the Fragment header of its own datagrams; with one,
      // reassembly would have to rewrite the Next Header of the last unfragmentable header.
      assertThat(ip.fragmentHeaderOffset()).as("Fragment header right after the fixed header")
          .isEqualTo(ip.offset() + Ipv6Packet.HEADER_LENGTH);
      Ipv6Builder header = new Ipv6Builder()
          .trafficClass(ip.trafficClass())
          .flowLabel(ip.flowLabel())
          .hopLimit(ip.hopLimit())
          .source(ip.sourceHigh(), ip.sourceLow())
          .destination(ip.destinationHigh(), ip.destinationLow())
          .clearExtensionHeaders()
          .protocol(ip.upperLayerProtocol());
      String key = String.format("6 %016x%016x %016x%016x %08x", ip.sourceHigh(), ip.sourceLow(),
          ip.destinationHigh(), ip.destinationLow(), ip.fragmentIdentification());
      return new Fragment(key, ip.fragmentOffset(), ip.moreFragments(),
          Arrays.copyOfRange(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerOffset() + ip.upperLayerLength()),
          null, header);
    }

    /** The whole datagram once the pieces cover it without gaps, else {@code null}. */
    static byte[] reassemble(List<Fragment> pieces) {
      List<Fragment> sorted = new ArrayList<>(pieces);
      sorted.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
      int covered = 0;
      for (Fragment piece : sorted) {
        if (piece.offset() != covered) {
          return null; // a gap (or an overlap, which the kernel never sends)
        }
        covered += piece.data().length;
      }
      Fragment first = sorted.get(0);
      if (sorted.get(sorted.size() - 1).more()) {
        return null;
      }
      int headerLength = first.v4() != null ? first.v4().headerLength() : first.v6().headerLength();
      byte[] datagram = new byte[headerLength + covered];
      if (first.v4() != null) {
        first.v4().write(datagram, 0, covered);
      } else {
        first.v6().write(datagram, 0, covered);
      }
      for (Fragment piece : sorted) {
        System.arraycopy(piece.data(), 0, datagram, headerLength + piece.offset(), piece.data().length);
      }
      return datagram;
    }
  }
}
