package dev.sluice.stack;

import dev.sluice.wire.IpAddresses;
import java.util.Objects;

/**
 * A route: packets to addresses under {@code prefix/prefixLength} leave through
 * {@code interfaceName}, directly to the destination (on-link) or to the gateway. Addresses are
 * held as {@link dev.sluice.tcp.TcpEndpoints} holds them: IPv6 as two 64-bit halves, IPv4 as
 * {@code high = 0}, {@code low = address & 0xFFFFFFFFL}. A gateway of all zeros (0.0.0.0 or ::,
 * the unspecified address, RFC 1122 §3.2.1.3 and RFC 4291 §2.5.2) means "no gateway".
 *
 * <p>The compact constructor validates: the prefix length must be 0 to 32 (IPv4) or 0 to 128
 * (IPv6), the bits after it must be zero (as {@code ip route} insists: 10.0.0.1/8 is a typo, not a
 * route), IPv4 values must fit in 32 bits, and the interface must be named. Length 0 is the
 * default route of its family and matches every address of it.
 */
record Route(
    boolean ipv6, long prefixHigh, long prefixLow, int prefixLength, String interfaceName,
    long gatewayHigh, long gatewayLow) {

  public Route {
    Objects.requireNonNull(interfaceName, "interfaceName");
    if (interfaceName.isBlank()) {
      throw new IllegalArgumentException("route without an interface: " + describe(
          ipv6, prefixHigh, prefixLow, prefixLength, interfaceName, gatewayHigh, gatewayLow));
    }
    String problem = problem(ipv6, prefixHigh, prefixLow, prefixLength, gatewayHigh, gatewayLow);
    if (problem != null) {
      throw new IllegalArgumentException(problem + " in route " + describe(
          ipv6, prefixHigh, prefixLow, prefixLength, interfaceName, gatewayHigh, gatewayLow));
    }
  }

  /** An on-link IPv4 route; {@code prefix} is the address in network order as an int. */
  public static Route ipv4(int prefix, int length, String interfaceName) {
    return new Route(false, 0, Integer.toUnsignedLong(prefix), length, interfaceName, 0, 0);
  }

  /** An IPv4 route through {@code gateway} (0 for on-link). */
  public static Route ipv4(int prefix, int length, String interfaceName, int gateway) {
    return new Route(false, 0, Integer.toUnsignedLong(prefix), length, interfaceName, 0,
        Integer.toUnsignedLong(gateway));
  }

  /** An on-link IPv6 route. */
  public static Route ipv6(long prefixHigh, long prefixLow, int length, String interfaceName) {
    return new Route(true, prefixHigh, prefixLow, length, interfaceName, 0, 0);
  }

  /** An IPv6 route through a gateway ({@code ::} for on-link). */
  public static Route ipv6(long prefixHigh, long prefixLow, int length, String interfaceName,
      long gatewayHigh, long gatewayLow) {
    return new Route(true, prefixHigh, prefixLow, length, interfaceName, gatewayHigh, gatewayLow);
  }

  /** Parses an on-link route such as {@code ("198.18.0.0/15", "tun0")}; see {@link #parse(String, String, String)}. */
  public static Route parse(String destination, String interfaceName) {
    return parse(destination, interfaceName, null);
  }

  /**
   * Parses {@code destination} in CIDR notation ({@code 198.18.0.0/15}, {@code 2001:db8::/32}),
   * the family taken from the address; without {@code /length} it is a host route (/32 or /128),
   * as with {@code ip route add}. {@code gateway} is an address of the same family, or null.
   * Addresses must be literals (IPv4 as a dotted quad): names are rejected, never resolved, and
   * so are zone indices ({@code %eth0}), which the interface already gives.
   *
   * @throws IllegalArgumentException naming the input if it does not parse or is not a valid route
   */
  public static Route parse(String destination, String interfaceName, String gateway) {
    Objects.requireNonNull(destination, "destination");
    try {
      int slash = destination.indexOf('/');
      String address = slash < 0 ? destination : destination.substring(0, slash);
      boolean ipv6 = address.indexOf(':') >= 0;
      int length = ipv6 ? 128 : 32;
      if (slash >= 0) {
        length = parseLength(destination.substring(slash + 1));
      }
      rejectZone(address);
      if (gateway != null) {
        rejectZone(gateway);
        if ((gateway.indexOf(':') >= 0) != ipv6) {
          throw new IllegalArgumentException("gateway " + gateway + " is not of the route's family");
        }
      }
      if (ipv6) {
        long[] prefix = IpAddresses.parseIpv6(address);
        long[] via = gateway == null ? new long[2] : IpAddresses.parseIpv6(gateway);
        return ipv6(prefix[0], prefix[1], length, interfaceName, via[0], via[1]);
      }
      int via = gateway == null ? 0 : IpAddresses.parseIpv4(gateway);
      return ipv4(IpAddresses.parseIpv4(address), length, interfaceName, via);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad route " + destination
          + (gateway == null ? "" : " via " + gateway) + " dev " + interfaceName + ": "
          + e.getMessage(), e);
    }
  }

  /** Whether this IPv4 route covers {@code address}. Allocation-free. */
  public boolean matchesIpv4(int address) {
    return !ipv6 && ((Integer.toUnsignedLong(address) ^ prefixLow) & ipv4Mask(prefixLength)) == 0;
  }

  /** Whether this IPv6 route covers {@code high:low}. Allocation-free. */
  public boolean matchesIpv6(long high, long low) {
    return ipv6 && ((high ^ prefixHigh) & highMask(prefixLength)) == 0
        && ((low ^ prefixLow) & lowMask(prefixLength)) == 0;
  }

  /** Whether packets go to a gateway rather than straight to the destination. */
  public boolean hasGateway() {
    return (gatewayHigh | gatewayLow) != 0;
  }

  /** The destination in CIDR notation, e.g. {@code 198.18.0.0/15}. */
  public String destination() {
    return format(ipv6, prefixHigh, prefixLow) + "/" + prefixLength;
  }

  /** As {@code ip route} prints it: {@code 0.0.0.0/0 via 192.0.2.1 dev eth0}. */
  @Override
  public String toString() {
    return describe(ipv6, prefixHigh, prefixLow, prefixLength, interfaceName, gatewayHigh,
        gatewayLow);
  }

  // ---------------------------------------------------------------- internals

  /** The first thing wrong with these fields, or null. */
  private static String problem(boolean ipv6, long prefixHigh, long prefixLow, int length,
      long gatewayHigh, long gatewayLow) {
    if (ipv6) {
      if (length < 0 || length > 128) {
        return "prefix length " + length + " outside 0..128";
      }
      if ((prefixHigh & ~highMask(length)) != 0 || (prefixLow & ~lowMask(length)) != 0) {
        return "host bits set";
      }
      return null;
    }
    if (length < 0 || length > 32) {
      return "prefix length " + length + " outside 0..32";
    }
    if (prefixHigh != 0 || (prefixLow >>> 32) != 0) {
      return "IPv4 prefix wider than 32 bits";
    }
    if (gatewayHigh != 0 || (gatewayLow >>> 32) != 0) {
      return "IPv4 gateway wider than 32 bits";
    }
    if ((prefixLow & ~ipv4Mask(length)) != 0) {
      return "host bits set";
    }
    return null;
  }

  /** The network bits of an IPv4 address held in the low 32 bits of a long. Valid for 0..32. */
  static long ipv4Mask(int length) {
    return (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
  }

  /** The network bits among the high 64 of an IPv6 address. Valid for 0..128. */
  static long highMask(int length) {
    return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
  }

  /** The network bits among the low 64 of an IPv6 address. Valid for 0..128. */
  static long lowMask(int length) {
    return length <= 64 ? 0 : -1L << (128 - length);
  }

  private static int parseLength(String text) {
    if (text.isEmpty() || text.length() > 3 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a prefix length: \"" + text + "\"");
    }
    return Integer.parseInt(text);
  }

  private static void rejectZone(String address) {
    if (address.indexOf('%') >= 0) {
      throw new IllegalArgumentException("zone index not allowed: " + address);
    }
  }

  private static String describe(boolean ipv6, long prefixHigh, long prefixLow, int length,
      String interfaceName, long gatewayHigh, long gatewayLow) {
    StringBuilder text = new StringBuilder()
        .append(format(ipv6, prefixHigh, prefixLow)).append('/').append(length);
    if ((gatewayHigh | gatewayLow) != 0) {
      text.append(" via ").append(format(ipv6, gatewayHigh, gatewayLow));
    }
    return text.append(" dev ").append(interfaceName).toString();
  }

  /** Formats an address, falling back to hex for IPv4 values that do not fit (so errors can name them). */
  private static String format(boolean ipv6, long high, long low) {
    if (ipv6) {
      return IpAddresses.formatIpv6(high, low);
    }
    if (high != 0 || (low >>> 32) != 0) {
      return "0x" + Long.toHexString(high) + ":" + Long.toHexString(low);
    }
    return IpAddresses.formatIpv4((int) low);
  }
}
