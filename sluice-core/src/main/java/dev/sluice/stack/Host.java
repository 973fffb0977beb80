package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.LoopbackDevice;
import dev.sluice.link.internal.MpmcRing;
import dev.sluice.link.PacketBuffer;
import dev.sluice.tcp.IsnGenerator;
import dev.sluice.tcp.SynCookies;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpStats;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpAddress;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One host: the application's entry point (listen, connect, ping, UDP), its receive workers and
 * connection table. Segments go from a device's receive queue to a worker, and from the worker to
 * the connection's owner (see {@link Connection} for the ownership rules). The parts live beside
 * it:
 *
 * <ul>
 *   <li>{@link IpReceive}: the IP layer of the receive path (martians, fragments, ours or not);
 *   <li>{@link Interfaces}: devices, our addresses and the routes (is it ours, which way out);
 *   <li>{@link TcpDemux}: a segment to its connection, a listener ({@link PassiveOpen}: SYNs and
 *       SYN cookies) or a RST;
 *   <li>{@link Icmp}, {@link Udp}, {@link FragmentReassembler}: the other protocols;
 *   <li>{@link DatagramForwarding}: UDP and echo requests to other addresses, for the gateway role;
 *   <li>{@link Housekeeping}: the idle sweep, fragment expiry and stuck-connection watchdog.
 * </ul>
 *
 * <p><b>Threads.</b> Interfaces are added before {@link #start()} (or before the first step of a
 * simulation) and never change afterwards. The connection table is lock-free for readers; the
 * listeners, UDP ports and pings are in concurrent maps; the totals and drop counters are striped
 * adders; the pool of owner contexts is a lock-free ring. Nothing else is shared: each part says
 * what it shares where it is declared.
 */
public final class Host {
  private static final System.Logger LOG = System.getLogger("dev.sluice.stack");

  private final HostConfig config;
  private final OwnershipMutation mutation;
  private final Clock clock;
  private final IsnGenerator isn;
  /** Takes SYNs to addresses not ours (the gateway role); null: such segments are dropped. Set before start. */
  private volatile TcpForwarder forwarder;
  private final ConnectionTable<Connection> table = new ConnectionTable<>(1024);
  private final Interfaces interfaces = new Interfaces();
  private final EphemeralPorts ports;
  private final TcpTotals totals = new TcpTotals();
  private final DropCounters drops = new DropCounters();
  private final LongAdder ownershipViolations = new LongAdder();
  private final LongAdder connectionFaults = new LongAdder();
  private final LongAdder workerFaults = new LongAdder();
  /** Set by {@link #stop}; read by application threads. */
  private volatile boolean stopped;
  private final java.util.concurrent.atomic.AtomicBoolean workerFaultLogged = new java.util.concurrent.atomic.AtomicBoolean();
  /** {@link FaultInjection#throwingPort()}, asked once. */
  private final int throwingPort;
  private final MpmcRing<OwnerContext> contexts = new MpmcRing<>(64);
  private final Worker[] workers;
  private final Icmp icmp;
  private final Udp udp = new Udp(this);
  /** UDP datagrams and echo requests to addresses not ours, to their forwarders (the gateway role). */
  private final DatagramForwarding datagrams;
  /**
   * IP fragments waiting for the rest of their datagram. One for the host, locked inside, because
   * fragments of one datagram may reach different workers (they carry no ports to steer by) and
   * they are rare enough that the lock is never contended in steady state.
   */
  private final FragmentReassembler fragments = new FragmentReassembler(drops);
  /** Segments to their connection, a listener, or a RST. */
  private final TcpDemux demux;
  /** The IP layer of the receive path: from a device's packet to its protocol. */
  private final IpReceive ipReceive;
  /** The idle sweep, fragment expiry and the stuck-connection watchdog. */
  private final Housekeeping housekeeping;
  private volatile boolean started;
  /**
   * {@link Steering#INLINE}: each queue's receiver, to drain once at {@link #start}. Filled by
   * {@link #assignQueues} before start, on the thread that sets the host up.
   */
  private final List<InlineReceiver> inlineReceivers = new ArrayList<>();
  /** The name in the host's MBean and JFR events: the configured one, made unique at {@link #start}. */
  private volatile String name;
  private static final java.util.concurrent.atomic.AtomicInteger UNNAMED = new java.util.concurrent.atomic.AtomicInteger();

  public Host(HostConfig config) {
    this.config = config;
    this.name = config.name() != null ? config.name() : "stack-" + UNNAMED.incrementAndGet();
    this.mutation = config.faults().ownershipMutation();
    this.throwingPort = config.faults().throwingPort();
    this.clock = config.clock();
    // Every secret comes from the configured source, in this order: a seeded source makes the
    // host reproducible, the default (SecureRandom-seeded) makes it unpredictable.
    java.util.random.RandomGenerator random = config.random();
    this.isn = new IsnGenerator(random.nextLong(), random.nextLong());
    SynCookies cookies = new SynCookies(random.nextLong(), random.nextLong());
    this.demux = new TcpDemux(this, table, totals, new PassiveOpen(this, table, totals, isn, cookies));
    this.ports = new EphemeralPorts(49_152, 65_535, random.nextLong());
    this.icmp = new Icmp(this, table, random.nextInt());
    this.datagrams = new DatagramForwarding(this, icmp);
    this.ipReceive = new IpReceive(this, interfaces, drops, fragments, datagrams, icmp, udp, demux);
    this.housekeeping = new Housekeeping(table, fragments, clock, config.watchdogNanos());
    long now = clock.nanos();
    this.workers = new Worker[config.workers()];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i, this, config, now);
    }
    if (config.loopback()) {
      interfaces.addLoopback(new LoopbackDevice(), this::assignQueues);
    }
  }

  // ------------------------------------------------------------------ set-up

  /**
   * Adds a device with its address, given as {@code address/prefix} (IPv4 or IPv6 literal), and
   * the connected route for the prefix. Its receive queues are shared among the workers as the
   * steering mode says.
   */
  public Host addInterface(Device device, String addressWithPrefix) {
    if (started) {
      throw new IllegalStateException("interfaces are added before start()");
    }
    interfaces.add(device, addressWithPrefix, this::assignQueues);
    return this;
  }

  /**
   * Adds a route to {@code destination} (CIDR: {@code 0.0.0.0/0} is the default route) through
   * {@code gateway}, which must be on the network of an address already added; see {@link
   * Interfaces#addGatewayRoute}.
   */
  public Host addRoute(String destination, String gateway) {
    if (started) {
      throw new IllegalStateException("routes are added before start()");
    }
    interfaces.addGatewayRoute(destination, gateway);
    return this;
  }

  private void assignQueues(Device device) {
    int queues = device.receiveQueueCount();
    for (int q = 0; q < queues; q++) {
      if (config.steering() == Steering.INLINE) {
        InlineReceiver receiver = new InlineReceiver(this, device, q, isLoopback(device));
        inlineReceivers.add(receiver);
        device.onArrival(q, receiver);
      } else if (config.steering() == Steering.STEER) {
        workers[q % workers.length].addSource(device, q, null);
      } else if (config.steering() == Steering.ADAPTIVE) {
        workers[q % workers.length].addSource(device, q, new InlineReceiver(this, device, q, isLoopback(device)));
      } else {
        for (Worker w : workers) {
          w.addSource(device, q, null);
        }
      }
    }
  }

  /**
   * Starts one platform thread per worker; receiving inline, first drains what the devices queued
   * before the host was there to hear of it.
   */
  public void start() {
    started = true;
    if (config.jmx()) {
      name = HostMBean.register(this, name);
    }
    for (Worker w : workers) {
      w.start("sluice-worker-" + w.index);
    }
    // A device may deliver before its arrival hook is registered: a TUN device's readers start
    // when it opens, and the guest may send as soon as its address is up. Such a packet waits in
    // the queue with no arrival to announce it; a worker polls its queues when it starts, but an
    // inline queue has no one to poll it until the next arrival, which a lone ping never brings.
    // So each inline queue is drained once here, on the starting thread.
    for (InlineReceiver receiver : inlineReceivers) {
      receiver.run();
    }
  }

  /**
   * Closes the host: listeners stop accepting, every connection is reset (its peer gets a RST)
   * and its waiting calls fail with a {@link java.net.SocketException} that says the stack was
   * closed, then the workers stop.
   */
  public void stop() throws InterruptedException {
    stopped = true;
    demux.closeListeners();
    udp.closeAll(); // and UDP ports close, waking their receivers
    for (Connection c : connections()) {
      c.resetByStack(); // with the workers still running, so a contended connection is reset too
    }
    for (Worker w : workers) {
      w.stop();
    }
    if (config.jmx() && started) {
      HostMBean.unregister(name);
    }
  }

  /** The host's name, unique among the running hosts of this JVM that have an MBean (see {@link HostConfig#name}). */
  public String name() {
    return name;
  }

  /**
   * True once {@link #stop} began: every connection is being reset, and calls on them fail with a
   * {@link java.net.SocketException} that says the stack was closed.
   */
  boolean stopped() {
    return stopped;
  }

  // ------------------------------------------------------------------ application calls

  /** Listens on {@code port} with room for {@code cap} half-open plus unaccepted connections. */
  public Listener listen(int port, int cap) throws BindException {
    return listen(port, cap, config.tcp());
  }

  /**
   * As {@link #listen(int, int)}, with the TCP settings that connections accepted here start
   * with, as socket options set on a listening socket are inherited by the sockets it accepts.
   * Whether the stack itself consumes what they receive is the fault-injection hook's choice
   * ({@link FaultInjection#discardReceived}).
   */
  public Listener listen(int port, int cap, TcpConfig tcp) throws BindException {
    return demux.listen(port, cap, tcp);
  }

  void unlisten(Listener listener) {
    demux.unlisten(listener);
  }

  /**
   * Opens a connection (RFC 9293 §3.10.1 active OPEN) and returns at once, with the SYN sent; use
   * {@link Connection#awaitConnected} to wait for the handshake.
   */
  public Connection connect(InetSocketAddress remote) throws SocketException {
    return connect(remote, config.tcp());
  }

  /** As {@link #connect(InetSocketAddress)}, with this connection's own TCP settings. */
  public Connection connect(InetSocketAddress remote, TcpConfig tcp) throws SocketException {
    return connect(remote, tcp, 0);
  }

  /**
   * As {@link #connect(InetSocketAddress, TcpConfig)}, and if {@code handshakeTimeoutNanos} is
   * positive, the connection's own timer ends a wait in {@link Connection#awaitConnected} once that
   * long has passed without the handshake completing, so the waiting thread needs no timer of its
   * own (see {@link ConnectionDrain#handshakeDeadline}).
   */
  public Connection connect(InetSocketAddress remote, TcpConfig tcp, long handshakeTimeoutNanos)
      throws SocketException {
    java.util.Objects.requireNonNull(tcp, "tcp");
    if (table.size() >= config.maxConnections()) {
      throw new SocketException("Too many connections: this host keeps at most " + config.maxConnections()
          + " (HostConfig.maxConnections); cannot connect to " + remote);
    }
    InetAddress address = remote.getAddress();
    if (address == null) {
      throw new SocketException("Unresolved address (Sluice does no DNS): " + remote);
    }
    IpAddress to = IpAddress.of(address);
    boolean v6 = to.ipv6();
    long remoteHigh = to.high();
    long remoteLow = to.low();
    IpAddress local = interfaces.sourceFor(to);
    if (local == null) {
      Route route = interfaces.routeTo(v6, remoteHigh, remoteLow);
      if (route == null) {
        throw new NoRouteToHostException("No route to host: " + remote);
      }
      throw new NoRouteToHostException("No " + (v6 ? "IPv6" : "IPv4") + " address on " + route.interfaceName());
    }
    int remotePort = remote.getPort();
    for (int attempt = 0; attempt < 8; attempt++) {
      int localPort = ports.allocate(v6, local.high(), local.low(), remoteHigh, remoteLow, remotePort,
          p -> table.get(v6, local.high(), local.low(), p, remoteHigh, remoteLow, remotePort) != null);
      if (localPort < 0) {
        throw new BindException("Cannot assign requested address: no ephemeral port free for " + remote);
      }
      TcpEndpoints endpoints =
          new TcpEndpoints(v6, local.high(), local.low(), localPort, remoteHigh, remoteLow, remotePort);
      long now = clock.nanos();
      TcpEngine engine = TcpEngine.connect(tcp, endpoints, endpoints.isn(isn, now));
      Connection c = newConnection(engine, null, null);
      if (handshakeTimeoutNanos > 0 && handshakeTimeoutNanos < Long.MAX_VALUE - now) {
        // Before the table publishes c. A timeout too far off to add stays the waiter's own.
        c.handshakeDeadline = now + handshakeTimeoutNanos;
      }
      c.tryAcquire();
      if (table.putIfAbsent(endpoints, c) != null) {
        continue; // another thread took the same port a moment ago
      }
      OwnerContext ctx = borrowContext();
      try {
        c.drain(ctx, now);
      } finally {
        returnContext(ctx);
      }
      return c;
    }
    throw new ConnectException("Could not pick a free local port for " + remote);
  }

  /**
   * A new connection whose timers live on {@code worker}'s wheel: the worker that received its
   * SYN, so that with steering its segments and its timers stay on one core; or, for an active
   * open, a worker chosen by hashing the tuple.
   */
  Connection newConnection(TcpEngine engine, Listener listener, Worker worker) {
    TcpEndpoints e = engine.endpoints();
    Device device = deviceFor(e);
    Worker home = worker != null ? worker : workers[Math.floorMod(hash(e), workers.length)];
    StackEvents.opened(this, engine);
    return new Connection(this, engine, device, home, listener, config.backlogLimit());
  }

  /** The device a connection's segments leave through, or null if there is no route to its peer. */
  Device deviceFor(TcpEndpoints e) {
    return interfaces.deviceFor(e.ipv6(), e.remoteHigh(), e.remoteLow());
  }

  /**
   * Pings {@code address} (ICMP or ICMPv6 echo) and returns the round trip in nanoseconds. Throws
   * {@link java.net.SocketTimeoutException} without a reply, {@link NoRouteToHostException}
   * without a route.
   */
  public long ping(InetAddress address, long timeoutNanos) throws IOException {
    IpAddress remote = IpAddress.of(address);
    IpAddress local = interfaces.sourceFor(remote);
    if (local == null) {
      throw new NoRouteToHostException("No route to host: " + address.getHostAddress());
    }
    return icmp.ping(remote, local, timeoutNanos);
  }

  /** Binds a UDP port; see {@link UdpEndpoint}. Throws {@link BindException} if taken. */
  public UdpEndpoint bindUdp(int port, int queueCapacity) throws BindException {
    return udp.bind(port, queueCapacity);
  }

  /**
   * True if {@code address} is one of this host's own (with loopback, also all of 127/8 and ::1)
   * or the wildcard address: what a socket may be bound to ({@code bind(2)} gives {@code
   * EADDRNOTAVAIL} for anything else).
   */
  public boolean canBindTo(InetAddress address) {
    if (address.isAnyLocalAddress()) {
      return true;
    }
    IpAddress a = IpAddress.of(address);
    return interfaces.isLocal(a.ipv6(), a.high(), a.low());
  }

  // ------------------------------------------------------------------ forwarding (the gateway role)

  /**
   * Makes this host take TCP connections to addresses that are not its own, through {@code
   * forwarder} (see {@link TcpForwarder}): a segment to another address is then no longer dropped
   * as not ours, but goes to its connection, or, if it is a SYN, to the forwarder, or is answered
   * with a RST. Call before {@link #start}. Segments from the loopback device are never forwarded.
   */
  public void forwardTcp(TcpForwarder forwarder) {
    this.forwarder = java.util.Objects.requireNonNull(forwarder, "forwarder");
  }

  TcpForwarder forwarder() {
    return forwarder;
  }

  /**
   * Makes this host take UDP datagrams to addresses that are not its own, through {@code
   * forwarder} (see {@link UdpForwarder}), instead of dropping them as not ours; datagrams from the
   * loopback device, or to multicast or broadcast addresses, are never forwarded. Call before
   * {@link #start}.
   */
  public void forwardUdp(UdpForwarder forwarder) {
    datagrams.udpForwarder(java.util.Objects.requireNonNull(forwarder, "forwarder"));
  }

  /**
   * Makes this host take ICMP and ICMPv6 echo requests to addresses that are not its own, through
   * {@code forwarder} (see {@link IcmpEchoForwarder}); echo requests to its own addresses are still
   * answered by the host. Call before {@link #start}.
   */
  public void forwardIcmpEcho(IcmpEchoForwarder forwarder) {
    datagrams.echoForwarder(java.util.Objects.requireNonNull(forwarder, "forwarder"));
  }

  /**
   * Sends a UDP datagram of {@code payload} (position to limit, left unchanged) from {@code from},
   * any address and port (the outside's, for a forwarded flow's answer), to {@code to} on a
   * connected network: the gateway's answers to its guest. An IPv4 datagram larger than the link is
   * fragmented. Any thread. Returns false if it was not sent: no route, too long for IPv6's link or
   * for UDP (counted as {@code FORWARD_REPLY_UNSENDABLE}), or the device dropped it. Throws {@link
   * IllegalArgumentException} for an unresolved address or a mix of families.
   */
  public boolean sendUdp(InetSocketAddress from, InetSocketAddress to, java.nio.ByteBuffer payload) {
    return datagrams.sendUdp(from, to, payload);
  }

  /** {@code syn} was decided: its retransmissions are no longer dropped as pending. */
  void forwardDecided(ForwardedSyn syn) {
    demux.forwardDecided(syn);
  }

  /** See {@link ForwardedSyn#accept}. */
  Connection acceptForwarded(TcpEndpoints endpoints, byte[] packet, TcpConfig tcp) throws SocketException {
    long now = clock.nanos();
    OwnerContext ctx = borrowContext();
    try {
      Connection c = demux.acceptForwarded(endpoints, packet, tcp, ctx, now);
      if (c == null) {
        throw new SocketException("Too many connections, or this one exists already: " + format(endpoints));
      }
      c.drain(ctx, now); // the engine took the SYN: our SYN-ACK goes out
      return c;
    } finally {
      returnContext(ctx);
    }
  }

  /** See {@link ForwardedSyn#unreachable}. */
  void unreachableForwarded(byte[] packet) {
    long now = clock.nanos();
    OwnerContext ctx = borrowContext();
    try {
      icmp.unreachable(packet, ctx, now);
    } finally {
      returnContext(ctx);
    }
  }

  /** See {@link ForwardedSyn#refuse}. */
  void refuseForwarded(TcpEndpoints endpoints, byte[] packet) {
    long now = clock.nanos();
    OwnerContext ctx = borrowContext();
    try {
      demux.refuseForwarded(endpoints, packet, ctx, now);
    } finally {
      returnContext(ctx);
    }
  }

  /** Its interfaces, addresses and routes. */
  Interfaces interfaces() {
    return interfaces;
  }

  private static int hash(TcpEndpoints e) {
    long h = e.localLow() * 0x9E3779B97F4A7C15L ^ e.remoteLow() * 0xC2B2AE3D27D4EB4FL
        ^ e.remoteHigh() ^ e.localHigh() ^ ((long) e.localPort() << 16 | e.remotePort());
    return (int) (h ^ (h >>> 32));
  }

  // ------------------------------------------------------------------ receive path (workers)

  /**
   * A worker's packet, through the IP layer ({@link IpReceive}). Returns the connection the worker
   * now owns and must drain, or null. The buffer is released, or handed on.
   */
  Connection receive(PacketBuffer packet, OwnerContext ctx, long now) {
    return receive(packet, false, ctx, now);
  }

  /**
   * As {@link #receive(PacketBuffer, OwnerContext, long)}, for a packet that arrived on the
   * loopback device if {@code fromLoopback} (see {@link IpReceive}).
   */
  Connection receive(PacketBuffer packet, boolean fromLoopback, OwnerContext ctx, long now) {
    return ipReceive.receive(packet, fromLoopback, ctx, now);
  }

  /** Whether {@code device} is this host's loopback device; set up only, so read freely. */
  boolean isLoopback(Device device) {
    return interfaces.isLoopback(device);
  }

  /** Bytes and datagrams the fragment reassembler holds, for tests and statistics. */
  long fragmentBytesHeld() {
    return fragments.bytesHeld();
  }

  int fragmentDatagramsHeld() {
    return fragments.datagramsHeld();
  }

  /** Writes the IP header in front of the TCP segment at {@code ctx.tx[ipHeader...]} and sends it. */
  void transmitTcp(TcpEndpoints e, Device device, OwnerContext ctx, int tcpLength, long now) {
    transmitTcp(e, device, ctx, tcpLength, now, null);
  }

  /**
   * As above, through {@code coalescer} unless it is null; its owner flushes it after the burst. A
   * segment sent through a coalescer has its TCP checksum left to the device (the engine's
   * {@code checksumToDevice}): a coalescer is used only for a device that segments, and such a
   * device completes checksums.
   */
  void transmitTcp(TcpEndpoints e, Device device, OwnerContext ctx, int tcpLength, long now,
      dev.sluice.link.TcpCoalescer coalescer) {
    if (device == null) {
      drops.increment(DropReason.NOT_FOR_US);
      return;
    }
    int ipHeader;
    if (e.ipv6()) {
      ipHeader = ctx.ipv6.protocol(IpProtocol.TCP).hopLimit(64).source(e.localHigh(), e.localLow())
          .destination(e.remoteHigh(), e.remoteLow()).write(ctx.tx, 0, tcpLength);
    } else {
      ipHeader = ctx.ipv4.protocol(IpProtocol.TCP).ttl(64).dontFragment(true)
          .source((int) e.localLow()).destination((int) e.remoteLow()).write(ctx.tx, 0, tcpLength);
    }
    if (coalescer != null) {
      coalescer.transmit(device, ctx.tx, 0, ipHeader + tcpLength, true, now);
    } else {
      device.transmit(ctx.tx, 0, ipHeader + tcpLength, now);
    }
  }

  // ------------------------------------------------------------------ called by connections

  void remove(Connection c) {
    if (table.remove(c.endpoints(), c)) {
      totals.absorb(c.stats());
    }
  }

  void dropped(DropReason reason) {
    drops.increment(reason);
  }

  void ownershipViolation(Connection c) {
    ownershipViolations.increment();
  }

  OwnerContext borrowContext() {
    OwnerContext ctx = contexts.poll();
    return ctx != null ? ctx : new OwnerContext(drops);
  }

  void returnContext(OwnerContext ctx) {
    contexts.offer(ctx); // if the pool is full, the garbage collector takes it
  }

  Housekeeping housekeeping() {
    return housekeeping;
  }

  /**
   * Reports every connection whose peer's FIN was delivered but whose application has not closed
   * within the watchdog time: the Q114541 symptom, when the bug is the application's. Returns how
   * many it reported now; each connection is reported once. Worker 0 runs it every second.
   */
  public int watchdogScan(long now) {
    return housekeeping.watchdogScan(now);
  }

  // ------------------------------------------------------------------ observation

  /** The deliberate protocol breakage this host was built with; {@code NONE} outside tests. */
  OwnershipMutation mutation() {
    return mutation;
  }

  /** {@link FaultInjection#throwingPort()}: -1 outside the containment tests. */
  int throwingPort() {
    return throwingPort;
  }

  /**
   * Processing {@code c} threw {@code fault}: counted, and logged once per connection with its
   * name and the trace, since it is a bug in Sluice that one connection must not pass on.
   */
  void connectionFaulted(Connection c, Throwable fault) {
    connectionFaults.increment();
    LOG.log(System.Logger.Level.ERROR, "internal error on " + c + ": the connection was reset and closed", fault);
  }

  /**
   * A worker's step threw outside any connection (see {@link Worker#step}): counted, and logged
   * with its trace the first time only, so a bug hit by every packet cannot flood the log.
   */
  void workerFaulted(Worker worker, Throwable fault) {
    receiveFaulted("receive worker " + worker.index, fault);
  }

  /** As {@link #workerFaulted}, for any thread that receives: {@code where} names it. */
  void receiveFaulted(String where, Throwable fault) {
    workerFaults.increment();
    if (!workerFaultLogged.getAndSet(true)) {
      LOG.log(System.Logger.Level.ERROR, "internal error in " + where
          + ": the packet was dropped and the receive path goes on (further errors are only counted)", fault);
    }
  }

  /**
   * How long after a host's {@code connections} fell idle its idle sweep, which visits a slice of
   * its busy connections a second, has surely freed every one's buffers: for tools that measure
   * idle state (sluice bench).
   */
  public static long fullIdleSweepNanos(int connections) {
    return Housekeeping.fullSweepNanos(connections);
  }

  /** Worker steps that threw outside any connection; see {@link #workerFaulted}. */
  public long workerFaults() {
    return workerFaults.sum();
  }

  /** Connections whose processing threw and that were reset in containment (see {@code Connection}). */
  public long connectionFaults() {
    return connectionFaults.sum();
  }

  public HostConfig config() {
    return config;
  }

  Clock clock() {
    return clock;
  }

  ConnectionObserver observer() {
    return config.observer();
  }

  DropCounters drops() {
    return drops;
  }

  Worker[] workers() {
    return workers;
  }

  // ------------------------------------------------------------------ driving by hand

  /**
   * Runs the host from the caller's thread instead of worker threads, for deterministic use such
   * as a conformance runner with a virtual clock (as smoltcp's {@code Interface::poll}): every
   * worker handles its received packets, owned connections and timers due at {@code now}, until
   * none has work left. Only for a host that was never started. Returns true if anything ran.
   */
  public boolean poll(long now) {
    if (started) {
      throw new IllegalStateException("poll drives a host that was not started; this one runs its own workers");
    }
    boolean any = false;
    boolean worked = true;
    while (worked) {
      worked = false;
      for (Worker w : workers) {
        while (w.step(now)) {
          worked = true;
          any = true;
        }
      }
    }
    return any;
  }

  /**
   * No later than the next time {@link #poll} has timer work; {@link Long#MAX_VALUE} if no timer
   * is armed. It may be early by up to one timer tick (the wheel's granularity), never late.
   */
  public long pollAt() {
    long next = Long.MAX_VALUE;
    for (Worker w : workers) {
      next = Math.min(next, w.nextTimerHint());
    }
    return next;
  }

  /** The timer wheels' granularity: a timer fires up to this long after its deadline. */
  public long timerTickNanos() {
    return config.timerTickNanos();
  }

  /** Drops at the host (not inside a connection), by reason. */
  public Map<DropReason, Long> hostDrops() {
    return drops.snapshot();
  }

  /** Host-wide TCP counters: closed connections, live ones, and events outside any connection. */
  public TcpTotals.Snapshot tcpTotals() {
    List<TcpStats> live = new ArrayList<>();
    table.forEach((e, c) -> live.add(c.stats()));
    return totals.snapshot(live);
  }

  /** Times two threads owned one connection at once. The protocol keeps this at zero. */
  public long ownershipViolations() {
    return ownershipViolations.sum();
  }

  /** Stuck connections the watchdog has reported. */
  public long watchdogReports() {
    return housekeeping.watchdogReports();
  }

  /** The live connections, a weakly consistent snapshot. */
  public List<Connection> connections() {
    List<Connection> list = new ArrayList<>();
    table.forEach((e, c) -> list.add(c));
    return list;
  }

  public int connectionCount() {
    return table.size();
  }

  String format(TcpEndpoints e) {
    return address(e.ipv6(), e.localHigh(), e.localLow()) + ":" + e.localPort() + " -> "
        + address(e.ipv6(), e.remoteHigh(), e.remoteLow()) + ":" + e.remotePort();
  }

  private static String address(boolean v6, long high, long low) {
    if (!v6) {
      return IpAddresses.formatIpv4((int) low);
    }
    return "[" + IpAddresses.formatIpv6(high, low) + "]";
  }
}
