package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;

/**
 * The IP layer of a host's receive path (RFC 1122 §3.2.1, RFC 8200): a device's packet is decoded
 * (a malformed one counted by the decoder), loopback addresses arriving on a wire are dropped as
 * martians, fragments go to the reassembler, and the rest goes by destination and protocol: ours
 * to TCP, UDP or ICMP; another address's to the forwarders when the host has them (the gateway
 * role), else dropped as {@code NOT_FOR_US}; our own address as the source of a TCP segment from a
 * wire (LAND) is refused. In steady state a packet allocates nothing here: addresses are read from
 * the views as primitive halves and passed on so, never as {@code IpAddress}.
 *
 * <p>Any worker, or a thread receiving inline, calls it, each with its own {@link OwnerContext};
 * it keeps no state of its own: the parts it hands packets to say what they share.
 */
final class IpReceive {
  private final Host host;
  private final Interfaces interfaces;
  private final DropCounters drops;
  private final FragmentReassembler fragments;
  private final DatagramForwarding datagrams;
  private final Icmp icmp;
  private final Udp udp;
  private final TcpDemux demux;

  IpReceive(Host host, Interfaces interfaces, DropCounters drops, FragmentReassembler fragments,
      DatagramForwarding datagrams, Icmp icmp, Udp udp, TcpDemux demux) {
    this.host = host;
    this.interfaces = interfaces;
    this.drops = drops;
    this.fragments = fragments;
    this.datagrams = datagrams;
    this.icmp = icmp;
    this.udp = udp;
    this.demux = demux;
  }

  /**
   * A packet from a device, {@code fromLoopback} if it arrived on the loopback device: only there
   * may a packet come from one of our own addresses, and only there may 127/8 or ::1 appear at
   * all. Returns the connection the caller now owns and must drain, or null. The buffer is
   * released here, or handed on (to a connection's backlog, a UDP port, a forwarder).
   */
  Connection receive(PacketBuffer packet, boolean fromLoopback, OwnerContext ctx, long now) {
    PacketDecoder decoder = ctx.decoder;
    if (decoder.decodeIp(packet.data(), 0, packet.length(), packet.tcpChecksumKnownGood()) != null) {
      packet.release(); // malformed: counted by the decoder
      return null;
    }
    boolean v6 = decoder.ipVersion() == 6;
    if (!fromLoopback && loopbackAddressed(decoder, v6)) {
      // A martian (RFC 1122 §3.2.1.3 (g), RFC 4291 §2.5.3): loopback addresses never leave a
      // host, so one arriving on a wire is forged; Linux drops it too (net.ipv4.conf.*.route_localnet
      // off). Checked before any protocol, so that no reply is ever sent to 127.0.0.1 on a wire.
      drops.increment(DropReason.LOOPBACK_ON_WIRE);
      packet.release();
      return null;
    }
    if (decoder.isFragment()) {
      return reassemble(packet, fromLoopback, ctx, now);
    }
    int protocol = decoder.protocol();
    long dstHigh = v6 ? decoder.ipv6().destinationHigh() : 0;
    long dstLow = v6 ? decoder.ipv6().destinationLow() : Integer.toUnsignedLong(decoder.ipv4().destination());
    boolean local = interfaces.isLocal(v6, dstHigh, dstLow);
    if (protocol != IpProtocol.TCP) {
      Connection owned = null;
      if (!local) { // forwarded, or NOT_FOR_US: never from the loopback device
        if (fromLoopback) {
          drops.increment(DropReason.NOT_FOR_US);
          packet.release();
        } else {
          datagrams.receive(packet, decoder); // takes the buffer
        }
      } else if (protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6) {
        owned = icmp.receive(decoder, ctx, now);
        packet.release();
      } else if (protocol == IpProtocol.UDP) {
        udp.receive(packet, decoder); // takes the buffer
      } else {
        drops.increment(DropReason.UNSUPPORTED_PROTOCOL);
        packet.release();
      }
      return owned;
    }
    long srcHigh = v6 ? decoder.ipv6().sourceHigh() : 0;
    long srcLow = v6 ? decoder.ipv6().sourceLow() : Integer.toUnsignedLong(decoder.ipv4().source());
    if (!local && (host.forwarder() == null || fromLoopback)) {
      drops.increment(DropReason.NOT_FOR_US);
      packet.release();
      return null;
    }
    if (!fromLoopback && interfaces.isLocal(v6, srcHigh, srcLow)) {
      // LAND (CVE-1999-0016, hostile input 18): our own address arriving from the wire is a
      // martian source (RFC 1122 §3.2.1.3); answering it loops forever if the path reflects it.
      // On the loopback device it is simply this host talking to itself.
      drops.increment(v6 ? DropReason.IPV6_BAD_SOURCE : DropReason.IPV4_BAD_SOURCE);
      packet.release();
      return null;
    }
    return local ? demux.receive(packet, decoder.tcp(), v6, dstHigh, dstLow, srcHigh, srcLow, ctx, now)
        : demux.receiveForwarded(packet, decoder, v6, dstHigh, dstLow, srcHigh, srcLow, ctx, now);
  }

  /**
   * Files a fragment addressed to this host (RFC 791 §3.2, RFC 8200 §4.5); when it completes its
   * datagram, receives the whole datagram as if it had arrived so. Fragments for other hosts are
   * dropped before they take any memory, unless this host forwards (then the whole datagram goes to
   * its forwarder, within the reassembler's bounds). The reassembled packet is a copy outside every
   * pool: allocation per datagram is acceptable here, because fragments are rare (Sluice fragments
   * nothing it sends but a forwarder's IPv4 answers larger than the link).
   */
  private Connection reassemble(PacketBuffer fragment, boolean fromLoopback, OwnerContext ctx, long now) {
    PacketDecoder decoder = ctx.decoder;
    boolean v6 = decoder.ipVersion() == 6;
    long dstHigh = v6 ? decoder.ipv6().destinationHigh() : 0;
    long dstLow = v6 ? decoder.ipv6().destinationLow() : Integer.toUnsignedLong(decoder.ipv4().destination());
    boolean forwarding = !fromLoopback && (host.forwarder() != null || datagrams.any());
    if (!forwarding && !interfaces.isLocal(v6, dstHigh, dstLow)) {
      drops.increment(DropReason.NOT_FOR_US);
      fragment.release();
      return null;
    }
    byte[] out = ctx.reassemblyBuffer();
    int length = fragments.offer(fragment.data(), 0, fragment.length(), now, out);
    fragment.release();
    if (length <= 0) {
      return null; // held until the rest arrives, or dropped and counted by the reassembler
    }
    return receive(PacketBuffer.copyOf(out, 0, length), fromLoopback, ctx, now);
  }

  /** Whether the decoded packet's source or destination is 127/8 or ::1. */
  private static boolean loopbackAddressed(PacketDecoder decoder, boolean v6) {
    if (v6) {
      return Interfaces.isLoopbackAddress(true, decoder.ipv6().sourceHigh(), decoder.ipv6().sourceLow())
          || Interfaces.isLoopbackAddress(true, decoder.ipv6().destinationHigh(), decoder.ipv6().destinationLow());
    }
    return Interfaces.isLoopbackAddress(false, 0, Integer.toUnsignedLong(decoder.ipv4().source()))
        || Interfaces.isLoopbackAddress(false, 0, Integer.toUnsignedLong(decoder.ipv4().destination()));
  }
}
