package dev.sluice.stack;

import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.IpAddresses;
import java.util.List;
import java.util.Locale;

/**
 * The connection table as {@code ss -tin} prints it: a line per connection with state, queues and
 * addresses, then an indented line of its TCP internals (rto, rtt/rttvar in milliseconds, mss,
 * cwnd and ssthresh in segments, retransmissions, segments in and out).
 */
public final class ConnectionTableFormat {
  private ConnectionTableFormat() {}

  public static String format(List<ConnectionInfo> connections) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-10s %8s %8s %-45s %-45s%n",
        "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"));
    for (ConnectionInfo c : connections) {
      TcpEndpoints e = c.endpoints();
      out.append(String.format(Locale.ROOT, "%-10s %8d %8d %-45s %-45s%n", ssName(c.state()), c.receiveQueue(),
          c.sendQueue(), address(e.ipv6(), e.localHigh(), e.localLow()) + ":" + e.localPort(),
          address(e.ipv6(), e.remoteHigh(), e.remoteLow()) + ":" + e.remotePort()));
      int mss = Math.max(1, c.mss());
      out.append(String.format(Locale.ROOT,
          "\t rto:%.0f rtt:%.3f/%.3f mss:%d cwnd:%d ssthresh:%s retrans:%d segs_in:%d segs_out:%d backlog:%d%n",
          c.rtoNanos() / 1e6, c.srttNanos() / 1e6, c.rttvarNanos() / 1e6, c.mss(), c.cwnd() / mss,
          c.ssthresh() == Long.MAX_VALUE ? "-" : Long.toString(c.ssthresh() / mss), c.retransmits(),
          c.segmentsIn(), c.segmentsOut(), c.backlog()));
    }
    return out.toString();
  }

  /** The names ss(8) uses: as every Sluice tool spells states, but UNCONN for a connection that has ended. */
  public static String ssName(TcpState state) {
    return state == TcpState.CLOSED ? "UNCONN" : dev.sluice.tcp.EngineEvents.ssName(state);
  }

  private static String address(boolean v6, long high, long low) {
    return v6 ? "[" + IpAddresses.formatIpv6(high, low) + "]" : IpAddresses.formatIpv4((int) low);
  }
}
