package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty's HTTP/1.1 server ({@link HttpServerCodec} and {@link HttpObjectAggregator}) and client
 * ({@link HttpClientCodec}) on two Sluice stacks over a link that loses, duplicates and reorders
 * packets. Each client sends several POSTs, one after another, on one kept-alive connection; the
 * server answers each with the body reversed and the SHA-256 it computed of the body it got, and
 * counts requests per connection, so the test sees every body arrive whole both ways and every
 * request after the first reuse the connection.
 */
@Timeout(60)
class NettyHttpTest {
  private static final int CLIENTS = 3;
  private static final int[] BODY_SIZES = {0, 1, 1_000, 100_000, 300_000, 17};
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void keepAliveRequests_getTheirBodiesBack_whole(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray, NettyGroups.HOSTILE);
        NettyGroups netty = new NettyGroups(net)) {
      AtomicInteger accepted = new AtomicInteger();
      Channel server = netty.server().childHandler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          accepted.incrementAndGet();
          ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new ReversingServer());
        }
      }).bind(80).sync().channel();

      for (int c = 0; c < CLIENTS; c++) {
        BlockingQueue<FullHttpResponse> responses = new LinkedBlockingQueue<>();
        Channel client = netty.client().handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                new SimpleChannelInboundHandler<FullHttpResponse>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                    responses.add(response.retainedDuplicate());
                  }
                });
          }
        }).connect(NioStacks.server(80)).sync().channel();

        SplittableRandom random = new SplittableRandom(c);
        for (int r = 0; r < BODY_SIZES.length; r++) {
          byte[] body = new byte[BODY_SIZES[r]];
          random.nextBytes(body);
          FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
              "/reverse/" + r, Unpooled.wrappedBuffer(body));
          request.headers().set(HttpHeaderNames.HOST, "server.sluice.test");
          HttpUtil.setContentLength(request, body.length);
          HttpUtil.setKeepAlive(request, true);
          client.writeAndFlush(request).sync();

          FullHttpResponse response = responses.poll(30, TimeUnit.SECONDS);
          assertThat(response).as("response %d of client %d", r, c).isNotNull();
          try {
            assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
            assertThat(HttpUtil.isKeepAlive(response)).isTrue();
            assertThat(response.headers().get("x-request-on-connection")).isEqualTo(String.valueOf(r + 1));
            assertThat(response.headers().get("x-body-sha256"))
                .isEqualTo(HEX.formatHex(NettyEchoHandlers.sha256().digest(body)));
            assertThat(ByteBufUtil.getBytes(response.content())).isEqualTo(reversed(body));
          } finally {
            response.release();
          }
        }
        assertThat(client.isActive()).as("the connection is kept alive").isTrue();
        client.close().sync();
      }
      assertThat(accepted).as("one connection per client: every request after the first reused it")
          .hasValue(CLIENTS);
      server.close().sync();
    }
  }

  private static byte[] reversed(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[b.length - 1 - i];
    }
    return r;
  }

  /** Answers each request with its body reversed, its SHA-256, and its number on the connection. */
  private static final class ReversingServer extends SimpleChannelInboundHandler<FullHttpRequest> {
    private int requests;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      requests++;
      byte[] body = ByteBufUtil.getBytes(request.content());
      ByteBuf content = Unpooled.wrappedBuffer(reversed(body));
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
      response.headers().set("x-request-on-connection", requests);
      response.headers().set("x-body-sha256", HEX.formatHex(NettyEchoHandlers.sha256().digest(body)));
      HttpUtil.setContentLength(response, body.length);
      HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
      ctx.writeAndFlush(response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
