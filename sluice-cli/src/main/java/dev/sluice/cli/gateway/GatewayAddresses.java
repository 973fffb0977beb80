package dev.sluice.cli.gateway;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The gateway's IPv4 network, from {@code --cidr}: the guest (the kernel's side of the TUN device)
 * takes the first host address, Sluice's host the next.
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
      throw new IllegalArgumentException("--cidr must be IPv4 (IPv6 comes later): " + cidr);
    }
    byte[] b = address.getAddress();
    int value = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    int network = value & (int) (0xffffffffL << (32 - prefix));
    return new GatewayAddresses(format(network), prefix, format(network + 1), format(network + 2));
  }

  String guestWithPrefix() {
    return guest + "/" + prefix;
  }

  String hostWithPrefix() {
    return host + "/" + prefix;
  }

  private static String format(int a) {
    return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }
}
