package dev.sluice.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * A {@link SelectorProvider} to run a semantics scenario on, with somewhere to listen and connect:
 * the JDK's default provider over the kernel's loopback (the reference), or Sluice's over two
 * {@link NioStacks}, with receive spraying off or on. A scenario written once against this class
 * runs the same on all three, so where Sluice's observable behaviour differs from the JDK's, the
 * Sluice runs fail.
 *
 * <p>For Sluice, servers use the server stack's provider and clients the client stack's, as two
 * hosts would. Not thread-safe: one test thread uses it, and closes it.
 */
final class ProviderUnderTest implements AutoCloseable {
  /** The three ways every scenario runs. */
  enum Kind {
    JDK, SLUICE, SLUICE_SPRAY
  }

  private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

  final Kind kind;
  /** The two stacks, for Sluice; for the JDK, made only if a scenario needs a foreign channel. */
  private NioStacks stacks;

  private ProviderUnderTest(Kind kind) {
    this.kind = kind;
    this.stacks = switch (kind) {
      case JDK -> null;
      case SLUICE -> new NioStacks(false);
      case SLUICE_SPRAY -> new NioStacks(true);
    };
  }

  static ProviderUnderTest open(Kind kind) {
    return new ProviderUnderTest(kind);
  }

  boolean isSluice() {
    return kind != Kind.JDK;
  }

  /** The provider for listening channels and the selectors that watch them. */
  SelectorProvider serverProvider() {
    return isSluice() ? stacks.serverProvider() : SelectorProvider.provider();
  }

  /** The provider for connecting channels and the selectors that watch them. */
  SelectorProvider clientProvider() {
    return isSluice() ? stacks.clientProvider() : SelectorProvider.provider();
  }

  /** A blocking server channel, bound to a free port, that clients reach at {@link #addressOf}. */
  ServerSocketChannel listen() throws IOException {
    ServerSocketChannel listener = serverProvider().openServerSocketChannel();
    listener.bind(new InetSocketAddress(isSluice() ? null : LOOPBACK, 0), 16);
    return listener;
  }

  /** The server's own address (the JDK's loopback, the Sluice server stack's IPv4 address). */
  InetSocketAddress serverAddress(int port) {
    return isSluice() ? NioStacks.server(port) : new InetSocketAddress(LOOPBACK, port);
  }

  /** Where a client connects to reach {@code listener}. */
  InetSocketAddress addressOf(ServerSocketChannel listener) throws IOException {
    int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
    return serverAddress(port);
  }

  /** An address on the server where nothing listens: a port that was bound and is closed again. */
  InetSocketAddress unusedAddress() throws IOException {
    try (ServerSocketChannel listener = listen()) {
      return addressOf(listener);
    }
  }

  /** A connected pair, both ends blocking; close it to close both ends and the listener. */
  Pair connectedPair() throws IOException {
    ServerSocketChannel listener = listen();
    SocketChannel client = clientProvider().openSocketChannel();
    try {
      client.connect(addressOf(listener));
      SocketChannel server = listener.accept();
      return new Pair(client, server, listener);
    } catch (IOException | RuntimeException e) {
      client.close();
      listener.close();
      throw e;
    }
  }

  /**
   * A non-blocking channel of another provider, which this kind's selectors must refuse: a Sluice
   * channel for the JDK, a JDK channel for Sluice. The caller closes it.
   */
  SelectableChannel foreignChannel() throws IOException {
    if (isSluice()) {
      return SelectorProvider.provider().openSocketChannel().configureBlocking(false);
    }
    if (stacks == null) {
      stacks = new NioStacks(false);
    }
    return stacks.clientProvider().openSocketChannel().configureBlocking(false);
  }

  @Override
  public void close() throws Exception {
    if (stacks != null) {
      stacks.close();
    }
  }

  @Override
  public String toString() {
    return kind.toString();
  }

  /** Two connected ends and the listener that accepted the server's end. */
  record Pair(SocketChannel client, SocketChannel server, ServerSocketChannel listener) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try (listener; server; client) {
        // closes all three, even if one close throws
      }
    }
  }
}
