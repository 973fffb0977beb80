package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty 4.2's echo, server and client, unmodified, on two Sluice stacks through their selector
 * providers, over a link that loses, duplicates and reorders packets: 200 connections are opened
 * and all held open at once, then each sends 16 KB of its own random bytes, and the SHA-256 of
 * what comes back must be the payload's.
 */
@Timeout(60)
class NettyEchoTest {
  private static final int CONNECTIONS = 200;
  private static final int PAYLOAD = 16 * 1024;

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void twoHundredConnections_echoEveryByte_overALossyReorderingLink(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray, NettyGroups.HOSTILE);
        NettyGroups netty = new NettyGroups(net)) {
      NettyEchoHandlers.Server echo = new NettyEchoHandlers.Server();
      Channel server = netty.server().childHandler(echo).bind(7).sync().channel();

      List<NettyEchoHandlers.Client> clients = new ArrayList<>();
      List<ChannelFuture> connects = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        NettyEchoHandlers.Client client = new NettyEchoHandlers.Client(1_000 + i, PAYLOAD, 4);
        clients.add(client);
        connects.add(netty.client().handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(client);
          }
        }).connect(NioStacks.server(7)));
      }
      for (ChannelFuture f : connects) {
        assertThat(f.await(30, TimeUnit.SECONDS)).as("connected in time").isTrue();
        assertThat(f.isSuccess()).as("connect: %s", f.cause()).isTrue();
      }
      // Every connection is open before any sends: 200 concurrent connections, seen by the server.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (echo.mostOpen() < CONNECTIONS && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(echo.mostOpen()).as("server connections open at once").isEqualTo(CONNECTIONS);

      clients.forEach(NettyEchoHandlers.Client::send);
      CompletableFuture.allOf(clients.stream().map(NettyEchoHandlers.Client::result)
          .toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
      for (NettyEchoHandlers.Client client : clients) {
        assertThat(client.result().join()).as("SHA-256 of the echo").isEqualTo(client.expected());
      }
      server.close().sync();
    }
  }
}
