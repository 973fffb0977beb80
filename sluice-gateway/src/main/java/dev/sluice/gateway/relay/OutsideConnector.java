package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * How the gateway reaches the outside for one TCP flow: {@link DirectConnector} over this host's
 * own sockets, or through a proxy. Called on a virtual thread per flow; implementations are
 * thread-safe.
 *
 * <p>The exception says what the guest is told, so every implementation maps its failures onto the
 * ones a kernel socket throws: {@link java.net.ConnectException} whose message contains
 * "refused" (the destination refused: a RST to the guest), {@link java.net.NoRouteToHostException}
 * or another {@code ConnectException} (no route: an ICMP unreachable), and any other
 * {@link IOException}, such as {@link java.net.SocketTimeoutException} (nobody answered: the
 * guest's SYN stays unanswered).
 */
interface OutsideConnector {
  /** A connected socket to {@code destination}, or the exception that says why not. */
  Socket connect(InetSocketAddress destination, Duration timeout) throws IOException;

  /**
   * A datagram path for one UDP flow of the guest, whose first datagram goes to {@code
   * destination}; the {@code IOException} says why none can be opened.
   */
  OutsideDatagrams openDatagrams(InetSocketAddress destination) throws IOException;

  /** What the command prints about where flows go ("this host's sockets", "SOCKS5 proxy at ..."). */
  String describe();
}
