package dev.sluice.wire;

/**
 * Writes IPv6 headers (RFC 8200 §3), optionally followed by pre-encoded extension headers. Set the
 * fields, then {@link #write}; the builder keeps them between writes.
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread. Setters keep only the bits
 * their field has.
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

  /** Creates a builder with hop limit 64, every other field 0, and no extension headers. */
  public Ipv6Builder() {}

  /**
   * Sets the Traffic Class field (RFC 8200 §3, §7): DSCP in the upper six bits, ECN in the lower
   * two.
   *
   * @param tc the traffic class; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv6Builder trafficClass(int tc) {
    this.trafficClass = tc & 0xFF;
    return this;
  }

  /**
   * Sets the Flow Label field (RFC 8200 §3, §6; RFC 6437).
   *
   * @param label the flow label; only its low 20 bits are kept
   * @return this builder
   */
  public Ipv6Builder flowLabel(int label) {
    this.flowLabel = label & 0xF_FFFF;
    return this;
  }

  /**
   * Sets the Hop Limit field (RFC 8200 §3); 64 until set.
   *
   * @param hopLimit the hop limit; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv6Builder hopLimit(int hopLimit) {
    this.hopLimit = hopLimit & 0xFF;
    return this;
  }

  /**
   * The upper-layer protocol; also the Next Header field when there are no extension headers.
   *
   * @param protocol an {@link IpProtocol} number; only its low 8 bits are kept
   * @return this builder
   */
  public Ipv6Builder protocol(int protocol) {
    this.upperLayerProtocol = protocol & 0xFF;
    if (extensionLength == 0) {
      this.nextHeader = upperLayerProtocol;
    }
    return this;
  }

  /**
   * Sets the Source Address field (RFC 8200 §3).
   *
   * @param high the address's first 64 bits, big-endian
   * @param low the address's last 64 bits, big-endian
   * @return this builder
   */
  public Ipv6Builder source(long high, long low) {
    this.sourceHigh = high;
    this.sourceLow = low;
    return this;
  }

  /**
   * Sets the Destination Address field (RFC 8200 §3).
   *
   * @param high the address's first 64 bits, big-endian
   * @param low the address's last 64 bits, big-endian
   * @return this builder
   */
  public Ipv6Builder destination(long high, long low) {
    this.destinationHigh = high;
    this.destinationLow = low;
    return this;
  }

  /**
   * Extension headers (RFC 8200 §4), already encoded with their own Next Header fields;
   * {@code firstHeader} is the type of the first one and goes into the fixed header's Next Header.
   * They replace any set before; a length of 0 removes them.
   *
   * @param firstHeader the {@link IpProtocol} number of the first extension header
   * @param src the encoded headers
   * @param off where they start in {@code src}
   * @param len their length in bytes, a multiple of 8 from 0 to 256
   * @return this builder
   * @throws IllegalArgumentException if {@code len} is negative, above 256 or not a multiple of 8
   * @throws IndexOutOfBoundsException if the region is not inside {@code src}
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

  /**
   * Removes the extension headers: Next Header is the upper-layer protocol again.
   *
   * @return this builder
   */
  public Ipv6Builder clearExtensionHeaders() {
    extensionLength = 0;
    nextHeader = upperLayerProtocol;
    return this;
  }

  /**
   * The length of what {@link #write} writes: the 40-byte fixed header plus the extension headers.
   *
   * @return the length in bytes, 40 to 296
   */
  public int headerLength() {
    return Ipv6Packet.HEADER_LENGTH + extensionLength;
  }

  /**
   * Writes the fixed header and any extension headers at {@code off} for {@code payloadLength}
   * bytes of upper-layer data, in network byte order. IPv6 has no header checksum; the upper-layer
   * data is neither written nor read.
   *
   * @param buf the buffer to write into
   * @param off where the IPv6 header goes
   * @param payloadLength the upper-layer length in bytes
   * @return the length of all headers written, as {@link #headerLength()}
   * @throws IllegalArgumentException if extension headers and payload exceed 65,535 bytes
   *     (jumbograms
   *     are not written)
   * @throws IndexOutOfBoundsException if the headers do not fit in {@code buf}
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

  /**
   * The unfinished pseudo-header sum for {@code length} bytes of upper-layer data (RFC 8200 §8.1),
   * from the addresses and protocol last set.
   *
   * @param length the upper-layer length in bytes, or 0 for UDP to complete with its own Length
   * @return the unfinished one's complement sum (see {@link Checksum}), 0 to 0xFFFF
   */
  public int pseudoHeaderSum(int length) {
    return Checksum.pseudoHeaderIpv6(sourceHigh, sourceLow, destinationHigh, destinationLow,
        upperLayerProtocol, length);
  }
}
