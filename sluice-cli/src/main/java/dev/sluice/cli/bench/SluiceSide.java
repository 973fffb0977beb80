package dev.sluice.cli.bench;

import dev.sluice.api.IdleStrategy;
import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Sluice: two {@link NetStack}s in this JVM joined by a simulated link with no impairments and no
 * delay, run on the real clock. Each run gets fresh stacks. Checksums are not optional in Sluice:
 * every IPv4 header and TCP segment is checksummed when built ({@code TcpBuilder},
 * {@code Ipv4Builder}) and verified when received ({@code Ipv4Packet.wrap},
 * {@code TcpSegment.wrap}), on both hosts.
 */
final class SluiceSide implements StackSide {
  static final String CLIENT = "198.18.0.1";
  static final String SERVER = "198.18.0.2";

  /**
   * Who processes received packets: "adaptive", the stack's default ({@code
   * NetStack.Builder#receiveInlineWhenIdle}); "workers" only; or "inline" ({@code
   * NetStack.Builder#receiveInline}).
   */
  private final String receive;
  /** What the hosts' idle workers do. */
  private final IdleStrategy idle;

  /** How long a blocked application thread spins before it parks ({@code NetStack.Builder#busyPoll}). */
  private final java.time.Duration busyPoll;
  /** The longest a blocked reader spins, learned per connection ({@code NetStack.Builder#readSpin}). */
  private final java.time.Duration readSpin;

  SluiceSide(String receive, IdleStrategy idle, java.time.Duration busyPoll, java.time.Duration readSpin) {
    this.receive = receive;
    this.idle = idle;
    this.busyPoll = busyPoll;
    this.readSpin = readSpin;
  }

  /** Who processes received packets: "adaptive", "workers" or "inline" (see the field). */
  String receive() {
    return receive;
  }

  /** Summed over every pair of stacks this side opened, as each closes. */
  private final java.util.concurrent.atomic.LongAdder ownershipViolations = new java.util.concurrent.atomic.LongAdder();

  @Override
  public String name() {
    return "sluice";
  }

  @Override
  public long ownershipViolations() {
    return ownershipViolations.sum();
  }

  @Override
  public Endpoints open(Setup setup) {
    return open(setup, 0);
  }

  /**
   * As {@link #open(Setup)}, each host keeping at most {@code maxConnections} connections (0: the
   * builder's default, a million), for workload 9, which holds a million and then some.
   */
  Endpoints open(Setup setup, int maxConnections) {
    SimulatedNetwork network = new SimulatedNetwork(7);
    // Queues and buffers large enough that nothing is dropped for lack of room: 256 flows with
    // 256 KB windows can have 64 MB in flight. Jumbo packets get fewer buffers (each is 64 KB).
    int buffers = setup.mtu() <= 9000 ? 65_536 : 1_024;
    SimulatedLink link = network.connect("client0", "server0", SimulatedLink.Config.defaults()
        .withMtu(setup.mtu()).withReceiveQueues(setup.workers()).withQueueCapacity(65_536).withBuffers(buffers)
        .withImpairments(Impairments.NONE));
    NetStack.Builder clientBuilder = NetStack.builder().addInterface(link.a(), CLIENT + "/24").workers(setup.workers())
        .receiveInline(receive.equals("inline")).receiveInlineWhenIdle(receive.equals("adaptive")).idleStrategy(idle).busyPoll(busyPoll).readSpin(readSpin);
    NetStack.Builder serverBuilder = NetStack.builder().addInterface(link.b(), SERVER + "/24").workers(setup.workers())
        .receiveInline(receive.equals("inline")).receiveInlineWhenIdle(receive.equals("adaptive")).idleStrategy(idle).busyPoll(busyPoll).readSpin(readSpin).listenBacklog(4_096);
    if (maxConnections > 0) {
      clientBuilder.maxConnections(maxConnections);
      serverBuilder.maxConnections(maxConnections);
    }
    NetStack client = clientBuilder.build();
    NetStack server = serverBuilder.build();
    AutoCloseable pump = network.runInRealTime();
    InetAddress serverAddress = InetAddress.ofLiteral(SERVER);
    String description = "Sluice: 2 NetStacks, simulated link MTU " + setup.mtu() + ", " + setup.workers()
        + " worker(s) per host";
    return new Endpoints() {
      @Override
      public Listener listen(int port, int backlog) throws IOException {
        TcpServer s = server.listen(port, backlog);
        return new Listener() {
          @Override
          public Conn accept() throws IOException {
            return new SluiceConn(s.accept());
          }

          @Override
          public int port() {
            return s.localPort();
          }

          @Override
          public void close() {
            s.close();
          }
        };
      }

      @Override
      public Conn connect(Listener listener) throws IOException {
        return new SluiceConn(client.connect(new InetSocketAddress(serverAddress, listener.port())));
      }

      @Override
      public String describe() {
        return description;
      }

      @Override
      public long linkBufferBytes() {
        return link.packetBufferBytes();
      }

      @Override
      public NioHosts nio() {
        var clientNio = client.selectorProvider();
        var serverNio = server.selectorProvider();
        return new NioHosts(clientNio, serverNio, clientNio::openSocketChannel, serverNio::openServerSocketChannel,
            serverAddress, true);
      }

      @Override
      public <T> T onServerHost(NioHosts.Opener<T> code) throws IOException {
        server.bindJvmWideProvider();
        return code.open();
      }

      @Override
      public void close() throws IOException {
        client.close();
        server.close();
        ownershipViolations.add(client.ownershipViolations() + server.ownershipViolations());
        try {
          pump.close();
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
    };
  }

  /** Sluice's connection behind the common interface. */
  record SluiceConn(TcpConnection c) implements Conn {
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return c.read(b, off, len);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      c.write(b, off, len);
    }

    @Override
    public void shutdownOutput() throws IOException {
      c.shutdownOutput();
    }

    @Override
    public void setNoDelay(boolean on) throws IOException {
      c.setTcpNoDelay(on);
    }

    @Override
    public Object handle() {
      return c;
    }

    @Override
    public void close() throws IOException {
      c.close();
    }
  }
}
