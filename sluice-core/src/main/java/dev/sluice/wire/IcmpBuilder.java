package dev.sluice.wire;

/** Writes ICMPv4 and ICMPv6 headers with their checksum; the body must already follow. */
public final class IcmpBuilder {
  private int type;
  private int code;
  private int restOfHeader;

  public IcmpBuilder type(int type) {
    this.type = type & 0xFF;
    return this;
  }

  public IcmpBuilder code(int code) {
    this.code = code & 0xFF;
    return this;
  }

  public IcmpBuilder restOfHeader(int rest) {
    this.restOfHeader = rest;
    return this;
  }

  /** An echo request or reply: identifier and sequence in the type-specific bytes. */
  public IcmpBuilder echo(int type, int identifier, int sequence) {
    return type(type).code(0).restOfHeader(((identifier & 0xFFFF) << 16) | (sequence & 0xFFFF));
  }

  /** Writes an ICMPv4 message header (no pseudo-header, RFC 792). Returns the header length. */
  public int writeV4(byte[] buf, int off, int bodyLength) {
    return write(buf, off, bodyLength, 0);
  }

  /**
   * Writes an ICMPv6 message header (RFC 4443 §2.3: the checksum covers the pseudo-header).
   * Returns the header length.
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
