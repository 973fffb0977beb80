package dev.sluice.cli.capture;

/**
 * Finds the IP packet inside a captured frame for the link types that tcpdump, tshark and Sluice
 * write (the LINKTYPE_ values of https://www.tcpdump.org/linktypes.html).
 */
public final class LinkLayer {
  /** BSD loopback: a 4-byte address family in the byte order of the machine that captured it. */
  public static final int NULL = 0;
  public static final int ETHERNET = 1;
  /** Raw IP, version in the first nibble; what Sluice's {@code PcapngWriter} writes. */
  public static final int RAW = 101;
  /** OpenBSD loopback: the 4-byte address family in network byte order. */
  public static final int LOOP = 108;
  /** Linux "cooked" capture v1 ({@code tcpdump -i any}). */
  public static final int LINUX_SLL = 113;
  public static final int IPV4 = 228;
  public static final int IPV6 = 229;
  /** Linux "cooked" capture v2 (newer libpcap with {@code -i any}). */
  public static final int LINUX_SLL2 = 276;

  /** Returned by {@link #ipOffset} for a frame that carries something other than IP. */
  public static final int NOT_IP = -1;
  /** Returned by {@link #ipOffset} for a frame too short for its own link header. */
  public static final int MALFORMED = -2;

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86DD;
  private static final int ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
  private static final int ETHERTYPE_QINQ = 0x88A8; // IEEE 802.1ad outer tag, one tag deep as well
  private static final int ETHERNET_HEADER = 14;
  private static final int VLAN_TAG = 4;
  private static final int SLL_HEADER = 16;
  private static final int SLL2_HEADER = 20;
  private static final int FAMILY_HEADER = 4;

  private LinkLayer() {}

  /** True for the link types {@link #ipOffset} understands. */
  public static boolean supported(int linkType) {
    return switch (linkType) {
      case NULL, ETHERNET, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
      default -> false;
    };
  }

  /** A short name for reports. */
  public static String name(int linkType) {
    return switch (linkType) {
      case NULL -> "NULL";
      case ETHERNET -> "Ethernet";
      case RAW -> "raw IP";
      case LOOP -> "LOOP";
      case LINUX_SLL -> "Linux cooked";
      case IPV4 -> "IPv4";
      case IPV6 -> "IPv6";
      case LINUX_SLL2 -> "Linux cooked v2";
      default -> "link type " + linkType;
    };
  }

  /**
   * Where the IP header starts in the frame of {@code length} bytes at {@code offset}.
   *
   * @return the IP header's offset from the start of the frame, {@link #NOT_IP} or {@link #MALFORMED}
   */
  public static int ipOffset(int linkType, byte[] buf, int offset, int length) {
    byte[] frame = java.util.Arrays.copyOfRange(buf, offset, offset + Math.min(length, SLL2_HEADER + 1));
    return switch (linkType) {
      case RAW -> ipVersion(frame, 0, length) != 0 ? 0 : NOT_IP;
      case IPV4 -> ipVersion(frame, 0, length) == 4 ? 0 : NOT_IP;
      case IPV6 -> ipVersion(frame, 0, length) == 6 ? 0 : NOT_IP;
      case ETHERNET -> ethernet(frame, length);
      case LINUX_SLL -> length < SLL_HEADER ? MALFORMED : byEtherType(u16(frame, 14), SLL_HEADER);
      case LINUX_SLL2 -> length < SLL2_HEADER ? MALFORMED : byEtherType(u16(frame, 0), SLL2_HEADER);
      case NULL, LOOP -> addressFamily(frame, length);
      default -> NOT_IP;
    };
  }

  private static int ethernet(byte[] frame, int length) {
    if (length < ETHERNET_HEADER) {
      return MALFORMED;
    }
    int etherType = u16(frame, 12);
    if (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ) {
      if (length < ETHERNET_HEADER + VLAN_TAG) {
        return MALFORMED;
      }
      return byEtherType(u16(frame, 16), ETHERNET_HEADER + VLAN_TAG);
    }
    return byEtherType(etherType, ETHERNET_HEADER);
  }

  private static int byEtherType(int etherType, int offset) {
    return etherType == ETHERTYPE_IPV4 || etherType == ETHERTYPE_IPV6 ? offset : NOT_IP;
  }

  /**
   * NULL and LOOP headers hold a BSD address family: AF_INET is 2 everywhere, AF_INET6 is 10 on
   * Linux, 24 on NetBSD and OpenBSD, 28 on FreeBSD, 30 on macOS. NULL writes it in the capturing
   * host's byte order, so both orders are accepted for both link types.
   */
  private static int addressFamily(byte[] frame, int length) {
    if (length < FAMILY_HEADER) {
      return MALFORMED;
    }
    int bigEndian = (u16(frame, 0) << 16) | u16(frame, 2);
    int family = (bigEndian & 0xFFFF) == 0 ? Integer.reverseBytes(bigEndian) : bigEndian;
    return switch (family) {
      case 2, 10, 24, 28, 30 -> FAMILY_HEADER;
      default -> NOT_IP;
    };
  }

  private static int ipVersion(byte[] frame, int offset, int length) {
    if (length <= offset) {
      return 0;
    }
    int version = (frame[offset] & 0xFF) >>> 4;
    return version == 4 || version == 6 ? version : 0;
  }

  private static int u16(byte[] frame, int offset) {
    return ((frame[offset] & 0xFF) << 8) | (frame[offset + 1] & 0xFF);
  }
}
