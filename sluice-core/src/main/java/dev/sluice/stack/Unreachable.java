package dev.sluice.stack;

import dev.sluice.wire.IcmpType;

/**
 * Why a forwarded datagram or echo request could not be delivered: the code of the ICMP destination
 * unreachable (RFC 792) or ICMPv6 destination unreachable (RFC 4443 §3.1) the guest is sent. Each
 * says which address the error comes from, as the host that would send it in a real network does.
 */
public enum Unreachable {
  /** Host unreachable (ICMP code 1) or address unreachable (ICMPv6 code 3), from the gateway, as a router. */
  HOST(IcmpType.V4_CODE_HOST_UNREACHABLE, IcmpType.V6_CODE_ADDRESS_UNREACHABLE, false),
  /**
   * Port unreachable (ICMP code 3, ICMPv6 code 4), from the destination itself: it is the
   * destination host that says nobody listens there (RFC 1122 §3.2.2.1, RFC 4443 §3.1).
   */
  PORT(IcmpType.V4_CODE_PORT_UNREACHABLE, IcmpType.V6_CODE_PORT_UNREACHABLE, true),
  /**
   * Communication administratively prohibited (ICMP code 13, RFC 1812 §5.2.7.1; ICMPv6 code 1):
   * from the gateway, as a filtering router sends it. A Linux guest's connected UDP socket takes it
   * as EHOSTUNREACH (IPv4) or EACCES (IPv6).
   */
  PROHIBITED(13, 1, false);

  private final int v4Code;
  private final int v6Code;
  private final boolean fromDestination;

  Unreachable(int v4Code, int v6Code, boolean fromDestination) {
    this.v4Code = v4Code;
    this.v6Code = v6Code;
    this.fromDestination = fromDestination;
  }

  /** The destination unreachable code for ICMPv6 if {@code v6}, else for ICMP. */
  int code(boolean v6) {
    return v6 ? v6Code : v4Code;
  }

  /** Whether the error comes from the unreachable packet's destination, else from the host's own address. */
  boolean fromDestination() {
    return fromDestination;
  }
}
