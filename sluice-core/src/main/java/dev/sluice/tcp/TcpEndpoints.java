package dev.sluice.tcp;

import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpProtocol;

/**
 * The connection's 4-tuple and address family. IPv4 addresses are held as {@code high = 0},
 * {@code low = address}. Computes the pseudo-header sum the TCP checksum needs (RFC 9293 §3.1).
 */
public record TcpEndpoints(
    boolean ipv6, long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow,
    int remotePort) {

  public static TcpEndpoints ipv4(int local, int localPort, int remote, int remotePort) {
    return new TcpEndpoints(false, 0, Integer.toUnsignedLong(local), localPort, 0,
        Integer.toUnsignedLong(remote), remotePort);
  }

  public static TcpEndpoints ipv6(long localHigh, long localLow, int localPort, long remoteHigh,
      long remoteLow, int remotePort) {
    return new TcpEndpoints(true, localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort);
  }

  /** IP header bytes in front of each segment (no options or extension headers). */
  public int ipHeaderLength() {
    return ipv6 ? 40 : 20;
  }

  /** The unfinished sum of the pseudo-header for a segment of {@code length} bytes we send. */
  public int outgoingPseudoHeaderSum(int length) {
    if (ipv6) {
      return Checksum.pseudoHeaderIpv6(localHigh, localLow, remoteHigh, remoteLow, IpProtocol.TCP, length);
    }
    return Checksum.pseudoHeaderIpv4((int) localLow, (int) remoteLow, IpProtocol.TCP, length);
  }

  /** The ISN for a new connection on this tuple (RFC 6528). */
  public int isn(IsnGenerator generator, long nowNanos) {
    return generator.isn(localHigh, localLow, localPort, remoteHigh, remoteLow, remotePort, nowNanos);
  }
}
