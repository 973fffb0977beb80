package dev.sluice.stack;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * A guest's ICMP or ICMPv6 echo request to an address that is not the host's, as an {@link
 * IcmpEchoForwarder} gets it (issue 15): from and to whom, its identifier, sequence number and
 * data. It holds a copy of the request's IP packet, valid as long as it is referenced; {@link
 * #reply} sends the answer as if from the destination. Immutable and thread-safe.
 */
public final class ForwardedEcho {
  private final DatagramForwarding forwarding;
  private final byte[] packet;
  private final int dataOffset;
  private final int dataLength;
  private final InetAddress source;
  private final InetAddress destination;
  private final int identifier;
  private final int sequence;

  ForwardedEcho(DatagramForwarding forwarding, byte[] packet, int dataOffset, int dataLength, InetAddress source,
      InetAddress destination, int identifier, int sequence) {
    this.forwarding = forwarding;
    this.packet = packet;
    this.dataOffset = dataOffset;
    this.dataLength = dataLength;
    this.source = source;
    this.destination = destination;
    this.identifier = identifier;
    this.sequence = sequence;
  }

  /** The guest's address. */
  public InetAddress source() {
    return source;
  }

  /** The address the guest pings. */
  public InetAddress destination() {
    return destination;
  }

  public boolean ipv6() {
    return destination instanceof java.net.Inet6Address;
  }

  /** The guest's identifier (RFC 792): its reply must carry it back. */
  public int identifier() {
    return identifier;
  }

  public int sequence() {
    return sequence;
  }

  /** The request's data, a new read-only buffer over the copy on each call. */
  public ByteBuffer data() {
    return ByteBuffer.wrap(packet, dataOffset, dataLength).slice().asReadOnlyBuffer();
  }

  /**
   * Sends the guest an echo reply from {@link #destination} with this request's identifier and
   * sequence and {@code data} (position to limit, left unchanged): what the destination answered.
   * Any thread; returns false, counted as {@code FORWARD_REPLY_UNSENDABLE}, if it does not fit the
   * link or has no route.
   */
  public boolean reply(ByteBuffer data) {
    return forwarding.echoReply(this, data);
  }

  /** As {@link ForwardedDatagram#unreachable}, quoting this request. */
  public boolean unreachable(Unreachable why) {
    return forwarding.unreachable(packet, why);
  }

  @Override
  public String toString() {
    return "ForwardedEcho[" + source.getHostAddress() + " -> " + destination.getHostAddress() + ", id " + identifier
        + ", seq " + sequence + "]";
  }
}
