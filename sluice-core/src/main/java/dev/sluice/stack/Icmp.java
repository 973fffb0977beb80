package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.IcmpQuote;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpAddress;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;
import java.net.SocketTimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * ICMP for a host: answers echo requests (RFC 792, RFC 4443 §4.1), sends pings and matches their
 * replies, and hands errors that quote one of our TCP segments to that connection (path MTU,
 * RFC 1191 §6.4 and RFC 8201 §5.4; hard errors, RFC 1122 §4.2.3.9 with RFC 5927). For a
 * forwarding host it also sends, on the forwarder's behalf, destination unreachables quoting what
 * could not be delivered and echo replies from the address the guest pinged.
 *
 * <p>Threads: workers call {@link #receive}; any thread may {@link #ping}. An error is read through
 * the owner context's {@link IcmpQuote}, so receiving one allocates nothing. Outstanding pings sit
 * in a concurrent map keyed by sequence number; the worker that sees the reply completes it.
 */
final class Icmp {
  private static final int PING_PAYLOAD = 56; // as ping(8)

  private final Host host;
  /** Where an error finds the connection that sent what it quotes; lock-free reads. */
  private final ConnectionTable<Connection> connections;
  private final int identifier;
  private final AtomicInteger sequence = new AtomicInteger();
  private final ConcurrentHashMap<Integer, PendingPing> pending = new ConcurrentHashMap<>();

  private static final class PendingPing {
    final Thread waiter;
    final long sentAt;
    volatile long rttNanos = -1;

    PendingPing(Thread waiter, long sentAt) {
      this.waiter = waiter;
      this.sentAt = sentAt;
    }
  }

  Icmp(Host host, ConnectionTable<Connection> connections, int identifier) {
    this.host = host;
    this.connections = connections;
    this.identifier = identifier & 0xFFFF;
  }

  /**
   * A validated ICMP message addressed to us (the decoder has just decoded it). Returns the
   * connection the caller now owns and must drain (an error handed to it), or null.
   */
  Connection receive(PacketDecoder d, OwnerContext ctx, long now) {
    IcmpMessage m = d.icmp();
    boolean v6 = d.ipVersion() == 6;
    int type = m.type();
    if (type == (v6 ? IcmpType.V6_ECHO_REQUEST : IcmpType.V4_ECHO_REQUEST)) {
      reply(d, ctx, now);
      return null;
    } else if (type == (v6 ? IcmpType.V6_ECHO_REPLY : IcmpType.V4_ECHO_REPLY)) {
      PendingPing p = m.echoIdentifier() == identifier ? pending.remove(m.echoSequence()) : null;
      if (p == null) {
        host.dropped(DropReason.ICMP_NO_SOCKET);
        return null;
      }
      p.rttNanos = Math.max(0, host.clock().nanos() - p.sentAt);
      LockSupport.unpark(p.waiter);
      return null;
    } else if (m.isError()) {
      return error(m, ctx, now);
    }
    // Router and neighbour discovery and MLD (RFC 4861, RFC 3810) are not served: on a TUN link,
    // point-to-point without link-layer addresses, Linux never solicits a neighbour (the device is
    // IFF_NOARP) and a host without routers has nothing to advertise. Counted, so a user sees them.
    host.dropped(DropReason.ICMP_NOT_HANDLED);
    return null;
  }

  /**
   * An ICMP error quoting one of our packets. If it quotes a TCP segment of a live connection,
   * the connection gets it through the ownership protocol: "fragmentation needed" (RFC 1191 §4)
   * and "packet too big" (RFC 4443 §3.2) as a path MTU, protocol and port unreachable as a hard
   * error (RFC 1122 §4.2.3.9); the engine checks the quoted sequence number (RFC 5927 §4.1).
   * Other errors (net or host unreachable, time exceeded) are soft and only counted. Returns the
   * connection the caller now owns, or null.
   */
  private Connection error(IcmpMessage m, OwnerContext ctx, long now) {
    IcmpQuote quote = ctx.quote;
    DropReason refused = quote.wrap(m);
    if (refused != null) {
      host.dropped(refused);
      return null;
    }
    // The quote is of a packet we sent: its source is our end of the connection.
    Connection c = connections.get(quote.isIpv6(), quote.sourceHigh(), quote.sourceLow(), quote.sourcePort(),
        quote.destinationHigh(), quote.destinationLow(), quote.destinationPort());
    if (c == null) {
      host.dropped(DropReason.ICMP_NO_SOCKET);
      return null;
    }
    boolean v6 = m.isIpv6();
    int type = m.type();
    int code = m.code();
    boolean pathMtu = v6 ? type == IcmpType.V6_PACKET_TOO_BIG
        : type == IcmpType.V4_DESTINATION_UNREACHABLE && code == IcmpType.V4_CODE_FRAGMENTATION_NEEDED;
    boolean hard = v6 ? type == IcmpType.V6_DESTINATION_UNREACHABLE && code == IcmpType.V6_CODE_PORT_UNREACHABLE
        : type == IcmpType.V4_DESTINATION_UNREACHABLE
            && (code == IcmpType.V4_CODE_PORT_UNREACHABLE || code == IcmpType.V4_CODE_PROTOCOL_UNREACHABLE);
    boolean owned;
    if (pathMtu) {
      owned = c.icmpError(AppCall.Kind.PATH_MTU, quote.sequenceNumber(),
          (int) Math.min(m.reportedMtu(), Integer.MAX_VALUE), now);
    } else if (hard) {
      owned = c.icmpError(AppCall.Kind.ICMP_UNREACHABLE, quote.sequenceNumber(), 0, now);
    } else {
      host.dropped(DropReason.ICMP_SOFT_ERROR); // net/host unreachable, time exceeded: soft
      return null;
    }
    return owned ? c : null;
  }

  /** Answers an echo request with the same identifier, sequence and data. */
  private void reply(PacketDecoder d, OwnerContext ctx, long now) {
    IcmpMessage m = d.icmp();
    boolean v6 = d.ipVersion() == 6;
    long srcHigh = v6 ? d.ipv6().destinationHigh() : 0;
    long srcLow = v6 ? d.ipv6().destinationLow() : Integer.toUnsignedLong(d.ipv4().destination());
    long dstHigh = v6 ? d.ipv6().sourceHigh() : 0;
    long dstLow = v6 ? d.ipv6().sourceLow() : Integer.toUnsignedLong(d.ipv4().source());
    int body = m.bodyLength();
    int ipHeader = v6 ? 40 : 20;
    int icmpLength = IcmpMessage.HEADER_LENGTH + body;
    System.arraycopy(m.buffer(), m.bodyOffset(), ctx.tx, ipHeader + IcmpMessage.HEADER_LENGTH, body);
    ctx.icmp.echo(v6 ? IcmpType.V6_ECHO_REPLY : IcmpType.V4_ECHO_REPLY, m.echoIdentifier(), m.echoSequence());
    send(v6, srcHigh, srcLow, dstHigh, dstLow, icmpLength, ctx, now);
  }

  /**
   * Sends an echo request to {@code dst} and waits for its reply. Returns the round trip in
   * nanoseconds; throws {@link SocketTimeoutException} if none comes within the timeout.
   */
  long ping(IpAddress remote, IpAddress local, long timeoutNanos) throws SocketTimeoutException {
    boolean v6 = remote.ipv6();
    int seq = sequence.getAndIncrement() & 0xFFFF;
    PendingPing p = new PendingPing(Thread.currentThread(), host.clock().nanos());
    pending.put(seq, p);
    OwnerContext ctx = host.borrowContext();
    try {
      int ipHeader = v6 ? 40 : 20;
      for (int i = 0; i < PING_PAYLOAD; i++) {
        ctx.tx[ipHeader + IcmpMessage.HEADER_LENGTH + i] = (byte) i;
      }
      ctx.icmp.echo(v6 ? IcmpType.V6_ECHO_REQUEST : IcmpType.V4_ECHO_REQUEST, identifier, seq);
      send(v6, local.high(), local.low(), remote.high(), remote.low(), IcmpMessage.HEADER_LENGTH + PING_PAYLOAD, ctx,
          p.sentAt);
    } finally {
      host.returnContext(ctx);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    while (p.rttNanos < 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        pending.remove(seq);
        throw new SocketTimeoutException("no echo reply from " + (v6 ? "[" + remote + "]" : remote)
            + " within " + timeoutNanos / 1_000_000 + " ms");
      }
      LockSupport.parkNanos(this, left);
    }
    return p.rttNanos;
  }

  /**
   * Tells the sender of {@code packet} (an IP packet we could not deliver onward: a forwarded SYN
   * whose destination did not answer) that its destination is unreachable, as a router does: ICMP
   * host unreachable (RFC 792) or ICMPv6 address unreachable (RFC 4443 §3.1).
   */
  void unreachable(byte[] packet, OwnerContext ctx, long now) {
    unreachable(packet, Unreachable.HOST, ctx, now);
  }

  /**
   * Tells the sender of {@code packet} (an IP packet we could not deliver onward) that its
   * destination is unreachable, with {@code why}'s code, from our address toward it (or from the
   * packet's destination, for a port unreachable), quoting as much of the packet as keeps the error
   * within 576 bytes (RFC 1812 §4.3.2.3) or 1280 (RFC 4443 §2.4 (c)). Returns whether it was sent.
   */
  boolean unreachable(byte[] packet, Unreachable why, OwnerContext ctx, long now) {
    PacketDecoder d = ctx.decoder;
    if (d.decodeIp(packet, 0, packet.length) != null) {
      return false;
    }
    boolean v6 = d.ipVersion() == 6;
    long dstHigh = v6 ? d.ipv6().sourceHigh() : 0;
    long dstLow = v6 ? d.ipv6().sourceLow() : Integer.toUnsignedLong(d.ipv4().source());
    IpAddress from = why.fromDestination()
        ? (v6 ? IpAddress.ipv6(d.ipv6().destinationHigh(), d.ipv6().destinationLow()) : IpAddress.ipv4(d.ipv4().destination()))
        : host.interfaces().sourceFor(v6 ? IpAddress.ipv6(dstHigh, dstLow) : IpAddress.ipv4((int) dstLow));
    if (from == null) {
      host.dropped(DropReason.NOT_FOR_US);
      return false;
    }
    int ipHeader = v6 ? 40 : 20;
    int quoted = Math.min(packet.length, (v6 ? 1280 : 576) - ipHeader - IcmpMessage.HEADER_LENGTH);
    // The 4 bytes after the type, code and checksum are unused for these (RFC 792, RFC 4443 §3.1).
    System.arraycopy(packet, 0, ctx.tx, ipHeader + IcmpMessage.HEADER_LENGTH, quoted);
    ctx.icmp.type(v6 ? IcmpType.V6_DESTINATION_UNREACHABLE : IcmpType.V4_DESTINATION_UNREACHABLE)
        .code(why.code(v6)).restOfHeader(0);
    return send(v6, from.high(), from.low(), dstHigh, dstLow, IcmpMessage.HEADER_LENGTH + quoted, ctx, now);
  }

  /**
   * Sends an echo reply from {@code src} to {@code dst} with {@code identifier}, {@code sequence}
   * and {@code data} (position to limit, left unchanged): a forwarded ping's answer, as if from the
   * address the guest pinged. The caller has checked that it fits the link.
   */
  boolean echoReply(boolean v6, long srcHigh, long srcLow, long dstHigh, long dstLow, int identifier, int sequence,
      java.nio.ByteBuffer data, OwnerContext ctx, long now) {
    int body = data.remaining();
    data.get(data.position(), ctx.tx, (v6 ? 40 : 20) + IcmpMessage.HEADER_LENGTH, body);
    ctx.icmp.echo(v6 ? IcmpType.V6_ECHO_REPLY : IcmpType.V4_ECHO_REPLY, identifier, sequence);
    return send(v6, srcHigh, srcLow, dstHigh, dstLow, IcmpMessage.HEADER_LENGTH + body, ctx, now);
  }

  /** Writes the ICMP header (its body already in place) and the IP header, and transmits. */
  private boolean send(boolean v6, long srcHigh, long srcLow, long dstHigh, long dstLow, int icmpLength,
      OwnerContext ctx, long now) {
    int ipHeader;
    if (v6) {
      ctx.icmp.writeV6(ctx.tx, 40, icmpLength - IcmpMessage.HEADER_LENGTH,
          Checksum.pseudoHeaderIpv6(srcHigh, srcLow, dstHigh, dstLow, IpProtocol.ICMPV6, icmpLength));
      ipHeader = ctx.ipv6.protocol(IpProtocol.ICMPV6).hopLimit(64).source(srcHigh, srcLow)
          .destination(dstHigh, dstLow).write(ctx.tx, 0, icmpLength);
    } else {
      ctx.icmp.writeV4(ctx.tx, 20, icmpLength - IcmpMessage.HEADER_LENGTH);
      ipHeader = ctx.ipv4.protocol(IpProtocol.ICMP).ttl(64).dontFragment(false)
          .source((int) srcLow).destination((int) dstLow).write(ctx.tx, 0, icmpLength);
    }
    Device device = host.interfaces().deviceFor(v6, dstHigh, dstLow);
    if (device == null) {
      host.dropped(DropReason.NOT_FOR_US);
      return false;
    }
    return device.transmit(ctx.tx, 0, ipHeader + icmpLength, now);
  }
}
