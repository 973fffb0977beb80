package dev.sluice.stack;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A guest's UDP datagram to an address that is not the host's, as a {@link UdpForwarder} gets it
 * (issue 15): who sent it, where to, and its payload. It holds a copy of the datagram's IP packet,
 * made on the worker before the forwarder is called, so it stays valid as long as it is referenced
 * and may be used from any thread; {@link #unreachable} quotes that copy. Immutable and
 * thread-safe.
 */
public final class ForwardedDatagram {
  private final DatagramForwarding forwarding;
  private final byte[] packet;
  private final int payloadOffset;
  private final int payloadLength;
  private final InetSocketAddress source;
  private final InetSocketAddress destination;

  ForwardedDatagram(DatagramForwarding forwarding, byte[] packet, int payloadOffset, int payloadLength,
      InetSocketAddress source, InetSocketAddress destination) {
    this.forwarding = forwarding;
    this.packet = packet;
    this.payloadOffset = payloadOffset;
    this.payloadLength = payloadLength;
    this.source = source;
    this.destination = destination;
  }

  /** The guest's address and port: where answers go ({@link Host#sendUdp}'s {@code to}). */
  public InetSocketAddress source() {
    return source;
  }

  /** Where the guest sent it: the outside address and port (answers come from here). */
  public InetSocketAddress destination() {
    return destination;
  }

  /** The payload, a new read-only buffer over the copy on each call (position 0, limit its length). */
  public ByteBuffer payload() {
    return ByteBuffer.wrap(packet, payloadOffset, payloadLength).slice().asReadOnlyBuffer();
  }

  /**
   * Tells the guest this datagram could not be delivered: an ICMP (ICMPv6) destination unreachable
   * with {@code why}'s code, quoting the datagram's IP header and as much of its data as keeps the
   * error within 576 bytes (RFC 792, RFC 1812 §4.3.2.3) or 1280 (RFC 4443 §2.4 (c)). Any thread,
   * any number of times (the outside may refuse again later); returns whether it was sent.
   */
  public boolean unreachable(Unreachable why) {
    return forwarding.unreachable(packet, why);
  }

  @Override
  public String toString() {
    return "ForwardedDatagram[" + source + " -> " + destination + ", " + payloadLength + " bytes]";
  }
}
