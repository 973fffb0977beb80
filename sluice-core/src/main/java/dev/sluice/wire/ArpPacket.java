package dev.sluice.wire;

/** A zero-copy view of an ARP packet for IPv4 over Ethernet (RFC 826). */
public final class ArpPacket {
  public static final int LENGTH = 28;
  public static final int OPERATION_REQUEST = 1;
  public static final int OPERATION_REPLY = 2;
  static final int HARDWARE_ETHERNET = 1;

  private byte[] buf;
  private int off;

  /** {@code null} if this is a well-formed Ethernet/IPv4 ARP packet, otherwise the reason to drop it. */
  public DropReason wrap(byte[] buf, int off, int length) {
    this.buf = buf;
    this.off = off;
    if (length < LENGTH || !Bytes.inBounds(buf, off, length)) {
      return DropReason.ARP_TRUNCATED;
    }
    if (Bytes.u16(buf, off) != HARDWARE_ETHERNET
        || Bytes.u16(buf, off + 2) != EthernetFrame.ETHERTYPE_IPV4
        || Bytes.u8(buf, off + 4) != 6
        || Bytes.u8(buf, off + 5) != 4) {
      return DropReason.ARP_UNSUPPORTED;
    }
    return null;
  }

  public int operation() {
    return Bytes.u16(buf, off + 6);
  }

  public long senderHardwareAddress() {
    return EthernetFrame.mac(buf, off + 8);
  }

  public int senderProtocolAddress() {
    return Bytes.i32(buf, off + 14);
  }

  public long targetHardwareAddress() {
    return EthernetFrame.mac(buf, off + 18);
  }

  public int targetProtocolAddress() {
    return Bytes.i32(buf, off + 24);
  }
}
