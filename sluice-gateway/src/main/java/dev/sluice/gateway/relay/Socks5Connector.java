package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Reaches the outside through a SOCKS5 proxy (RFC 1928, with RFC 1929's username and password when
 * given), as tun2socks does: a TCP flow is a CONNECT to the destination's address, a UDP flow a UDP
 * ASSOCIATE ({@link Socks5Datagrams}). Thread-safe: each call has its own connection to the proxy.
 *
 * <p>The proxy's reply is mapped onto what a kernel socket would have thrown (see {@link
 * Socks5Handshake}), so the guest sees what it would see directly: refused (and not allowed by the
 * proxy's rules) gets a RST, unreachable an ICMP unreachable, a failure or silence no answer. A
 * proxy that cannot be reached, or that breaks the protocol or turns our credentials down, leaves
 * the guest's SYN unanswered too (the destination may be fine; the guest's retransmission tries
 * again), and is said once in the log when it starts, and once when the proxy answers again, not
 * once per flow.
 *
 * <p>After the CONNECT the proxy's TCP connection is the relay's outside socket, and that is all
 * SOCKS5 carries: the guest's FIN becomes ours to the proxy, which passes it on if it relays
 * half-closes (Dante does); the guest's RST becomes our RST to the proxy, which closes its own
 * connection to the destination (with a FIN or a RST, as the proxy chooses); the destination's RST
 * arrives as whatever the proxy makes of it, a RST on our connection or just its close (a FIN),
 * and then the guest sees a normal close. ICMP errors after the connect and the destination's TCP
 * options stay at the proxy.
 */
final class Socks5Connector implements OutsideConnector {
  private final Socks5Proxy proxy;
  private final Duration associateTimeout;
  private final Consumer<String> log;
  /** What is wrong with the proxy now, as last logged; null while it answers. */
  private final AtomicReference<String> fault = new AtomicReference<>();

  /**
   * Flows through {@code proxy}; a UDP association must be set up within {@code associateTimeout};
   * {@code log} takes a line when the proxy fails, and when it answers again.
   */
  Socks5Connector(Socks5Proxy proxy, Duration associateTimeout, Consumer<String> log) {
    this.proxy = Objects.requireNonNull(proxy, "proxy");
    this.associateTimeout = Objects.requireNonNull(associateTimeout, "associateTimeout");
    this.log = Objects.requireNonNull(log, "log");
  }

  @Override
  public Socket connect(InetSocketAddress destination, Duration timeout) throws IOException {
    Socks5Handshake handshake = open(System.nanoTime() + timeout.toNanos());
    Socket socket = handshake.socket();
    try {
      handshake.request(Socks5Handshake.CONNECT, destination);
      answered();
      socket.setSoTimeout(0); // the handshake's deadline is over; the relay blocks as it likes
      return socket;
    } catch (Socks5Handshake.ProxyFault e) {
      fault(e.getMessage());
      closeQuietly(socket);
      throw e;
    } catch (IOException | RuntimeException e) {
      if (handshake.replied()) { // refused, unreachable, ...: the proxy itself works
        answered();
      }
      closeQuietly(socket);
      throw e;
    }
  }

  /**
   * A UDP association through the proxy for one flow; blocks for its handshake, at most the
   * association timeout, so the caller calls it off the thread that reads the guest's packets.
   */
  @Override
  public OutsideDatagrams openDatagrams(InetSocketAddress destination) throws IOException {
    Socks5Handshake handshake = open(System.nanoTime() + associateTimeout.toNanos());
    try {
      Socks5Datagrams datagrams = new Socks5Datagrams(handshake, proxy);
      answered();
      return datagrams;
    } catch (Socks5Handshake.ProxyFault e) {
      fault(e.getMessage());
      closeQuietly(handshake.socket());
      throw e;
    } catch (IOException | RuntimeException e) {
      closeQuietly(handshake.socket());
      throw e;
    }
  }

  @Override
  public String describe() {
    return "the SOCKS5 proxy at " + proxy;
  }

  /**
   * A connection to the proxy, methods negotiated, by {@code deadlineNanos}; a proxy that cannot be
   * reached throws a {@link Socks5Handshake.ProxyFault}, never the {@code ConnectException} that
   * would tell the guest its destination refused.
   */
  private Socks5Handshake open(long deadlineNanos) throws IOException {
    Socket socket = SocketChannel.open().socket(); // on a channel: TcpRelay's channel mode
    try {
      long left = deadlineNanos - System.nanoTime();
      try {
        socket.connect(proxy.address(), (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      } catch (IOException e) {
        throw new Socks5Handshake.ProxyFault("the SOCKS5 proxy at " + proxy + " cannot be reached: " + e.getMessage());
      }
      socket.setTcpNoDelay(true); // the handshake is a few small messages each way
      Socks5Handshake handshake = new Socks5Handshake(socket, proxy, deadlineNanos);
      handshake.negotiate();
      return handshake;
    } catch (Socks5Handshake.ProxyFault e) {
      fault(e.getMessage());
      closeQuietly(socket);
      throw e;
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** Logs {@code message} if it is news: the proxy was fine, or failed otherwise. */
  private void fault(String message) {
    String before = fault.getAndSet(message);
    if (!message.equals(before)) {
      log.accept(message + "; the guest's connections get no answer until it is fixed");
    }
  }

  /** Logs that the proxy answers again (it replied to a request), if it had failed. */
  private void answered() {
    if (fault.get() != null && fault.getAndSet(null) != null) {
      log.accept("the SOCKS5 proxy at " + proxy + " answers again");
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closed already
    }
  }
}
