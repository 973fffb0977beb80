package dev.sluice.wire;

/**
 * A zero-copy view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message. Both share one layout:
 * type, code, checksum, four bytes whose meaning depends on the type, then a body. The families
 * differ in the checksum, which covers a pseudo-header only for ICMPv6 (RFC 4443 §2.3).
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses message after message.
 * The getters mean something only after a wrap method returned {@code null}; multi-byte fields are
 * read in network byte order.
 */
public final class IcmpMessage {
  /**
   * Bytes before the body: type, code, checksum and four type-specific bytes (RFC 792, RFC 4443
   * §2.1).
   */
  public static final int HEADER_LENGTH = 8;

  private byte[] buf;
  private int off;
  private int length;
  private boolean ipv6;

  /** Creates a view that points at nothing until a wrap method is called. */
  public IcmpMessage() {}

  /**
   * Wraps an ICMPv4 message (RFC 792) and checks its checksum, which covers the message alone.
   *
   * @param buf the buffer holding the message; it is kept, not copied
   * @param off where the ICMP header starts in {@code buf}
   * @param length the message length in bytes, as the IP layer states it
   * @return {@code null} if well-formed, otherwise the reason to drop it
   */
  public DropReason wrapV4(byte[] buf, int off, int length) {
    return wrap(buf, off, length, false, 0);
  }

  /**
   * Wraps an ICMPv6 message (RFC 4443) and checks its checksum, pseudo-header included (§2.3).
   *
   * @param buf the buffer holding the message; it is kept, not copied
   * @param off where the ICMPv6 header starts in {@code buf}
   * @param length the message length in bytes, as the IP layer states it
   * @param pseudoHeaderSum the unfinished IPv6 pseudo-header sum for {@code length} bytes
   * @return {@code null} if well-formed, otherwise the reason to drop it
   */
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

  /**
   * The buffer given to the last wrap.
   *
   * @return the wrapped buffer itself, not a copy
   */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Where the message starts in {@link #buffer()}.
   *
   * @return the offset of the Type byte
   */
  public int offset() {
    return off;
  }

  /**
   * The message length given to the last wrap: header and body.
   *
   * @return the length in bytes, at least {@value #HEADER_LENGTH}
   */
  public int length() {
    return length;
  }

  /**
   * Which family the message belongs to.
   *
   * @return {@code true} if wrapped by {@link #wrapV6}, {@code false} by {@link #wrapV4}
   */
  public boolean isIpv6() {
    return ipv6;
  }

  /**
   * The Type field (RFC 792, RFC 4443 §2.1); see {@link IcmpType}.
   *
   * @return the type, 0 to 255
   */
  public int type() {
    return Bytes.u8(buf, off);
  }

  /**
   * The Code field (RFC 792, RFC 4443 §2.1), which refines the type.
   *
   * @return the code, 0 to 255
   */
  public int code() {
    return Bytes.u8(buf, off + 1);
  }

  /**
   * The Checksum field as received; the wrap method has checked it (RFC 1071).
   *
   * @return the checksum, 0 to 0xFFFF
   */
  public int checksum() {
    return Bytes.u16(buf, off + 2);
  }

  /**
   * The four type-specific bytes after the checksum.
   *
   * @return bytes 4 to 7 as a big-endian {@code int}
   */
  public int restOfHeader() {
    return Bytes.i32(buf, off + 4);
  }

  /**
   * Echo identifier (RFC 792, RFC 4443 §4.1), meaningful for echo requests and replies.
   *
   * @return the identifier, 0 to 65,535
   */
  public int echoIdentifier() {
    return Bytes.u16(buf, off + 4);
  }

  /**
   * Echo sequence number (RFC 792, RFC 4443 §4.1), meaningful for echo requests and replies.
   *
   * @return the sequence number, 0 to 65,535
   */
  public int echoSequence() {
    return Bytes.u16(buf, off + 6);
  }

  /**
   * True for an error message, which quotes the packet that caused it (see {@link
   * IcmpType#isError}).
   *
   * @return {@code true} for an error type of this message's family
   */
  public boolean isError() {
    return IcmpType.isError(ipv6, type());
  }

  /**
   * The MTU a "fragmentation needed" (RFC 1191 §4: Next-Hop MTU in the low 16 bits) or "packet too
   * big" (RFC 4443 §3.2: 32 bits) message reports; 0 for other messages.
   *
   * @return the reported MTU in bytes, 0 to 2^32 - 1, unchecked
   */
  public long reportedMtu() {
    if (ipv6) {
      return type() == IcmpType.V6_PACKET_TOO_BIG ? Bytes.u32(buf, off + 4) : 0;
    }
    return type() == IcmpType.V4_DESTINATION_UNREACHABLE
        && code() == IcmpType.V4_CODE_FRAGMENTATION_NEEDED ? Bytes.u16(buf, off + 6) : 0;
  }

  /**
   * The body: echo data, or for errors the start of the packet that caused the error.
   *
   * @return the absolute offset in {@link #buffer()} of the byte after the 8-byte header
   */
  public int bodyOffset() {
    return off + HEADER_LENGTH;
  }

  /**
   * The body's length: the message length minus the 8-byte header.
   *
   * @return the body length in bytes, 0 or more
   */
  public int bodyLength() {
    return length - HEADER_LENGTH;
  }
}
