package dev.sluice.cli.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Workload 7 ({@code netty_echo}): Netty 4.2's NIO transport, unmodified, echoing 16 KB messages
 * over {@code --netty-connections} (64) connections. On Sluice Netty's event loops select with the
 * stacks' {@code SluiceSelectorProvider}s; on the kernel with the JDK's, the sockets made as the
 * other kernel rows make theirs (in the namespace when there is one). Each side gets one event loop
 * thread per host and TCP_NODELAY on every connection (set as a NIO option, so it reaches the
 * channel on either side).
 *
 * <p>Every client connection writes a 16 KB message, waits until all 16 KB have come back, and
 * writes the next; the server writes back what it reads. Messages whose echo completed in the
 * measured window, per second, and the same as MB/s (10^6 bytes of echoed messages a second).
 */
final class NettyEchoWorkload implements Workload {
  static final int MESSAGE = 16 * 1024;
  private static final int PORT = 5007;
  private static final long SHUTDOWN_SECONDS = 10;

  @Override
  public int number() {
    return 7;
  }

  @Override
  public List<String> aliases() {
    return List.of("netty_echo");
  }

  @Override
  public String title() {
    return "Netty echo, 16 KB messages";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("netty", StackSide.Setup.of(1500, config.sluiceWorkers()), config.nettyConnections()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    NioHosts nio = e.nio();
    EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory(nio.serverProvider()));
    EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory(nio.clientProvider()));
    List<Channel> channels = new ArrayList<>();
    try {
      AtomicReference<ServerSocketChannel> listening = new AtomicReference<>();
      Echo echo = new Echo();
      Channel server = new ServerBootstrap().group(serverLoop)
          .channelFactory((ChannelFactory<NioServerSocketChannel>) () -> {
            ServerSocketChannel s = open(nio.openServer());
            listening.set(s);
            return new NioServerSocketChannel(s);
          })
          .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEADDR), true)
          .childOption(NioChannelOption.of(StandardSocketOptions.TCP_NODELAY), true)
          .childHandler(echo)
          .bind(nio.bindAddress(PORT)).sync().channel();
      channels.add(server);
      // The channel's own address, not Netty's (which asks the channel's socket adaptor).
      InetSocketAddress target = new InetSocketAddress(nio.serverAddress(),
          ((InetSocketAddress) listening.get().getLocalAddress()).getPort());

      LongAdder echoed = new LongAdder();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Pinger> pingers = new ArrayList<>();
      List<ChannelFuture> connects = new ArrayList<>();
      Bootstrap client = new Bootstrap().group(clientLoop)
          .channelFactory((ChannelFactory<NioSocketChannel>) () -> new NioSocketChannel(open(nio.openClient())))
          .option(NioChannelOption.of(StandardSocketOptions.TCP_NODELAY), true);
      for (int i = 0; i < variant.parameter(); i++) {
        Pinger p = new Pinger(echoed, failure);
        pingers.add(p);
        connects.add(client.clone().handler(p).connect(target));
      }
      for (ChannelFuture f : connects) {
        if (!f.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new java.util.concurrent.TimeoutException("connecting the Netty clients did not finish in time");
        }
        channels.add(f.channel());
        if (!f.isSuccess()) {
          throw new IOException("a Netty client failed to connect: " + f.cause(), f.cause());
        }
      }
      // Every connection reached the server's handler before any message is sent.
      while (echo.accepted.get() < variant.parameter()) {
        Harness.checkDeadline(deadline, "the Netty server accepting " + variant.parameter() + " connections ("
            + echo.accepted.get() + " so far)");
        Thread.sleep(1);
      }
      pingers.forEach(Pinger::start);
      Harness.sleep(config.warmupMs());
      long c0 = echoed.sum();
      long t0 = System.nanoTime();
      Harness.sleep(config.durationMs());
      long c1 = echoed.sum();
      long t1 = System.nanoTime();
      pingers.forEach(Pinger::stop);
      if (failure.get() != null) {
        throw new IOException("a Netty connection failed: " + failure.get(), failure.get());
      }
      Harness.checkDeadline(deadline, "Netty echo");
      if (c1 == c0) {
        throw new IllegalStateException("no message was echoed in the measured window");
      }
      double seconds = (t1 - t0) / 1e9;
      return Map.of("msg/s", (c1 - c0) / seconds, "MB/s", (c1 - c0) * (double) MESSAGE / seconds / 1e6);
    } finally {
      for (Channel c : channels) {
        c.close().await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      }
      Future<?> s = serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      Future<?> c = clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      s.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      c.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      Harness.closeAll(e);
    }
  }

  private static <T> T open(NioHosts.Opener<T> opener) {
    try {
      return opener.open();
    } catch (IOException x) {
      throw new ChannelException(new UncheckedIOException(x));
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("netty", "sluice", "MB/s") || !r.has("netty", "kernel", "MB/s")) {
      return List.of();
    }
    Report.Row row = new Report.Row("netty_echo", "7. Netty echo, 16 KB messages, 64 connections", "MB/s", false,
        r.get("netty", "sluice", "MB/s"), r.get("netty", "kernel", "MB/s"), r.get("netty", "kernel-lo", "MB/s"),
        ">= 1.0x", null);
    return List.of(BulkWorkload.withMet(row, row.ratio() >= 1.0));
  }

  @Override
  public List<String> details(Results r) {
    if (!r.has("netty", "sluice", "msg/s") || !r.has("netty", "kernel", "msg/s")) {
      return List.of();
    }
    return List.of("Workload 7 in messages (16 KB echoed) per second: Sluice " + Report.cell(r.get("netty", "sluice",
        "msg/s")) + ", kernel " + Report.cell(r.get("netty", "kernel", "msg/s")) + ".");
  }

  /**
   * The server: writes back what it reads, flushing after each read burst, and counts the
   * connections it was given. One instance for every connection, on the server's loop.
   */
  @ChannelHandler.Sharable
  private static final class Echo extends ChannelInboundHandlerAdapter {
    final AtomicInteger accepted = new AtomicInteger();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      accepted.incrementAndGet();
      ctx.fireChannelActive();
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
  }

  /**
   * One client connection: writes a message, counts it echoed once all its bytes are back, writes
   * the next, until stopped. Its fields are touched on its channel's event loop only.
   */
  private static final class Pinger extends ChannelInboundHandlerAdapter {
    private static final ByteBuf MESSAGE_BYTES = Unpooled.unreleasableBuffer(
        Unpooled.directBuffer(MESSAGE).writeZero(MESSAGE).asReadOnly());

    private final LongAdder echoed;
    private final AtomicReference<Throwable> failure;
    private ChannelHandlerContext ctx;
    private int pending;
    private volatile boolean stopped;

    Pinger(LongAdder echoed, AtomicReference<Throwable> failure) {
      this.echoed = echoed;
      this.failure = failure;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void start() {
      ctx.executor().execute(this::send);
    }

    void stop() {
      stopped = true;
    }

    private void send() {
      pending = MESSAGE;
      ctx.writeAndFlush(MESSAGE_BYTES.duplicate());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      int n = b.readableBytes();
      b.release();
      pending -= n;
      if (pending < 0) {
        failure.compareAndSet(null, new IllegalStateException((MESSAGE - pending) + " bytes echoed for a "
            + MESSAGE + "-byte message"));
        ctx.close();
      } else if (pending == 0) {
        echoed.increment();
        if (!stopped) {
          send();
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!stopped) {
        failure.compareAndSet(null, new IOException("a Netty client connection ended during the run"));
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!stopped) {
        failure.compareAndSet(null, cause);
      }
      ctx.close();
    }
  }
}
