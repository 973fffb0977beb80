package dev.sluice.wire;

/**
 * Writes IPv6 headers (RFC 8200 §3), optionally followed by pre-encoded extension headers. Set the
 * fields, then {@link #write}; the builder keeps them between writes.
 */
public final class Ipv6Builder {
  private static final int MAX_EXTENSION_BYTES = 256;

  private int trafficClass;
  private int flowLabel;
  private int hopLimit = 64;
  private int nextHeader;
  private int upperLayerProtocol;
  private long sourceHigh;
  private long sourceLow;
  private long destinationHigh;
  private long destinationLow;
  private final byte[] extensionHeaders = new byte[MAX_EXTENSION_BYTES];
  private int extensionLength;

  public Ipv6Builder trafficClass(int tc) {
    this.trafficClass = tc & 0xFF;
    return this;
  }

  public Ipv6Builder flowLabel(int label) {
    this.flowLabel = label & 0xF_FFFF;
    return this;
  }

  public Ipv6Builder hopLimit(int hopLimit) {
    this.hopLimit = hopLimit & 0xFF;
    return this;
  }

  /** The upper-layer protocol; also the Next Header field when there are no extension headers. */
  public Ipv6Builder protocol(int protocol) {
    this.upperLayerProtocol = protocol & 0xFF;
    if (extensionLength == 0) {
      this.nextHeader = upperLayerProtocol;
    }
    return this;
  }

  public Ipv6Builder source(long high, long low) {
    this.sourceHigh = high;
    this.sourceLow = low;
    return this;
  }

  public Ipv6Builder destination(long high, long low) {
    this.destinationHigh = high;
    this.destinationLow = low;
    return this;
  }

  /**
   * Extension headers, already encoded with their own Next Header fields; {@code firstHeader} is
   * the type of the first one and goes into the fixed header's Next Header.
   */
  public Ipv6Builder extensionHeaders(int firstHeader, byte[] src, int off, int len) {
    if (len < 0 || len > MAX_EXTENSION_BYTES || (len & 7) != 0) {
      throw new IllegalArgumentException(
          "extension headers must be a multiple of 8 bytes, at most " + MAX_EXTENSION_BYTES + ": " + len);
    }
    System.arraycopy(src, off, extensionHeaders, 0, len);
    extensionLength = len;
    nextHeader = len == 0 ? upperLayerProtocol : firstHeader & 0xFF;
    return this;
  }

  public Ipv6Builder clearExtensionHeaders() {
    extensionLength = 0;
    nextHeader = upperLayerProtocol;
    return this;
  }

  public int headerLength() {
    return Ipv6Packet.HEADER_LENGTH + extensionLength;
  }

  /**
   * Writes the fixed header and any extension headers at {@code off} for {@code payloadLength}
   * bytes of upper-layer data. Returns the length of all headers written.
   */
  public int write(byte[] buf, int off, int payloadLength) {
    int payloadField = extensionLength + payloadLength;
    if (payloadField > 0xFFFF) {
      throw new IllegalArgumentException("IPv6 payload too long for a non-jumbo packet: " + payloadField);
    }
    Bytes.put32(buf, off, (6 << 28) | (trafficClass << 20) | flowLabel);
    Bytes.put16(buf, off + 4, payloadField);
    Bytes.put8(buf, off + 6, nextHeader);
    Bytes.put8(buf, off + 7, hopLimit);
    Bytes.put64(buf, off + 8, sourceHigh);
    Bytes.put64(buf, off + 16, sourceLow);
    Bytes.put64(buf, off + 24, destinationHigh);
    Bytes.put64(buf, off + 32, destinationLow);
    System.arraycopy(extensionHeaders, 0, buf, off + Ipv6Packet.HEADER_LENGTH, extensionLength);
    return headerLength();
  }

  /** The unfinished pseudo-header sum for {@code length} bytes of upper-layer data. */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv6(sourceHigh, sourceLow, destinationHigh, destinationLow,
        upperLayerProtocol, length);
  }
}
