package dev.sluice.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Objects;
import javax.net.ServerSocketFactory;

/**
 * A {@link ServerSocketFactory} whose server sockets listen on a Sluice stack: each is the {@link
 * SluiceServerSocket} view of a channel of {@link SluiceSelectorProvider}.
 *
 * <p>As the JDK's {@link ServerSocket} constructors: port 0 takes an ephemeral port, a port
 * outside 0..65535 throws {@link IllegalArgumentException}, and a backlog below 1 means 50. A
 * Sluice listener takes its port on every address of the stack, so the interface address of
 * {@link #createServerSocket(int, int, InetAddress)} does not narrow it (see {@link
 * SluiceServerSocketChannel}).
 *
 * <p><b>Threads.</b> Stateless beyond its provider: use it from any thread.
 */
final class SluiceServerSocketFactory extends ServerSocketFactory {
  private final SluiceSelectorProvider provider;

  SluiceServerSocketFactory(SluiceSelectorProvider provider) {
    this.provider = Objects.requireNonNull(provider, "provider");
  }

  /** An unbound server socket: configure it, then {@link ServerSocket#bind}. */
  @Override
  public ServerSocket createServerSocket() throws IOException {
    return provider.openServerSocketChannel().socket();
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    return bound(port, SluiceServerSocket.DEFAULT_BACKLOG, null);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    return bound(port, backlog, null);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
    return bound(port, backlog, ifAddress);
  }

  private ServerSocket bound(int port, int backlog, InetAddress address) throws IOException {
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("Port value out of range: " + port);
    }
    ServerSocket socket = createServerSocket();
    try {
      socket.bind(new InetSocketAddress(address, port), backlog);
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }
}
