package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.check;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import dev.sluice.wire.UdpDatagram;
import dev.sluice.wire.fuzz.FuzzSupport.Region;

/**
 * What must hold after a view accepted a packet, and the fields by which two parses are compared.
 *
 * <p>The checks re-derive each property from the raw bytes with code independent of the view (a
 * second option walker, a second extension-header walker, a reference checksum), so that a view
 * that accepts something malformed, or reports a field it did not validate, is caught even when
 * nothing throws.
 */
final class Invariants {
  private Invariants() {}

  // ---------------------------------------------------------------- IPv4

  static void ipv4(Ipv4Packet p, Region r) {
    byte[] b = r.buf();
    int off = r.off();
    check(p.buffer() == b && p.offset() == off, "IPv4 view points elsewhere");
    int hl = p.headerLength();
    check(hl >= 20 && hl <= 60 && hl % 4 == 0, "IPv4 header length " + hl);
    check(hl == (Bytes.u8(b, off) & 0x0F) * 4, "IPv4 header length is not the IHL");
    check(Bytes.u8(b, off) >>> 4 == 4, "IPv4 accepted with version " + (Bytes.u8(b, off) >>> 4));
    int total = p.totalLength();
    check(total == Bytes.u16(b, off + 2), "IPv4 total length is not the header's");
    check(total >= hl && total <= r.len(), "IPv4 total length " + total + " outside [" + hl + ", " + r.len() + "]");
    check(p.optionsOffset() == off + 20 && p.optionsOffset() + p.optionsLength() == p.payloadOffset(),
        "IPv4 options do not end where the payload starts");
    check(p.payloadOffset() == off + hl, "IPv4 payload offset");
    check(r.contains(p.payloadOffset(), p.payloadLength()), "IPv4 payload outside the region");
    check(p.payloadOffset() + p.payloadLength() == off + total, "IPv4 payload does not end at total length");
    check(FuzzSupport.referenceSum(b, off, hl) == Checksum.VALID, "IPv4 header checksum does not check out");
    check(p.fragmentOffset() % 8 == 0 && p.fragmentOffset() + p.payloadLength() <= 65_535,
        "IPv4 fragment ends past 65535");
    check(!p.moreFragments() || p.payloadLength() % 8 == 0, "IPv4 non-final fragment not a multiple of 8");
    check(p.isFragment() == (p.moreFragments() || p.fragmentOffset() != 0), "IPv4 isFragment");
    int first = p.source() >>> 24;
    check(!(first >= 224 && first <= 239) && p.source() != -1, "IPv4 multicast or broadcast source accepted");
    check(p.pseudoHeaderSum(p.payloadLength()) >>> 16 == 0, "IPv4 pseudo-header sum wider than 16 bits");
    ipv4Options(b, off + 20, off + hl);
  }

  /** A second walk of the IPv4 options (RFC 791 §3.1): well-formed, and no source route. */
  private static void ipv4Options(byte[] b, int start, int end) {
    int i = start;
    while (i < end) {
      int type = Bytes.u8(b, i);
      if (type == 0) {
        return;
      }
      if (type == 1) {
        i++;
        continue;
      }
      check(i + 1 < end, "IPv4 option type without a length accepted");
      int len = Bytes.u8(b, i + 1);
      check(len >= 2 && i + len <= end, "IPv4 option of length " + len + " accepted");
      check(type != 131 && type != 137, "IPv4 source route accepted");
      i += len;
    }
  }

  static long[] ipv4Fields(Ipv4Packet p, boolean withChecksum) {
    int off = p.offset();
    return new long[] {
      p.headerLength(), p.totalLength(), p.typeOfService(), p.identification(),
      p.dontFragment() ? 1 : 0, p.moreFragments() ? 1 : 0, p.fragmentOffset(), p.ttl(), p.protocol(),
      withChecksum ? p.headerChecksum() : -1, p.source(), p.destination(), p.optionsOffset() - off,
      p.optionsLength(), p.payloadOffset() - off, p.payloadLength(), p.pseudoHeaderSum(p.payloadLength())
    };
  }

  // ---------------------------------------------------------------- IPv6

  static void ipv6(Ipv6Packet p, Region r) {
    byte[] b = r.buf();
    int off = r.off();
    check(p.buffer() == b && p.offset() == off, "IPv6 view points elsewhere");
    check(Bytes.u8(b, off) >>> 4 == 6, "IPv6 accepted with another version");
    check(p.payloadLength() == Bytes.u16(b, off + 4), "IPv6 payload length is not the header's");
    check(p.totalLength() == 40 + p.payloadLength() && p.totalLength() <= r.len(), "IPv6 packet past the region");
    int ulo = p.upperLayerOffset();
    int ull = p.upperLayerLength();
    check(ulo >= off + 40 && ull >= 0 && r.contains(ulo, ull), "IPv6 upper layer outside the region: "
        + (ulo - off) + "+" + ull + " in " + r.len());
    check(ulo + ull == off + p.totalLength(), "IPv6 upper layer does not end at the payload's end");
    check(p.extensionHeadersLength() == ulo - off - 40, "IPv6 extension headers length");
    int count = p.extensionHeaderCount();
    check(count >= 0 && count <= Ipv6Packet.MAX_EXTENSION_HEADERS, "IPv6 chain of " + count + " accepted");
    check(Bytes.u8(b, off + 8) != 0xFF, "IPv6 multicast source accepted");
    if (p.isFragment()) {
      check(p.fragmentHeaderOffset() == ulo - 8, "IPv6 fragment header is not right before the fragment");
      check(p.fragmentOffset() % 8 == 0 && p.fragmentOffset() + ull <= 65_535, "IPv6 fragment ends past 65535");
      check(p.moreFragments() || p.fragmentOffset() != 0, "IPv6 atomic fragment reported as a fragment");
      check(!p.moreFragments() || ull % 8 == 0, "IPv6 non-final fragment not a multiple of 8");
    } else {
      check(p.fragmentOffset() == 0 && !p.moreFragments(), "IPv6 fragment fields set on a whole packet");
      check(p.fragmentHeaderOffset() == -1
          || p.fragmentHeaderOffset() >= off + 40 && p.fragmentHeaderOffset() + 8 <= ulo,
          "IPv6 atomic fragment header outside the chain");
      int ulp = p.upperLayerProtocol();
      check(ulp != IpProtocol.HOP_BY_HOP && ulp != IpProtocol.IPV6_ROUTING && ulp != IpProtocol.IPV6_FRAGMENT
          && ulp != IpProtocol.AH && ulp != IpProtocol.IPV6_DESTINATION_OPTIONS,
          "IPv6 chain stopped at extension header " + ulp);
    }
    check(p.pseudoHeaderSum(ull) >>> 16 == 0, "IPv6 pseudo-header sum wider than 16 bits");
    ipv6Chain(p, b, off);
  }

  /**
   * A second walk of the extension-header chain (RFC 8200 §4): it must take exactly
   * {@code extensionHeaderCount()} headers, each inside the payload and well-formed, and end at the
   * upper-layer offset with the upper-layer protocol.
   */
  private static void ipv6Chain(Ipv6Packet p, byte[] b, int off) {
    int end = off + p.totalLength();
    int pos = off + 40;
    int next = p.nextHeader();
    int count = p.extensionHeaderCount();
    for (int k = 0; k < count; k++) {
      check(end - pos >= 8, "IPv6 extension header " + k + " truncated but accepted");
      int len;
      switch (next) {
        case IpProtocol.HOP_BY_HOP, IpProtocol.IPV6_DESTINATION_OPTIONS -> {
          check(next != IpProtocol.HOP_BY_HOP || k == 0, "IPv6 Hop-by-Hop accepted at position " + k);
          len = (Bytes.u8(b, pos + 1) + 1) * 8;
          check(len <= end - pos, "IPv6 options header past the payload accepted");
          ipv6Options(b, pos + 2, pos + len);
        }
        case IpProtocol.IPV6_ROUTING -> {
          len = (Bytes.u8(b, pos + 1) + 1) * 8;
          check(len <= end - pos, "IPv6 routing header past the payload accepted");
          check(Bytes.u8(b, pos + 2) != 0, "IPv6 type 0 routing header accepted");
          check(Bytes.u8(b, pos + 3) == 0, "IPv6 routing header with segments left accepted");
        }
        case IpProtocol.AH -> {
          len = (Bytes.u8(b, pos + 1) + 2) * 4;
          check(len <= end - pos, "AH past the payload accepted");
        }
        case IpProtocol.IPV6_FRAGMENT -> {
          len = 8;
          boolean last = k == count - 1;
          int offsetAndFlags = Bytes.u16(b, pos + 2);
          boolean real = (offsetAndFlags & 0xFFF8) != 0 || (offsetAndFlags & 1) != 0;
          check(real == (last && p.isFragment()), "IPv6 fragment header " + k + " misread");
        }
        default -> throw new AssertionError("IPv6 header " + next + " counted as an extension header");
      }
      next = Bytes.u8(b, pos);
      pos += len;
    }
    check(pos == p.upperLayerOffset(), "IPv6 chain walk ends at " + (pos - off) + ", view says "
        + (p.upperLayerOffset() - off));
    check(next == p.upperLayerProtocol(), "IPv6 chain walk ends at protocol " + next + ", view says "
        + p.upperLayerProtocol());
  }

  /** Hop-by-Hop and Destination options (RFC 8200 §4.2): TLVs that fit, none asking for a discard. */
  private static void ipv6Options(byte[] b, int start, int end) {
    int i = start;
    while (i < end) {
      int type = Bytes.u8(b, i);
      if (type == 0) {
        i++;
        continue;
      }
      check(i + 2 <= end && i + 2 + Bytes.u8(b, i + 1) <= end, "IPv6 option past its header accepted");
      check(type == 1 || type == 5 || type >>> 6 == 0, "IPv6 unknown option " + type + " with a discard action accepted");
      i += 2 + Bytes.u8(b, i + 1);
    }
  }

  static long[] ipv6Fields(Ipv6Packet p) {
    int off = p.offset();
    return new long[] {
      p.trafficClass(), p.flowLabel(), p.payloadLength(), p.nextHeader(), p.hopLimit(),
      p.sourceHigh(), p.sourceLow(), p.destinationHigh(), p.destinationLow(),
      p.extensionHeadersLength(), p.extensionHeaderCount(), p.upperLayerProtocol(),
      p.upperLayerOffset() - off, p.upperLayerLength(), p.isFragment() ? 1 : 0, p.fragmentOffset(),
      p.moreFragments() ? 1 : 0, p.fragmentIdentification(),
      p.fragmentHeaderOffset() < 0 ? -1 : p.fragmentHeaderOffset() - off,
      p.pseudoHeaderSum(p.upperLayerLength())
    };
  }

  // ---------------------------------------------------------------- TCP

  static void tcp(TcpSegment s, Region r, int pseudoHeaderSum) {
    byte[] b = r.buf();
    int off = r.off();
    check(s.buffer() == b && s.offset() == off && s.length() == r.len(), "TCP view points elsewhere");
    int hl = s.headerLength();
    check(hl >= TcpSegment.MIN_HEADER_LENGTH && hl <= TcpSegment.MAX_HEADER_LENGTH && hl % 4 == 0,
        "TCP header length " + hl);
    check(hl == (Bytes.u8(b, off + 12) >>> 4) * 4, "TCP header length is not the data offset");
    check(hl <= r.len(), "TCP header past the segment");
    check(s.optionsOffset() == off + 20 && s.optionsLength() == hl - 20, "TCP options region");
    check(s.payloadOffset() == off + hl && s.payloadOffset() + s.payloadLength() == r.end(),
        "TCP payload does not fill the rest of the segment");
    check(r.contains(s.payloadOffset(), s.payloadLength()), "TCP payload outside the region");
    check(Checksum.add(pseudoHeaderSum, FuzzSupport.referenceSum(b, off, r.len())) == Checksum.VALID,
        "TCP checksum does not check out");
    check(s.sourcePort() != 0 && s.destinationPort() != 0, "TCP port 0 accepted");
    int flags = s.flags();
    check(s.sequenceLength() == s.payloadLength() + ((flags & TcpFlags.SYN) != 0 ? 1 : 0)
        + ((flags & TcpFlags.FIN) != 0 ? 1 : 0), "TCP sequence length");
    tcpOptions(s, b);
  }

  /**
   * A second walk of the options, driven by the layout the parser recorded: each option must start
   * where the previous one ended, carry the kind recorded for it, have a legal length, and the walk
   * must cover the whole option space unless End came first. The parsed fields must be the values
   * of the last option of each kind.
   */
  private static void tcpOptions(TcpSegment s, byte[] b) {
    TcpOptions o = s.options();
    int start = s.optionsOffset();
    int n = s.optionsLength();
    check(o.layoutCount() >= 0 && o.layoutCount() <= n, "TCP layout count " + o.layoutCount() + " for " + n + " bytes");
    check(o.sackBlockCount() >= 0 && o.sackBlockCount() <= TcpOptions.MAX_SACK_BLOCKS,
        "TCP SACK block count " + o.sackBlockCount());
    check(o.mss() >= -1 && o.mss() <= 0xFFFF, "TCP MSS " + o.mss());
    check(o.windowScale() >= -1 && o.windowScale() <= 0xFF, "TCP window scale " + o.windowScale());
    check(o.effectiveWindowScale() >= 0 && o.effectiveWindowScale() <= TcpOptions.MAX_WINDOW_SCALE,
        "TCP effective window scale " + o.effectiveWindowScale());
    check(o.hasWindowScale() == (o.windowScale() >= 0), "TCP hasWindowScale");
    int expected = 0;
    int mss = -1;
    int windowScale = -1;
    boolean sackPermitted = false;
    boolean timestamps = false;
    int tsVal = 0;
    int tsEcr = 0;
    int sackAt = -1;
    int sackBlocks = 0;
    for (int k = 0; k < o.layoutCount(); k++) {
      int at = o.layoutOffset(k);
      int kind = o.layoutKind(k);
      check(at == expected && at < n, "TCP option " + k + " at " + at + ", expected " + expected);
      check(kind == Bytes.u8(b, start + at), "TCP option " + k + " kind misrecorded");
      if (kind == TcpOptions.KIND_END) {
        check(k == o.layoutCount() - 1, "TCP options recorded after End");
        expected = n;
        break;
      }
      if (kind == TcpOptions.KIND_NOP) {
        expected = at + 1;
        continue;
      }
      check(at + 1 < n, "TCP option kind without a length accepted");
      int len = Bytes.u8(b, start + at + 1);
      check(len >= 2 && at + len <= n, "TCP option of length " + len + " at " + at + " of " + n + " accepted");
      int data = start + at + 2;
      switch (kind) {
        case TcpOptions.KIND_MSS -> {
          check(len == 4, "MSS of length " + len + " accepted");
          mss = Bytes.u16(b, data);
        }
        case TcpOptions.KIND_WINDOW_SCALE -> {
          check(len == 3, "window scale of length " + len + " accepted");
          windowScale = Bytes.u8(b, data);
        }
        case TcpOptions.KIND_SACK_PERMITTED -> {
          check(len == 2, "SACK-permitted of length " + len + " accepted");
          sackPermitted = true;
        }
        case TcpOptions.KIND_TIMESTAMPS -> {
          check(len == 10, "timestamps of length " + len + " accepted");
          timestamps = true;
          tsVal = Bytes.i32(b, data);
          tsEcr = Bytes.i32(b, data + 4);
        }
        case TcpOptions.KIND_SACK -> {
          check((len - 2) % 8 == 0 && len >= 10 && len <= 34, "SACK of length " + len + " accepted");
          sackAt = data;
          sackBlocks = (len - 2) / 8;
        }
        default -> {
          // Unknown kinds are skipped by their length.
        }
      }
      expected = at + len;
    }
    check(expected == n, "TCP option layout covers " + expected + " of " + n + " bytes");
    check(o.mss() == mss, "TCP MSS " + o.mss() + " but the last MSS option says " + mss);
    check(o.windowScale() == windowScale, "TCP window scale");
    check(o.sackPermitted() == sackPermitted, "TCP SACK-permitted");
    check(o.hasTimestamps() == timestamps && o.tsVal() == tsVal && o.tsEcr() == tsEcr, "TCP timestamps");
    check(o.sackBlockCount() == sackBlocks, "TCP SACK blocks " + o.sackBlockCount() + ", expected " + sackBlocks);
    for (int i = 0; i < sackBlocks; i++) {
      check(o.sackLeft(i) == Bytes.i32(b, sackAt + 8 * i) && o.sackRight(i) == Bytes.i32(b, sackAt + 8 * i + 4),
          "TCP SACK block " + i);
    }
  }

  static long[] tcpFields(TcpSegment s, boolean withChecksum) {
    int off = s.offset();
    TcpOptions o = s.options();
    long[] head = {
      s.length(), s.sourcePort(), s.destinationPort(), s.sequenceNumber(), s.acknowledgmentNumber(),
      s.headerLength(), s.flags(), s.reservedBits(), s.window(), withChecksum ? s.checksum() : -1,
      s.urgentPointer(), s.optionsOffset() - off, s.optionsLength(), s.payloadOffset() - off,
      s.payloadLength(), s.sequenceLength(),
      o.mss(), o.windowScale(), o.effectiveWindowScale(), o.sackPermitted() ? 1 : 0,
      o.hasTimestamps() ? 1 : 0, o.tsVal(), o.tsEcr(), o.sackBlockCount(), o.layoutCount()
    };
    long[] all = java.util.Arrays.copyOf(head, head.length + 2 * o.sackBlockCount() + 2 * o.layoutCount());
    int i = head.length;
    for (int k = 0; k < o.sackBlockCount(); k++) {
      all[i++] = o.sackLeft(k);
      all[i++] = o.sackRight(k);
    }
    for (int k = 0; k < o.layoutCount(); k++) {
      all[i++] = o.layoutKind(k);
      all[i++] = o.layoutOffset(k);
    }
    return all;
  }

  // ---------------------------------------------------------------- UDP

  static void udp(UdpDatagram u, Region r, int pseudoHeaderSumWithoutLength, boolean ipv6) {
    byte[] b = r.buf();
    int off = r.off();
    check(u.buffer() == b && u.offset() == off, "UDP view points elsewhere");
    int len = u.length();
    check(len == Bytes.u16(b, off + 4) && len >= 8 && len <= r.len(), "UDP length " + len + " in " + r.len());
    check(u.payloadOffset() == off + 8 && u.payloadOffset() + u.payloadLength() == off + len,
        "UDP payload does not end at the UDP length");
    check(r.contains(u.payloadOffset(), u.payloadLength()), "UDP payload outside the region");
    check(u.destinationPort() != 0, "UDP destination port 0 accepted");
    check(!ipv6 || u.checksum() != 0, "UDP over IPv6 without a checksum accepted");
    if (u.checksum() != 0) {
      int sum = Checksum.add(Checksum.add(pseudoHeaderSumWithoutLength, len), FuzzSupport.referenceSum(b, off, len));
      check(sum == Checksum.VALID, "UDP checksum does not check out");
    }
  }

  static long[] udpFields(UdpDatagram u) {
    return new long[] {
      u.sourcePort(), u.destinationPort(), u.length(), u.checksum(), u.payloadOffset() - u.offset(), u.payloadLength()
    };
  }

  // ---------------------------------------------------------------- ICMP

  static void icmp(IcmpMessage m, Region r, boolean ipv6, int pseudoHeaderSum) {
    byte[] b = r.buf();
    int off = r.off();
    check(m.buffer() == b && m.offset() == off && m.length() == r.len(), "ICMP view points elsewhere");
    check(m.isIpv6() == ipv6, "ICMP family");
    check(m.length() >= IcmpMessage.HEADER_LENGTH, "ICMP shorter than its header accepted");
    check(m.bodyOffset() == off + 8 && m.bodyOffset() + m.bodyLength() == r.end(), "ICMP body");
    check(Checksum.add(pseudoHeaderSum, FuzzSupport.referenceSum(b, off, r.len())) == Checksum.VALID,
        "ICMP checksum does not check out");
    check(m.reportedMtu() >= 0 && m.reportedMtu() <= 0xFFFF_FFFFL, "ICMP reported MTU");
  }

  static long[] icmpFields(IcmpMessage m) {
    return new long[] {
      m.length(), m.isIpv6() ? 1 : 0, m.type(), m.code(), m.checksum(), m.restOfHeader(),
      m.echoIdentifier(), m.echoSequence(), m.isError() ? 1 : 0, m.reportedMtu(),
      m.bodyOffset() - m.offset(), m.bodyLength()
    };
  }
}
