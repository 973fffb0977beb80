package dev.sluice.nio;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * A {@link SocketFactory} whose sockets run on a Sluice stack: each is the {@link SluiceSocket}
 * view of a channel of {@link SluiceSelectorProvider}, so it can be handed to code and drivers
 * that take a factory, and wrapped by an {@code SSLSocketFactory}.
 *
 * <p>As the JDK's default factory: {@link #createSocket()} is unconnected, the others connect
 * before they return (as long as TCP tries), and close the socket if that fails. Host names are
 * resolved with {@link InetAddress#getByName}, the platform's resolver, as the JDK's {@link Socket}
 * constructors do; a null host means the loopback address. Sluice does no DNS of its own.
 *
 * <p>A limit: Sluice picks the local port of an outgoing connection, and its source address by
 * the route to the peer. So the local-address variants take local port 0 only ({@link
 * BindException} otherwise), and a local address other than the wildcard must be the one the
 * stack chooses for that peer: otherwise the connection is closed and {@link BindException} is
 * thrown ("Cannot assign requested address", as Linux says of an address it cannot use).
 *
 * <p><b>Threads.</b> Stateless beyond its provider: use it from any thread.
 */
final class SluiceSocketFactory extends SocketFactory {
  private final SluiceSelectorProvider provider;

  SluiceSocketFactory(SluiceSelectorProvider provider) {
    this.provider = Objects.requireNonNull(provider, "provider");
  }

  /** An unconnected socket: configure it, then {@link Socket#connect}. */
  @Override
  public Socket createSocket() throws IOException {
    return provider.openSocketChannel().socket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(resolve(host, port), null, 0);
  }

  /** See the class comment for what Sluice makes of the local address and port. */
  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return connected(resolve(host, port), localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(Objects.requireNonNull(host, "host"), port), null, 0);
  }

  /** See the class comment for what Sluice makes of the local address and port. */
  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(new InetSocketAddress(Objects.requireNonNull(address, "address"), port), localAddress,
        localPort);
  }

  /** {@code host} resolved as {@link Socket#Socket(String, int)} does it. */
  private static InetSocketAddress resolve(String host, int port) throws UnknownHostException {
    InetSocketAddress remote = host == null
        ? new InetSocketAddress(InetAddress.getByName(null), port)
        : new InetSocketAddress(host, port);
    if (remote.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    return remote;
  }

  private Socket connected(InetSocketAddress remote, InetAddress localAddress, int localPort) throws IOException {
    Socket socket = createSocket();
    try {
      if (localAddress != null || localPort != 0) {
        socket.bind(new InetSocketAddress(localAddress, localPort));
      }
      socket.connect(remote);
      if (localAddress != null && !localAddress.isAnyLocalAddress()
          && !localAddress.equals(socket.getLocalAddress())) {
        throw new BindException("Cannot assign requested address: " + localAddress + ": Sluice sends to "
            + remote + " from " + socket.getLocalAddress() + ", the address of its route there");
      }
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }
}
