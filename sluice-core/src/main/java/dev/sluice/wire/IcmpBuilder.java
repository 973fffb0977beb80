package dev.sluice.wire;

/**
 * Writes ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 §2.1) headers with their checksum; the body must
 * already follow.
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread, and keeps its fields between
 * writes.
 */
public final class IcmpBuilder {
  private int type;
  private int code;
  private int restOfHeader;

  /** Creates a builder with type, code and the type-specific bytes all 0. */
  public IcmpBuilder() {}

  /**
   * Sets the Type field; see {@link IcmpType}.
   *
   * @param type the message type; only its low 8 bits are kept
   * @return this builder
   */
  public IcmpBuilder type(int type) {
    this.type = type & 0xFF;
    return this;
  }

  /**
   * Sets the Code field, which refines the type.
   *
   * @param code the code; only its low 8 bits are kept
   * @return this builder
   */
  public IcmpBuilder code(int code) {
    this.code = code & 0xFF;
    return this;
  }

  /**
   * Sets the four type-specific bytes after the checksum: an echo's identifier and sequence, a
   * Packet Too Big message's MTU, or 0 for most errors.
   *
   * @param rest the four bytes as a big-endian {@code int}
   * @return this builder
   */
  public IcmpBuilder restOfHeader(int rest) {
    this.restOfHeader = rest;
    return this;
  }

  /**
   * An echo request or reply: code 0, identifier and sequence in the type-specific bytes (RFC 792,
   * RFC 4443 §4.1).
   *
   * @param type {@link IcmpType#V4_ECHO_REQUEST}, {@link IcmpType#V4_ECHO_REPLY} or their ICMPv6
   *     counterparts
   * @param identifier the echo identifier; only its low 16 bits are kept
   * @param sequence the echo sequence number; only its low 16 bits are kept
   * @return this builder
   */
  public IcmpBuilder echo(int type, int identifier, int sequence) {
    return type(type).code(0).restOfHeader(((identifier & 0xFFFF) << 16) | (sequence & 0xFFFF));
  }

  /**
   * Writes an ICMPv4 message header (no pseudo-header, RFC 792) with its checksum over header and
   * body.
   *
   * @param buf the buffer to write into
   * @param off where the ICMP header goes; the body must already sit 8 bytes after it
   * @param bodyLength the body's length in bytes
   * @return the header length, always {@value IcmpMessage#HEADER_LENGTH}
   * @throws IndexOutOfBoundsException if header and body are not inside {@code buf}
   */
  public int writeV4(byte[] buf, int off, int bodyLength) {
    return write(buf, off, bodyLength, 0);
  }

  /**
   * Writes an ICMPv6 message header (RFC 4443 §2.3: the checksum covers the pseudo-header).
   *
   * @param buf the buffer to write into
   * @param off where the ICMPv6 header goes; the body must already sit 8 bytes after it
   * @param bodyLength the body's length in bytes
   * @param pseudoHeaderSum the unfinished IPv6 pseudo-header sum for 8 + {@code bodyLength} bytes
   * @return the header length, always {@value IcmpMessage#HEADER_LENGTH}
   * @throws IndexOutOfBoundsException if header and body are not inside {@code buf}
   */
  public int writeV6(byte[] buf, int off, int bodyLength, int pseudoHeaderSum) {
    return write(buf, off, bodyLength, pseudoHeaderSum);
  }

  private int write(byte[] buf, int off, int bodyLength, int pseudoHeaderSum) {
    Bytes.put8(buf, off, type);
    Bytes.put8(buf, off + 1, code);
    Bytes.put16(buf, off + 2, 0);
    Bytes.put32(buf, off + 4, restOfHeader);
    int sum = Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, IcmpMessage.HEADER_LENGTH + bodyLength));
    Bytes.put16(buf, off + 2, Checksum.finish(sum));
    return IcmpMessage.HEADER_LENGTH;
  }
}
