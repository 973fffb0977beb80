package dev.sluice.wire;

/**
 * Writes UDP headers with their checksum (RFC 768).
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread, and keeps its ports between
 * writes.
 */
public final class UdpBuilder {
  private int sourcePort;
  private int destinationPort;

  /** Creates a builder with both ports 0. */
  public UdpBuilder() {}

  /**
   * Sets the Source Port field (RFC 768); 0 means the sender expects no reply.
   *
   * @param port the port; only its low 16 bits are kept
   * @return this builder
   */
  public UdpBuilder sourcePort(int port) {
    this.sourcePort = port & 0xFFFF;
    return this;
  }

  /**
   * Sets the Destination Port field (RFC 768).
   *
   * @param port the port; only its low 16 bits are kept
   * @return this builder
   */
  public UdpBuilder destinationPort(int port) {
    this.destinationPort = port & 0xFFFF;
    return this;
  }

  /**
   * Writes the header at {@code off}; the {@code payloadLength} bytes of data must already follow
   * it. A computed checksum of zero is sent as all ones (RFC 768), since zero means "none".
   *
   * @param buf the buffer to write into
   * @param off where the UDP header goes
   * @param payloadLength the data's length in bytes
   * @param pseudoHeaderSumWithoutLength the IP layer's pseudo-header sum for a length of 0 (as
   *     {@link UdpDatagram#wrap} takes it); the datagram adds its own Length field, which is what
   *     RFC 768 puts in the pseudo-header
   * @return the header length, always {@value UdpDatagram#HEADER_LENGTH}
   * @throws IllegalArgumentException if header and data exceed 65,535 bytes
   * @throws IndexOutOfBoundsException if header and data are not inside {@code buf}
   */
  public int write(byte[] buf, int off, int payloadLength, int pseudoHeaderSumWithoutLength) {
    int length = UdpDatagram.HEADER_LENGTH + payloadLength;
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("UDP datagram too long: " + length);
    }
    Bytes.put16(buf, off, sourcePort);
    Bytes.put16(buf, off + 2, destinationPort);
    Bytes.put16(buf, off + 4, length);
    Bytes.put16(buf, off + 6, 0);
    int pseudoHeaderSum = Checksum.add(pseudoHeaderSumWithoutLength, length);
    int checksum = Checksum.finish(Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length)));
    Bytes.put16(buf, off + 6, checksum == 0 ? 0xFFFF : checksum);
    return UdpDatagram.HEADER_LENGTH;
  }
}
