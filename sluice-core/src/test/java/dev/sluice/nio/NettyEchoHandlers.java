package dev.sluice.nio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The echo used by the Netty tests: a server handler that writes back what it reads, and a client
 * handler that sends a seeded random payload and hashes what comes back. Comparing the client's
 * hash with the payload's proves every byte came back, in order, exactly once.
 */
final class NettyEchoHandlers {
  private NettyEchoHandlers() {}

  /**
   * Writes back every buffer it reads, flushing after each read burst; counts the connections that
   * are open at once. One instance serves every connection; Netty calls it on the event loops.
   */
  @ChannelHandler.Sharable
  static final class Server extends ChannelInboundHandlerAdapter {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      open.decrementAndGet();
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    /** The most server connections that were open at the same time. */
    int mostOpen() {
      return mostOpen.get();
    }
  }

  /**
   * One client connection: on {@link #send} writes its payload in {@code chunks} flushed pieces,
   * then hashes what it reads until it has as many bytes as it sent, then closes. {@link #result}
   * completes with the SHA-256 of the echo, or fails if the connection ends first or errs.
   */
  static final class Client extends ChannelInboundHandlerAdapter {
    private final byte[] payload;
    private final int chunks;
    private final MessageDigest digest = sha256();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private long received;
    private ChannelHandlerContext ctx;

    Client(long seed, int size, int chunks) {
      this.payload = new byte[size];
      new SplittableRandom(seed).nextBytes(payload);
      this.chunks = chunks;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    /** Sends the payload; any thread (the writes run on the channel's event loop). */
    void send() {
      ctx.executor().execute(() -> {
        int step = (payload.length + chunks - 1) / chunks;
        for (int off = 0; off < payload.length; off += step) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(payload, off, Math.min(step, payload.length - off)))
              .addListener(f -> {
                if (!f.isSuccess()) {
                  result.completeExceptionally(f.cause());
                }
              });
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      try {
        received += b.readableBytes();
        digest.update(b.nioBuffer());
      } finally {
        b.release();
      }
      if (received > payload.length) {
        result.completeExceptionally(new AssertionError("echoed " + received + " bytes of " + payload.length));
        ctx.close();
      } else if (received == payload.length) {
        result.complete(digest.digest());
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.completeExceptionally(new AssertionError("closed after " + received + " of " + payload.length
          + " bytes echoed"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.completeExceptionally(cause);
      ctx.close();
    }

    CompletableFuture<byte[]> result() {
      return result;
    }

    /** The SHA-256 of what was sent: what {@link #result} must equal. */
    byte[] expected() {
      return sha256().digest(payload);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JDK has SHA-256
    }
  }
}
