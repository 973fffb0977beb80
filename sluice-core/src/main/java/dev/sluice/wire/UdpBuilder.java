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
   * @param pseudoHeaderSum the unfinished pseudo-header sum for {@code 8 + payloadLength} bytes
   */
  public int write(byte[] buf, int off, int payloadLength, int pseudoHeaderSum) {
    int length = UdpDatagram.HEADER_LENGTH + payloadLength;
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("UDP datagram too long: " + length);
    }
    Bytes.put16(buf, off, sourcePort);
    Bytes.put16(buf, off + 2, destinationPort);
    Bytes.put16(buf, off + 4, length);
    Bytes.put16(buf, off + 6, 0);
    int checksum = Checksum.finish(Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length)));
    Bytes.put16(buf, off + 6, checksum == 0 ? 0xFFFF : checksum);
    return UdpDatagram.HEADER_LENGTH;
  }
}
