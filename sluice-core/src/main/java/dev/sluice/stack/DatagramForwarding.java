package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.PacketBuffer;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpAddress;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.UdpDatagram;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host's forwarding of UDP datagrams and ICMP echo requests to addresses that are not its own
 * (the gateway role, issue 15; TCP's is {@link TcpDemux#receiveForwarded}): hands each to the
 * {@link UdpForwarder} or {@link IcmpEchoForwarder}, and sends what the forwarder answers (a
 * datagram or echo reply from any outside address, an ICMP unreachable) back to the guest.
 *
 * <p>Forwarding allocates per datagram (a copy of its packet, its addresses), which the forwarder
 * may keep: a datagram leaves the stack here, as it would through a socket. A datagram to a
 * multicast, broadcast or unspecified address is never forwarded ({@code FORWARD_NOT_UNICAST}),
 * nor one from one of the host's own addresses ({@code IPV4_BAD_SOURCE}, hostile input 18).
 *
 * <p><b>Threads.</b> Workers call {@link #receive}; any thread may send. The forwarders are set
 * before the host starts and read through volatile fields; sending borrows an owner context, so
 * senders share nothing but the device and the IPv4 identification counter.
 */
final class DatagramForwarding {
  private final Host host;
  private final Icmp icmp;
  private volatile UdpForwarder udpForwarder;
  private volatile IcmpEchoForwarder echoForwarder;
  /** IPv4 identification for replies that must be fragmented (RFC 6864 §4.1: unique per source while in flight). */
  private final AtomicInteger identification = new AtomicInteger();

  DatagramForwarding(Host host, Icmp icmp) {
    this.host = host;
    this.icmp = icmp;
  }

  void udpForwarder(UdpForwarder forwarder) {
    this.udpForwarder = forwarder;
  }

  void echoForwarder(IcmpEchoForwarder forwarder) {
    this.echoForwarder = forwarder;
  }

  /** Whether anything is forwarded at all: then fragments to other addresses are reassembled. */
  boolean any() {
    return udpForwarder != null || echoForwarder != null;
  }

  /**
   * A worker's validated, non-TCP packet to an address not ours, from a device other than loopback:
   * forwarded if it is a UDP datagram or an echo request with a forwarder for it, else dropped as
   * {@code NOT_FOR_US}. Releases the buffer.
   */
  void receive(PacketBuffer packet, PacketDecoder d) {
    try {
      boolean v6 = d.ipVersion() == 6;
      int protocol = d.protocol();
      UdpForwarder udp = udpForwarder;
      IcmpEchoForwarder echo = echoForwarder;
      boolean isEcho = protocol == (v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP)
          && d.icmp().type() == (v6 ? IcmpType.V6_ECHO_REQUEST : IcmpType.V4_ECHO_REQUEST);
      if (!(protocol == IpProtocol.UDP && udp != null) && !(isEcho && echo != null)) {
        host.dropped(DropReason.NOT_FOR_US);
        return;
      }
      long srcHigh = v6 ? d.ipv6().sourceHigh() : 0;
      long srcLow = v6 ? d.ipv6().sourceLow() : Integer.toUnsignedLong(d.ipv4().source());
      long dstHigh = v6 ? d.ipv6().destinationHigh() : 0;
      long dstLow = v6 ? d.ipv6().destinationLow() : Integer.toUnsignedLong(d.ipv4().destination());
      if (host.interfaces().isLocal(v6, srcHigh, srcLow)) {
        host.dropped(v6 ? DropReason.IPV6_BAD_SOURCE : DropReason.IPV4_BAD_SOURCE);
        return;
      }
      if (!unicast(v6, dstHigh, dstLow)) {
        host.dropped(DropReason.FORWARD_NOT_UNICAST);
        return;
      }
      byte[] copy = Arrays.copyOf(packet.data(), d.transportOffset() + d.transportLength());
      InetAddress source = inetAddress(v6, srcHigh, srcLow);
      InetAddress destination = inetAddress(v6, dstHigh, dstLow);
      try {
        if (protocol == IpProtocol.UDP) {
          UdpDatagram u = d.udp();
          udp.onDatagram(new ForwardedDatagram(this, copy, u.payloadOffset(), u.payloadLength(),
              new InetSocketAddress(source, u.sourcePort()), new InetSocketAddress(destination, u.destinationPort())));
        } else {
          IcmpMessage m = d.icmp();
          echo.onEcho(new ForwardedEcho(this, copy, m.bodyOffset(), m.bodyLength(), source, destination,
              m.echoIdentifier(), m.echoSequence()));
        }
      } catch (RuntimeException e) {
        host.dropped(DropReason.FORWARD_FAILED); // a broken forwarder must not stop the worker
      }
    } finally {
      packet.release();
    }
  }

  /** Not multicast, broadcast, unspecified, "this network" (0/8) or class E (240/4, RFC 1122 §3.2.1.3). */
  private static boolean unicast(boolean v6, long high, long low) {
    if (v6) {
      return (high >>> 56) != 0xFF && (high != 0 || low != 0);
    }
    int first = (int) (low >>> 24) & 0xFF;
    return first != 0 && first < 224;
  }

  /** See {@link Host#sendUdp}. */
  boolean sendUdp(InetSocketAddress from, InetSocketAddress to, ByteBuffer payload) {
    IpAddress src = address(from);
    IpAddress dst = address(to);
    if (src.ipv6() != dst.ipv6()) {
      throw new IllegalArgumentException("from and to must be of one family: " + from + " -> " + to);
    }
    boolean v6 = dst.ipv6();
    int length = payload.remaining();
    int udpLength = UdpDatagram.HEADER_LENGTH + length;
    int ipHeader = v6 ? 40 : 20;
    Device device = host.interfaces().deviceFor(v6, dst.high(), dst.low());
    // IPv6 routers never fragment (RFC 8200 §5); an IPv4 reply larger than the link is fragmented
    // below, as libslirp's ip_output does, since a DNS answer over 1472 bytes is common (EDNS0).
    if (device == null || udpLength > 0xFFFF - ipHeader || (v6 && ipHeader + udpLength > device.mtu())) {
      host.dropped(DropReason.FORWARD_REPLY_UNSENDABLE);
      return false;
    }
    long now = host.clock().nanos();
    OwnerContext ctx = host.borrowContext();
    try {
      payload.get(payload.position(), ctx.tx, ipHeader + UdpDatagram.HEADER_LENGTH, length);
      ctx.udp.sourcePort(from.getPort()).destinationPort(to.getPort());
      if (v6) {
        ctx.udp.write(ctx.tx, 40, length,
            Checksum.pseudoHeaderIpv6(src.high(), src.low(), dst.high(), dst.low(), IpProtocol.UDP, 0));
        ctx.ipv6.protocol(IpProtocol.UDP).hopLimit(64).source(src.high(), src.low()).destination(dst.high(), dst.low())
            .write(ctx.tx, 0, udpLength);
        return device.transmit(ctx.tx, 0, ipHeader + udpLength, now);
      }
      ctx.udp.write(ctx.tx, 20, length, Checksum.pseudoHeaderIpv4(src.ipv4(), dst.ipv4(), IpProtocol.UDP, 0));
      ctx.ipv4.protocol(IpProtocol.UDP).ttl(64).source(src.ipv4()).destination(dst.ipv4());
      if (20 + udpLength <= device.mtu()) {
        ctx.ipv4.dontFragment(true).write(ctx.tx, 0, udpLength);
        return device.transmit(ctx.tx, 0, 20 + udpLength, now);
      }
      return fragment(ctx, device, udpLength, now);
    } finally {
      host.returnContext(ctx);
    }
  }

  /**
   * Sends the UDP datagram at {@code ctx.tx[20, 20 + udpLength)} (its header complete, the IPv4
   * builder set for it) as fragments that fit {@code device} (RFC 791 §3.2: each but the last a
   * multiple of 8 bytes long, all with one identification). Leaves the builder unfragmented.
   */
  private boolean fragment(OwnerContext ctx, Device device, int udpLength, long now) {
    int chunk = (device.mtu() - 20) & ~7;
    ctx.ipv4.dontFragment(false).identification(identification.getAndIncrement());
    boolean sent = true;
    try {
      for (int offset = 0; offset < udpLength; offset += chunk) {
        int n = Math.min(chunk, udpLength - offset);
        System.arraycopy(ctx.tx, 20 + offset, ctx.sink, 20, n);
        ctx.ipv4.fragmentOffset(offset).moreFragments(offset + n < udpLength).write(ctx.sink, 0, n);
        sent &= device.transmit(ctx.sink, 0, 20 + n, now);
      }
    } finally {
      ctx.ipv4.fragmentOffset(0).moreFragments(false).identification(0);
    }
    return sent;
  }

  /** See {@link ForwardedEcho#reply}. */
  boolean echoReply(ForwardedEcho echo, ByteBuffer data) {
    IpAddress from = IpAddress.of(echo.destination());
    IpAddress to = IpAddress.of(echo.source());
    boolean v6 = to.ipv6();
    Device device = host.interfaces().deviceFor(v6, to.high(), to.low());
    if (device == null || (v6 ? 40 : 20) + IcmpMessage.HEADER_LENGTH + data.remaining() > device.mtu()) {
      host.dropped(DropReason.FORWARD_REPLY_UNSENDABLE);
      return false;
    }
    long now = host.clock().nanos();
    OwnerContext ctx = host.borrowContext();
    try {
      return icmp.echoReply(v6, from.high(), from.low(), to.high(), to.low(), echo.identifier(), echo.sequence(), data,
          ctx, now);
    } finally {
      host.returnContext(ctx);
    }
  }

  /** See {@link ForwardedDatagram#unreachable}. */
  boolean unreachable(byte[] packet, Unreachable why) {
    long now = host.clock().nanos();
    OwnerContext ctx = host.borrowContext();
    try {
      return icmp.unreachable(packet, why, ctx, now);
    } finally {
      host.returnContext(ctx);
    }
  }

  private static IpAddress address(InetSocketAddress socketAddress) {
    InetAddress address = socketAddress.getAddress();
    if (address == null) {
      throw new IllegalArgumentException("unresolved address: " + socketAddress);
    }
    return IpAddress.of(address);
  }

  private static InetAddress inetAddress(boolean v6, long high, long low) {
    try {
      return InetAddress.getByAddress(v6
          ? ByteBuffer.allocate(16).putLong(high).putLong(low).array()
          : ByteBuffer.allocate(4).putInt((int) low).array());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }
}
