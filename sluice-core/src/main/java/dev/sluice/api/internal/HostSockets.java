package dev.sluice.api.internal;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.stack.Listener;
import dev.sluice.tcp.TcpConfig;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The api's {@link TcpServer} and {@link TcpConnection} over a {@link Host} that its caller builds
 * and runs itself, for Sluice's own tools: the drill runner steps one host on a virtual clock and
 * gives each socket its own {@link TcpConfig}, and the torture run hands out a connection it made
 * on its hosts. Applications use {@link dev.sluice.api.NetStack}, which builds and runs its host;
 * this package is exported only to {@code dev.sluice.cli} and {@code dev.sluice.torture}, the
 * modules that may see the runtime.
 *
 * <p>Objects made here have no {@code NetStack}: their async calls run on virtual threads of their
 * own, and closing them never stops the host.
 */
public final class HostSockets {
  /**
   * Makes the api's objects, whose constructors are package-private. {@code dev.sluice.api}
   * registers the one implementation as {@link TcpConnection} is initialized (the JDK's shared
   * secrets pattern).
   */
  public interface Factory {
    TcpConnection connection(Connection connection);

    TcpServer server(Listener listener);
  }

  private static volatile Factory factory;

  private final Host host;

  private HostSockets(Host host) {
    this.host = host;
  }

  /** Sockets on {@code host}, which its caller starts, drives and stops. */
  public static HostSockets on(Host host) {
    return new HostSockets(Objects.requireNonNull(host, "host"));
  }

  /**
   * Listens on {@code port} with its own TCP settings, which the connections it accepts start
   * with; {@code backlog} caps half-open plus not-yet-accepted connections. Throws {@link
   * BindException} if the port already has a listener.
   */
  public TcpServer listen(int port, int backlog, TcpConfig tcp) throws BindException {
    return factory().server(host.listen(port, backlog, tcp));
  }

  /**
   * Starts connecting to {@code remote} with its own TCP settings and returns at once, as {@link
   * dev.sluice.api.NetStack#connectNow} does.
   */
  public TcpConnection connectNow(InetSocketAddress remote, TcpConfig tcp) throws IOException {
    return factory().connection(host.connect(remote, tcp));
  }

  /** The api's view of a connection its caller made on a host of its own. */
  public static TcpConnection wrap(Connection connection) {
    return factory().connection(Objects.requireNonNull(connection, "connection"));
  }

  /** Called once, by {@link TcpConnection}'s static initializer. */
  public static void register(Factory f) {
    if (factory != null) {
      throw new IllegalStateException("the api's factory is registered already");
    }
    factory = Objects.requireNonNull(f, "factory");
  }

  private static Factory factory() {
    Factory f = factory;
    if (f != null) {
      return f;
    }
    try {
      MethodHandles.lookup().ensureInitialized(TcpConnection.class); // registers it
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e); // cannot happen: TcpConnection is public
    }
    return factory;
  }
}
