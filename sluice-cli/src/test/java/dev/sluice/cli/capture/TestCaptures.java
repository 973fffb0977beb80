package dev.sluice.cli.capture;

import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.TcpBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

/** Builds packets with sluice-core's wire builders and wraps them in pcap or pcapng files, for tests. */
public final class TestCaptures {
  /** One record: when, and the frame bytes as the link type has them. */
  public record Frame(long timeNanos, byte[] bytes) {}

  private TestCaptures() {}

  /** An IPv4 TCP packet with {@code payload} bytes of data (each byte its offset, mod 256). */
  public static byte[] tcp4(String source, int sourcePort, String destination, int destinationPort, int seq, int ack,
      int flags, int window, int payload, Consumer<TcpBuilder> options) {
    TcpBuilder tcp = new TcpBuilder().sourcePort(sourcePort).destinationPort(destinationPort).sequenceNumber(seq)
        .acknowledgmentNumber(ack).flags(flags).window(window);
    if (options != null) {
      options.accept(tcp);
    }
    Ipv4Builder ip = new Ipv4Builder().source(IpAddresses.parseIpv4(source))
        .destination(IpAddresses.parseIpv4(destination)).protocol(IpProtocol.TCP).ttl(64);
    int ipHeader = ip.headerLength();
    int tcpHeader = tcp.headerLength();
    byte[] buf = new byte[ipHeader + tcpHeader + payload];
    for (int i = 0; i < payload; i++) {
      buf[ipHeader + tcpHeader + i] = (byte) i;
    }
    tcp.write(buf, ipHeader, payload, ip.pseudoHeaderSum(tcpHeader + payload));
    ip.write(buf, 0, tcpHeader + payload);
    return buf;
  }

  /** An IPv6 TCP packet. */
  public static byte[] tcp6(String source, int sourcePort, String destination, int destinationPort, int seq, int ack,
      int flags, int window, int payload) {
    TcpBuilder tcp = new TcpBuilder().sourcePort(sourcePort).destinationPort(destinationPort).sequenceNumber(seq)
        .acknowledgmentNumber(ack).flags(flags).window(window);
    long[] src = IpAddresses.parseIpv6(source);
    long[] dst = IpAddresses.parseIpv6(destination);
    Ipv6Builder ip = new Ipv6Builder().source(src[0], src[1]).destination(dst[0], dst[1]).protocol(IpProtocol.TCP)
        .hopLimit(64);
    int ipHeader = ip.headerLength();
    int tcpHeader = tcp.headerLength();
    byte[] buf = new byte[ipHeader + tcpHeader + payload];
    tcp.write(buf, ipHeader, payload, ip.pseudoHeaderSum(tcpHeader + payload));
    ip.write(buf, 0, tcpHeader + payload);
    return buf;
  }

  /** An Ethernet II frame around {@code ip}, with one 802.1Q tag if {@code vlan}. */
  public static byte[] ethernet(byte[] ip, boolean vlan) {
    ByteBuffer b = ByteBuffer.allocate(14 + (vlan ? 4 : 0) + ip.length);
    b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1});
    if (vlan) {
      b.putShort((short) 0x8100).putShort((short) 42);
    }
    b.putShort((short) (version(ip) == 4 ? 0x0800 : 0x86DD)).put(ip);
    return b.array();
  }

  /** A Linux cooked (SLL) header: packet type, ARPHRD, address length, address, protocol. */
  public static byte[] linuxSll(byte[] ip) {
    ByteBuffer b = ByteBuffer.allocate(16 + ip.length);
    b.putShort((short) 0).putShort((short) 1).putShort((short) 6).put(new byte[8]);
    b.putShort((short) (version(ip) == 4 ? 0x0800 : 0x86DD)).put(ip);
    return b.array();
  }

  /** A Linux cooked v2 (SLL2) header: protocol first, then interface index, ARPHRD, type, address. */
  public static byte[] linuxSll2(byte[] ip) {
    ByteBuffer b = ByteBuffer.allocate(20 + ip.length);
    b.putShort((short) (version(ip) == 4 ? 0x0800 : 0x86DD)).putShort((short) 0).putInt(3).putShort((short) 1);
    b.put((byte) 0).put((byte) 6).put(new byte[8]).put(ip);
    return b.array();
  }

  /** A BSD loopback header: the address family in {@code order} (NULL: the host's; LOOP: big-endian). */
  public static byte[] loopback(byte[] ip, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(4 + ip.length).order(order);
    b.putInt(version(ip) == 4 ? 2 : 10).put(ip);
    return b.array();
  }

  private static int version(byte[] ip) {
    return (ip[0] & 0xFF) >>> 4;
  }

  /** A classic pcap file. */
  public static byte[] pcap(ByteOrder order, boolean nanos, int linkType, int snaplen, List<Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer h = ByteBuffer.allocate(24).order(order);
    h.putInt(nanos ? CaptureReader.PCAP_NANOS : CaptureReader.PCAP_MICROS).putShort((short) 2).putShort((short) 4)
        .putInt(0).putInt(0).putInt(snaplen).putInt(linkType);
    out.writeBytes(h.array());
    for (Frame f : frames) {
      int captured = Math.min(snaplen, f.bytes().length);
      ByteBuffer r = ByteBuffer.allocate(16).order(order);
      long seconds = f.timeNanos() / 1_000_000_000L;
      long fraction = f.timeNanos() % 1_000_000_000L;
      r.putInt((int) seconds).putInt((int) (nanos ? fraction : fraction / 1_000)).putInt(captured)
          .putInt(f.bytes().length);
      out.writeBytes(r.array());
      out.write(f.bytes(), 0, captured);
    }
    return out.toByteArray();
  }

  /** Writes pcapng blocks in one byte order. */
  public static final class Pcapng {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;

    public Pcapng(ByteOrder order) {
      this.order = order;
      ByteBuffer body = buffer(16).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
      block(0x0A0D0D0A, body);
    }

    private ByteBuffer buffer(int size) {
      return ByteBuffer.allocate(size).order(order);
    }

    private void block(int type, ByteBuffer body) {
      byte[] content = body.array();
      int padded = (content.length + 3) & ~3;
      ByteBuffer b = buffer(12 + padded);
      b.putInt(type).putInt(12 + padded).put(content).position(8 + padded).putInt(12 + padded);
      out.writeBytes(b.array());
    }

    /** An Interface Description Block; {@code tsresol} is the raw if_tsresol byte, or -1 for none. */
    public Pcapng interfaceDescription(int linkType, int snaplen, int tsresol) {
      ByteBuffer b = buffer(8 + (tsresol >= 0 ? 8 + 4 : 0));
      b.putShort((short) linkType).putShort((short) 0).putInt(snaplen);
      if (tsresol >= 0) {
        b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        b.putShort((short) 0).putShort((short) 0);
      }
      block(1, b);
      return this;
    }

    /** An Enhanced Packet Block with a timestamp already in the interface's units. */
    public Pcapng enhancedPacket(int interfaceId, long ticks, byte[] frame, int snaplen) {
      int captured = Math.min(snaplen, frame.length);
      ByteBuffer b = buffer(20 + ((captured + 3) & ~3));
      b.putInt(interfaceId).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(captured).putInt(frame.length)
          .put(frame, 0, captured);
      block(6, b);
      return this;
    }

    public Pcapng simplePacket(byte[] frame) {
      ByteBuffer b = buffer(4 + ((frame.length + 3) & ~3));
      b.putInt(frame.length).put(frame);
      block(3, b);
      return this;
    }

    /** A block of a type nobody defined, to be skipped. */
    public Pcapng unknownBlock() {
      block(0x0BAD0BAD & 0x7FFFFFFF, buffer(12).putInt(1).putInt(2).putInt(3));
      return this;
    }

    public Pcapng interfaceStatistics(int interfaceId, long endTicks) {
      ByteBuffer b = buffer(12 + 12 + 4);
      b.putInt(interfaceId).putInt(0).putInt(0);
      b.putShort((short) 3).putShort((short) 8).putInt((int) (endTicks >>> 32)).putInt((int) endTicks);
      b.putShort((short) 0).putShort((short) 0);
      block(5, b);
      return this;
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }
}
