package dev.sluice.wire;

/** Writes ARP packets for IPv4 over Ethernet (RFC 826). */
public final class ArpBuilder {
  private int operation = ArpPacket.OPERATION_REQUEST;
  private long senderHardwareAddress;
  private int senderProtocolAddress;
  private long targetHardwareAddress;
  private int targetProtocolAddress;

  public ArpBuilder operation(int operation) {
    this.operation = operation & 0xFFFF;
    return this;
  }

  public ArpBuilder sender(long mac, int ipv4) {
    this.senderHardwareAddress = mac;
    this.senderProtocolAddress = ipv4;
    return this;
  }

  public ArpBuilder target(long mac, int ipv4) {
    this.targetHardwareAddress = mac;
    this.targetProtocolAddress = ipv4;
    return this;
  }

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
