package dev.sluice.wire;

/**
 * Decodes one received IP packet (or Ethernet frame) down to its transport header, validating
 * every layer, and counts every rejection under its {@link DropReason}.
 *
 * <p>One decoder per receive thread: it holds reusable views and allocates nothing. After a
 * successful decode, exactly one of {@link #tcp()}, {@link #udp()}, {@link #icmp()} is valid, as
 * {@link #protocol()} says, unless the packet is a fragment (its transport header is parsed after
 * reassembly) or carries a protocol Sluice does not speak.
 */
public final class PacketDecoder {
  private final DropCounters drops;
  private final EthernetFrame ethernet = new EthernetFrame();
  private final ArpPacket arp = new ArpPacket();
  private final Ipv4Packet ipv4 = new Ipv4Packet();
  private final Ipv6Packet ipv6 = new Ipv6Packet();
  private final TcpSegment tcp = new TcpSegment();
  private final UdpDatagram udp = new UdpDatagram();
  private final IcmpMessage icmp = new IcmpMessage();

  private int ipVersion;
  private int protocol;
  private boolean fragment;
  private int transportOffset;
  private int transportLength;
  private int etherType;

  public PacketDecoder(DropCounters drops) {
    this.drops = drops;
  }

  /**
   * Decodes an Ethernet frame carrying IPv4, IPv6 or ARP. Other EtherTypes are accepted with
   * {@link #etherType()} set and nothing else decoded.
   *
   * @return {@code null} if accepted, otherwise the reason it was dropped (and counted)
   */
  public DropReason decodeEthernet(byte[] buf, int off, int length) {
    ipVersion = 0;
    DropReason reason = ethernet.wrap(buf, off, length);
    if (reason != null) {
      return count(reason);
    }
    etherType = ethernet.etherType();
    return switch (etherType) {
      case EthernetFrame.ETHERTYPE_IPV4 -> decodeIp(buf, ethernet.payloadOffset(), ethernet.payloadLength(), 4);
      case EthernetFrame.ETHERTYPE_IPV6 -> decodeIp(buf, ethernet.payloadOffset(), ethernet.payloadLength(), 6);
      case EthernetFrame.ETHERTYPE_ARP -> count(arp.wrap(buf, ethernet.payloadOffset(), ethernet.payloadLength()));
      default -> null;
    };
  }

  /**
   * Decodes a raw IP packet (as a TUN device or a simulated link delivers it).
   *
   * @return {@code null} if accepted, otherwise the reason it was dropped (and counted)
   */
  public DropReason decodeIp(byte[] buf, int off, int length) {
    return decodeIp(buf, off, length, 0);
  }

  /** {@code expectedVersion} is the one the EtherType names, or 0 for a raw IP packet. */
  private DropReason decodeIp(byte[] buf, int off, int length, int expectedVersion) {
    ipVersion = 0;
    protocol = -1;
    fragment = false;
    if (length < 1 || !Bytes.inBounds(buf, off, length)) {
      return count(DropReason.IP_TRUNCATED);
    }
    int version = Bytes.u8(buf, off) >>> 4;
    // An IPv6 packet in a frame typed IPv4 (or the reverse) is malformed, and would slip past
    // any filter that trusts the EtherType.
    if (expectedVersion != 0 && version != expectedVersion) {
      return count(DropReason.IP_BAD_VERSION);
    }
    if (version == 4) {
      DropReason reason = ipv4.wrap(buf, off, length);
      if (reason != null) {
        return count(reason);
      }
      ipVersion = 4;
      protocol = ipv4.protocol();
      fragment = ipv4.isFragment();
      transportOffset = ipv4.payloadOffset();
      transportLength = ipv4.payloadLength();
    } else if (version == 6) {
      DropReason reason = ipv6.wrap(buf, off, length);
      if (reason != null) {
        return count(reason);
      }
      ipVersion = 6;
      protocol = ipv6.upperLayerProtocol();
      fragment = ipv6.isFragment();
      transportOffset = ipv6.upperLayerOffset();
      transportLength = ipv6.upperLayerLength();
    } else {
      return count(DropReason.IP_BAD_VERSION);
    }
    if (fragment) {
      return null;
    }
    DropReason reason = decodeTransport(buf);
    if (reason != null) {
      ipVersion = 0; // as documented: a drop leaves no IP version behind, whichever layer refused it
    }
    return count(reason);
  }

  private DropReason decodeTransport(byte[] buf) {
    boolean v6 = ipVersion == 6;
    return switch (protocol) {
      case IpProtocol.TCP -> tcp.wrap(buf, transportOffset, transportLength, pseudoHeaderSum(transportLength));
      case IpProtocol.UDP -> udp.wrap(buf, transportOffset, transportLength, pseudoHeaderSum(0), v6);
      case IpProtocol.ICMP -> v6 ? null : icmp.wrapV4(buf, transportOffset, transportLength);
      case IpProtocol.ICMPV6 -> v6
          ? icmp.wrapV6(buf, transportOffset, transportLength, pseudoHeaderSum(transportLength))
          : null;
      default -> null;
    };
  }

  private int pseudoHeaderSum(int length) {
    return ipVersion == 4 ? ipv4.pseudoHeaderSum(length) : ipv6.pseudoHeaderSum(length);
  }

  private DropReason count(DropReason reason) {
    if (reason != null) {
      drops.increment(reason);
    }
    return reason;
  }

  public DropCounters drops() {
    return drops;
  }

  /** 4 or 6 after an accepted IP packet, 0 otherwise (ARP, other EtherTypes, drops). */
  public int ipVersion() {
    return ipVersion;
  }

  /** The upper-layer protocol number of the last accepted IP packet. */
  public int protocol() {
    return protocol;
  }

  public boolean isFragment() {
    return fragment;
  }

  public int transportOffset() {
    return transportOffset;
  }

  public int transportLength() {
    return transportLength;
  }

  public int etherType() {
    return etherType;
  }

  public EthernetFrame ethernet() {
    return ethernet;
  }

  public ArpPacket arp() {
    return arp;
  }

  public Ipv4Packet ipv4() {
    return ipv4;
  }

  public Ipv6Packet ipv6() {
    return ipv6;
  }

  public TcpSegment tcp() {
    return tcp;
  }

  public UdpDatagram udp() {
    return udp;
  }

  public IcmpMessage icmp() {
    return icmp;
  }
}
