package dev.sluice.wire;

/**
 * A zero-copy view of an IPv6 packet (RFC 8200 §3) and its extension-header chain (§4).
 *
 * <p>{@link #wrap} walks the chain iteratively. Every step moves forward by at least eight bytes,
 * lengths are checked against the payload before they are used, and the chain is capped at
 * {@link #MAX_EXTENSION_HEADERS} headers, so a chain that is long, loops or has lengths that wrap
 * ends in a drop (hostile input 5, CVE-2021-24086). The walk stops at the first upper-layer header,
 * at No Next Header, at ESP, or at a Fragment header that starts or continues a fragmented
 * datagram: what follows a fragment header is parsed again after reassembly.
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses packet after packet. The
 * getters read the buffer last given to {@link #wrap}, and mean something only after it returned
 * {@code null}; multi-byte fields are read in network byte order.
 */
public final class Ipv6Packet {
  /** Length of the fixed IPv6 header in bytes (RFC 8200 §3). */
  public static final int HEADER_LENGTH = 40;
  /** The minimum link MTU every IPv6 link must carry, in bytes (RFC 8200 §5). */
  public static final int MIN_MTU = 1280;
  /** Enough for the recommended order of RFC 8200 §4.1 with a second Destination Options header. */
  public static final int MAX_EXTENSION_HEADERS = 8;

  private static final int FRAGMENT_HEADER_LENGTH = 8;
  private static final int OPTION_PAD1 = 0;
  private static final int OPTION_PADN = 1;
  private static final int OPTION_ROUTER_ALERT = 5;

  private byte[] buf;
  private int off;
  private int payloadLength;
  private int upperLayerProtocol;
  private int upperLayerOffset;
  private int extensionHeaderCount;
  private boolean fragment;
  private int fragmentOffset;
  private boolean moreFragments;
  private int fragmentIdentification;
  private int fragmentHeaderOffset;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public Ipv6Packet() {}

  /**
   * Points this view at the packet that starts at {@code off} in a frame of {@code frameLength}
   * bytes, validates the fixed header and walks the extension headers.
   *
   * @param buf the buffer holding the packet; it is kept, not copied
   * @param off where the IPv6 header starts in {@code buf}
   * @param frameLength bytes from {@code off} to the end of the frame; link padding past the Payload
   *     Length is ignored
   * @return {@code null} if the packet is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int frameLength) {
    this.buf = buf;
    this.off = off;
    fragment = false;
    fragmentOffset = 0;
    moreFragments = false;
    fragmentIdentification = 0;
    fragmentHeaderOffset = -1;
    extensionHeaderCount = 0;
    if (frameLength < HEADER_LENGTH || !Bytes.inBounds(buf, off, frameLength)) {
      return DropReason.IP_TRUNCATED;
    }
    if (Bytes.u8(buf, off) >>> 4 != 6) {
      return DropReason.IP_BAD_VERSION;
    }
    payloadLength = Bytes.u16(buf, off + 4);
    // Link padding past the payload is trimmed. A jumbogram (RFC 2675 §3: Payload Length 0 and a
    // Hop-by-Hop header carrying the Jumbo Payload option) is refused here: with a length of 0
    // the walk would only see a truncated Hop-by-Hop header.
    if (HEADER_LENGTH + payloadLength > frameLength
        || payloadLength == 0 && Bytes.u8(buf, off + 6) == IpProtocol.HOP_BY_HOP
            && frameLength >= HEADER_LENGTH + 8) {
      return DropReason.IPV6_BAD_PAYLOAD_LENGTH;
    }
    if (Bytes.u8(buf, off + 8) == 0xFF) {
      return DropReason.IPV6_BAD_SOURCE;
    }
    return walkExtensionHeaders();
  }

  private DropReason walkExtensionHeaders() {
    int next = Bytes.u8(buf, off + 6);
    int pos = off + HEADER_LENGTH;
    int end = off + HEADER_LENGTH + payloadLength;
    while (true) {
      int length;
      switch (next) {
        case IpProtocol.HOP_BY_HOP, IpProtocol.IPV6_DESTINATION_OPTIONS, IpProtocol.IPV6_ROUTING -> {
          if (next == IpProtocol.HOP_BY_HOP && extensionHeaderCount != 0) {
            return DropReason.IPV6_HOP_BY_HOP_NOT_FIRST;
          }
          if (end - pos < 8) {
            return DropReason.IPV6_EXTENSION_TRUNCATED;
          }
          length = (Bytes.u8(buf, pos + 1) + 1) * 8;
          if (length > end - pos) {
            return DropReason.IPV6_EXTENSION_TRUNCATED;
          }
          DropReason problem = next == IpProtocol.IPV6_ROUTING
              ? checkRoutingHeader(pos)
              : checkOptions(pos + 2, pos + length);
          if (problem != null) {
            return problem;
          }
        }
        case IpProtocol.AH -> {
          // RFC 4302 §2.2: Payload Len is in 32-bit words, minus 2.
          if (end - pos < 8) {
            return DropReason.IPV6_EXTENSION_TRUNCATED;
          }
          length = (Bytes.u8(buf, pos + 1) + 2) * 4;
          if (length > end - pos) {
            return DropReason.IPV6_EXTENSION_TRUNCATED;
          }
        }
        case IpProtocol.IPV6_FRAGMENT -> {
          if (end - pos < FRAGMENT_HEADER_LENGTH) {
            return DropReason.IPV6_EXTENSION_TRUNCATED;
          }
          int offsetAndFlags = Bytes.u16(buf, pos + 2);
          int fragOffset = offsetAndFlags & 0xFFF8;
          boolean more = (offsetAndFlags & 1) != 0;
          int afterHeader = pos + FRAGMENT_HEADER_LENGTH;
          int fragmentPayload = end - afterHeader;
          // RFC 8200 §4.5: non-final fragments are a multiple of 8 bytes, and no fragment may end
          // past the largest unfragmented payload.
          if (fragOffset + fragmentPayload > Ipv4Packet.MAX_PACKET_LENGTH
              || (more && (fragmentPayload & 7) != 0)) {
            return DropReason.IPV6_BAD_FRAGMENT;
          }
          fragmentHeaderOffset = pos;
          fragmentIdentification = Bytes.i32(buf, pos + 4);
          if (++extensionHeaderCount > MAX_EXTENSION_HEADERS) {
            return DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG;
          }
          if (fragOffset != 0 || more) {
            // A real fragment: stop here and parse the rest after reassembly.
            fragment = true;
            fragmentOffset = fragOffset;
            moreFragments = more;
            upperLayerProtocol = Bytes.u8(buf, pos);
            upperLayerOffset = afterHeader;
            return null;
          }
          // An atomic fragment (RFC 6946) is processed as if it had no fragment header.
          next = Bytes.u8(buf, pos);
          pos = afterHeader;
          continue;
        }
        default -> {
          // An upper-layer header, ESP, or No Next Header: the chain ends here.
          upperLayerProtocol = next;
          upperLayerOffset = pos;
          return null;
        }
      }
      if (++extensionHeaderCount > MAX_EXTENSION_HEADERS) {
        return DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG;
      }
      next = Bytes.u8(buf, pos);
      pos += length;
    }
  }

  /**
   * RFC 8200 §4.4: a routing header with Segments Left = 0 is ignored. With segments left this
   * host is not the final destination, and a host does not forward. Type 0 is deprecated outright
   * (RFC 5095 §3).
   */
  private DropReason checkRoutingHeader(int pos) {
    if (Bytes.u8(buf, pos + 2) == 0) {
      return DropReason.IPV6_DEPRECATED_ROUTING_HEADER;
    }
    if (Bytes.u8(buf, pos + 3) != 0) {
      return DropReason.IPV6_ROUTING_NOT_FINAL;
    }
    return null;
  }

  /**
   * Walks the TLV options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2). Pad1 is
   * one octet; every other option has a length octet and must fit. An unknown option whose two
   * high-order type bits are not 00 asks for the packet to be discarded.
   */
  private DropReason checkOptions(int start, int end) {
    int i = start;
    while (i < end) {
      int type = Bytes.u8(buf, i);
      if (type == OPTION_PAD1) {
        i++;
        continue;
      }
      if (i + 2 > end) {
        return DropReason.IPV6_BAD_OPTION;
      }
      int dataLength = Bytes.u8(buf, i + 1);
      if (dataLength > end - i - 2) {
        return DropReason.IPV6_BAD_OPTION;
      }
      boolean known = type == OPTION_PADN || type == OPTION_ROUTER_ALERT;
      if (!known && (type >>> 6) != 0) {
        return DropReason.IPV6_BAD_OPTION;
      }
      i += 2 + dataLength;
    }
    return null;
  }

  /**
   * The buffer given to the last {@link #wrap}.
   *
   * @return the wrapped buffer itself, not a copy
   */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Where the packet starts in {@link #buffer()}.
   *
   * @return the offset of the fixed header's first byte
   */
  public int offset() {
    return off;
  }

  /**
   * The Traffic Class field (RFC 8200 §3, §7): DSCP in the upper six bits, ECN in the lower two.
   *
   * @return the traffic class, 0 to 255
   */
  public int trafficClass() {
    return (Bytes.u16(buf, off) >>> 4) & 0xFF;
  }

  /**
   * The Flow Label field (RFC 8200 §3, §6; RFC 6437).
   *
   * @return the 20-bit flow label, 0 to 0xFFFFF
   */
  public int flowLabel() {
    return Bytes.i32(buf, off) & 0xF_FFFF;
  }

  /**
   * The Payload Length field (RFC 8200 §3): extension headers plus upper-layer data.
   *
   * @return the payload length in bytes, 0 to 65,535, never more than the frame holds
   */
  public int payloadLength() {
    return payloadLength;
  }

  /**
   * The packet's length as its header states it, link padding excluded.
   *
   * @return {@value #HEADER_LENGTH} plus {@link #payloadLength()}, in bytes
   */
  public int totalLength() {
    return HEADER_LENGTH + payloadLength;
  }

  /**
   * The fixed header's Next Header field (RFC 8200 §3): the first extension header or the
   * upper-layer protocol, an {@link IpProtocol} number.
   *
   * @return the next header value, 0 to 255
   */
  public int nextHeader() {
    return Bytes.u8(buf, off + 6);
  }

  /**
   * The Hop Limit field (RFC 8200 §3).
   *
   * @return the hop limit, 0 to 255
   */
  public int hopLimit() {
    return Bytes.u8(buf, off + 7);
  }

  /**
   * The first 64 bits of the Source Address (RFC 8200 §3), big-endian as on the wire.
   *
   * @return bytes 8 to 15 of the header as a {@code long}
   */
  public long sourceHigh() {
    return Bytes.i64(buf, off + 8);
  }

  /**
   * The last 64 bits of the Source Address (RFC 8200 §3), big-endian as on the wire.
   *
   * @return bytes 16 to 23 of the header as a {@code long}
   */
  public long sourceLow() {
    return Bytes.i64(buf, off + 16);
  }

  /**
   * The first 64 bits of the Destination Address (RFC 8200 §3), big-endian as on the wire.
   *
   * @return bytes 24 to 31 of the header as a {@code long}
   */
  public long destinationHigh() {
    return Bytes.i64(buf, off + 24);
  }

  /**
   * The last 64 bits of the Destination Address (RFC 8200 §3), big-endian as on the wire.
   *
   * @return bytes 32 to 39 of the header as a {@code long}
   */
  public long destinationLow() {
    return Bytes.i64(buf, off + 32);
  }

  /**
   * Bytes of extension headers between the fixed header and the upper-layer data.
   *
   * @return the length in bytes of the headers walked, Fragment header included; 0 if there are none
   */
  public int extensionHeadersLength() {
    return upperLayerOffset - off - HEADER_LENGTH;
  }

  /**
   * How many extension headers {@link #wrap} walked, at most {@value #MAX_EXTENSION_HEADERS}.
   *
   * @return the number of extension headers, atomic Fragment headers included
   */
  public int extensionHeaderCount() {
    return extensionHeaderCount;
  }

  /**
   * The protocol of the data after the last header walked (TCP, UDP, ICMPv6, ...).
   *
   * @return an {@link IpProtocol} number, 0 to 255; for a fragment, the Fragment header's Next Header
   */
  public int upperLayerProtocol() {
    return upperLayerProtocol;
  }

  /**
   * Where the data after the last header walked starts in {@link #buffer()}.
   *
   * @return the absolute offset of the upper-layer header (or of the fragment's data)
   */
  public int upperLayerOffset() {
    return upperLayerOffset;
  }

  /**
   * Bytes from {@link #upperLayerOffset()} to the end of the payload.
   *
   * @return the upper-layer length in bytes, link padding excluded
   */
  public int upperLayerLength() {
    return off + HEADER_LENGTH + payloadLength - upperLayerOffset;
  }

  /**
   * True if a Fragment header (RFC 8200 §4.5) makes this one piece of a larger datagram.
   *
   * @return {@code true} for a fragment with a non-zero offset or the M flag set; {@code false}
   *     for an atomic fragment (RFC 6946) or an unfragmented packet
   */
  public boolean isFragment() {
    return fragment;
  }

  /**
   * The Fragment Offset of the Fragment header (RFC 8200 §4.5), converted to bytes.
   *
   * @return the offset of this fragment's data in the datagram, a multiple of 8; 0 if not a fragment
   */
  public int fragmentOffset() {
    return fragmentOffset;
  }

  /**
   * The M flag of the Fragment header (RFC 8200 §4.5).
   *
   * @return {@code true} if more fragments follow this one
   */
  public boolean moreFragments() {
    return moreFragments;
  }

  /**
   * The Identification of the last Fragment header walked (RFC 8200 §4.5).
   *
   * @return the 32-bit identification; 0 if there is no Fragment header
   */
  public int fragmentIdentification() {
    return fragmentIdentification;
  }

  /**
   * Offset of the last Fragment header walked, or -1 if there is none. An atomic fragment
   * (RFC 6946) has one, although {@link #isFragment()} is false for it.
   *
   * @return the absolute offset in {@link #buffer()}, or -1
   */
  public int fragmentHeaderOffset() {
    return fragmentHeaderOffset;
  }

  /**
   * The unfinished pseudo-header sum for an upper-layer checksum over {@code length} bytes
   * (RFC 8200 §8.1). With a length of 0 it is the sum a UDP datagram completes with its own Length.
   *
   * @param length the upper-layer length in bytes, or 0
   * @return the unfinished one's complement sum (see {@link Checksum}), 0 to 0xFFFF
   */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv6(sourceHigh(), sourceLow(), destinationHigh(),
        destinationLow(), upperLayerProtocol, length);
  }
}
