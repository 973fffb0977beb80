package dev.sluice.wire;

/**
 * Writes ARP packets for IPv4 over Ethernet (RFC 826). MAC addresses are {@code long}s holding
 * the six bytes in their low 48 bits; IPv4 addresses are big-endian {@code int}s.
 *
 * <p>Not thread-safe: a builder is a scratch object for one thread, and keeps its fields between
 * writes.
 */
public final class ArpBuilder {
  private int operation = ArpPacket.OPERATION_REQUEST;
  private long senderHardwareAddress;
  private int senderProtocolAddress;
  private long targetHardwareAddress;
  private int targetProtocolAddress;

  /** Creates a builder for a request with every address 0. */
  public ArpBuilder() {}

  /**
   * Sets the operation (ar$op, RFC 826); a request until set.
   *
   * @param operation {@link ArpPacket#OPERATION_REQUEST} or {@link ArpPacket#OPERATION_REPLY}; only
   *     the low 16 bits are kept
   * @return this builder
   */
  public ArpBuilder operation(int operation) {
    this.operation = operation & 0xFFFF;
    return this;
  }

  /**
   * Sets the sender's addresses (ar$sha and ar$spa, RFC 826).
   *
   * @param mac the sender's MAC address in the low 48 bits
   * @param ipv4 the sender's IPv4 address
   * @return this builder
   */
  public ArpBuilder sender(long mac, int ipv4) {
    this.senderHardwareAddress = mac;
    this.senderProtocolAddress = ipv4;
    return this;
  }

  /**
   * Sets the target's addresses (ar$tha and ar$tpa, RFC 826); a request leaves the MAC 0.
   *
   * @param mac the target's MAC address in the low 48 bits
   * @param ipv4 the target's IPv4 address: in a request, the one asked about
   * @return this builder
   */
  public ArpBuilder target(long mac, int ipv4) {
    this.targetHardwareAddress = mac;
    this.targetProtocolAddress = ipv4;
    return this;
  }

  /**
   * Writes the whole 28-byte packet at {@code off}, in network byte order, for hardware type
   * Ethernet and protocol type IPv4.
   *
   * @param buf the buffer to write into
   * @param off where the ARP packet goes (after the Ethernet header)
   * @return the packet length, always {@value ArpPacket#LENGTH}
   * @throws IndexOutOfBoundsException if the packet does not fit in {@code buf}
   */
  public int write(byte[] buf, int off) {
    Bytes.put16(buf, off, ArpPacket.HARDWARE_ETHERNET);
    Bytes.put16(buf, off + 2, EthernetFrame.ETHERTYPE_IPV4);
    Bytes.put8(buf, off + 4, 6);
    Bytes.put8(buf, off + 5, 4);
    Bytes.put16(buf, off + 6, operation);
    EthernetFrame.putMac(buf, off + 8, senderHardwareAddress);
    Bytes.put32(buf, off + 14, senderProtocolAddress);
    EthernetFrame.putMac(buf, off + 18, targetHardwareAddress);
    Bytes.put32(buf, off + 24, targetProtocolAddress);
    return ArpPacket.LENGTH;
  }
}
