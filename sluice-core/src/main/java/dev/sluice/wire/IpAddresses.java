package dev.sluice.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Conversions between the primitive address forms the views use and text or {@link InetAddress}:
 * IPv4 as a big-endian {@code int}, IPv6 as two big-endian 64-bit halves. Stateless and
 * thread-safe; nothing here resolves a name.
 */
public final class IpAddresses {
  private IpAddresses() {}

  /**
   * The dotted-quad text form of an IPv4 address.
   *
   * @param address the address as a big-endian {@code int}: {@code 0xC0000201} is 192.0.2.1
   * @return the address as text, such as {@code 192.0.2.1}
   */
  public static String formatIpv4(int address) {
    return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
        + (address & 0xFF);
  }

  /**
   * Parses a dotted-quad IPv4 literal; never resolves a name.
   *
   * @param text four decimal parts separated by dots, such as {@code 192.0.2.1}
   * @return the address as a big-endian {@code int}
   * @throws IllegalArgumentException if {@code text} is not a dotted-quad IPv4 literal (the short
   *     BSD forms such as {@code 1.2.3} included)
   */
  public static int parseIpv4(String text) {
    // InetAddress also takes the BSD inet_aton forms ("1.2.3" is 1.2.0.3, "16909060" is 1.2.3.4);
    // a dotted quad has exactly four parts.
    if (text.chars().filter(c -> c == '.').count() != 3) {
      throw new IllegalArgumentException("not a dotted-quad IPv4 address: " + text);
    }
    InetAddress address = InetAddress.ofLiteral(text);
    if (!(address instanceof Inet4Address)) {
      throw new IllegalArgumentException("not an IPv4 address: " + text);
    }
    return ByteBuffer.wrap(address.getAddress()).getInt();
  }

  /**
   * Parses an IPv6 literal into {high, low}; never resolves a name. An IPv4-mapped literal
   * ({@code ::ffff:a.b.c.d}) stays an IPv6 address.
   *
   * @param text an IPv6 literal, such as {@code 2001:db8::1}
   * @return a new two-element array: the first 64 bits, then the last 64, big-endian
   * @throws IllegalArgumentException if {@code text} is not an IPv6 literal
   */
  public static long[] parseIpv6(String text) {
    InetAddress address = InetAddress.ofLiteral(text);
    if (address instanceof Inet4Address mapped && text.indexOf(':') >= 0) {
      // Java turns an IPv4-mapped literal (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) into an Inet4Address.
      long ipv4 = ByteBuffer.wrap(mapped.getAddress()).getInt() & 0xFFFF_FFFFL;
      return new long[] {0, 0xFFFF_0000_0000L | ipv4};
    }
    if (!(address instanceof Inet6Address)) {
      throw new IllegalArgumentException("not an IPv6 address: " + text);
    }
    ByteBuffer bytes = ByteBuffer.wrap(address.getAddress());
    return new long[] {bytes.getLong(), bytes.getLong()};
  }

  /**
   * The RFC 5952 text form of an IPv6 address: lower-case hex, the longest run of two or more zero
   * groups as {@code ::}, and an IPv4-mapped address as {@code ::ffff:a.b.c.d} (RFC 5952 §5).
   *
   * @param high the first 64 bits, big-endian
   * @param low the last 64 bits, big-endian
   * @return the address as text, such as {@code 2001:db8::1}
   */
  public static String formatIpv6(long high, long low) {
    if (high == 0 && (low >>> 32) == 0xFFFF) {
      // InetAddress would print an IPv4-mapped address as bare IPv4; RFC 5952 §5 wants ::ffff:a.b.c.d.
      return "::ffff:" + formatIpv4((int) low);
    }
    byte[] raw = ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    try {
      String text = InetAddress.getByAddress(raw).getHostAddress();
      return compress(text);
    } catch (java.net.UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  /** Java prints every group ({@code 2001:2:0:0:0:0:0:1}); RFC 5952 §4.2 wants the longest zero run as {@code ::}. */
  private static String compress(String full) {
    String[] groups = full.split(":");
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < groups.length; ) {
      if (groups[i].equals("0")) {
        int j = i;
        while (j < groups.length && groups[j].equals("0")) j++;
        if (j - i > bestLength) {
          bestStart = i;
          bestLength = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    if (bestStart < 0) {
      return full;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
    String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    return head + "::" + tail;
  }
}
