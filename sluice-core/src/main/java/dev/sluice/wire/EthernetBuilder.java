package dev.sluice.wire;

/**
 * Writes Ethernet II headers, optionally with one 802.1Q tag. MAC addresses are {@code long}s
 * holding the six bytes in their low 48 bits, first byte on the wire highest.
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread, and keeps its fields between
 * writes.
 */
public final class EthernetBuilder {
  private long destination;
  private long source;
  private int etherType;
  private int vlanTag = -1;

  /** Creates a builder for an untagged frame with both addresses and the EtherType 0. */
  public EthernetBuilder() {}

  /**
   * Sets the destination MAC address.
   *
   * @param mac the address in the low 48 bits; higher bits are not written
   * @return this builder
   */
  public EthernetBuilder destination(long mac) {
    this.destination = mac;
    return this;
  }

  /**
   * Sets the source MAC address.
   *
   * @param mac the address in the low 48 bits; higher bits are not written
   * @return this builder
   */
  public EthernetBuilder source(long mac) {
    this.source = mac;
    return this;
  }

  /**
   * Sets the payload's EtherType, such as {@link EthernetFrame#ETHERTYPE_IPV6}.
   *
   * @param type the EtherType; only its low 16 bits are kept
   * @return this builder
   */
  public EthernetBuilder etherType(int type) {
    this.etherType = type & 0xFFFF;
    return this;
  }

  /**
   * The whole 16-bit tag control field (priority, DEI, VLAN ID), or -1 for an untagged frame.
   *
   * @param tci the tag control information, of which the low 16 bits are kept; any negative value
   *     means untagged
   * @return this builder
   */
  public EthernetBuilder vlanTag(int tci) {
    this.vlanTag = tci < 0 ? -1 : tci & 0xFFFF;
    return this;
  }

  /**
   * The length of the header {@link #write} writes.
   *
   * @return 14 bytes, or 18 with a VLAN tag
   */
  public int headerLength() {
    return vlanTag < 0 ? EthernetFrame.HEADER_LENGTH : EthernetFrame.HEADER_LENGTH + 4;
  }

  /**
   * Writes the header at {@code off}, in network byte order; the payload is neither written nor
   * read.
   *
   * @param buf the buffer to write into
   * @param off where the frame starts
   * @return the header length in bytes, as {@link #headerLength()}
   * @throws IndexOutOfBoundsException if the header does not fit in {@code buf}
   */
  public int write(byte[] buf, int off) {
    EthernetFrame.putMac(buf, off, destination);
    EthernetFrame.putMac(buf, off + 6, source);
    int pos = off + 12;
    if (vlanTag >= 0) {
      Bytes.put16(buf, pos, EthernetFrame.ETHERTYPE_VLAN);
      Bytes.put16(buf, pos + 2, vlanTag);
      pos += 4;
    }
    Bytes.put16(buf, pos, etherType);
    return headerLength();
  }
}
