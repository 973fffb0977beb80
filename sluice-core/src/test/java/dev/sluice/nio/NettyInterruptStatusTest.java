package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A thread's interrupt status does not close the channels it uses in non-blocking mode, as with
 * the JDK's channels, where only a blocking call is interruptible. Netty depends on it: a handler
 * that restores the status after catching {@link InterruptedException} leaves it set on the event
 * loop until Netty's next select clears it, and every non-blocking read, write and accept the loop
 * makes until then must work. (On the JDK's provider this test passes; before the fix Sluice closed
 * the channel with {@link java.nio.channels.ClosedByInterruptException}.)
 */
@Timeout(60)
class NettyInterruptStatusTest {
  private static final int MESSAGES = 10;

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void handlerLeavesInterruptStatusSet_eventLoopsChannelsKeepWorking(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        NettyGroups netty = new NettyGroups(net)) {
      Channel server = netty.server().childHandler(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          Thread.currentThread().interrupt(); // as after catching InterruptedException in a library call
          ctx.writeAndFlush(msg);
        }
      }).bind(7).sync().channel();

      CompletableFuture<String> echoed = new CompletableFuture<>();
      Channel client = netty.client().handler(new ChannelInboundHandlerAdapter() {
        private final StringBuilder received = new StringBuilder();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          ByteBuf b = (ByteBuf) msg;
          received.append(b.toString(StandardCharsets.US_ASCII));
          b.release();
          if (received.length() >= MESSAGES) {
            echoed.complete(received.toString());
          }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
          echoed.complete("closed after '" + received + "'");
        }
      }).connect(NioStacks.server(7)).sync().channel();
      for (int i = 0; i < MESSAGES; i++) {
        client.writeAndFlush(Unpooled.copiedBuffer(Integer.toString(i), StandardCharsets.US_ASCII)).sync();
        Thread.sleep(5); // one message per server read, so each read and write meets the status
      }
      assertThat(echoed.get(20, TimeUnit.SECONDS)).isEqualTo("0123456789");
      server.close().sync();
    }
  }

  @Test
  void nonBlockingAcceptReadAndWrite_ignoreTheInterruptStatus() throws Exception {
    try (NioStacks net = new NioStacks(false);
        ServerSocketChannel listener = net.serverProvider().openServerSocketChannel();
        SocketChannel client = net.clientProvider().openSocketChannel()) {
      listener.bind(new InetSocketAddress(8));
      client.connect(NioStacks.server(8));
      listener.configureBlocking(false);
      client.configureBlocking(false);
      SocketChannel accepted = null;
      Thread.currentThread().interrupt();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (accepted == null && System.nanoTime() < deadline) {
          accepted = listener.accept();
        }
        assertThat(accepted).as("accepted with the status set").isNotNull();
        assertThat(client.write(ByteBuffer.wrap(new byte[] {42}))).isEqualTo(1);
        assertThat(client.read(ByteBuffer.allocate(1))).as("nothing to read yet").isZero();
        assertThat(Thread.currentThread().isInterrupted()).as("the status is left as it was").isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(listener.isOpen()).isTrue();
      assertThat(client.isOpen()).isTrue();
      accepted.close();
    }
  }
}
