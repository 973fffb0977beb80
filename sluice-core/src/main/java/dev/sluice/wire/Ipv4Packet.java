package dev.sluice.wire;

/**
 * A zero-copy view of an IPv4 packet (RFC 791 §3.1). Reusable: {@link #wrap} points it at a new
 * buffer and validates it; the getters then read straight from the buffer and allocate nothing.
 *
 * <p>The packet's length is the header's Total Length, never the frame's: link padding past it is
 * trimmed (hostile input 16), and the transport length is derived from it alone.
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses packet after packet. The
 * getters mean something only after {@link #wrap} returned {@code null}; multi-byte fields are
 * read in network byte order.
 */
public final class Ipv4Packet {
  /** Length in bytes of a header without options (IHL 5, RFC 791 §3.1). */
  public static final int MIN_HEADER_LENGTH = 20;
  /** The largest Total Length a 16-bit field can state, in bytes (RFC 791 §3.1). */
  public static final int MAX_PACKET_LENGTH = 65_535;

  /** IPv4 option types that matter here (RFC 791 §3.1, IANA "IP Option Numbers"). */
  static final int OPTION_END = 0;
  static final int OPTION_NOP = 1;
  static final int OPTION_LOOSE_SOURCE_ROUTE = 131;
  static final int OPTION_STRICT_SOURCE_ROUTE = 137;

  private static final int FLAG_DONT_FRAGMENT = 0x4000;
  private static final int FLAG_MORE_FRAGMENTS = 0x2000;
  private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

  private byte[] buf;
  private int off;
  private int headerLength;
  private int totalLength;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public Ipv4Packet() {}

  /**
   * Points this view at the packet that starts at {@code off} in a frame of {@code frameLength}
   * bytes, and validates it: version, header length, total length, header checksum, options and
   * fragment bounds.
   *
   * @param buf the buffer holding the packet; it is kept, not copied
   * @param off where the IPv4 header starts in {@code buf}
   * @param frameLength bytes from {@code off} to the end of the frame; link padding past the Total
   *     Length is ignored
   * @return {@code null} if the packet is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int frameLength) {
    this.buf = buf;
    this.off = off;
    if (frameLength < MIN_HEADER_LENGTH || !Bytes.inBounds(buf, off, frameLength)) {
      return DropReason.IP_TRUNCATED;
    }
    int versionIhl = Bytes.u8(buf, off);
    if (versionIhl >>> 4 != 4) {
      return DropReason.IP_BAD_VERSION;
    }
    headerLength = (versionIhl & 0x0F) * 4;
    if (headerLength < MIN_HEADER_LENGTH || headerLength > frameLength) {
      return DropReason.IPV4_BAD_HEADER_LENGTH;
    }
    totalLength = Bytes.u16(buf, off + 2);
    if (totalLength < headerLength || totalLength > frameLength) {
      return DropReason.IPV4_BAD_TOTAL_LENGTH;
    }
    if (Checksum.sum(buf, off, headerLength) != Checksum.VALID) {
      return DropReason.IPV4_BAD_CHECKSUM;
    }
    DropReason optionProblem = checkOptions(buf, off + MIN_HEADER_LENGTH, off + headerLength);
    if (optionProblem != null) {
      return optionProblem;
    }
    int payload = totalLength - headerLength;
    // RFC 791 §3.2: every fragment but the last carries a multiple of 8 octets; no fragment may
    // end past the largest datagram (Teardrop-style overlaps beyond 65535, hostile input 4).
    if (fragmentOffset() + payload > MAX_PACKET_LENGTH
        || (moreFragments() && (payload & 7) != 0)) {
      return DropReason.IPV4_BAD_FRAGMENT;
    }
    int first = source() >>> 24;
    if (first >= 224 && first <= 239 || source() == -1) {
      return DropReason.IPV4_BAD_SOURCE;
    }
    return null;
  }

  /**
   * Walks the options (RFC 791 §3.1): End and No-Operation are one octet, every other option has a
   * length octet of at least 2 that must stay inside the header. Each step moves forward, so the
   * walk ends. Source-routed packets are refused (RFC 1122 §3.3.5 lets a host do so; hostile 31).
   */
  private static DropReason checkOptions(byte[] buf, int start, int end) {
    int i = start;
    while (i < end) {
      int type = Bytes.u8(buf, i);
      if (type == OPTION_END) {
        return null;
      }
      if (type == OPTION_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) {
        return DropReason.IPV4_BAD_OPTION;
      }
      int length = Bytes.u8(buf, i + 1);
      if (length < 2 || length > end - i) {
        return DropReason.IPV4_BAD_OPTION;
      }
      if (type == OPTION_LOOSE_SOURCE_ROUTE || type == OPTION_STRICT_SOURCE_ROUTE) {
        return DropReason.IPV4_SOURCE_ROUTED;
      }
      i += length;
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
   * @return the offset of the header's first byte
   */
  public int offset() {
    return off;
  }

  /**
   * The header length: the IHL field (RFC 791 §3.1) times four.
   *
   * @return the header length in bytes, options included, 20 to 60
   */
  public int headerLength() {
    return headerLength;
  }

  /**
   * The Total Length field (RFC 791 §3.1): header plus data, link padding excluded.
   *
   * @return the packet length in bytes, from {@link #headerLength()} to 65,535
   */
  public int totalLength() {
    return totalLength;
  }

  /**
   * The Type of Service octet: DSCP in the upper six bits, ECN in the lower two (RFC 2474, RFC 3168).
   *
   * @return the octet, 0 to 255
   */
  public int typeOfService() {
    return Bytes.u8(buf, off + 1);
  }

  /**
   * The Identification field (RFC 791 §3.1, RFC 6864) that groups the fragments of a datagram.
   *
   * @return the identification, 0 to 65,535
   */
  public int identification() {
    return Bytes.u16(buf, off + 4);
  }

  /**
   * The DF flag (RFC 791 §3.1).
   *
   * @return {@code true} if the packet may not be fragmented
   */
  public boolean dontFragment() {
    return (Bytes.u16(buf, off + 6) & FLAG_DONT_FRAGMENT) != 0;
  }

  /**
   * The MF flag (RFC 791 §3.1).
   *
   * @return {@code true} if more fragments of the datagram follow this one
   */
  public boolean moreFragments() {
    return (Bytes.u16(buf, off + 6) & FLAG_MORE_FRAGMENTS) != 0;
  }

  /**
   * The Fragment Offset field (RFC 791 §3.1), converted from 8-byte units to bytes.
   *
   * @return the offset of this fragment's data in the datagram, a multiple of 8
   */
  public int fragmentOffset() {
    return (Bytes.u16(buf, off + 6) & FRAGMENT_OFFSET_MASK) * 8;
  }

  /**
   * True for any piece of a fragmented datagram: the transport header may be elsewhere.
   *
   * @return {@code true} if MF is set or the fragment offset is not 0
   */
  public boolean isFragment() {
    return moreFragments() || fragmentOffset() != 0;
  }

  /**
   * The Time to Live field (RFC 791 §3.1).
   *
   * @return the TTL, 0 to 255
   */
  public int ttl() {
    return Bytes.u8(buf, off + 8);
  }

  /**
   * The Protocol field (RFC 791 §3.1): what the payload carries.
   *
   * @return an {@link IpProtocol} number, 0 to 255
   */
  public int protocol() {
    return Bytes.u8(buf, off + 9);
  }

  /**
   * The Header Checksum field as received (RFC 791 §3.1, RFC 1071); {@link #wrap} has checked it.
   *
   * @return the checksum, 0 to 0xFFFF
   */
  public int headerChecksum() {
    return Bytes.u16(buf, off + 10);
  }

  /**
   * The Source Address field (RFC 791 §3.1).
   *
   * @return the address as a big-endian {@code int}: 192.0.2.1 is {@code 0xC0000201}
   */
  public int source() {
    return Bytes.i32(buf, off + 12);
  }

  /**
   * The Destination Address field (RFC 791 §3.1).
   *
   * @return the address as a big-endian {@code int}: 192.0.2.1 is {@code 0xC0000201}
   */
  public int destination() {
    return Bytes.i32(buf, off + 16);
  }

  /**
   * Where the options start in {@link #buffer()}: right after the 20-byte fixed header.
   *
   * @return the absolute offset of the options (of the payload when there are none)
   */
  public int optionsOffset() {
    return off + MIN_HEADER_LENGTH;
  }

  /**
   * The length of the options (RFC 791 §3.1), padding included.
   *
   * @return the options length in bytes, 0 to 40
   */
  public int optionsLength() {
    return headerLength - MIN_HEADER_LENGTH;
  }

  /**
   * Where the data after the header starts in {@link #buffer()}.
   *
   * @return the absolute offset of the payload
   */
  public int payloadOffset() {
    return off + headerLength;
  }

  /**
   * The payload length as Total Length states it, link padding excluded.
   *
   * @return {@link #totalLength()} minus {@link #headerLength()}, in bytes
   */
  public int payloadLength() {
    return totalLength - headerLength;
  }

  /**
   * The unfinished pseudo-header sum for a transport checksum over {@code length} bytes
   * (RFC 9293 §3.1, RFC 768). With a length of 0 it is the sum a UDP datagram completes with its own
   * Length field.
   *
   * @param length the transport length in bytes, or 0
   * @return the unfinished one's complement sum (see {@link Checksum}), 0 to 0xFFFF
   */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv4(source(), destination(), protocol(), length);
  }
}
