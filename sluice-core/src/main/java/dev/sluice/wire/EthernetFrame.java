package dev.sluice.wire;

/**
 * A zero-copy view of an Ethernet II frame (IEEE 802.3 with an EtherType), with at most one
 * 802.1Q VLAN tag. The frame check sequence is not included: capture and TAP interfaces strip it.
 */
public final class EthernetFrame {
  public static final int HEADER_LENGTH = 14;
  public static final int ETHERTYPE_IPV4 = 0x0800;
  public static final int ETHERTYPE_ARP = 0x0806;
  public static final int ETHERTYPE_VLAN = 0x8100;
  public static final int ETHERTYPE_IPV6 = 0x86DD;

  private byte[] buf;
  private int off;
  private int length;
  private int headerLength;

  /** {@code null} if the frame is long enough for its header, otherwise the reason to drop it. */
  public DropReason wrap(byte[] buf, int off, int length) {
    this.buf = buf;
    this.off = off;
    this.length = length;
    if (length < HEADER_LENGTH || !Bytes.inBounds(buf, off, length)) {
      return DropReason.ETHERNET_TRUNCATED;
    }
    headerLength = HEADER_LENGTH;
    if (Bytes.u16(buf, off + 12) == ETHERTYPE_VLAN) {
      if (length < HEADER_LENGTH + 4) {
        return DropReason.ETHERNET_TRUNCATED;
      }
      headerLength = HEADER_LENGTH + 4;
    }
    return null;
  }

  /** The destination MAC address in the low 48 bits. */
  public long destination() {
    return mac(buf, off);
  }

  public long source() {
    return mac(buf, off + 6);
  }

  /** The 802.1Q tag control field (priority, DEI and VLAN ID), or -1 if untagged. */
  public int vlanTag() {
    return headerLength == HEADER_LENGTH ? -1 : Bytes.u16(buf, off + 14);
  }

  /** The EtherType of the payload (after any VLAN tag). */
  public int etherType() {
    return Bytes.u16(buf, off + headerLength - 2);
  }

  public int headerLength() {
    return headerLength;
  }

  public int payloadOffset() {
    return off + headerLength;
  }

  public int payloadLength() {
    return length - headerLength;
  }

  static long mac(byte[] buf, int off) {
    return ((long) Bytes.u16(buf, off) << 32) | Bytes.u32(buf, off + 2);
  }

  static void putMac(byte[] buf, int off, long mac) {
    Bytes.put16(buf, off, (int) (mac >>> 32));
    Bytes.put32(buf, off + 2, (int) mac);
  }
}
