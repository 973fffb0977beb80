package dev.sluice.link;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpFlags;

/**
 * What a TUN reader does with one read made with {@code IFF_VNET_HDR}: judges the {@link
 * VirtioNetHeader} against the packet behind it, then writes the packet out as ordinary,
 * complete IP packets of at most the MTU, the way the kernel's software GSO would have sent them
 * ({@code tcp_gso_segment}, {@code __udp_gso_segment}, {@code inet_gso_segment}): each piece gets
 * the headers of the large one with its own lengths, sequence number and IPv4 identification,
 * FIN and PSH only on the last piece, CWR only on the first, and a checksum computed in full.
 *
 * <p><b>Checksums.</b> The kernel marks with {@link VirtioNetHeader#F_NEEDS_CSUM} what it sent
 * itself with the checksum left to the device (CHECKSUM_PARTIAL); a large segment it merged with
 * GRO is marked so too ({@code tcp_gro_complete}), after GRO checked every original checksum.
 * Those get their checksum filled in here, since it was never complete. Everything else, a
 * packet routed in from elsewhere with nothing said about it, passes through unchanged, and the
 * stack verifies its checksum as always. A large segment without NEEDS_CSUM or DATA_VALID is
 * something the kernel never writes, and is refused rather than given fresh checksums that would
 * launder whatever it carried.
 *
 * <p><b>Refusals.</b> {@link #prepare} returns {@link #MALFORMED} for a header that contradicts
 * itself or the packet (unknown flags or gso_type, gso_size 0, csum_start beyond the packet, a
 * large segment that is not plain TCP or UDP over IPv4 without options or IPv6 without extension
 * headers, lengths that disagree) and {@link #OVERSIZED} for a complete packet, or the pieces of a
 * large one, that exceed the MTU. It never throws on packet bytes.
 *
 * <p>Allocation-free; one per reader thread (not thread-safe).
 */
final class GsoSegmenter {
  /** {@link #prepare}: the header is nonsense or does not fit the packet; drop it. */
  static final int MALFORMED = -1;
  /** {@link #prepare}: the packet, or one of its pieces, exceeds the MTU; drop it. */
  static final int OVERSIZED = -2;

  private static final int IPV4_HEADER = 20;
  private static final int IPV6_HEADER = 40;
  private static final int UDP_HEADER = 8;
  /**
   * The most bytes at the start of a read that {@link #prepare} and {@link #tcpChecksumKnownGood}
   * look at: the virtio header, an IPv6 header (IPv4 with options is not taken apart) and the
   * largest TCP header. A reader may give them only these; {@link #segment} needs the whole read.
   */
  static final int JUDGED_BYTES = VirtioNetHeader.LENGTH + IPV6_HEADER + 60;

  private final VirtioNetHeader header = new VirtioNetHeader();
  private byte[] buf;
  private int packet;
  private int packetLength;
  private boolean v6;
  private boolean tcp;
  /** IP plus transport header length of a large segment: what every piece starts with. */
  private int headers;
  private int payload;
  private int pieceSize;

  /**
   * The IP plus TCP header length of the packet {@code buf[off, off + len)} if it is TCP over
   * IPv4 without options and not a fragment, or over IPv6 without extension headers; else -1.
   */
  static int tcpHeaders(byte[] buf, int off, int len) {
    if (len < IPV4_HEADER + 20) {
      return -1;
    }
    int ip;
    int version = (buf[off] & 0xFF) >>> 4;
    if (version == 4 && (buf[off] & 0x0F) == 5 && (buf[off + 9] & 0xFF) == IpProtocol.TCP
        && (Bytes.u16(buf, off + 6) & 0x3FFF) == 0) {
      ip = IPV4_HEADER;
    } else if (version == 6 && len >= IPV6_HEADER + 20 && (buf[off + 6] & 0xFF) == IpProtocol.TCP) {
      ip = IPV6_HEADER;
    } else {
      return -1;
    }
    int tcp = ((buf[off + ip + 12] & 0xFF) >>> 4) * 4;
    return tcp < 20 || ip + tcp > len ? -1 : ip + tcp;
  }

  /** Whether the packet {@link #prepare} judged last is a large one, cut into pieces. */
  boolean segmenting() {
    return pieceSize > 0;
  }

  /**
   * Whether the packet {@link #prepare} judged last is TCP whose checksum the pieces {@link #segment}
   * writes carry known good, so the stack need not verify it again: the kernel marked it {@code
   * DATA_VALID} (it verified the checksum itself), or {@code NEEDS_CSUM} with the checksum field
   * at TCP's (its own TCP built the segment and left the sum to the device, CHECKSUM_PARTIAL, which
   * Linux's receive path also takes as verified; {@link #segment} completes it). IPv4 with no
   * options, or IPv6 with TCP as the first next header, only; anything else is verified as always.
   */
  boolean tcpChecksumKnownGood() {
    if ((header.flags & (VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID)) == 0
        || packetLength < IPV6_HEADER + 20) {
      return false;
    }
    int version = (buf[packet] & 0xFF) >>> 4;
    int l3;
    if (version == 4 && (buf[packet] & 0x0F) == 5 && (buf[packet + 9] & 0xFF) == IpProtocol.TCP) {
      l3 = IPV4_HEADER;
    } else if (version == 6 && (buf[packet + 6] & 0xFF) == IpProtocol.TCP) {
      l3 = IPV6_HEADER;
    } else {
      return false;
    }
    return (header.flags & VirtioNetHeader.F_NEEDS_CSUM) == 0
        || (header.csumStart == l3 && header.csumOffset == VirtioNetHeader.TCP_CHECKSUM_OFFSET);
  }

  /** The header {@link #prepare} decoded last, for tests and messages. */
  VirtioNetHeader header() {
    return header;
  }

  /**
   * Decodes and judges the read {@code buf[off, off + len)}: a virtio header, then the packet. Only
   * its first {@link #JUDGED_BYTES} need be in {@code buf} yet.
   *
   * @return how many packets {@link #segment} will write (1 for an ordinary packet), or {@link
   *     #MALFORMED} or {@link #OVERSIZED}
   */
  int prepare(byte[] buf, int off, int len, int mtu) {
    this.buf = buf;
    if (len <= VirtioNetHeader.LENGTH) {
      return MALFORMED;
    }
    header.read(buf, off);
    packet = off + VirtioNetHeader.LENGTH;
    packetLength = len - VirtioNetHeader.LENGTH;
    if ((header.flags & ~(VirtioNetHeader.F_NEEDS_CSUM | VirtioNetHeader.F_DATA_VALID)) != 0) {
      return MALFORMED;
    }
    boolean needsCsum = (header.flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
    // The checksum field must lie inside the packet, after at least an IPv4 header.
    if (needsCsum && (header.csumStart < IPV4_HEADER || (header.csumOffset & 1) != 0
        || header.csumStart + header.csumOffset + 2 > packetLength)) {
      return MALFORMED;
    }
    int type = header.gsoType & ~VirtioNetHeader.GSO_ECN;
    boolean ecn = (header.gsoType & VirtioNetHeader.GSO_ECN) != 0;
    if (type == VirtioNetHeader.GSO_NONE) {
      if (ecn) {
        return MALFORMED;
      }
      pieceSize = 0;
      return packetLength > mtu ? OVERSIZED : 1;
    }
    if (header.gsoSize == 0 || (header.flags == 0)) {
      return MALFORMED;
    }
    int version = (buf[packet] & 0xFF) >>> 4;
    switch (type) {
      case VirtioNetHeader.GSO_TCPV4 -> {
        v6 = false;
        tcp = true;
      }
      case VirtioNetHeader.GSO_TCPV6 -> {
        v6 = true;
        tcp = true;
      }
      case VirtioNetHeader.GSO_UDP_L4 -> {
        v6 = version == 6;
        tcp = false;
      }
      default -> {
        return MALFORMED; // GSO_UDP (UFO) was never offered; anything else is unknown
      }
    }
    if ((ecn && !tcp) || version != (v6 ? 6 : 4)) {
      return MALFORMED;
    }
    int ipHeader = ipHeader();
    if (ipHeader < 0) {
      return MALFORMED;
    }
    int transport;
    if (tcp) {
      if (packetLength < ipHeader + 20) {
        return MALFORMED;
      }
      transport = ((buf[packet + ipHeader + 12] & 0xFF) >>> 4) * 4;
      int flags = buf[packet + ipHeader + 13] & 0xFF;
      if (transport < 20 || (flags & (TcpFlags.SYN | TcpFlags.RST | TcpFlags.URG)) != 0) {
        return MALFORMED;
      }
    } else {
      transport = UDP_HEADER;
    }
    headers = ipHeader + transport;
    payload = packetLength - headers;
    if (payload <= 0) {
      return MALFORMED;
    }
    if (headers + header.gsoSize > mtu) {
      return OVERSIZED;
    }
    pieceSize = header.gsoSize;
    return (payload + pieceSize - 1) / pieceSize;
  }

  /**
   * The IP header length of a large segment, checking that its lengths match the read and that
   * the transport protocol is the one gso_type names; -1 if not.
   */
  private int ipHeader() {
    int protocol = tcp ? IpProtocol.TCP : IpProtocol.UDP;
    if (v6) {
      if (packetLength < IPV6_HEADER || IPV6_HEADER + Bytes.u16(buf, packet + 4) != packetLength
          || (buf[packet + 6] & 0xFF) != protocol) {
        return -1; // extension headers are not taken apart here
      }
      return IPV6_HEADER;
    }
    if (packetLength < IPV4_HEADER || (buf[packet] & 0x0F) != 5 || Bytes.u16(buf, packet + 2) != packetLength
        || (buf[packet + 9] & 0xFF) != protocol || (Bytes.u16(buf, packet + 6) & 0x3FFF) != 0) {
      return -1; // options, a fragment, or lengths that disagree
    }
    return IPV4_HEADER;
  }

  /**
   * Writes packet {@code index} of those {@link #prepare} counted into {@code dst} at 0, complete
   * with its checksums, and returns its length.
   */
  int segment(int index, byte[] dst) {
    if (pieceSize == 0) {
      System.arraycopy(buf, packet, dst, 0, packetLength);
      return completeWhole(dst);
    }
    int start = index * pieceSize;
    int length = Math.min(pieceSize, payload - start);
    boolean last = start + length == payload;
    System.arraycopy(buf, packet, dst, 0, headers);
    System.arraycopy(buf, packet + headers + start, dst, headers, length);
    int total = headers + length;
    int l3 = v6 ? IPV6_HEADER : IPV4_HEADER;
    int l4Length = total - l3;
    int pseudo;
    if (v6) {
      Bytes.put16(dst, 4, l4Length);
      pseudo = Checksum.add(Checksum.sum(dst, 8, 32), l4Length + (tcp ? IpProtocol.TCP : IpProtocol.UDP));
    } else {
      Bytes.put16(dst, 2, total);
      Bytes.put16(dst, 4, Bytes.u16(buf, packet + 4) + index); // inet_gso_segment: id, id + 1, ...
      Bytes.put16(dst, 10, 0);
      Bytes.put16(dst, 10, Checksum.finish(Checksum.sum(dst, 0, IPV4_HEADER)));
      pseudo = Checksum.add(Checksum.sum(dst, 12, 8), l4Length + (tcp ? IpProtocol.TCP : IpProtocol.UDP));
    }
    int checksumAt;
    if (tcp) {
      Bytes.put32(dst, l3 + 4, Bytes.i32(buf, packet + l3 + 4) + start);
      int flags = dst[l3 + 13] & 0xFF;
      if (!last) {
        flags &= ~(TcpFlags.FIN | TcpFlags.PSH);
      }
      if (index > 0) {
        flags &= ~TcpFlags.CWR;
      }
      dst[l3 + 13] = (byte) flags;
      checksumAt = l3 + 16;
    } else {
      Bytes.put16(dst, l3 + 4, l4Length);
      checksumAt = l3 + 6;
    }
    Bytes.put16(dst, checksumAt, 0);
    putChecksum(dst, checksumAt, Checksum.add(pseudo, Checksum.sum(dst, l3, l4Length)));
    return total;
  }

  /** Where the packet starts in the read {@link #prepare} judged last, after the virtio header. */
  int packetOffset() {
    return packet;
  }

  /** How long the packet {@link #prepare} judged last is, virtio header not counted. */
  int packetLength() {
    return packetLength;
  }

  /**
   * The packet {@link #prepare} judged last, not cut ({@link #segmenting} is false), has been copied
   * to {@code dst} at 0 by the caller, perhaps straight from where it was read: completes its
   * checksum if the kernel left it partial, and returns its length.
   */
  int completeWhole(byte[] dst) {
    if ((header.flags & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
      finishChecksum(dst, header.csumStart, header.csumOffset, packetLength);
    }
    return packetLength;
  }

  /**
   * Completes a CHECKSUM_PARTIAL checksum as {@code skb_checksum_help} does: the field holds the
   * pseudo-header's sum, so summing from csum_start to the end, field included, gives the total.
   */
  static void finishChecksum(byte[] packet, int csumStart, int csumOffset, int length) {
    putChecksum(packet, csumStart + csumOffset, Checksum.sum(packet, csumStart, length - csumStart));
  }

  /**
   * Stores the complement of {@code sum}; a result of 0 is sent as 0xFFFF, its one's complement
   * twin, because a zero UDP checksum means "none" (RFC 768; CSUM_MANGLED_0 in Linux).
   */
  private static void putChecksum(byte[] packet, int at, int sum) {
    int value = Checksum.finish(sum);
    Bytes.put16(packet, at, value == 0 ? 0xFFFF : value);
  }
}
