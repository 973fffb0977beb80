package dev.sluice.wire;

/**
 * A zero-copy view of the TCP segment an ICMP error quotes: the invoking packet's IP header and the
 * start of its TCP header, in the error's body. RFC 792 quotes "the internet header plus the first
 * 64 bits of the original data datagram", RFC 4443 §3 "as much of invoking packet as possible";
 * those first 8 bytes of TCP hold the ports and the sequence number, which is all an error needs
 * to find its connection and to be checked against it (RFC 5927 §4.1). Options, and anything a
 * router quotes beyond the 8 bytes, are not read.
 *
 * <p>The quoted packet is one that we sent, so its source is our address and its destination the
 * peer's. Reusable: {@link #wrap} points it at an error's body, and the getters then read the
 * buffer directly and allocate nothing (one per owner context, used per error received).
 *
 * <p>Not thread-safe: a scratch object for one thread. The getters mean something only after
 * {@link #wrap} returned {@code null}; multi-byte fields are read in network byte order.
 */
public final class IcmpQuote {
  /** RFC 792: the quote holds at least 64 bits of the invoking packet's data. */
  private static final int QUOTED_TRANSPORT_BYTES = 8;

  private byte[] buf;
  private int ip;
  private int tcp;
  private boolean ipv6;

  /** Creates a view that points at nothing until {@link #wrap} is called. */
  public IcmpQuote() {}

  /**
   * Points this view at the body of {@code error}, which the decoder has validated, and checks
   * that it quotes a TCP segment of the error's family: an IPv4 header (its IHL at least 5) or a
   * fixed IPv6 header whose protocol or Next Header is TCP, followed by at least 8 bytes of TCP.
   * The quoted IP header is not otherwise validated: a router may have changed it in flight (TTL,
   * checksum), and the connection lookup and the sequence check are what reject a forgery.
   *
   * @param error a wrapped ICMP error message; this view reads its buffer, not a copy
   * @return {@code null} if it does; otherwise {@link DropReason#ICMP_NO_SOCKET}, since no TCP
   *     connection of ours can have sent what it quotes (IPv6 extension headers included)
   */
  public DropReason wrap(IcmpMessage error) {
    this.buf = error.buffer();
    this.ip = error.bodyOffset();
    this.ipv6 = error.isIpv6();
    int quoted = error.bodyLength();
    if (ipv6) {
      if (quoted < Ipv6Packet.HEADER_LENGTH + QUOTED_TRANSPORT_BYTES
          || Bytes.u8(buf, ip + 6) != IpProtocol.TCP) {
        return DropReason.ICMP_NO_SOCKET;
      }
      tcp = ip + Ipv6Packet.HEADER_LENGTH;
    } else {
      int headerLength = quoted < 1 ? 0 : (buf[ip] & 0x0F) * 4;
      if (headerLength < Ipv4Packet.MIN_HEADER_LENGTH || quoted < headerLength + QUOTED_TRANSPORT_BYTES
          || Bytes.u8(buf, ip + 9) != IpProtocol.TCP) {
        return DropReason.ICMP_NO_SOCKET;
      }
      tcp = ip + headerLength;
    }
    return null;
  }

  /**
   * The family of the quoted packet, which is the error's.
   *
   * @return {@code true} if the quote is an IPv6 packet
   */
  public boolean isIpv6() {
    return ipv6;
  }

  /**
   * The quoted packet's source (ours): IPv6's upper half, 0 for IPv4.
   *
   * @return the first 64 bits of the IPv6 source address, big-endian, or 0
   */
  public long sourceHigh() {
    return ipv6 ? Bytes.i64(buf, ip + 8) : 0;
  }

  /**
   * The quoted packet's source: IPv6's lower half, or the IPv4 address in the low 32 bits.
   *
   * @return the last 64 bits of the IPv6 source address, or the IPv4 source zero-extended
   */
  public long sourceLow() {
    return ipv6 ? Bytes.i64(buf, ip + 16) : Integer.toUnsignedLong(Bytes.i32(buf, ip + 12));
  }

  /**
   * The quoted packet's destination (the peer): IPv6's upper half, 0 for IPv4.
   *
   * @return the first 64 bits of the IPv6 destination address, big-endian, or 0
   */
  public long destinationHigh() {
    return ipv6 ? Bytes.i64(buf, ip + 24) : 0;
  }

  /**
   * The quoted packet's destination: IPv6's lower half, or the IPv4 address in the low 32 bits.
   *
   * @return the last 64 bits of the IPv6 destination address, or the IPv4 destination zero-extended
   */
  public long destinationLow() {
    return ipv6 ? Bytes.i64(buf, ip + 32) : Integer.toUnsignedLong(Bytes.i32(buf, ip + 16));
  }

  /**
   * The quoted segment's source port (ours).
   *
   * @return the port, 0 to 65,535
   */
  public int sourcePort() {
    return Bytes.u16(buf, tcp);
  }

  /**
   * The quoted segment's destination port (the peer's).
   *
   * @return the port, 0 to 65,535
   */
  public int destinationPort() {
    return Bytes.u16(buf, tcp + 2);
  }

  /**
   * The quoted segment's sequence number, which RFC 5927 §4.1 checks against the connection.
   *
   * @return an unsigned 32-bit value held in an {@code int}; compare it modulo 2^32
   */
  public int sequenceNumber() {
    return Bytes.i32(buf, tcp + 4);
  }
}
