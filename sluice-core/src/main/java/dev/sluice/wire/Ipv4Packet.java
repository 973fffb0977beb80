package dev.sluice.wire;

/**
 * A zero-copy view of an IPv4 packet (RFC 791 §3.1). Reusable: {@link #wrap} points it at a new
 * buffer and validates it; the getters then read straight from the buffer and allocate nothing.
 *
 * <p>The packet's length is the header's Total Length, never the frame's: link padding past it is
 * trimmed (hostile input 16), and the transport length is derived from it alone.
 */
public final class Ipv4Packet {
  public static final int MIN_HEADER_LENGTH = 20;
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

  /**
   * Points this view at the packet that starts at {@code off} in a frame of {@code frameLength}
   * bytes, and validates it: version, header length, total length, header checksum, options and
   * fragment bounds.
   *
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

  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return off;
  }

  public int headerLength() {
    return headerLength;
  }

  public int totalLength() {
    return totalLength;
  }

  /** The Type of Service octet: DSCP in the upper six bits, ECN in the lower two (RFC 3168). */
  public int typeOfService() {
    return Bytes.u8(buf, off + 1);
  }

  public int identification() {
    return Bytes.u16(buf, off + 4);
  }

  public boolean dontFragment() {
    return (Bytes.u16(buf, off + 6) & FLAG_DONT_FRAGMENT) != 0;
  }

  public boolean moreFragments() {
    return (Bytes.u16(buf, off + 6) & FLAG_MORE_FRAGMENTS) != 0;
  }

  /** The fragment offset in bytes. */
  public int fragmentOffset() {
    return (Bytes.u16(buf, off + 6) & FRAGMENT_OFFSET_MASK) * 8;
  }

  /** True for any piece of a fragmented datagram: the transport header may be elsewhere. */
  public boolean isFragment() {
    return moreFragments() || fragmentOffset() != 0;
  }

  public int ttl() {
    return Bytes.u8(buf, off + 8);
  }

  public int protocol() {
    return Bytes.u8(buf, off + 9);
  }

  public int headerChecksum() {
    return Bytes.u16(buf, off + 10);
  }

  public int source() {
    return Bytes.i32(buf, off + 12);
  }

  public int destination() {
    return Bytes.i32(buf, off + 16);
  }

  public int optionsOffset() {
    return off + MIN_HEADER_LENGTH;
  }

  public int optionsLength() {
    return headerLength - MIN_HEADER_LENGTH;
  }

  public int payloadOffset() {
    return off + headerLength;
  }

  public int payloadLength() {
    return totalLength - headerLength;
  }

  /**
   * The unfinished pseudo-header sum for a transport checksum over {@code length} bytes. With a
   * length of 0 it is the sum a UDP datagram completes with its own Length field.
   */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv4(source(), destination(), protocol(), length);
  }
}
