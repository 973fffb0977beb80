package dev.sluice.wire;

/**
 * ICMP message types for IPv4 (RFC 792) and IPv6 (RFC 4443, RFC 4861), and the codes Sluice
 * reads or sends. Constants only; thread-safe.
 */
public final class IcmpType {
  // ICMPv4
  /** ICMPv4 Echo Reply (RFC 792). */
  public static final int V4_ECHO_REPLY = 0;
  /** ICMPv4 Destination Unreachable, an error (RFC 792). */
  public static final int V4_DESTINATION_UNREACHABLE = 3;
  /** ICMPv4 Echo Request (RFC 792). */
  public static final int V4_ECHO_REQUEST = 8;
  /** ICMPv4 Time Exceeded, an error (RFC 792). */
  public static final int V4_TIME_EXCEEDED = 11;
  /** Destination-unreachable code for "fragmentation needed and DF set" (RFC 1191 §4). */
  public static final int V4_CODE_FRAGMENTATION_NEEDED = 4;
  /** RFC 792: destination unreachable, code 1: host unreachable. */
  public static final int V4_CODE_HOST_UNREACHABLE = 1;
  /** RFC 792: destination unreachable, code 3: port unreachable. */
  public static final int V4_CODE_PORT_UNREACHABLE = 3;
  /** RFC 792: destination unreachable, code 2: protocol unreachable. */
  public static final int V4_CODE_PROTOCOL_UNREACHABLE = 2;

  // ICMPv6
  /** ICMPv6 Destination Unreachable, an error (RFC 4443 §3.1). */
  public static final int V6_DESTINATION_UNREACHABLE = 1;
  /** ICMPv6 Packet Too Big, an error carrying the next hop's MTU (RFC 4443 §3.2). */
  public static final int V6_PACKET_TOO_BIG = 2;
  /** ICMPv6 Time Exceeded, an error (RFC 4443 §3.3). */
  public static final int V6_TIME_EXCEEDED = 3;
  /** ICMPv6 Parameter Problem, an error (RFC 4443 §3.4). */
  public static final int V6_PARAMETER_PROBLEM = 4;
  /** ICMPv6 Echo Request (RFC 4443 §4.1). */
  public static final int V6_ECHO_REQUEST = 128;
  /** ICMPv6 Echo Reply (RFC 4443 §4.2). */
  public static final int V6_ECHO_REPLY = 129;
  /** ICMPv6 Router Solicitation (RFC 4861 §4.1). */
  public static final int V6_ROUTER_SOLICITATION = 133;
  /** ICMPv6 Router Advertisement (RFC 4861 §4.2). */
  public static final int V6_ROUTER_ADVERTISEMENT = 134;
  /** ICMPv6 Neighbor Solicitation (RFC 4861 §4.3). */
  public static final int V6_NEIGHBOR_SOLICITATION = 135;
  /** ICMPv6 Neighbor Advertisement (RFC 4861 §4.4). */
  public static final int V6_NEIGHBOR_ADVERTISEMENT = 136;
  /** RFC 4443 §3.1: destination unreachable, code 4: port unreachable. */
  public static final int V6_CODE_PORT_UNREACHABLE = 4;
  /** RFC 4443 §3.1: destination unreachable, code 3: address unreachable. */
  public static final int V6_CODE_ADDRESS_UNREACHABLE = 3;

  private IcmpType() {}

  /**
   * True for error messages, which quote the packet that caused them.
   *
   * @param ipv6 {@code true} for an ICMPv6 type, {@code false} for an ICMPv4 one
   * @param type the message type, 0 to 255
   * @return {@code true} for ICMPv6 types below 128 (RFC 4443 §2.1), and for the ICMPv4 types
   *     destination unreachable, source quench, redirect, time exceeded and parameter problem (RFC
   * 792)
   */
  public static boolean isError(boolean ipv6, int type) {
    if (ipv6) {
      return type < 128; // RFC 4443 §2.1
    }
    return type == V4_DESTINATION_UNREACHABLE || type == V4_TIME_EXCEEDED
        || type == 4 /* source quench */ || type == 5 /* redirect */ || type == 12 /* parameter problem */;
  }
}
