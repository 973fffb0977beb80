package dev.sluice.link;

import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.UdpBuilder;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Builds real IP packets with valid checksums for the link tests. */
final class TestPackets {
  static final int HOST_A = IpAddresses.parseIpv4("192.0.2.1");
  static final int HOST_B = IpAddresses.parseIpv4("192.0.2.2");
  static final long[] HOST_A6 = IpAddresses.parseIpv6("2001:db8::1");
  static final long[] HOST_B6 = IpAddresses.parseIpv6("2001:db8::2");
  static final int IPV4_HEADER = 20;
  static final int UDP_HEADER = 8;
  /** Offset of the sequence tag in the payload of {@link #udp4} and {@link #tcp4}. */
  static final int TAG_OFFSET_UDP = IPV4_HEADER + UDP_HEADER;

  private TestPackets() {}

  /**
   * An IPv4/UDP packet of exactly {@code totalLength} bytes whose payload starts with {@code tag}
   * (4 bytes, big-endian) followed by a pattern derived from it. The IPv4 identification is set
   * high so that a version nibble flipped to 6 cannot pass as a short IPv6 packet.
   */
  static byte[] udp4(int src, int dst, int sourcePort, int destinationPort, int tag, int totalLength) {
    int payload = totalLength - IPV4_HEADER - UDP_HEADER;
    if (payload < 4) {
      throw new IllegalArgumentException("too short for a tag: " + totalLength);
    }
    byte[] buf = new byte[totalLength];
    fillPayload(buf, TAG_OFFSET_UDP, payload, tag);
    Ipv4Builder ip = new Ipv4Builder().source(src).destination(dst).protocol(IpProtocol.UDP)
        .identification(0x8000 | (tag & 0x7FFF)).dontFragment(true);
    ip.write(buf, 0, UDP_HEADER + payload);
    // UdpBuilder takes the pseudo-header sum without a length: it adds the datagram's own.
    new UdpBuilder().sourcePort(sourcePort).destinationPort(destinationPort)
        .write(buf, IPV4_HEADER, payload, ip.pseudoHeaderSum(0));
    return buf;
  }

  /** An IPv4/TCP segment (20-byte header, given flags) with a tagged payload of {@code payload} bytes. */
  static byte[] tcp4(int src, int dst, int sourcePort, int destinationPort, int flags, int seq, int ack,
      int tag, int payload) {
    TcpBuilder tcp = new TcpBuilder().sourcePort(sourcePort).destinationPort(destinationPort)
        .sequenceNumber(seq).acknowledgmentNumber(ack).flags(flags).window(65_535);
    return tcp4(src, dst, tcp, tag, payload);
  }

  /** An IPv4/TCP segment from a configured builder (options and all) with a tagged payload. */
  static byte[] tcp4(int src, int dst, TcpBuilder tcp, int tag, int payload) {
    int tcpLength = tcp.headerLength() + payload;
    byte[] buf = new byte[IPV4_HEADER + tcpLength];
    if (payload > 0) {
      fillPayload(buf, IPV4_HEADER + tcp.headerLength(), payload, tag);
    }
    Ipv4Builder ip = new Ipv4Builder().source(src).destination(dst).protocol(IpProtocol.TCP)
        .identification(0x8000 | (tag & 0x7FFF)).dontFragment(true);
    ip.write(buf, 0, tcpLength);
    tcp.write(buf, IPV4_HEADER, payload, ip.pseudoHeaderSum(tcpLength));
    return buf;
  }

  /** An IPv4/TCP segment from a configured builder carrying {@code payload}. */
  static byte[] tcp4(int src, int dst, TcpBuilder tcp, byte[] payload) {
    int tcpLength = tcp.headerLength() + payload.length;
    byte[] buf = new byte[IPV4_HEADER + tcpLength];
    System.arraycopy(payload, 0, buf, IPV4_HEADER + tcp.headerLength(), payload.length);
    Ipv4Builder ip = new Ipv4Builder().source(src).destination(dst).protocol(IpProtocol.TCP).dontFragment(true);
    ip.write(buf, 0, tcpLength);
    tcp.write(buf, IPV4_HEADER, payload.length, ip.pseudoHeaderSum(tcpLength));
    return buf;
  }

  /** An IPv6/UDP packet carrying {@code payload}. */
  static byte[] udp6(long[] src, long[] dst, int sourcePort, int destinationPort, byte[] payload) {
    Ipv6Builder ip = new Ipv6Builder().source(src[0], src[1]).destination(dst[0], dst[1])
        .protocol(IpProtocol.UDP).flowLabel(0x12345);
    int udpLength = UDP_HEADER + payload.length;
    byte[] buf = new byte[ip.headerLength() + udpLength];
    int hl = ip.write(buf, 0, udpLength);
    System.arraycopy(payload, 0, buf, hl + UDP_HEADER, payload.length);
    new UdpBuilder().sourcePort(sourcePort).destinationPort(destinationPort)
        .write(buf, hl, payload.length, ip.pseudoHeaderSum(0));
    return buf;
  }

  /** An ICMPv4 echo request or reply carrying {@code body}. */
  static byte[] icmpEcho4(int src, int dst, int type, int identifier, int sequence, byte[] body) {
    int icmpLength = 8 + body.length;
    byte[] buf = new byte[IPV4_HEADER + icmpLength];
    System.arraycopy(body, 0, buf, IPV4_HEADER + 8, body.length);
    new Ipv4Builder().source(src).destination(dst).protocol(IpProtocol.ICMP).identification(sequence)
        .write(buf, 0, icmpLength);
    new IcmpBuilder().echo(type, identifier, sequence).writeV4(buf, IPV4_HEADER, body.length);
    return buf;
  }

  static byte[] icmpEchoRequest4(int src, int dst, int identifier, int sequence, byte[] body) {
    return icmpEcho4(src, dst, IcmpType.V4_ECHO_REQUEST, identifier, sequence, body);
  }

  /** The tag of a packet built by {@link #udp4}. */
  static int udpTag(byte[] packet) {
    return ByteBuffer.wrap(packet, TAG_OFFSET_UDP, 4).getInt();
  }

  /** The tag big-endian in the first four bytes (as many as fit), then a pattern derived from it. */
  private static void fillPayload(byte[] buf, int off, int len, int tag) {
    for (int i = 0; i < len; i++) {
      buf[off + i] = i < 4 ? (byte) (tag >>> (24 - 8 * i)) : (byte) (tag * 31 + i);
    }
  }

  /** A copy of the bytes of {@code packet}. */
  static byte[] bytes(PacketBuffer packet) {
    return Arrays.copyOf(packet.data(), packet.length());
  }
}
