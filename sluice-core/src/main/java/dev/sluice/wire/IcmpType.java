package dev.sluice.wire;

/** ICMP message types for IPv4 (RFC 792) and IPv6 (RFC 4443, RFC 4861). */
public final class IcmpType {
  // ICMPv4
  public static final int V4_ECHO_REPLY = 0;
  public static final int V4_DESTINATION_UNREACHABLE = 3;
  public static final int V4_ECHO_REQUEST = 8;
  public static final int V4_TIME_EXCEEDED = 11;
  /** Destination-unreachable code for "fragmentation needed and DF set" (RFC 1191 §4). */
  public static final int V4_CODE_FRAGMENTATION_NEEDED = 4;
  /** RFC 792: destination unreachable, code 1: host unreachable. */
  public static final int V4_CODE_HOST_UNREACHABLE = 1;
  public static final int V4_CODE_PORT_UNREACHABLE = 3;
  public static final int V4_CODE_PROTOCOL_UNREACHABLE = 2;

  // ICMPv6
  public static final int V6_DESTINATION_UNREACHABLE = 1;
  public static final int V6_PACKET_TOO_BIG = 2;
  public static final int V6_TIME_EXCEEDED = 3;
  public static final int V6_PARAMETER_PROBLEM = 4;
  public static final int V6_ECHO_REQUEST = 128;
  public static final int V6_ECHO_REPLY = 129;
  public static final int V6_ROUTER_SOLICITATION = 133;
  public static final int V6_ROUTER_ADVERTISEMENT = 134;
  public static final int V6_NEIGHBOR_SOLICITATION = 135;
  public static final int V6_NEIGHBOR_ADVERTISEMENT = 136;
  public static final int V6_CODE_PORT_UNREACHABLE = 4;
  /** RFC 4443 §3.1: destination unreachable, code 3: address unreachable. */
  public static final int V6_CODE_ADDRESS_UNREACHABLE = 3;

  private IcmpType() {}

  /** True for error messages, which quote the packet that caused them. */
  public static boolean isError(boolean ipv6, int type) {
    if (ipv6) {
      return type < 128; // RFC 4443 §2.1
    }
    return type == V4_DESTINATION_UNREACHABLE || type == V4_TIME_EXCEEDED
        || type == 4 /* source quench */ || type == 5 /* redirect */ || type == 12 /* parameter problem */;
  }
}
