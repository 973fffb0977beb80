package dev.sluice.wire;

/**
 * A zero-copy view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message. Both share one layout:
 * type, code, checksum, four bytes whose meaning depends on the type, then a body. The families
 * differ in the checksum, which covers a pseudo-header only for ICMPv6 (RFC 4443 §2.3).
 */
public final class IcmpMessage {
  public static final int HEADER_LENGTH = 8;

  private byte[] buf;
  private int off;
  private int length;
  private boolean ipv6;

  /** Wraps an ICMPv4 message; {@code null} if well-formed, otherwise the reason to drop it. */
  public DropReason wrapV4(byte[] buf, int off, int length) {
    return wrap(buf, off, length, false, 0);
  }

  /** Wraps an ICMPv6 message; {@code null} if well-formed, otherwise the reason to drop it. */
  public DropReason wrapV6(byte[] buf, int off, int length, int pseudoHeaderSum) {
    return wrap(buf, off, length, true, pseudoHeaderSum);
  }

  private DropReason wrap(byte[] buf, int off, int length, boolean ipv6, int pseudoHeaderSum) {
    this.buf = buf;
    this.off = off;
    this.length = length;
    this.ipv6 = ipv6;
    // Every type Sluice reads (echo, unreachable, too big, time exceeded, neighbour discovery)
    // has the full eight-byte header.
    if (length < HEADER_LENGTH || !Bytes.inBounds(buf, off, length)) {
      return DropReason.ICMP_TRUNCATED;
    }
    if (Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length)) != Checksum.VALID) {
      return DropReason.ICMP_BAD_CHECKSUM;
    }
    return null;
  }

  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return off;
  }

  public int length() {
    return length;
  }

  public boolean isIpv6() {
    return ipv6;
  }

  public int type() {
    return Bytes.u8(buf, off);
  }

  public int code() {
    return Bytes.u8(buf, off + 1);
  }

  public int checksum() {
    return Bytes.u16(buf, off + 2);
  }

  /** The four type-specific bytes after the checksum. */
  public int restOfHeader() {
    return Bytes.i32(buf, off + 4);
  }

  /** Echo identifier (RFC 792, RFC 4443 §4.1). */
  public int echoIdentifier() {
    return Bytes.u16(buf, off + 4);
  }

  /** Echo sequence number. */
  public int echoSequence() {
    return Bytes.u16(buf, off + 6);
  }

  public boolean isError() {
    return IcmpType.isError(ipv6, type());
  }

  /**
   * The MTU a "fragmentation needed" (RFC 1191 §4: Next-Hop MTU in the low 16 bits) or "packet too
   * big" (RFC 4443 §3.2: 32 bits) message reports; 0 for other messages.
   */
  public long reportedMtu() {
    if (ipv6) {
      return type() == IcmpType.V6_PACKET_TOO_BIG ? Bytes.u32(buf, off + 4) : 0;
    }
    return type() == IcmpType.V4_DESTINATION_UNREACHABLE
        && code() == IcmpType.V4_CODE_FRAGMENTATION_NEEDED ? Bytes.u16(buf, off + 6) : 0;
  }

  /** The body: echo data, or for errors the start of the packet that caused the error. */
  public int bodyOffset() {
    return off + HEADER_LENGTH;
  }

  public int bodyLength() {
    return length - HEADER_LENGTH;
  }
}
