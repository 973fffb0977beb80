package dev.sluice.wire;

import java.util.Arrays;
import java.util.Random;

/**
 * Whole packets made with the production builders, so that a malformed-input test starts from a
 * packet that is known to be valid and breaks exactly one rule.
 */
final class TestPackets {
  // Test traffic uses the benchmarking ranges (RFC 2544 198.18.0.0/15, RFC 5180 2001:2::/48).
  static final int SRC4 = IpAddresses.parseIpv4("198.18.0.1");
  static final int DST4 = IpAddresses.parseIpv4("198.19.0.2");
  static final long[] SRC6 = IpAddresses.parseIpv6("2001:2::1");
  static final long[] DST6 = IpAddresses.parseIpv6("2001:2:0:ffff::2");

  /** IPv6 option types used by the tests (RFC 8200 §4.2, RFC 2675). */
  static final int OPT_PAD1 = 0;
  static final int OPT_PADN = 1;
  static final int OPT_JUMBO = 0xC2;

  private TestPackets() {}

  static Ipv4Builder ipv4() {
    return new Ipv4Builder().source(SRC4).destination(DST4).identification(0x1234).ttl(64);
  }

  static Ipv6Builder ipv6() {
    return new Ipv6Builder().source(SRC6[0], SRC6[1]).destination(DST6[0], DST6[1]).hopLimit(64);
  }

  static TcpBuilder tcp() {
    return new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(1000)
        .acknowledgmentNumber(2000).flags(TcpFlags.ACK).window(65_535);
  }

  static UdpBuilder udp() {
    return new UdpBuilder().sourcePort(5353).destinationPort(53);
  }

  /** Deterministic, non-trivial bytes. */
  static byte[] bytes(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] ipv4Tcp(Ipv4Builder ip, TcpBuilder tcp, byte[] payload) {
    ip.protocol(IpProtocol.TCP);
    int ihl = ip.headerLength();
    int thl = tcp.headerLength();
    int tcpLength = thl + payload.length;
    byte[] buf = new byte[ihl + tcpLength];
    System.arraycopy(payload, 0, buf, ihl + thl, payload.length);
    ip.write(buf, 0, tcpLength);
    tcp.write(buf, ihl, payload.length, ip.pseudoHeaderSum(tcpLength));
    return buf;
  }

  static byte[] ipv6Tcp(Ipv6Builder ip, TcpBuilder tcp, byte[] payload) {
    ip.protocol(IpProtocol.TCP);
    int hl = ip.headerLength();
    int thl = tcp.headerLength();
    int tcpLength = thl + payload.length;
    byte[] buf = new byte[hl + tcpLength];
    System.arraycopy(payload, 0, buf, hl + thl, payload.length);
    ip.write(buf, 0, tcpLength);
    tcp.write(buf, hl, payload.length, ip.pseudoHeaderSum(tcpLength));
    return buf;
  }

  static byte[] ipv4Udp(Ipv4Builder ip, UdpBuilder udp, byte[] payload) {
    ip.protocol(IpProtocol.UDP);
    int ihl = ip.headerLength();
    int udpLength = UdpDatagram.HEADER_LENGTH + payload.length;
    byte[] buf = new byte[ihl + udpLength];
    System.arraycopy(payload, 0, buf, ihl + UdpDatagram.HEADER_LENGTH, payload.length);
    ip.write(buf, 0, udpLength);
    udp.write(buf, ihl, payload.length, ip.pseudoHeaderSum(0));
    return buf;
  }

  static byte[] ipv6Udp(Ipv6Builder ip, UdpBuilder udp, byte[] payload) {
    ip.protocol(IpProtocol.UDP);
    int hl = ip.headerLength();
    int udpLength = UdpDatagram.HEADER_LENGTH + payload.length;
    byte[] buf = new byte[hl + udpLength];
    System.arraycopy(payload, 0, buf, hl + UdpDatagram.HEADER_LENGTH, payload.length);
    ip.write(buf, 0, udpLength);
    udp.write(buf, hl, payload.length, ip.pseudoHeaderSum(0));
    return buf;
  }

  static byte[] ipv4Icmp(Ipv4Builder ip, IcmpBuilder icmp, byte[] body) {
    ip.protocol(IpProtocol.ICMP);
    int ihl = ip.headerLength();
    byte[] buf = new byte[ihl + IcmpMessage.HEADER_LENGTH + body.length];
    System.arraycopy(body, 0, buf, ihl + IcmpMessage.HEADER_LENGTH, body.length);
    ip.write(buf, 0, IcmpMessage.HEADER_LENGTH + body.length);
    icmp.writeV4(buf, ihl, body.length);
    return buf;
  }

  static byte[] ipv6Icmp(Ipv6Builder ip, IcmpBuilder icmp, byte[] body) {
    ip.protocol(IpProtocol.ICMPV6);
    int hl = ip.headerLength();
    int icmpLength = IcmpMessage.HEADER_LENGTH + body.length;
    byte[] buf = new byte[hl + icmpLength];
    System.arraycopy(body, 0, buf, hl + IcmpMessage.HEADER_LENGTH, body.length);
    ip.write(buf, 0, icmpLength);
    icmp.writeV6(buf, hl, body.length, ip.pseudoHeaderSum(icmpLength));
    return buf;
  }

  /** An IP packet whose payload is the given bytes, whatever the protocol says. */
  static byte[] ipv4Raw(Ipv4Builder ip, int protocol, byte[] payload) {
    ip.protocol(protocol);
    int ihl = ip.headerLength();
    byte[] buf = new byte[ihl + payload.length];
    ip.write(buf, 0, payload.length);
    System.arraycopy(payload, 0, buf, ihl, payload.length);
    return buf;
  }

  static byte[] ipv6Raw(Ipv6Builder ip, int protocol, byte[] payload) {
    ip.protocol(protocol);
    int hl = ip.headerLength();
    byte[] buf = new byte[hl + payload.length];
    ip.write(buf, 0, payload.length);
    System.arraycopy(payload, 0, buf, hl, payload.length);
    return buf;
  }

  static byte[] ethernet(EthernetBuilder eth, byte[] payload) {
    byte[] buf = new byte[eth.headerLength() + payload.length];
    int hl = eth.write(buf, 0);
    System.arraycopy(payload, 0, buf, hl, payload.length);
    return buf;
  }

  /** The packet followed by {@code extra} bytes of link padding. */
  static byte[] padded(byte[] packet, int extra, int fill) {
    byte[] out = Arrays.copyOf(packet, packet.length + extra);
    Arrays.fill(out, packet.length, out.length, (byte) fill);
    return out;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
    }
    return out;
  }

  static byte[] flipBit(byte[] packet, int bit) {
    byte[] out = packet.clone();
    out[bit >>> 3] ^= (byte) (0x80 >>> (bit & 7));
    return out;
  }

  /** Recomputes the IPv4 header checksum after a test edited the header. */
  static void fixIpv4Checksum(byte[] buf, int off) {
    int hl = (buf[off] & 0x0F) * 4;
    Bytes.put16(buf, off + 10, 0);
    Bytes.put16(buf, off + 10, Checksum.finish(Checksum.sum(buf, off, hl)));
  }

  /** Recomputes a TCP checksum after a test edited the segment. */
  static void fixTcpChecksum(byte[] buf, int off, int length, int pseudoHeaderSum) {
    Bytes.put16(buf, off + 16, 0);
    Bytes.put16(buf, off + 16,
        Checksum.finish(Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, length))));
  }

  // --- IPv6 extension headers (RFC 8200 §4)

  /**
   * A Hop-by-Hop or Destination Options header holding {@code options}, padded with Pad1 or PadN
   * to a multiple of eight bytes (RFC 8200 §4.2).
   */
  static byte[] optionsHeader(int next, int... options) {
    int unpadded = 2 + options.length;
    int length = (unpadded + 7) & ~7;
    byte[] h = new byte[length];
    h[0] = (byte) next;
    h[1] = (byte) (length / 8 - 1);
    for (int i = 0; i < options.length; i++) {
      h[2 + i] = (byte) options[i];
    }
    int pad = length - unpadded;
    if (pad == 1) {
      h[unpadded] = OPT_PAD1;
    } else if (pad > 1) {
      h[unpadded] = OPT_PADN;
      h[unpadded + 1] = (byte) (pad - 2);
    }
    return h;
  }

  /** A Routing header of eight bytes (RFC 8200 §4.4). */
  static byte[] routingHeader(int next, int routingType, int segmentsLeft) {
    return new byte[] {(byte) next, 0, (byte) routingType, (byte) segmentsLeft, 0, 0, 0, 0};
  }

  /** A Fragment header (RFC 8200 §4.5); {@code offset} in bytes, a multiple of eight. */
  static byte[] fragmentHeader(int next, int offset, boolean more, int identification) {
    byte[] h = new byte[8];
    h[0] = (byte) next;
    Bytes.put16(h, 2, (offset & 0xFFF8) | (more ? 1 : 0));
    Bytes.put32(h, 4, identification);
    return h;
  }

  /** {@code count} Destination Options headers, each eight bytes of PadN, ending in {@code last}. */
  static byte[] destinationOptionsChain(int count, int last) {
    byte[][] headers = new byte[count][];
    for (int i = 0; i < count; i++) {
      headers[i] = optionsHeader(i == count - 1 ? last : IpProtocol.IPV6_DESTINATION_OPTIONS);
    }
    return concat(headers);
  }
}
