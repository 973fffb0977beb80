package dev.sluice.stack;

import dev.sluice.wire.DropCounters;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.PacketDecoder;

/**
 * The scratch space a connection's owner works in: a decoder for backlogged packets, a transmit
 * buffer and IP header builders. Each receive worker has its own; application threads borrow one
 * from the host's pool for the length of one ownership, so owning a connection allocates nothing
 * and no connection carries buffers of its own.
 *
 * <p>Used by one thread at a time, never shared while in use.
 */
final class OwnerContext {
  /** Room for the largest IP packet (RFC 791: 65,535 bytes). */
  static final int TX_CAPACITY = 65_535;

  final PacketDecoder decoder;
  final byte[] tx = new byte[TX_CAPACITY];
  /** Where a discard service's bytes go. */
  final byte[] sink = new byte[TX_CAPACITY];
  final Ipv4Builder ipv4 = new Ipv4Builder();
  final Ipv6Builder ipv6 = new Ipv6Builder();
  final dev.sluice.tcp.TcpReset reset = new dev.sluice.tcp.TcpReset();
  /** For SYN-ACKs sent with a cookie, without a connection. */
  final dev.sluice.tcp.CookieSynAck synAck = new dev.sluice.tcp.CookieSynAck();
  final dev.sluice.wire.IcmpBuilder icmp = new dev.sluice.wire.IcmpBuilder();
  /** Reads the segment an ICMP error quotes. */
  final dev.sluice.wire.IcmpQuote quote = new dev.sluice.wire.IcmpQuote();
  final dev.sluice.wire.UdpBuilder udp = new dev.sluice.wire.UdpBuilder();

  /** Where a completed IP datagram is reassembled; made on the first fragment, since most hosts see none. */
  private byte[] reassembled;

  /** The receive worker this context belongs to, or null for an application thread's. */
  final Worker worker;

  OwnerContext(DropCounters drops) {
    this(drops, null);
  }

  OwnerContext(DropCounters drops, Worker worker) {
    this.decoder = new PacketDecoder(drops);
    this.worker = worker;
  }

  /** Joins a connection's burst for a device that segments; made on first use, since most devices do not. */
  private dev.sluice.link.TcpCoalescer coalescer;

  dev.sluice.link.TcpCoalescer coalescer() {
    if (coalescer == null) {
      coalescer = new dev.sluice.link.TcpCoalescer();
    }
    return coalescer;
  }

  byte[] reassemblyBuffer() {
    if (reassembled == null) {
      reassembled = new byte[FragmentReassembler.MAX_REASSEMBLED_LENGTH];
    }
    return reassembled;
  }
}
