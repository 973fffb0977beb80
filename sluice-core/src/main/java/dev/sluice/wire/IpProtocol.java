package dev.sluice.wire;

/**
 * IP protocol numbers and IPv6 next-header values (IANA "Assigned Internet Protocol Numbers").
 * Constants only; thread-safe.
 */
public final class IpProtocol {
  /** IPv6 Hop-by-Hop Options header (RFC 8200 §4.3). */
  public static final int HOP_BY_HOP = 0;
  /** ICMP for IPv4 (RFC 792). */
  public static final int ICMP = 1;
  /** TCP (RFC 9293). */
  public static final int TCP = 6;
  /** UDP (RFC 768). */
  public static final int UDP = 17;
  /** IPv6 Routing header (RFC 8200 §4.4). */
  public static final int IPV6_ROUTING = 43;
  /** IPv6 Fragment header (RFC 8200 §4.5). */
  public static final int IPV6_FRAGMENT = 44;
  /** Encapsulating Security Payload (RFC 4303); ends an IPv6 header walk. */
  public static final int ESP = 50;
  /** Authentication Header (RFC 4302), walked as an IPv6 extension header. */
  public static final int AH = 51;
  /** ICMP for IPv6 (RFC 4443). */
  public static final int ICMPV6 = 58;
  /** IPv6 No Next Header: nothing follows (RFC 8200 §4.7). */
  public static final int IPV6_NO_NEXT_HEADER = 59;
  /** IPv6 Destination Options header (RFC 8200 §4.6). */
  public static final int IPV6_DESTINATION_OPTIONS = 60;

  private IpProtocol() {}
}
