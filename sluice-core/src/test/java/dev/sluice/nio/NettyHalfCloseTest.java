package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Half-close through Netty's {@link ChannelOption#ALLOW_HALF_CLOSURE} on Sluice: the client sends
 * a request and shuts its output down (a FIN); the server, with half-closure allowed, gets a {@link
 * ChannelInputShutdownEvent} once, after the whole request, while its channel stays open, and only
 * then writes its reply (much larger than a window, so it flows after the FIN) and closes; the
 * client reads the whole reply and then sees the end of the connection.
 */
@Timeout(60)
class NettyHalfCloseTest {
  private static final int REQUEST = 50_000;
  private static final int REPLY = 600_000;

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void serverSeesInputShutdown_thenStillReplies_andClientReadsItAll(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray, NettyGroups.HOSTILE);
        NettyGroups netty = new NettyGroups(net)) {
      ReplyAfterFin server = new ReplyAfterFin();
      Channel listener = netty.server().childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(server);
            }
          }).bind(9).sync().channel();

      byte[] request = new byte[REQUEST];
      new SplittableRandom(9).nextBytes(request);
      ReadToEnd client = new ReadToEnd();
      SocketChannel channel = (SocketChannel) netty.client().handler(client).connect(NioStacks.server(9))
          .sync().channel();
      channel.writeAndFlush(Unpooled.wrappedBuffer(request)).sync();
      // Looked at on the event loop as the shutdown completes, before the reply can be read.
      CompletableFuture<Boolean> halfClosedAndActive = new CompletableFuture<>();
      channel.shutdownOutput().addListener(f -> halfClosedAndActive.complete(
          f.isSuccess() && channel.isOutputShutdown() && !channel.isInputShutdown() && channel.isActive()));
      assertThat(halfClosedAndActive.get(10, TimeUnit.SECONDS))
          .as("the client's output is shut down, its input not, and the channel is still active").isTrue();

      byte[] reply = client.ended.get(40, TimeUnit.SECONDS);
      assertThat(server.requestDigest.get(5, TimeUnit.SECONDS))
          .as("the server read the whole request before the input shutdown event")
          .isEqualTo(NettyEchoHandlers.sha256().digest(request));
      assertThat(server.inputShutdownEvents).as("ChannelInputShutdownEvent fired once").hasValue(1);
      assertThat(server.activeAtEvent.join()).as("the server's channel was open at the event").isTrue();
      assertThat(reply).as("the whole reply, then the end").isEqualTo(ReplyAfterFin.reply(REQUEST));
      listener.close().sync();
    }
  }

  /**
   * The server: hashes what it reads; on the input shutdown event writes {@link #reply} and closes.
   * One connection, on its event loop.
   */
  private static final class ReplyAfterFin extends ChannelInboundHandlerAdapter {
    final AtomicInteger inputShutdownEvents = new AtomicInteger();
    final CompletableFuture<byte[]> requestDigest = new CompletableFuture<>();
    final CompletableFuture<Boolean> activeAtEvent = new CompletableFuture<>();
    private final MessageDigest digest = NettyEchoHandlers.sha256();
    private int received;

    /** The reply to a request of {@code requestBytes}: its length in 4 bytes, then seeded bytes. */
    static byte[] reply(int requestBytes) {
      byte[] reply = new byte[REPLY];
      new SplittableRandom(requestBytes).nextBytes(reply);
      reply[0] = (byte) (requestBytes >>> 24);
      reply[1] = (byte) (requestBytes >>> 16);
      reply[2] = (byte) (requestBytes >>> 8);
      reply[3] = (byte) requestBytes;
      return reply;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      received += b.readableBytes();
      digest.update(b.nioBuffer());
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ChannelInputShutdownEvent) {
        if (inputShutdownEvents.incrementAndGet() == 1) {
          activeAtEvent.complete(ctx.channel().isActive() && !((SocketChannel) ctx.channel()).isOutputShutdown());
          requestDigest.complete(digest.digest());
          ctx.writeAndFlush(Unpooled.wrappedBuffer(reply(received))).addListener(ChannelFutureListener.CLOSE);
        }
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      requestDigest.completeExceptionally(cause);
      ctx.close();
    }
  }

  /** The client: keeps what it reads; {@link #ended} completes with it when the connection ends. */
  private static final class ReadToEnd extends ChannelInboundHandlerAdapter {
    final CompletableFuture<byte[]> ended = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      b.release();
      received.writeBytes(bytes);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ended.complete(received.toByteArray());
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ended.completeExceptionally(cause);
      ctx.close();
    }
  }
}
