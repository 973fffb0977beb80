package dev.sluice.cli.drill;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.tcp.TcpConfig;

/**
 * One file descriptor of the virtual host: the TCP settings it will give its connection, the
 * flags the script set, and the listener or connection behind it once there is one.
 */
final class VirtualSocket {
  final TcpConfig.Builder tcp;
  boolean nonBlocking;
  boolean bound;
  boolean noDelay;
  boolean keepAlive;
  int lingerOnOff;
  int lingerSeconds;
  TcpServer listener;
  /** The TCP settings the listener was made with, which the connections it accepts start with. */
  TcpConfig listenerTcp;
  TcpConnection connection;
  /** A connect was started and has not yet been reported done. */
  boolean connecting;
  /** The failure already reported by a call (Linux reports sk_err once, then end-of-file). */
  boolean errorReported;
  boolean readShut;

  VirtualSocket(TcpConfig base) {
    this.tcp = base.toBuilder();
  }

  /** Whether a listener or connection exists: options that size a connection are then fixed. */
  boolean exists() {
    return connection != null || listener != null;
  }
}
