package dev.sluice.tcp;

import dev.sluice.observe.ConnectionStateEvent;
import dev.sluice.observe.OwnerScope;
import dev.sluice.observe.RetransmissionEvent;
import dev.sluice.observe.RstReceivedEvent;
import dev.sluice.observe.RstSentEvent;
import dev.sluice.observe.SluiceEvents;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.TcpStateNames;

/**
 * The engine's JFR events ({@code dev.sluice.observe}): each method is the one line the engine
 * calls where the thing happens, and does nothing more than read a flag unless a recording takes
 * the event. The stack's name comes from {@link OwnerScope}, which the connection's owner fills.
 * Called by the engine's owner, like the engine.
 */
public final class EngineEvents {
  private EngineEvents() {}

  static void stateChanged(TcpEngine engine, TcpState from, TcpState to) {
    if (from != to && SluiceEvents.connectionStateEnabled()) {
      TcpEndpoints e = engine.endpoints;
      ConnectionStateEvent.commit(OwnerScope.stackOf(engine), local(e), remote(e), ssName(from), ssName(to));
    }
  }

  /** {@code kind}: RTO, FAST, TLP or SYN (see {@link RetransmissionEvent}). */
  static void retransmitted(TcpEngine engine, int seq, int length, String kind) {
    if (SluiceEvents.retransmissionEnabled()) {
      TcpEndpoints e = engine.endpoints;
      RetransmissionEvent.commit(OwnerScope.stackOf(engine), local(e), remote(e), Integer.toUnsignedLong(seq),
          length, kind);
    }
  }

  static void rstSent(TcpEngine engine, PendingRst rst) {
    if (SluiceEvents.rstSentEnabled()) {
      TcpEndpoints e = engine.endpoints;
      RstSentEvent.commit(OwnerScope.stackOf(engine), local(e), remote(e), rst.withAck()
          ? "abort: the application aborted, closed with unread data, or the stack closed"
          : "answer to a segment the connection cannot take (data after close, a bad ACK in the handshake)");
    }
  }

  /** {@code reason}: what the RST did (refused our SYN, reset the connection). */
  static void rstReceived(TcpEngine engine, String reason) {
    if (SluiceEvents.rstReceivedEnabled()) {
      TcpEndpoints e = engine.endpoints;
      RstReceivedEvent.commit(OwnerScope.stackOf(engine), local(e), remote(e), ssName(engine.state), reason);
    }
  }

  /** {@code address:port} of our end. */
  public static String local(TcpEndpoints e) {
    return address(e.ipv6(), e.localHigh(), e.localLow()) + ":" + e.localPort();
  }

  /** {@code address:port} of the peer. */
  public static String remote(TcpEndpoints e) {
    return address(e.ipv6(), e.remoteHigh(), e.remoteLow()) + ":" + e.remotePort();
  }

  private static String address(boolean v6, long high, long low) {
    return v6 ? "[" + IpAddresses.formatIpv6(high, low) + "]" : IpAddresses.formatIpv4((int) low);
  }

  /** A state as every Sluice tool spells it ({@link TcpStateNames}: ss(8)'s spelling). */
  public static String ssName(TcpState state) {
    return TcpStateNames.of(state.name());
  }
}
