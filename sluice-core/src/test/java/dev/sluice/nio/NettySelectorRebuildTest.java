package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty's selector rebuild (its workaround for the JDK's epoll spin bug) on Sluice, again and again
 * while 100 echo connections run over a lossy, duplicating, reordering link: each rebuild opens a
 * new selector, registers every channel with it while the old key is cancelled, and closes the old
 * selector, so a channel is briefly registered with two {@link SluiceSelector}s and readiness must
 * follow it to the new one. Every byte must still come back.
 */
@Timeout(60)
class NettySelectorRebuildTest {
  private static final int CONNECTIONS = 100;
  private static final int PAYLOAD = 200_000;
  private static final int REBUILDS = 10;

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  @SuppressWarnings("deprecation") // NioEventLoopGroup: the group that still offers rebuildSelectors()
  void selectorsRebuiltMidTraffic_everyByteStillEchoed(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray, NettyGroups.HOSTILE)) {
      CountingProvider serverProvider = new CountingProvider(net.serverProvider());
      CountingProvider clientProvider = new CountingProvider(net.clientProvider());
      NioEventLoopGroup serverGroup = new NioEventLoopGroup(2, (Executor) null, serverProvider);
      NioEventLoopGroup clientGroup = new NioEventLoopGroup(2, (Executor) null, clientProvider);
      try {
        NettyEchoHandlers.Server echo = new NettyEchoHandlers.Server();
        Channel server = new ServerBootstrap().group(serverGroup)
            .channelFactory((ChannelFactory<NioServerSocketChannel>) () -> new NioServerSocketChannel(serverProvider))
            .childHandler(echo).bind(7).sync().channel();
        List<NettyEchoHandlers.Client> clients = new ArrayList<>();
        List<ChannelFuture> connects = new ArrayList<>();
        Bootstrap bootstrap = new Bootstrap().group(clientGroup)
            .channelFactory((ChannelFactory<NioSocketChannel>) () -> new NioSocketChannel(clientProvider));
        for (int i = 0; i < CONNECTIONS; i++) {
          NettyEchoHandlers.Client client = new NettyEchoHandlers.Client(3_000 + i, PAYLOAD, 20);
          clients.add(client);
          connects.add(bootstrap.clone().handler(client).connect(NioStacks.server(7)));
        }
        for (ChannelFuture f : connects) {
          assertThat(f.await(30, TimeUnit.SECONDS)).as("connected in time").isTrue();
          assertThat(f.isSuccess()).as("connect: %s", f.cause()).isTrue();
        }
        int selectorsBefore = serverProvider.selectors.get() + clientProvider.selectors.get();

        clients.forEach(NettyEchoHandlers.Client::send);
        for (int r = 0; r < REBUILDS; r++) {
          Thread.sleep(20);
          serverGroup.rebuildSelectors();
          clientGroup.rebuildSelectors();
        }
        CompletableFuture.allOf(clients.stream().map(NettyEchoHandlers.Client::result)
            .toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
        for (NettyEchoHandlers.Client client : clients) {
          assertThat(client.result().join()).as("SHA-256 of the echo").isEqualTo(client.expected());
        }
        // Each rebuild of each of the four loops opened a selector (the last ones may still be queued).
        assertThat(serverProvider.selectors.get() + clientProvider.selectors.get() - selectorsBefore)
            .as("selectors opened by rebuilds").isGreaterThanOrEqualTo(4 * (REBUILDS - 1));
        server.close().sync();
      } finally {
        boolean done = serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(15, TimeUnit.SECONDS)
            & clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(15, TimeUnit.SECONDS);
        assertThat(done).as("event loops terminated").isTrue();
      }
    }
  }

  /**
   * Sluice's provider, counting the selectors Netty opens (one per event loop, one more per
   * rebuild). Channels and selectors are Sluice's own, so they register with each other.
   */
  private static final class CountingProvider extends SelectorProvider {
    final AtomicInteger selectors = new AtomicInteger();
    private final SluiceSelectorProvider sluice;

    CountingProvider(SluiceSelectorProvider sluice) {
      this.sluice = sluice;
    }

    @Override
    public AbstractSelector openSelector() {
      selectors.incrementAndGet();
      return sluice.openSelector();
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
      return sluice.openSocketChannel();
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
      return sluice.openSocketChannel(family);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
      return sluice.openServerSocketChannel();
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
      return sluice.openServerSocketChannel(family);
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
      return sluice.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
      return sluice.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
      return sluice.openPipe();
    }
  }
}
