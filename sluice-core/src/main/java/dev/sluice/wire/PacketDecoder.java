package dev.sluice.wire;

/**
 * Decodes one received IP packet (or Ethernet frame) down to its transport header, validating
 * every layer, and counts every rejection under its {@link DropReason}.
 *
 * <p>One decoder per receive thread: it holds reusable views and allocates nothing. After a
 * successful decode, exactly one of {@link #tcp()}, {@link #udp()}, {@link #icmp()} is valid, as
 * {@link #protocol()} says, unless the packet is a fragment (its transport header is parsed after
 * reassembly) or carries a protocol Sluice does not speak.
 *
 * <p>Not thread-safe: the getters describe the last packet decoded, and the views they return are
 * overwritten by the next decode.
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
  /** Set by each public decode: whether this packet's TCP checksum is trusted without summing. */
  private boolean tcpChecksumKnownGood;

  /**
   * Creates a decoder that counts its drops into {@code drops}.
   *
   * @param drops where every rejection is counted; may be shared with other layers of the same
   *     thread
   */
  public PacketDecoder(DropCounters drops) {
    this.drops = drops;
  }

  /**
   * Decodes an Ethernet frame carrying IPv4, IPv6 or ARP. Other EtherTypes are accepted with
   * {@link #etherType()} set and nothing else decoded.
   *
   * @param buf the buffer holding the frame; the views keep it, not a copy
   * @param off where the Ethernet header starts in {@code buf}
   * @param length the frame's length in bytes, without the frame check sequence
   * @return {@code null} if accepted, otherwise the reason it was dropped (and counted)
   */
  public DropReason decodeEthernet(byte[] buf, int off, int length) {
    ipVersion = 0;
    tcpChecksumKnownGood = false;
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
   * @param buf the buffer holding the packet; the views keep it, not a copy
   * @param off where the IP header starts in {@code buf}
   * @param length the packet's length in bytes as delivered; padding past the IP length is ignored
   * @return {@code null} if accepted, otherwise the reason it was dropped (and counted)
   */
  public DropReason decodeIp(byte[] buf, int off, int length) {
    return decodeIp(buf, off, length, false);
  }

  /**
   * As {@link #decodeIp(byte[], int, int)}, trusting a TCP segment's checksum without summing it
   * if {@code tcpChecksumKnownGood} (the device vouches for it: {@code
   * dev.sluice.link.PacketBuffer#tcpChecksumKnownGood}). Every other check is made as always.
   *
   * @param buf the buffer holding the packet; the views keep it, not a copy
   * @param off where the IP header starts in {@code buf}
   * @param length the packet's length in bytes as delivered; padding past the IP length is ignored
   * @param tcpChecksumKnownGood true to skip summing a TCP segment's checksum
   * @return {@code null} if accepted, otherwise the reason it was dropped (and counted)
   */
  public DropReason decodeIp(byte[] buf, int off, int length, boolean tcpChecksumKnownGood) {
    this.tcpChecksumKnownGood = tcpChecksumKnownGood;
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
      case IpProtocol.TCP -> tcp.wrap(buf, transportOffset, transportLength, pseudoHeaderSum(transportLength),
          tcpChecksumKnownGood);
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

  /**
   * The counters this decoder counts its drops into.
   *
   * @return the counters given to the constructor
   */
  public DropCounters drops() {
    return drops;
  }

  /**
   * 4 or 6 after an accepted IP packet, 0 otherwise (ARP, other EtherTypes, drops).
   *
   * @return 4, 6 or 0
   */
  public int ipVersion() {
    return ipVersion;
  }

  /**
   * The upper-layer protocol number of the last accepted IP packet.
   *
   * @return an {@link IpProtocol} number, 0 to 255, meaningful when {@link #ipVersion()} is not 0
   */
  public int protocol() {
    return protocol;
  }

  /**
   * True if the last accepted IP packet is a fragment, whose transport header was not decoded.
   *
   * @return {@code true} for an IPv4 or IPv6 fragment (not for an atomic IPv6 fragment)
   */
  public boolean isFragment() {
    return fragment;
  }

  /**
   * Where the IP payload (the transport header, or a fragment's data) starts in the buffer.
   *
   * @return the absolute offset, meaningful when {@link #ipVersion()} is not 0
   */
  public int transportOffset() {
    return transportOffset;
  }

  /**
   * The length of the IP payload after all IP headers, as the IP header states it.
   *
   * @return the length in bytes, meaningful when {@link #ipVersion()} is not 0
   */
  public int transportLength() {
    return transportLength;
  }

  /**
   * The EtherType of the last Ethernet frame decoded (IEEE 802.3), also when it carried no IP.
   *
   * @return the EtherType, 0 to 0xFFFF, such as {@link EthernetFrame#ETHERTYPE_IPV4}
   */
  public int etherType() {
    return etherType;
  }

  /**
   * The view of the last Ethernet frame, valid after {@link #decodeEthernet} accepted it.
   *
   * @return this decoder's Ethernet view, the same object every time
   */
  public EthernetFrame ethernet() {
    return ethernet;
  }

  /**
   * The view of the last ARP packet, valid after {@link #decodeEthernet} accepted a frame with
   * {@link EthernetFrame#ETHERTYPE_ARP}.
   *
   * @return this decoder's ARP view, the same object every time
   */
  public ArpPacket arp() {
    return arp;
  }

  /**
   * The view of the last IPv4 packet, valid when {@link #ipVersion()} is 4.
   *
   * @return this decoder's IPv4 view, the same object every time
   */
  public Ipv4Packet ipv4() {
    return ipv4;
  }

  /**
   * The view of the last IPv6 packet, valid when {@link #ipVersion()} is 6.
   *
   * @return this decoder's IPv6 view, the same object every time
   */
  public Ipv6Packet ipv6() {
    return ipv6;
  }

  /**
   * The view of the last TCP segment, valid when {@link #protocol()} is {@link IpProtocol#TCP} and
   * the packet is not a fragment.
   *
   * @return this decoder's TCP view, the same object every time
   */
  public TcpSegment tcp() {
    return tcp;
  }

  /**
   * The view of the last UDP datagram, valid when {@link #protocol()} is {@link IpProtocol#UDP} and
   * the packet is not a fragment.
   *
   * @return this decoder's UDP view, the same object every time
   */
  public UdpDatagram udp() {
    return udp;
  }

  /**
   * The view of the last ICMP message, valid when {@link #protocol()} is {@link IpProtocol#ICMP}
   * over IPv4 or {@link IpProtocol#ICMPV6} over IPv6, and the packet is not a fragment.
   *
   * @return this decoder's ICMP view, the same object every time
   */
  public IcmpMessage icmp() {
    return icmp;
  }
}
