package dev.sluice.tcp;

import dev.sluice.wire.TcpSegment;

/**
 * The maximum segment sizes TCP assumes and offers (RFC 9293 §3.7.1), in one place for the engine
 * and the stateless replies.
 */
final class Mss {
  /**
   * The send MSS to assume when a SYN carries no MSS option (MUST-15): 536 for IPv4, 576 - 40, the
   * datagram every IPv4 host must accept (RFC 791, RFC 1122 §3.3.2) less the fixed headers.
   */
  static final int DEFAULT_IPV4 = 536;
  /** The same for IPv6: 1220, 1280 - 60, IPv6's minimum link MTU (RFC 8200 §5) less the headers. */
  static final int DEFAULT_IPV6 = 1220;

  private Mss() {}

  /** The send MSS to assume for a peer of {@code endpoints} whose SYN had no MSS option. */
  static int assumed(TcpEndpoints endpoints) {
    return endpoints.ipv6() ? DEFAULT_IPV6 : DEFAULT_IPV4;
  }

  /**
   * The MSS to offer over a path of {@code mtu}: "the effective MTU minus the fixed IP and TCP
   * headers", options left out (RFC 9293 §3.7.1, RFC 6691).
   */
  static int offered(int mtu, TcpEndpoints endpoints) {
    return mtu - endpoints.ipHeaderLength() - TcpSegment.MIN_HEADER_LENGTH;
  }
}
