package dev.sluice.wire;

/**
 * A zero-copy view of a UDP datagram (RFC 768).
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses datagram after datagram.
 * The getters mean something only after {@link #wrap} returned {@code null}; multi-byte fields are
 * read in network byte order.
 */
public final class UdpDatagram {
  /** Length of the UDP header in bytes (RFC 768). */
  public static final int HEADER_LENGTH = 8;

  private byte[] buf;
  private int off;
  private int length;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public UdpDatagram() {}

  /**
   * Points this view at a datagram in an IP payload of {@code ipPayloadLength} bytes and
   * validates it. The UDP Length field may be shorter than the IP payload (the rest is trimmed as
   * padding) but never longer.
   *
   * @param buf the buffer holding the datagram; it is kept, not copied
   * @param off where the UDP header starts in {@code buf}
   * @param ipPayloadLength the IP payload's length in bytes, as the IP layer states it
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

  /**
   * The buffer given to the last {@link #wrap}.
   *
   * @return the wrapped buffer itself, not a copy
   */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Where the datagram starts in {@link #buffer()}.
   *
   * @return the offset of the UDP header's first byte
   */
  public int offset() {
    return off;
  }

  /**
   * The Source Port field (RFC 768); 0 when the sender expects no reply.
   *
   * @return the port, 0 to 65,535
   */
  public int sourcePort() {
    return Bytes.u16(buf, off);
  }

  /**
   * The Destination Port field (RFC 768).
   *
   * @return the port, 1 to 65,535 after a successful {@link #wrap}
   */
  public int destinationPort() {
    return Bytes.u16(buf, off + 2);
  }

  /**
   * The UDP Length field: header plus data (RFC 768).
   *
   * @return the length in bytes, 8 to the IP payload length
   */
  public int length() {
    return length;
  }

  /**
   * The Checksum field as received (RFC 768); 0 means none was sent (IPv4 only). {@link #wrap} has
   * checked any other value.
   *
   * @return the checksum, 0 to 0xFFFF
   */
  public int checksum() {
    return Bytes.u16(buf, off + 6);
  }

  /**
   * Where the data starts in {@link #buffer()}: right after the 8-byte header.
   *
   * @return the absolute offset of the first data byte
   */
  public int payloadOffset() {
    return off + HEADER_LENGTH;
  }

  /**
   * The data's length as the UDP Length field states it, IP padding excluded.
   *
   * @return {@link #length()} minus 8, in bytes
   */
  public int payloadLength() {
    return length - HEADER_LENGTH;
  }
}
