package dev.sluice.api;

import dev.sluice.link.Device;
import dev.sluice.nio.SluiceSelectorProvider;
import dev.sluice.nio.internal.NioProviders;
import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.Steering;
import dev.sluice.tcp.TcpConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

/**
 * A running Sluice stack: its devices and addresses, its receive workers, its connections. Build
 * one with {@link #builder()}; {@link #close()} stops it.
 *
 * <pre>{@code
 * try (NetStack stack = NetStack.builder().addInterface(device, "198.18.0.1/24").build()) {
 *   TcpServer server = stack.listen(80);
 *   TcpConnection c = server.accept();
 *   c.getOutputStream().write("hello".getBytes(US_ASCII));
 *   c.close();
 * }
 * }</pre>
 */
public final class NetStack implements AutoCloseable {
  private final Host host;
  private final Duration connectTimeout;
  private final int listenBacklog;
  private final ExecutorService asyncCalls = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean closed;
  private volatile SluiceSelectorProvider selectorProvider;

  private NetStack(Builder b) {
    TcpConfig tcp = TcpConfig.builder().buildWith(t -> {
      t.receiveBufferBytes = b.receiveBufferBytes;
      t.sendBufferBytes = b.sendBufferBytes;
    });
    HostConfig config = HostConfig.builder().buildWith(h -> {
      h.workers = b.workers;
      h.idleSpinNanos = b.idleStrategy.spinNanos();
      h.busyPollNanos = b.busyPoll.toNanos();
      h.maxConnections = b.maxConnections;
      h.steering = b.inline ? Steering.INLINE : b.spray ? Steering.SPRAY : Steering.STEER;
      h.tcp = tcp;
      h.loopback = b.loopback;
      h.name = b.name;
      h.jmx = b.jmx;
    });
    this.host = new Host(config);
    for (Object[] i : b.interfaces) {
      host.addInterface((Device) i[0], (String) i[1]);
    }
    this.connectTimeout = b.connectTimeout;
    this.listenBacklog = b.listenBacklog;
    host.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Listens on {@code port} with the builder's accept backlog. */
  public TcpServer listen(int port) throws IOException {
    return listen(port, listenBacklog);
  }

  /**
   * Listens on {@code port}; {@code backlog} caps half-open plus not-yet-accepted connections.
   * Throws {@link java.net.BindException} if the port already has a listener.
   */
  public TcpServer listen(int port, int backlog) throws IOException {
    ensureOpen();
    return new TcpServer(this, host.listen(port, backlog));
  }

  /** Connects, waiting up to the builder's connect timeout for the handshake. */
  public TcpConnection connect(InetSocketAddress remote) throws IOException {
    return connect(remote, connectTimeout);
  }

  /**
   * Connects to {@code remote}, waiting up to {@code timeout} (zero: the handshake's own
   * retransmission limit) for the handshake. Throws {@link java.net.ConnectException}
   * ("Connection refused") if the peer resets, {@link java.net.SocketTimeoutException} on
   * timeout, {@link java.net.NoRouteToHostException} without a route.
   */
  public TcpConnection connect(InetSocketAddress remote, Duration timeout) throws IOException {
    ensureOpen();
    Objects.requireNonNull(remote, "remote");
    Connection c = host.connect(remote);
    try {
      c.awaitConnected(timeout.toNanos());
    } catch (IOException e) {
      c.abort();
      throw e;
    }
    return new TcpConnection(this, c);
  }

  /**
   * Starts connecting to {@code remote} and returns at once, as a non-blocking socket's {@code
   * connect} does: the handshake goes on in the background until {@link
   * TcpConnection#isConnected()} turns true, or {@link TcpConnection#readiness()} reports {@link
   * TcpConnection#FAILED} ({@link TcpConnection#failure()} REFUSED or TIMED_OUT). Bytes written
   * meanwhile wait in the send buffer. Throws {@link java.net.NoRouteToHostException} without a
   * route.
   */
  public TcpConnection connectNow(InetSocketAddress remote) throws IOException {
    ensureOpen();
    Objects.requireNonNull(remote, "remote");
    return new TcpConnection(this, host.connect(remote));
  }

  /**
   * Connects as {@link #connect(InetSocketAddress)} does, without a thread waiting: the future
   * completes with the connection once the handshake completes, or fails with {@link
   * java.net.ConnectException} if it is refused or times out. Cancelling it aborts the handshake.
   */
  public CompletableFuture<TcpConnection> connectAsync(InetSocketAddress remote) {
    Connection connection;
    try {
      ensureOpen();
      connection = host.connect(Objects.requireNonNull(remote, "remote"));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    TcpConnection c = new TcpConnection(this, connection);
    CompletableFuture<TcpConnection> result = new ReadinessCall<TcpConnection>(asyncCalls, ReadinessCall.ReadinessSource.of(connection)) {
      @Override
      boolean tryNow() throws IOException {
        if (connection.isConnected()) {
          result(c);
          return true;
        }
        if (connection.failure() != null || connection.isClosed()) {
          connection.awaitConnected(1); // throws the ConnectException that says why
        }
        return false;
      }
    }.start();
    result.whenComplete((connected, failure) -> {
      if (failure != null) {
        try {
          connection.abort(); // cancelled, timed out or refused: no half-open connection is left
        } catch (IOException e) {
          // failed already: nothing is left to abort
        }
      }
    });
    return result;
  }

  /**
   * Pings {@code address} (ICMP or ICMPv6 echo) and returns the round trip. Throws
   * {@link java.net.SocketTimeoutException} if no reply comes within {@code timeout}.
   */
  public Duration ping(java.net.InetAddress address, Duration timeout) throws IOException {
    ensureOpen();
    return Duration.ofNanos(host.ping(address, timeout.toNanos()));
  }

  /** Binds UDP {@code port}; throws {@link java.net.BindException} if it is taken. */
  public UdpSocket openUdp(int port) throws IOException {
    ensureOpen();
    return new UdpSocket(host.bindUdp(port, 1024));
  }

  /**
   * A {@link java.nio.channels.spi.SelectorProvider} bound to this stack: its {@code
   * SocketChannel}s, {@code ServerSocketChannel}s, {@code DatagramChannel}s and selectors behave
   * as the JDK's do, so NIO code and libraries built on it (Netty's NIO transport, say) run on
   * Sluice unmodified. One per stack; closing the stack fails its channels.
   */
  public SluiceSelectorProvider selectorProvider() {
    SluiceSelectorProvider p = selectorProvider;
    if (p == null) {
      synchronized (this) {
        p = selectorProvider;
        if (p == null) {
          selectorProvider = p = NioProviders.over(host);
        }
      }
    }
    return p;
  }

  /**
   * Makes this stack the one behind the JVM-wide provider, so that code which opens its channels
   * itself ({@code ServerSocketChannel.open()}, {@code Selector.open()}: the JDK's {@code
   * HttpServer} and {@code HttpClient}, say) runs on it. The JVM must have been started with
   * {@code -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}; call
   * this before opening the channels, in place of the {@code sluice.*} properties that would
   * otherwise start a stack of their own. Channels opened before stay on the stack they were
   * opened on. Throws {@link IllegalStateException} if the JVM-wide provider is not Sluice's.
   */
  public void bindJvmWideProvider() {
    NioProviders.bindJvmWide(host);
  }

  /**
   * A {@code javax.net} socket factory over this stack, for code and drivers that take one. Its
   * sockets are {@link java.net.Socket}s (views of this stack's channels) that an {@code
   * SSLSocketFactory} can wrap, so TLS runs over Sluice.
   */
  public SocketFactory socketFactory() {
    return selectorProvider().socketFactory();
  }

  /** A {@code javax.net} server socket factory over this stack. */
  public ServerSocketFactory serverSocketFactory() {
    return selectorProvider().serverSocketFactory();
  }

  /**
   * The stack's name, unique among this JVM's running stacks: the builder's {@link Builder#name},
   * with a suffix if another stack had it, or {@code stack-N}. Its MBean is {@code
   * dev.sluice:type=NetStack,name="NAME"} and its JFR events carry it (docs/observability.md).
   */
  public String name() {
    return host.name();
  }

  /** How many connections the stack holds, in any state. */
  public int connectionCount() {
    return host.connectionCount();
  }

  /** The connection table, as {@code ss -tin} prints it. */
  public String connectionTable() {
    List<dev.sluice.stack.ConnectionInfo> infos = new ArrayList<>();
    for (Connection c : host.connections()) {
      infos.add(c.info());
    }
    return dev.sluice.stack.ConnectionTableFormat.format(infos);
  }

  /**
   * How many times two threads were found owning one connection at once. The ownership protocol
   * never lets that happen, so anything but 0 is a bug in Sluice: checks such as {@code sluice
   * bench} and the torture run fail on it.
   */
  public long ownershipViolations() {
    return host.ownershipViolations();
  }

  /** Host-wide TCP counters, {@code nstat}-style. */
  public String tcpCounters() {
    return host.tcpTotals().format();
  }

  /**
   * Closes the stack: listeners stop accepting, every open connection is reset (its peer gets a
   * RST rather than waiting for a FIN that would never come), and every blocked or later call on
   * them throws a {@link SocketException} that says the stack was closed. Closing twice does
   * nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    asyncCalls.shutdownNow();
    try {
      host.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ for TcpServer, TcpConnection

  /**
   * Where the async calls of {@code stack}'s sockets make their attempts after the first: the
   * stack's virtual threads, or, for a socket over a host its caller runs (no stack), a virtual
   * thread each.
   */
  static Executor executor(NetStack stack) {
    return stack != null ? stack.asyncCalls : VIRTUAL_THREADS;
  }

  /**
   * How long after {@code connections} connections of a stack fell idle their buffers are surely
   * freed: the idle sweep frees a connection's buffers once it has been idle a second, and visits a
   * slice of the connection table a second, so a large table takes a while to cover (about half a
   * minute for a million connections). For measuring a stack's idle memory.
   */
  public static Duration idleBuffersFreedWithin(int connections) {
    return Duration.ofNanos(Host.fullIdleSweepNanos(connections));
  }

  private static final Executor VIRTUAL_THREADS = task -> Thread.ofVirtual().start(task);

  private void ensureOpen() throws SocketException {
    if (closed) {
      throw new SocketException("Stack closed");
    }
  }

  /** How a {@link NetStack} is made. */
  public static final class Builder {
    private final List<Object[]> interfaces = new ArrayList<>();
    private int workers = Runtime.getRuntime().availableProcessors();
    private boolean spray;
    private boolean inline;
    private int receiveBufferBytes = 256 * 1024;
    private int sendBufferBytes = 256 * 1024;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private int listenBacklog = 128;
    private int maxConnections = 1_000_000;
    private boolean loopback = true;
    private IdleStrategy idleStrategy = IdleStrategy.backoff();
    private Duration busyPoll = Duration.ZERO;
    private String name;
    private boolean jmx = true;

    private Builder() {}

    /**
     * The stack's name, in its MBean's name and its JFR events (default {@code stack-N}). If a
     * running stack of this JVM has it already, this one gets a suffix: {@link NetStack#name()}
     * says which.
     */
    public Builder name(String name) {
      if (Objects.requireNonNull(name, "name").isBlank()) {
        throw new IllegalArgumentException("a stack's name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * Whether the stack registers an MBean on the platform MBean server while it runs (default
     * on): {@code dev.sluice:type=NetStack,name="NAME"}, with the stack's counters and connection
     * table, which {@code sluice ss}, JConsole or any JMX client can read. Off, the stack never
     * touches JMX.
     */
    public Builder jmx(boolean on) {
      jmx = on;
      return this;
    }

    /**
     * Whether the stack has a loopback device with 127.0.0.1 and ::1 (default on), through which
     * its connections to its own addresses and to loopback addresses are delivered inside it, as
     * a kernel delivers them. Until used it costs about 7 KB (its queue); its packet buffers, 1 MB,
     * are made on its first packet.
     */
    public Builder loopback(boolean on) {
      loopback = on;
      return this;
    }

    /** Adds {@code device} with an address like {@code 198.18.0.1/24} or {@code 2001:2::1/64}. */
    public Builder addInterface(Device device, String addressWithPrefix) {
      interfaces.add(new Object[] {Objects.requireNonNull(device, "device"),
          Objects.requireNonNull(addressWithPrefix, "addressWithPrefix")});
      return this;
    }

    /** Receive workers (platform threads); defaults to the number of cores. */
    public Builder workers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("workers must be at least 1: " + n);
      }
      workers = n;
      return this;
    }

    /**
     * What a receive worker does when it has no work (default {@link IdleStrategy#backoff()}: a
     * short adaptive spin after traffic, then a park until its next timer or packet). See {@link
     * IdleStrategy} for the trade between idle CPU and latency.
     */
    public Builder idleStrategy(IdleStrategy strategy) {
      idleStrategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /**
     * How long an application thread blocked in a read, write or connect spins, watching for the
     * event, before it parks, as Linux's {@code SO_BUSY_POLL} (default zero: park at once). A reply
     * that comes within the spin is taken without a thread wake-up, the round trip's largest cost;
     * the price is a core spinning while the thread waits. Platform threads only: a virtual thread
     * never spins (it would hold the carrier other virtual threads need).
     *
     * @throws IllegalArgumentException if negative or longer than a second
     */
    public Builder busyPoll(Duration spin) {
      Objects.requireNonNull(spin, "spin");
      if (spin.isNegative() || spin.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("busy poll must be between 0 and 1 s: " + spin);
      }
      busyPoll = spin;
      return this;
    }

    /**
     * Lets every worker take packets from every receive queue, so one connection's packets are
     * processed on several cores at once. Slower; for testing that correctness never depends on
     * flow steering.
     */
    public Builder sprayReceive(boolean on) {
      spray = on;
      return this;
    }

    /**
     * Processes each received packet on the thread that delivers it to the device's receive queue,
     * instead of on a receive worker (default off). On an in-process link that is the sender's
     * own thread, as Linux's loopback runs the receive path on the sending CPU; on a TUN device,
     * the queue's reader. A request and its reply cross two thread hand-offs instead of four, so
     * round trips are shorter; but a sender then does its peer's receive work too, so one bulk
     * flow uses one core instead of several. The workers keep the timers. Overrides {@link
     * #sprayReceive}.
     */
    public Builder receiveInline(boolean on) {
      inline = on;
      return this;
    }

    public Builder receiveBufferBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("receive buffer must be positive: " + bytes);
      }
      receiveBufferBytes = bytes;
      return this;
    }

    public Builder sendBufferBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("send buffer must be positive: " + bytes);
      }
      sendBufferBytes = bytes;
      return this;
    }

    /** The default for {@link NetStack#connect(InetSocketAddress)}; zero waits as TCP does. */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("connect timeout must not be negative: " + timeout);
      }
      connectTimeout = timeout;
      return this;
    }

    public Builder listenBacklog(int backlog) {
      if (backlog < 1) {
        throw new IllegalArgumentException("listen backlog must be positive: " + backlog);
      }
      listenBacklog = backlog;
      return this;
    }

    /**
     * The most connections the stack keeps at once, in every state (default 1,000,000): beyond
     * it, SYNs are dropped and counted and {@code connect} throws {@link SocketException}.
     */
    public Builder maxConnections(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxConnections must be positive: " + n);
      }
      maxConnections = n;
      return this;
    }

    /** Builds the stack and starts its workers. */
    public NetStack build() {
      if (interfaces.isEmpty()) {
        throw new IllegalStateException("a stack needs at least one interface: call addInterface");
      }
      return new NetStack(this);
    }
  }
}
