package dev.sluice.stack;

import dev.sluice.tcp.TcpEvent;

/**
 * Sees every connection's events, once each and in order, on the thread that owns the connection
 * at that moment. It must be quick and must not call back into the connection (it runs under
 * ownership); typical uses are counting and waking someone.
 */
@FunctionalInterface
public interface ConnectionObserver {
  ConnectionObserver NONE = (connection, event, nowNanos) -> { };

  void onEvent(Connection connection, TcpEvent event, long nowNanos);
}
