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
 *
 * <p><b>Threads.</b> A stack runs its own receive workers (platform threads, {@link
 * Builder#workers}) from {@link Builder#build()} until {@link #close()}; they process packets and
 * timers, so the application's threads never have to drive the stack. Every method of a stack,
 * and of the connections, servers and sockets it makes, may be called from any thread. A blocked
 * call parks its thread (a virtual thread unmounts) and is woken by the stack; the {@code ...Now}
 * methods never wait, and the {@code ...Async} methods return a {@link CompletableFuture} at once
 * and complete it from the stack's virtual threads. Each blocking method says what ends its wait:
 * its timeout, the event it waits for, a {@code close}, and what an interrupt does.
 */
public final class NetStack implements AutoCloseable {
  /** The default of {@link Builder#readSpin}, in microseconds. */
  public static final long DEFAULT_READ_SPIN_MICROS = 15;

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
      h.readSpinNanos = b.readSpin.toNanos();
      h.maxConnections = b.maxConnections;
      h.steering = b.inline ? Steering.INLINE
          : b.spray ? Steering.SPRAY
          : b.inlineWhenIdle ? Steering.ADAPTIVE
          : Steering.STEER;
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

  /**
   * A builder with the defaults: a worker per core, 256 KiB buffers, a loopback device, a 30 s
   * connect timeout.
   *
   * @return a new builder; add at least one interface before {@link Builder#build()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Listens on {@code port}, on every address of the stack, with the builder's accept backlog.
   * Never waits.
   *
   * @param port the TCP port, 0 to 65535; 0 picks a free port of the ephemeral range ({@link
   *     TcpServer#localPort()} tells which)
   * @return the listening server; {@link TcpServer#accept()} takes its connections
   * @throws java.net.BindException if the port already has a listener
   * @throws SocketException if the stack is closed
   * @throws IOException if the listener cannot be made
   * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
   */
  public TcpServer listen(int port) throws IOException {
    return listen(port, listenBacklog);
  }

  /**
   * Listens on {@code port}, on every address of the stack. Never waits.
   *
   * @param port the TCP port, 0 to 65535; 0 picks a free port of the ephemeral range
   * @param backlog the most half-open plus not-yet-accepted connections, as Linux's SYN and accept
   *     backlogs together; a SYN beyond it is answered with a SYN cookie while the accept queue
   *     has room, and dropped (the peer retries) when it has none
   * @return the listening server
   * @throws java.net.BindException if the port already has a listener
   * @throws SocketException if the stack is closed
   * @throws IOException if the listener cannot be made
   * @throws IllegalArgumentException if {@code port} is outside 0 to 65535 or {@code backlog} is
   *     less than 1
   */
  public TcpServer listen(int port, int backlog) throws IOException {
    ensureOpen();
    return new TcpServer(this, host.listen(port, backlog));
  }

  /**
   * Connects, blocking up to the builder's {@link Builder#connectTimeout connect timeout} for the
   * handshake; see {@link #connect(InetSocketAddress, Duration)} for what ends the wait.
   *
   * @param remote the peer's address and port
   * @return the established connection
   * @throws IOException as {@link #connect(InetSocketAddress, Duration)} does
   */
  public TcpConnection connect(InetSocketAddress remote) throws IOException {
    return connect(remote, connectTimeout);
  }

  /**
   * Connects to {@code remote}, blocking the calling thread until the handshake completes. If the
   * wait ends any other way (refused, timed out, interrupted, stack closed), the half-open
   * connection is aborted, so nothing is left behind.
   *
   * <p>An interrupt of the waiting thread ends the wait with {@link java.io.InterruptedIOException}
   * and leaves the thread's interrupt status set.
   *
   * @param remote the peer's address and port
   * @param timeout how long to wait for the handshake; zero waits as long as the handshake's own
   *     retransmissions go on
   * @return the established connection
   * @throws java.net.ConnectException if the peer refuses ("Connection refused": it answered with
   *     a RST) or the handshake's retransmissions give up
   * @throws java.net.SocketTimeoutException if {@code timeout} passes first
   * @throws java.net.NoRouteToHostException if no interface leads to {@code remote}
   * @throws java.io.InterruptedIOException if the thread is interrupted while it waits
   * @throws SocketException if the stack is closed, or is closed while this waits
   * @throws IOException if the connection cannot be made for another reason
   */
  public TcpConnection connect(InetSocketAddress remote, Duration timeout) throws IOException {
    ensureOpen();
    Objects.requireNonNull(remote, "remote");
    long timeoutNanos = timeout.toNanos();
    Connection c = host.connect(remote, host.config().tcp(), timeoutNanos);
    try {
      c.awaitConnected(timeoutNanos);
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
   * meanwhile wait in the send buffer. Never waits.
   *
   * @param remote the peer's address and port
   * @return the connection, still connecting
   * @throws java.net.NoRouteToHostException if no interface leads to {@code remote}
   * @throws SocketException if the stack is closed or holds its most connections
   * @throws IOException if the connection cannot be started for another reason
   */
  public TcpConnection connectNow(InetSocketAddress remote) throws IOException {
    ensureOpen();
    Objects.requireNonNull(remote, "remote");
    return new TcpConnection(this, host.connect(remote));
  }

  /**
   * Connects as {@link #connect(InetSocketAddress)} does, without a thread waiting: the future
   * completes with the connection once the handshake completes, or fails with {@link
   * java.net.ConnectException} if it is refused or times out. Cancelling it, or a timeout set
   * with {@code orTimeout}, aborts the handshake. Returns at once; the future's dependent actions
   * may run on one of the stack's virtual threads, and must not block for long there.
   *
   * @param remote the peer's address and port
   * @return a future of the established connection; it fails with {@link
   *     java.net.NoRouteToHostException} without a route and {@link SocketException} if the stack
   *     is or gets closed
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
   * Pings {@code address} (ICMP or ICMPv6 echo) and returns the round trip, blocking the calling
   * thread until the reply or the timeout. An interrupt does not end the wait: the timeout does.
   *
   * @param address the address to ping
   * @param timeout how long to wait for the reply
   * @return the round-trip time
   * @throws java.net.SocketTimeoutException if no reply comes within {@code timeout}
   * @throws java.net.NoRouteToHostException if no interface leads to {@code address}
   * @throws SocketException if the stack is closed
   * @throws IOException if the request cannot be sent
   */
  public Duration ping(java.net.InetAddress address, Duration timeout) throws IOException {
    ensureOpen();
    return Duration.ofNanos(host.ping(address, timeout.toNanos()));
  }

  /**
   * Binds UDP {@code port} on every address of the stack. Never waits.
   *
   * @param port the UDP port, 0 to 65535; 0 picks a free port of the ephemeral range
   * @return the bound socket; its queue holds up to 1024 datagrams, and more are dropped
   * @throws java.net.BindException if the port is taken
   * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
   * @throws SocketException if the stack is closed
   * @throws IOException if the port cannot be bound
   */
  public UdpSocket openUdp(int port) throws IOException {
    ensureOpen();
    return new UdpSocket(host.bindUdp(port, 1024));
  }

  /**
   * A {@link java.nio.channels.spi.SelectorProvider} bound to this stack: its {@code
   * SocketChannel}s, {@code ServerSocketChannel}s, {@code DatagramChannel}s and selectors behave
   * as the JDK's do, so NIO code and libraries built on it (Netty's NIO transport, say) run on
   * Sluice unmodified. One per stack, made on first call (thread-safe: every caller gets the same
   * one); closing the stack fails its channels.
   *
   * @return this stack's provider
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
   * opened on.
   *
   * @throws IllegalStateException if the JVM-wide provider is not Sluice's
   */
  public void bindJvmWideProvider() {
    NioProviders.bindJvmWide(host);
  }

  /**
   * A {@code javax.net} socket factory over this stack, for code and drivers that take one. Its
   * sockets are {@link java.net.Socket}s (views of this stack's channels) that an {@code
   * SSLSocketFactory} can wrap, so TLS runs over Sluice. They block as {@link java.net.Socket}s
   * do, with {@code SO_TIMEOUT} on reads; closing a socket from another thread wakes its blocked
   * callers.
   *
   * @return a socket factory over this stack's {@link #selectorProvider()}
   */
  public SocketFactory socketFactory() {
    return selectorProvider().socketFactory();
  }

  /**
   * A {@code javax.net} server socket factory over this stack.
   *
   * @return a server socket factory over this stack's {@link #selectorProvider()}
   */
  public ServerSocketFactory serverSocketFactory() {
    return selectorProvider().serverSocketFactory();
  }

  /**
   * The stack's name, unique among this JVM's running stacks: the builder's {@link Builder#name},
   * with a suffix if another stack had it, or {@code stack-N}. Its MBean is {@code
   * dev.sluice:type=NetStack,name="NAME"} and its JFR events carry it (docs/observability.md).
   * Never waits.
   *
   * @return the name the stack registered under
   */
  public String name() {
    return host.name();
  }

  /**
   * How many connections the stack holds, in any state. Never waits.
   *
   * @return the number of connections, including those closing or in TIME-WAIT
   */
  public int connectionCount() {
    return host.connectionCount();
  }

  /**
   * The connection table, as {@code ss -tin} prints it. Each connection's line may be a moment
   * old; the call waits only as long as each connection's owner takes to finish what it is doing.
   *
   * @return one line per connection, under a header line
   */
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
   *
   * @return the number of violations seen since the stack started
   */
  public long ownershipViolations() {
    return host.ownershipViolations();
  }

  /**
   * Host-wide TCP counters, {@code nstat}-style. Never waits.
   *
   * @return one counter a line, as {@code name value}
   */
  public String tcpCounters() {
    return host.tcpTotals().format();
  }

  /**
   * Closes the stack: listeners stop accepting, every open connection is reset (its peer gets a
   * RST rather than waiting for a FIN that would never come), and every blocked or later call on
   * them throws a {@link SocketException} that says the stack was closed; pending async calls
   * fail the same way. Then it waits for the receive workers to stop. If the calling thread is
   * interrupted meanwhile, close returns without waiting further and leaves the interrupt status
   * set. Closing twice does nothing. Thread-safe.
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
   * freed: the idle sweep frees a connection's buffers once it has been idle a second, and visits at
   * most 65,536 connections a second, so many take a while to cover (about 18 seconds for a
   * million). For measuring a stack's idle memory.
   *
   * @param connections how many connections fell idle
   * @return the time after which their buffers are surely freed
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

  /**
   * How a {@link NetStack} is made: each setter checks its argument and returns this builder, and
   * {@link #build()} starts the stack. Not thread-safe; use one builder from one thread.
   */
  public static final class Builder {
    private final List<Object[]> interfaces = new ArrayList<>();
    private int workers = Runtime.getRuntime().availableProcessors();
    private boolean spray;
    private boolean inline;
    private boolean inlineWhenIdle = true; // measured: docs/runtime.md, "Receiving inline while the worker sleeps"
    private int receiveBufferBytes = 256 * 1024;
    private int sendBufferBytes = 256 * 1024;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private int listenBacklog = 128;
    private int maxConnections = 1_000_000;
    private boolean loopback = true;
    private IdleStrategy idleStrategy = IdleStrategy.backoff();
    private Duration busyPoll = Duration.ZERO;
    private Duration readSpin = Duration.ofNanos(DEFAULT_READ_SPIN_MICROS * 1_000);
    private String name;
    private boolean jmx = true;

    private Builder() {}

    /**
     * The stack's name, in its MBean's name and its JFR events (default {@code stack-N}). If a
     * running stack of this JVM has it already, this one gets a suffix: {@link NetStack#name()}
     * says which.
     *
     * @param name the name; not blank
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is blank
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
     *
     * @param on whether to register the MBean
     * @return this builder
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
     *
     * @param on false for a stack without loopback
     * @return this builder
     */
    public Builder loopback(boolean on) {
      loopback = on;
      return this;
    }

    /**
     * Adds {@code device} with an address like {@code 198.18.0.1/24} or {@code 2001:2::1/64}. The
     * stack's threads send and receive on the device from {@link #build()} on; closing the stack
     * does not close the device, so a device that holds a resource (a TUN file descriptor) is
     * closed by its owner after the stack.
     *
     * @param device the link the interface sends and receives on, a {@link
     *     dev.sluice.link.SimulatedInterface} or a {@link dev.sluice.link.TunDevice}, say
     * @param addressWithPrefix the interface's address and prefix length
     * @return this builder
     */
    public Builder addInterface(Device device, String addressWithPrefix) {
      interfaces.add(new Object[] {Objects.requireNonNull(device, "device"),
          Objects.requireNonNull(addressWithPrefix, "addressWithPrefix")});
      return this;
    }

    /**
     * Receive workers (platform threads); defaults to the number of cores.
     *
     * @param n how many, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is less than 1
     */
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
     *
     * @param strategy the workers' idle strategy
     * @return this builder
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
     * @param spin how long to spin; zero parks at once
     * @return this builder
     * @throws IllegalArgumentException if negative or longer than a second
     */
    public Builder busyPoll(Duration spin) {
      busyPoll = spin(spin, "busy poll");
      return this;
    }

    /**
     * The longest a platform thread blocked in a read spins, watching for the bytes, before it
     * parks, on a connection that has shown its replies come that fast (default {@value
     * NetStack#DEFAULT_READ_SPIN_MICROS} µs). Each connection learns it: it parks at once at
     * first; after 16 reads in a row that parked, one read spins the whole time (a probe); a probe
     * the bytes end starts spinning, one that runs out goes back to parking, and three spins in a
     * row that run out go back to parking too. A request/response exchange on one connection so
     * takes its replies without a thread wake-up (64-byte round trips between two stacks in one
     * JVM: 0.16–0.67× the kernel's loopback, against 1.04–1.08× parking; docs/runtime.md, "A
     * blocked reader's spin"), while a connection whose reads wait longer costs one spin every 17
     * reads or so, and an idle one nothing. Writes and connects never spin for it; virtual
     * threads never spin. A nonzero {@link #busyPoll} replaces it with a fixed spin for
     * everything.
     *
     * @param max the longest spin; zero never spins
     * @return this builder
     * @throws IllegalArgumentException if negative or longer than a second
     */
    public Builder readSpin(Duration max) {
      readSpin = spin(max, "read spin");
      return this;
    }

    /** {@code spin}, checked: from zero to a second (a longer spin is a busy loop in all but name). */
    private static Duration spin(Duration spin, String what) {
      Objects.requireNonNull(spin, what);
      if (spin.isNegative() || spin.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException(what + " must be between 0 and 1 s: " + spin);
      }
      return spin;
    }

    /**
     * Lets every worker take packets from every receive queue, so one connection's packets are
     * processed on several cores at once. Slower; for testing that correctness never depends on
     * flow steering.
     *
     * @param on true to spray
     * @return this builder
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
     *
     * @param on true to receive inline
     * @return this builder
     */
    public Builder receiveInline(boolean on) {
      inline = on;
      return this;
    }

    /**
     * While a receive queue's worker is parked, processes a packet that arrives on it on the thread
     * that delivered it, as {@link #receiveInline} does, and lets the worker sleep on; while the
     * worker is running (or spinning: {@link #idleStrategy}), it takes every packet, as without
     * this setting (default on). So a lone request and its reply cross two thread hand-offs
     * instead of four, and a busy flow still has its receive work done by the workers. {@link
     * #receiveInline} and {@link #sprayReceive} override it.
     *
     * @param on true to receive on the delivering thread while the worker is parked
     * @return this builder
     */
    public Builder receiveInlineWhenIdle(boolean on) {
      inlineWhenIdle = on;
      return this;
    }

    /**
     * Each connection's receive buffer (default 256 KiB): the most received bytes it holds unread,
     * and so the window it advertises. Buffers are made when a connection needs them and freed
     * when it has been idle a while.
     *
     * @param bytes the size, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1
     */
    public Builder receiveBufferBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("receive buffer must be positive: " + bytes);
      }
      receiveBufferBytes = bytes;
      return this;
    }

    /**
     * Each connection's send buffer (default 256 KiB): the most written bytes it holds until the
     * peer acknowledges them; a blocking write waits while it is full.
     *
     * @param bytes the size, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1
     */
    public Builder sendBufferBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("send buffer must be positive: " + bytes);
      }
      sendBufferBytes = bytes;
      return this;
    }

    /**
     * The timeout of {@link NetStack#connect(InetSocketAddress)} (default 30 s); zero waits as long
     * as the handshake's retransmissions go on.
     *
     * @param timeout the timeout, not negative
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("connect timeout must not be negative: " + timeout);
      }
      connectTimeout = timeout;
      return this;
    }

    /**
     * The backlog of {@link NetStack#listen(int)} (default 128).
     *
     * @param backlog the backlog, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code backlog} is less than 1
     */
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
     *
     * @param n the limit, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is less than 1
     */
    public Builder maxConnections(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxConnections must be positive: " + n);
      }
      maxConnections = n;
      return this;
    }

    /**
     * Builds the stack and starts its workers.
     *
     * @return the running stack; close it when done
     * @throws IllegalStateException if no interface was added
     */
    public NetStack build() {
      if (interfaces.isEmpty()) {
        throw new IllegalStateException("a stack needs at least one interface: call addInterface");
      }
      return new NetStack(this);
    }
  }
}
