package dev.sluice.wire;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * An IPv4 or IPv6 address as a value, in the form the views, the builders, {@code TcpEndpoints}
 * and {@code Route} already use: IPv6 as two 64-bit halves, IPv4 as {@code high = 0} and the
 * address in the low 32 bits ({@code low = address & 0xFFFFFFFFL}).
 *
 * <p>For addresses that are kept or come from an application call: a host's own addresses, the
 * remote end of a connect, a ping or a datagram sent. The per-packet receive path never makes one:
 * it reads the halves from the packet views and passes them as primitives (compared with {@link
 * #is}), so a received packet allocates nothing.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ipv6 {@code true} for an IPv6 address
 * @param high IPv6: the first 64 bits, big-endian; IPv4: 0
 * @param low IPv6: the last 64 bits, big-endian; IPv4: the address in the low 32 bits
 */
public record IpAddress(boolean ipv6, long high, long low) {

  /**
   * Checks that an IPv4 address has nothing outside the low 32 bits of {@code low}.
   *
   * @param ipv6 {@code true} for an IPv6 address
   * @param high IPv6: the first 64 bits, big-endian; IPv4: 0
   * @param low IPv6: the last 64 bits, big-endian; IPv4: the address in the low 32 bits
   * @throws IllegalArgumentException if an IPv4 address has a non-zero {@code high} or bits above
   *     32
   */
  public IpAddress {
    if (!ipv6 && (high != 0 || (low >>> 32) != 0)) {
      throw new IllegalArgumentException("an IPv4 address has high = 0 and 32 bits in low: "
          + Long.toHexString(high) + ":" + Long.toHexString(low));
    }
  }

  /**
   * {@code address} in network order as an int, as {@link Ipv4Packet#source()} returns it.
   *
   * @param address the IPv4 address: 192.0.2.1 is {@code 0xC0000201}
   * @return the address as a value
   */
  public static IpAddress ipv4(int address) {
    return new IpAddress(false, 0, Integer.toUnsignedLong(address));
  }

  /**
   * An IPv6 address from its two halves, as {@link Ipv6Packet#sourceHigh()} and
   * {@link Ipv6Packet#sourceLow()} return them.
   *
   * @param high the first 64 bits, big-endian
   * @param low the last 64 bits, big-endian
   * @return the address as a value
   */
  public static IpAddress ipv6(long high, long low) {
    return new IpAddress(true, high, low);
  }

  /**
   * The address of {@code address}. Java represents an IPv4-mapped literal ({@code
   * ::ffff:a.b.c.d}) as an {@code Inet4Address}, so it becomes IPv4 here, as it does for sockets.
   *
   * @param address an {@code Inet4Address} or {@code Inet6Address}; the scope of an IPv6 address is
   *     not kept
   * @return the address as a value
   * @throws NullPointerException if {@code address} is {@code null}
   */
  public static IpAddress of(InetAddress address) {
    ByteBuffer b = ByteBuffer.wrap(address.getAddress());
    if (address instanceof Inet6Address) {
      return new IpAddress(true, b.getLong(), b.getLong());
    }
    return ipv4(b.getInt());
  }

  /**
   * Whether this is the address {@code ipv6, high, low}; for callers that hold the halves.
   *
   * @param ipv6 {@code true} for an IPv6 address
   * @param high the first half, as this record holds it
   * @param low the second half, as this record holds it
   * @return {@code true} if all three components are equal; no object is made
   */
  public boolean is(boolean ipv6, long high, long low) {
    return this.ipv6 == ipv6 && this.low == low && this.high == high;
  }

  /**
   * The IPv4 address as an int in network order; only for an IPv4 address.
   *
   * @return the address: 192.0.2.1 is {@code 0xC0000201}; for IPv6, the low 32 bits of {@code low}
   */
  public int ipv4() {
    return (int) low;
  }

  /**
   * Dotted quad for IPv4, the RFC 5952 form for IPv6.
   *
   * @return the address as text, such as {@code 192.0.2.1} or {@code 2001:db8::1}
   */
  @Override
  public String toString() {
    return ipv6 ? IpAddresses.formatIpv6(high, low) : IpAddresses.formatIpv4((int) low);
  }
}
