package dev.sluice.stack;

import dev.sluice.observe.ConnectionStateEvent;
import dev.sluice.observe.FinDeliveredEvent;
import dev.sluice.observe.OwnerScope;
import dev.sluice.observe.OwnershipHandoffEvent;
import dev.sluice.observe.RstSentEvent;
import dev.sluice.observe.SluiceEvents;
import dev.sluice.tcp.EngineEvents;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpState;

/**
 * The runtime's JFR events ({@code dev.sluice.observe}), one line at each place they happen; the
 * engine's own are {@link EngineEvents}. Each reads a flag and does nothing more unless a recording
 * takes the event. Called on the thread where the thing happens (a connection's owner, a worker,
 * an application thread handing its work over).
 */
final class StackEvents {
  private StackEvents() {}

  /** A connection was made: its first state, from CLOSED (we connect) or LISTEN (a SYN came). */
  static void opened(Host host, TcpEngine engine) {
    TcpState first = engine.state();
    if ((first == TcpState.SYN_SENT || first == TcpState.SYN_RECEIVED) && SluiceEvents.connectionStateEnabled()) {
      TcpEndpoints e = engine.endpoints();
      ConnectionStateEvent.commit(host.name(), EngineEvents.local(e), EngineEvents.remote(e),
          first == TcpState.SYN_SENT ? "CLOSED" : "LISTEN", EngineEvents.ssName(first));
    }
  }

  /** The owner of {@code c} begins a session: the engine's events will name the stack. */
  static void ownerEntered(Connection c, TcpEngine engine) {
    if (SluiceEvents.engineEventsEnabled()) {
      OwnerScope.enter(engine, c.host.name());
    }
  }

  /** A RST sent for a segment that met no connection (a closed port, say). */
  static void rstSentWithoutConnection(Host host, TcpEndpoints e, String reason) {
    if (SluiceEvents.rstSentEnabled()) {
      RstSentEvent.commit(host.name(), EngineEvents.local(e), EngineEvents.remote(e), reason);
    }
  }

  /** The peer's FIN reached {@code c}'s application as end-of-stream. Owner only: it reads the engine. */
  static void finDelivered(Connection c, TcpEngine engine) {
    if (SluiceEvents.finDeliveredEnabled()) {
      TcpEndpoints e = engine.endpoints();
      FinDeliveredEvent.commit(c.host.name(), EngineEvents.local(e), EngineEvents.remote(e),
          engine.stats().bytesReceived());
    }
  }

  /** This thread found {@code c} owned and left {@code work} to the owner. */
  static void handedOff(Connection c, String work) {
    if (SluiceEvents.handoffEnabled()) {
      TcpEndpoints e = c.endpoints(); // the endpoints never change: any thread may read them
      OwnershipHandoffEvent.commit(c.host.name(), EngineEvents.local(e), EngineEvents.remote(e), work);
    }
  }
}
