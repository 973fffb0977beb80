package dev.sluice.gateway.relay;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The gateway's network of one family, from {@code --cidr} (IPv4) or {@code --cidr6} (IPv6): the
 * guest (the kernel's side of the TUN device) takes the first host address, Sluice's host the
 * next. Host bits set in the given address are ignored: the network is taken.
 */
record GatewayAddresses(String network, int prefix, String guest, String host) {

  /** Parses {@code a.b.c.d/n} (n at most 30, so both addresses fit); IllegalArgumentException says why not. */
  static GatewayAddresses parse(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("--cidr must be an IPv4 network like 198.18.0.0/24: " + cidr);
    }
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--cidr has no prefix length: " + cidr);
    }
    if (prefix < 1 || prefix > 30) {
      throw new IllegalArgumentException("--cidr's prefix must be in [1, 30] to hold two host addresses: " + cidr);
    }
    String literal = cidr.substring(0, slash);
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(literal);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cidr is not an IPv4 network: " + cidr);
    }
    if (!(address instanceof Inet4Address)) {
      throw new IllegalArgumentException("--cidr must be IPv4 (IPv6 goes in --cidr6): " + cidr);
    }
    byte[] b = address.getAddress();
    int value = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    int network = value & (int) (0xffffffffL << (32 - prefix));
    return new GatewayAddresses(format(network), prefix, format(network + 1), format(network + 2));
  }

  /**
   * Parses an IPv6 {@code --cidr6} like {@code 2001:2:0:1::/64} (prefix at most 126, so both
   * addresses fit); IllegalArgumentException says why not.
   */
  static GatewayAddresses parseIpv6(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("--cidr6 must be an IPv6 network like 2001:2:0:1::/64: " + cidr);
    }
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--cidr6 has no prefix length: " + cidr);
    }
    if (prefix < 1 || prefix > 126) {
      throw new IllegalArgumentException("--cidr6's prefix must be in [1, 126] to hold two host addresses: " + cidr);
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(cidr.substring(0, slash));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cidr6 is not an IPv6 network: " + cidr);
    }
    if (!(address instanceof Inet6Address)) { // IPv4, or IPv4-mapped (which Java turns into IPv4)
      throw new IllegalArgumentException("--cidr6 must be IPv6 (IPv4 goes in --cidr): " + cidr);
    }
    ByteBuffer b = ByteBuffer.wrap(address.getAddress());
    long high = b.getLong();
    long low = b.getLong();
    long maskHigh = prefix >= 64 ? -1L : -1L << (64 - prefix);
    long maskLow = prefix <= 64 ? 0 : -1L << (128 - prefix);
    high &= maskHigh;
    low &= maskLow; // at most /126: the two low bits are host bits, so +1 and +2 never carry
    return new GatewayAddresses(format6(high, low), prefix, format6(high, low + 1), format6(high, low + 2));
  }

  String guestWithPrefix() {
    return guest + "/" + prefix;
  }

  String hostWithPrefix() {
    return host + "/" + prefix;
  }

  /** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
  private static String format6(long high, long low) {
    int[] groups = new int[8];
    for (int i = 0; i < 4; i++) {
      groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
      groups[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xffff;
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = Math.max(j, i + 1);
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
      } else {
        if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
          text.append(':');
        }
        text.append(Integer.toHexString(groups[i]));
      }
    }
    return text.toString();
  }

  private static String format(int a) {
    return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }
}
