package dev.sluice.wire;

/**
 * A zero-copy view of an Ethernet II frame (IEEE 802.3 with an EtherType), with at most one
 * 802.1Q VLAN tag. The frame check sequence is not included: capture and TAP interfaces strip it.
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses frame after frame. The
 * getters mean something only after {@link #wrap} returned {@code null}. A MAC address is a
 * {@code long} holding the six bytes, first byte on the wire highest, in its low 48 bits.
 */
public final class EthernetFrame {
  /** Length in bytes of an untagged header: two MAC addresses and the EtherType. */
  public static final int HEADER_LENGTH = 14;
  /** EtherType of IPv4 (RFC 894). */
  public static final int ETHERTYPE_IPV4 = 0x0800;
  /** EtherType of ARP (RFC 826). */
  public static final int ETHERTYPE_ARP = 0x0806;
  /**
   * EtherType (TPID) of an IEEE 802.1Q VLAN tag, followed by the tag and the payload's EtherType.
   */
  public static final int ETHERTYPE_VLAN = 0x8100;
  /** EtherType of IPv6 (RFC 2464). */
  public static final int ETHERTYPE_IPV6 = 0x86DD;

  private byte[] buf;
  private int off;
  private int length;
  private int headerLength;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public EthernetFrame() {}

  /**
   * Points this view at a frame and checks that it is long enough for its header (and VLAN tag).
   * The payload is not looked at.
   *
   * @param buf the buffer holding the frame; it is kept, not copied
   * @param off where the frame starts in {@code buf}
   * @param length the frame's length in bytes, without the frame check sequence
   * @return {@code null} if the frame is long enough for its header, otherwise the reason to drop
   *     it
   */
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

  /**
   * The destination MAC address in the low 48 bits.
   *
   * @return the address, 0 to 2^48 - 1; 0xFFFFFFFFFFFF is broadcast
   */
  public long destination() {
    return mac(buf, off);
  }

  /**
   * The source MAC address in the low 48 bits.
   *
   * @return the address, 0 to 2^48 - 1
   */
  public long source() {
    return mac(buf, off + 6);
  }

  /**
   * The 802.1Q tag control field (priority, DEI and VLAN ID), or -1 if untagged.
   *
   * @return the tag control information, 0 to 0xFFFF, or -1
   */
  public int vlanTag() {
    return headerLength == HEADER_LENGTH ? -1 : Bytes.u16(buf, off + 14);
  }

  /**
   * The EtherType of the payload (after any VLAN tag).
   *
   * @return the EtherType, 0 to 0xFFFF, such as {@link #ETHERTYPE_IPV4}
   */
  public int etherType() {
    return Bytes.u16(buf, off + headerLength - 2);
  }

  /**
   * The header's length: 14 bytes, or 18 with a VLAN tag.
   *
   * @return 14 or 18
   */
  public int headerLength() {
    return headerLength;
  }

  /**
   * Where the payload starts in the buffer, after the header and any VLAN tag.
   *
   * @return the absolute offset of the payload
   */
  public int payloadOffset() {
    return off + headerLength;
  }

  /**
   * The payload's length: the frame length minus the header, Ethernet padding included.
   *
   * @return the payload length in bytes, 0 or more
   */
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
