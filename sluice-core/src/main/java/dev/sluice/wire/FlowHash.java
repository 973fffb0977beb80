package dev.sluice.wire;

/**
 * A receive-side-scaling hash of a raw IP packet: addresses, and ports for unfragmented TCP and
 * UDP. Packets of one connection in one direction always hash alike, which is what flow steering
 * needs. Never throws: a packet too short or malformed for a field simply leaves it out, and the
 * receive path rejects the packet properly later.
 */
public final class FlowHash {
  private FlowHash() {}

  /**
   * Hashes the packet at {@code off}: both addresses, and for TCP and UDP that are not fragments
   * the
   * ports. IPv6 ports are read only when the fixed header's Next Header is TCP or UDP.
   *
   * @param buf the buffer holding the packet
   * @param off where the IP header starts in {@code buf}
   * @param length the packet's length in bytes
   * @return the hash, any {@code int}; 0 for an empty region, one outside {@code buf}, or a packet
   *     that is neither IPv4 nor IPv6 or shorter than its fixed header
   */
  public static int of(byte[] buf, int off, int length) {
    if (length < 1 || !Bytes.inBounds(buf, off, length)) {
      return 0;
    }
    int version = Bytes.u8(buf, off) >>> 4;
    long h;
    if (version == 4 && length >= Ipv4Packet.MIN_HEADER_LENGTH) {
      int ihl = (Bytes.u8(buf, off) & 0x0F) * 4;
      h = Bytes.i64(buf, off + 12); // source and destination
      boolean fragment = (Bytes.u16(buf, off + 6) & 0x3FFF) != 0;
      int protocol = Bytes.u8(buf, off + 9);
      if (!fragment && isPorted(protocol) && ihl >= 20 && length >= ihl + 4) {
        h = mix(h ^ Bytes.u32(buf, off + ihl));
      }
    } else if (version == 6 && length >= Ipv6Packet.HEADER_LENGTH) {
      h = Bytes.i64(buf, off + 8) ^ mix(Bytes.i64(buf, off + 16))
          ^ mix(Bytes.i64(buf, off + 24) + 1) ^ mix(Bytes.i64(buf, off + 32) + 2);
      if (isPorted(Bytes.u8(buf, off + 6)) && length >= Ipv6Packet.HEADER_LENGTH + 4) {
        h = mix(h ^ Bytes.u32(buf, off + Ipv6Packet.HEADER_LENGTH));
      }
    } else {
      return 0;
    }
    long m = mix(h);
    return (int) (m ^ (m >>> 32));
  }

  private static boolean isPorted(int protocol) {
    return protocol == IpProtocol.TCP || protocol == IpProtocol.UDP;
  }

  /** MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
  private static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
