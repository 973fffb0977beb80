package dev.sluice.nio;

import dev.sluice.link.Impairments;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

/**
 * Netty 4.2's NIO transport, unmodified, on the two stacks of a {@link NioStacks}: an event loop
 * group per stack, made with that stack's {@link SluiceSelectorProvider} ({@code
 * NioIoHandler.newFactory(provider)}), and bootstraps whose channels that provider opens. Netty's
 * own code does the rest, as it would on the JDK's provider. Netty asks a channel's {@code
 * socket()} adaptor whether a server channel is bound (before it accepts anything) and whether a
 * connection's input or output is shut down, so these tests need {@link SluiceSocket} and {@link
 * SluiceServerSocket} to answer for their channels.
 *
 * <p>Closing shuts both groups down and fails if they do not terminate within a bound, so a test
 * never leaves event loop threads behind. Made and closed by the test thread.
 */
final class NettyGroups implements AutoCloseable {
  /**
   * The link the Netty tests run over, both ways: 1% of packets lost, 1% delivered twice, 2% held
   * back 300 µs so that later ones overtake them (on top of NioStacks' 50 µs delay).
   */
  static final Impairments HOSTILE = new Impairments(0.01, 0.01, 0, 0, 0, 0).withReorder(0.02, 300_000);

  private static final long SHUTDOWN_SECONDS = 15;

  private final SelectorProvider serverProvider;
  private final SelectorProvider clientProvider;
  final EventLoopGroup serverGroup;
  final EventLoopGroup clientGroup;

  NettyGroups(NioStacks net) {
    this.serverProvider = net.serverProvider();
    this.clientProvider = net.clientProvider();
    this.serverGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory(serverProvider));
    this.clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory(clientProvider));
  }

  /** A server bootstrap on the server stack; the caller adds handlers and options. */
  ServerBootstrap server() {
    return new ServerBootstrap().group(serverGroup)
        .channelFactory((ChannelFactory<NioServerSocketChannel>) () -> new NioServerSocketChannel(serverProvider));
  }

  /** A client bootstrap on the client stack; the caller adds handlers and options. */
  Bootstrap client() {
    return new Bootstrap().group(clientGroup)
        .channelFactory((ChannelFactory<NioSocketChannel>) () -> new NioSocketChannel(clientProvider));
  }

  @Override
  public void close() throws InterruptedException {
    Future<?> server = serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Future<?> client = clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    boolean done = server.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS) & client.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
    if (!done || !serverGroup.isTerminated() || !clientGroup.isTerminated()) {
      throw new IllegalStateException("Netty's event loops did not terminate within " + SHUTDOWN_SECONDS + " s");
    }
  }
}
