package dev.sluice.wire;

/** Writes UDP headers with their checksum (RFC 768). */
public final class UdpBuilder {
  private int sourcePort;
  private int destinationPort;

  public UdpBuilder sourcePort(int port) {
    this.sourcePort = port & 0xFFFF;
    return this;
  }

  public UdpBuilder destinationPort(int port) {
    this.destinationPort = port & 0xFFFF;
    return this;
  }

  /**
   * Writes the header at {@code off}; the {@code payloadLength} bytes of data must already follow
   * it. A computed checksum of zero is sent as all ones (RFC 768), since zero means "none".
   *
   * @param pseudoHeaderSumWithoutLength the IP layer's pseudo-header sum for a length of 0 (as
   *     {@link UdpDatagram#wrap} takes it); the datagram adds its own Length field, which is what
   *     RFC 768 puts in the pseudo-header
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
