package dev.sluice.gateway.relay;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One IPv4 or IPv6 network, {@code address/prefix}, with its mask computed once, so that asking
 * whether an address lies inside is two ANDs and two compares. Addresses are passed as a family
 * flag and two longs (an IPv4 address is the low 32 bits of {@code low}, {@code high} 0), which
 * {@link #high} and {@link #low} read from an address's bytes. Immutable, so thread-safe.
 */
final class CidrRange {
  private final boolean ipv6;
  private final int prefix;
  private final long maskHigh;
  private final long maskLow;
  private final long networkHigh;
  private final long networkLow;

  private CidrRange(boolean ipv6, long high, long low, int prefix) {
    this.ipv6 = ipv6;
    this.prefix = prefix;
    if (ipv6) {
      maskHigh = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
      maskLow = prefix <= 64 ? 0 : -1L << (128 - prefix);
    } else {
      maskHigh = 0;
      maskLow = prefix == 0 ? 0 : (0xffff_ffffL << (32 - prefix)) & 0xffff_ffffL;
    }
    networkHigh = high & maskHigh;
    networkLow = low & maskLow;
  }

  /** The network of {@code address} with {@code prefix} bits (host bits are cleared). */
  static CidrRange of(InetAddress address, int prefix) {
    byte[] bytes = address.getAddress();
    boolean v6 = bytes.length == 16;
    if (prefix < 0 || prefix > (v6 ? 128 : 32)) {
      throw new IllegalArgumentException("prefix out of range: " + prefix);
    }
    return new CidrRange(v6, high(bytes), low(bytes), prefix);
  }

  /**
   * Parses {@code text} given to {@code option}: an IPv4 dotted quad or an IPv6 literal, with
   * {@code /prefix} or without (one address). Never resolves a name. An IllegalArgumentException
   * says, in one line starting with the option, what is wrong.
   */
  static CidrRange parse(String option, String text) {
    int slash = text.indexOf('/');
    String literal = slash < 0 ? text : text.substring(0, slash);
    boolean v6 = literal.indexOf(':') >= 0;
    if (v6 ? literal.indexOf('%') >= 0 : !isDottedQuad(literal)) {
      throw new IllegalArgumentException(option + " " + text + ": not a network like "
          + "198.18.0.0/16 or 2001:2::/48 (an IPv4 address is four decimal numbers; no names, no zone)");
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(literal);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + text + ": " + literal + " is not an IP address");
    }
    if (v6 && address instanceof Inet4Address) { // ::ffff:a.b.c.d, which Java reads as IPv4
      throw new IllegalArgumentException(option + " " + text + ": write an IPv4-mapped range as IPv4");
    }
    int max = v6 ? 128 : 32;
    int prefix = max;
    if (slash >= 0) {
      String bits = text.substring(slash + 1);
      if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(bits) > max) {
        throw new IllegalArgumentException(option + " " + text + ": the prefix length must be a number in [0, "
            + max + "] for " + (v6 ? "IPv6" : "IPv4"));
      }
      prefix = Integer.parseInt(bits);
    }
    CidrRange range = of(address, prefix);
    byte[] bytes = address.getAddress();
    if (range.networkHigh != high(bytes) || range.networkLow != low(bytes)) { // as ip-route(8): 10.1.2.3/8 is most likely a typo
      throw new IllegalArgumentException(option + " " + text + ": host bits are set; did you mean " + range + "?");
    }
    return range;
  }

  /** Whether the address ({@code ipv6}, {@code high}, {@code low}) lies inside this network. */
  boolean contains(boolean ipv6, long high, long low) {
    return this.ipv6 == ipv6 && (high & maskHigh) == networkHigh && (low & maskLow) == networkLow;
  }

  /** Whether any of {@code ranges} contains the address. */
  static boolean anyContains(CidrRange[] ranges, boolean ipv6, long high, long low) {
    for (CidrRange r : ranges) {
      if (r.contains(ipv6, high, low)) {
        return true;
      }
    }
    return false;
  }

  /** The first 8 bytes of a 16-byte address, big-endian; 0 for a 4-byte one. */
  static long high(byte[] address) {
    return address.length == 16 ? bigEndian(address, 0, 8) : 0;
  }

  /** The last 8 bytes of a 16-byte address, or a 4-byte address in the low 32 bits. */
  static long low(byte[] address) {
    return address.length == 16 ? bigEndian(address, 8, 8) : bigEndian(address, 0, 4);
  }

  private static long bigEndian(byte[] bytes, int from, int count) {
    long value = 0;
    for (int i = from; i < from + count; i++) {
      value = (value << 8) | (bytes[i] & 0xff);
    }
    return value;
  }

  private static boolean isDottedQuad(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false; // InetAddress would read "10" as 0.0.0.10: never what a --deny meant
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    byte[] bytes = new byte[ipv6 ? 16 : 4];
    long high = networkHigh;
    long low = networkLow;
    for (int i = bytes.length - 1; i >= 0; i--) {
      bytes[i] = (byte) low;
      low = i == 8 ? high : low >>> 8;
    }
    try {
      return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }
}
