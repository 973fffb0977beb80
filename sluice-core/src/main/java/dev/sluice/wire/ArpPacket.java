package dev.sluice.wire;

/**
 * A zero-copy view of an ARP packet for IPv4 over Ethernet (RFC 826).
 *
 * <p>Not thread-safe: a view is a scratch object that one thread reuses packet after packet. The
 * getters mean something only after {@link #wrap} returned {@code null}. MAC addresses are
 * {@code long}s holding the six bytes in their low 48 bits; IPv4 addresses are big-endian
 * {@code int}s.
 */
public final class ArpPacket {
  /** Length in bytes of an Ethernet/IPv4 ARP packet (RFC 826). */
  public static final int LENGTH = 28;
  /** The ar$op value of a request (RFC 826). */
  public static final int OPERATION_REQUEST = 1;
  /** The ar$op value of a reply (RFC 826). */
  public static final int OPERATION_REPLY = 2;
  static final int HARDWARE_ETHERNET = 1;

  private byte[] buf;
  private int off;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public ArpPacket() {}

  /**
   * Points this view at an ARP packet and checks that it is for Ethernet (hardware type 1, 6-byte
   * addresses) and IPv4 (4-byte addresses).
   *
   * @param buf the buffer holding the packet; it is kept, not copied
   * @param off where the ARP packet starts in {@code buf}
   * @param length bytes from {@code off} to the end of the frame; Ethernet padding past 28 is
   *     ignored
   * @return {@code null} if this is a well-formed Ethernet/IPv4 ARP packet, otherwise the reason to
   *     drop it
   */
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

  /**
   * The operation (ar$op, RFC 826).
   *
   * @return {@link #OPERATION_REQUEST}, {@link #OPERATION_REPLY}, or another value 0 to 65,535
   */
  public int operation() {
    return Bytes.u16(buf, off + 6);
  }

  /**
   * The sender's MAC address (ar$sha, RFC 826).
   *
   * @return the address in the low 48 bits
   */
  public long senderHardwareAddress() {
    return EthernetFrame.mac(buf, off + 8);
  }

  /**
   * The sender's IPv4 address (ar$spa, RFC 826).
   *
   * @return the address as a big-endian {@code int}
   */
  public int senderProtocolAddress() {
    return Bytes.i32(buf, off + 14);
  }

  /**
   * The target's MAC address (ar$tha, RFC 826); usually 0 in a request.
   *
   * @return the address in the low 48 bits
   */
  public long targetHardwareAddress() {
    return EthernetFrame.mac(buf, off + 18);
  }

  /**
   * The target's IPv4 address (ar$tpa, RFC 826): the address being asked about in a request.
   *
   * @return the address as a big-endian {@code int}
   */
  public int targetProtocolAddress() {
    return Bytes.i32(buf, off + 24);
  }
}
