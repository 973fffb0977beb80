package dev.sluice.wire;

/** A zero-copy view of a UDP datagram (RFC 768). */
public final class UdpDatagram {
  public static final int HEADER_LENGTH = 8;

  private byte[] buf;
  private int off;
  private int length;

  /**
   * Points this view at a datagram in an IP payload of {@code ipPayloadLength} bytes and
   * validates it. The UDP Length field may be shorter than the IP payload (the rest is trimmed as
   * padding) but never longer.
   *
   * @param pseudoHeaderSumWithoutLength the IP layer's pseudo-header sum for a length of 0; the
   *     datagram adds its own Length field, which is what RFC 768 puts in the pseudo-header
   * @param ipv6 whether the datagram came over IPv6, where a zero checksum is not allowed
   * @return {@code null} if the datagram is well-formed, otherwise why it must be dropped
   */
  public DropReason wrap(byte[] buf, int off, int ipPayloadLength, int pseudoHeaderSumWithoutLength,
      boolean ipv6) {
    this.buf = buf;
    this.off = off;
    if (ipPayloadLength < HEADER_LENGTH || !Bytes.inBounds(buf, off, ipPayloadLength)) {
      return DropReason.UDP_TRUNCATED;
    }
    length = Bytes.u16(buf, off + 4);
    if (length < HEADER_LENGTH || length > ipPayloadLength) {
      return DropReason.UDP_BAD_LENGTH;
    }
    int checksum = checksum();
    if (checksum == 0) {
      // RFC 768: zero means "no checksum" over IPv4; RFC 8200 §8.1 forbids it over IPv6.
      if (ipv6) {
        return DropReason.UDP_MISSING_CHECKSUM;
      }
    } else if (Checksum.add(Checksum.add(pseudoHeaderSumWithoutLength, length),
        Checksum.sum(buf, off, length)) != Checksum.VALID) {
      return DropReason.UDP_BAD_CHECKSUM;
    }
    if (destinationPort() == 0) {
      return DropReason.UDP_BAD_PORT;
    }
    return null;
  }

  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return off;
  }

  public int sourcePort() {
    return Bytes.u16(buf, off);
  }

  public int destinationPort() {
    return Bytes.u16(buf, off + 2);
  }

  /** The UDP Length field: header plus data. */
  public int length() {
    return length;
  }

  public int checksum() {
    return Bytes.u16(buf, off + 6);
  }

  public int payloadOffset() {
    return off + HEADER_LENGTH;
  }

  public int payloadLength() {
    return length - HEADER_LENGTH;
  }
}
