package dev.sluice.gateway.relay;

import dev.sluice.gateway.GatewayCounters;
import dev.sluice.link.Device;
import dev.sluice.stack.Connection;
import dev.sluice.stack.ForwardedSyn;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEndpoints;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's core (issue 15): a Sluice host on the guest's device that takes every TCP flow
 * the guest opens ({@link Host#forwardTcp}) and relays it over a kernel socket of this process;
 * UDP datagrams go to {@link UdpFlows} and pings to {@link IcmpEchoRelay} the same way.
 *
 * <p>For each held SYN the {@link DestinationPolicy} decides first (refused: a RST); then, on a
 * virtual thread, the {@link OutsideConnector} connects to the guest's destination with a timeout;
 * on success the SYN is accepted and relayed ({@link TcpRelay}); refused: refuse the SYN (the guest
 * gets a RST); unreachable: an ICMP unreachable; timed out: a RST (by then the guest's own SYN
 * retries have given up, with the default timeout); any other failure: forget it (the guest's next
 * retransmission asks again). A relayed flow that moves nothing for its idle or half-closed
 * timeout is reset both ways; a guest that vanishes is found by the TCP user timeout and keepalive
 * of its connection ({@link GatewayConfig.Builder#guestTimeout}). At most {@code maxFlows} flows
 * (fewer if their buffers would pass {@code maxMemoryBytes}, see {@link FlowMemory}), counting the
 * SYNs still being decided, exist at once; beyond that a SYN is refused. Flows that outside clients open through
 * the {@link PortForwarder}s (one per {@code --forward}) count too.
 */
final class GatewayHost implements AutoCloseable {
  private final Host host;
  private final GatewayConfig config;
  private final TcpConfig guestTcp;
  /** The flows' count and memory: admission, and the send buffers' growth. */
  private final FlowMemory memory;
  private final Thread sweeper;
  private final Set<TcpRelay> relays = ConcurrentHashMap.newKeySet();
  private final List<PortForwarder> forwarders = new ArrayList<>();
  private final List<UdpPortForwarder> udpForwarders = new ArrayList<>();
  private final List<InetSocketAddress> forwardAddresses = new ArrayList<>();
  private volatile boolean closing;
  private final UdpFlows udp;
  private final IcmpEchoRelay echo;
  final LongAdder accepted = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder forgotten = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder denied = new LongAdder();
  final LongAdder closedFlows = new LongAdder();
  final LongAdder guestResets = new LongAdder();
  final LongAdder outsideResets = new LongAdder();
  final LongAdder timedOut = new LongAdder();
  final LongAdder connectTimeouts = new LongAdder();

  /**
   * Starts a gateway host on {@code device}, configured by {@code config}, and its port forwards;
   * throws (with nothing left running) if a forward cannot listen.
   */
  GatewayHost(Device device, GatewayConfig config) throws IOException, InterruptedException {
    this.config = config;
    this.host = new Host(HostConfig.builder().buildWith(h -> {
      h.name = "gateway"; // its MBean's name: 'sluice ss' shows it
      if (config.receiveInline) {
        h.steering = dev.sluice.stack.Steering.INLINE;
      }
    }));
    if (config.capture != null) {
      config.capture.attach(device); // before the host starts, so the capture has every packet
    }
    host.addInterface(device, config.hostAddress);
    if (config.hostAddress6 != null) {
      host.addInterface(device, config.hostAddress6); // the same device, a second address
    }
    long guestTimeout = config.guestTimeout.toNanos();
    this.memory = new FlowMemory(config.maxMemoryBytes, GatewaySettings.flowMemoryBytes(config.flowBufferBytes),
        config.maxFlows);
    this.guestTcp = host.config().tcp().toBuilder().buildWith(b -> {
      b.mtu = device.mtu(); // the guest's MSS from the device: 65,480 bytes at slirp4netns's MTU 65520
      b.nagle = false; // the relay writes what it read at once; the guest's own Nagle still holds its side
      b.userTimeoutNanos = guestTimeout; // data the guest leaves unacknowledged this long: it vanished
      b.keepAliveIdleNanos = guestTimeout; // a quiet guest is probed, and reset if it never answers
      b.keepAliveIntervalNanos = Math.max(TimeUnit.SECONDS.toNanos(1), guestTimeout / 3);
      b.keepAliveProbes = 3;
      b.receiveBufferBytes = config.flowBufferBytes;
      b.sendBufferBytes = config.flowBufferBytes;
      // Toward the guest the send buffer grows with the window, within memory's growth share.
      b.sendBufferMaxBytes = config.flowBufferMaxBytes; // at or below flowBufferBytes: no growth
      b.sendBufferBudget = memory;
    });
    host.forwardTcp(this::onSyn);
    this.udp = new UdpFlows(host, config);
    this.echo = new IcmpEchoRelay(config.policy);
    host.forwardUdp(udp::onDatagram);
    host.forwardIcmpEcho(echo::onEcho);
    host.start();
    sweeper = Thread.ofVirtual().name("sluice-gateway-sweep").start(this::sweep);
    try {
      for (PortForwarder.Rule rule : config.forwards) {
        if (rule.udp()) {
          UdpPortForwarder forwarder = UdpPortForwarder.start(rule, host, config);
          udpForwarders.add(forwarder);
          udp.sweepAlso(forwarder); // idle client flows close on the UDP flows' sweep
          forwardAddresses.add(new InetSocketAddress(rule.hostAddress(), forwarder.port()));
        } else {
          PortForwarder forwarder = PortForwarder.start(rule, this, config);
          forwarders.add(forwarder);
          forwardAddresses.add(new InetSocketAddress(rule.hostAddress(), forwarder.port()));
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The UDP flows (their table, counters). */
  UdpFlows udp() {
    return udp;
  }

  /** The ICMP echo relay (its counters). */
  IcmpEchoRelay echo() {
    return echo;
  }

  /** Flows now (relayed, or SYNs being decided). */
  int flows() {
    return memory.flows();
  }

  /**
   * The most flows at once with no send buffer grown: {@code maxFlows}, or fewer if their buffers
   * would pass the memory cap.
   */
  int flowLimit() {
    return memory.flowLimit();
  }

  /** The most one flow buffers before its send buffer grows: Sluice's two buffers and the relay's two. */
  long flowMemoryBytes() {
    return memory.flowBytes();
  }

  /** The configuration of the guest's connections. */
  TcpConfig guestTcp() {
    return guestTcp;
  }

  /** The flows' memory, grown send buffers included. */
  FlowMemory memory() {
    return memory;
  }

  /**
   * Bytes the flows hold now: what Sluice's connections hold (received and not yet relayed, sent
   * and not yet acknowledged by the guest) plus the relays' buffers, counted whole. At most what
   * {@link FlowMemory} reserved (each flow's first sizes, plus the send buffers' growth), so at
   * most the memory cap.
   */
  long bufferedBytes() {
    long bytes = 2L * TcpRelay.BUFFER_BYTES * relays.size();
    for (Connection c : host.connections()) {
      var info = c.info();
      bytes += info.receiveQueue() + info.sendQueue();
    }
    return bytes;
  }

  private void onSyn(ForwardedSyn syn) {
    if (closing) {
      syn.refuse();
      return;
    }
    InetSocketAddress destination = config.policy.route(destination(syn.endpoints()));
    if (destination == null) {
      denied.increment();
      syn.refuse(); // as a firewall's REJECT with tcp-reset
      return;
    }
    if (!takeFlow()) {
      syn.refuse();
      return;
    }
    Thread.ofVirtual().name("sluice-gateway-connect").start(() -> decide(syn, destination));
  }

  private void decide(ForwardedSyn syn, InetSocketAddress destination) {
    boolean relaying = false;
    Socket outside = null;
    try {
      try {
        outside = config.outside.connect(destination, config.connectTimeout);
      } catch (ConnectException e) {
        if (timedOut(e)) { // the kernel's own SYN retries gave up first: "Connection timed out"
          connectTimeouts.increment();
          syn.refuse();
        } else if (e.getMessage() != null && e.getMessage().contains("refused")) {
          refused.increment();
          syn.refuse(); // a RST, as the outside answered us
        } else { // network unreachable: an ICMP unreachable, as a router would send
          unreachable.increment();
          syn.unreachable();
        }
        return;
      } catch (java.net.NoRouteToHostException e) { // EHOSTUNREACH: nobody answered ARP, or a router said so
        unreachable.increment();
        syn.unreachable();
        return;
      } catch (IOException e) {
        if (timedOut(e)) { // by now the guest's own SYN retries have given up, or learn of it
          connectTimeouts.increment();
          syn.refuse();
        } else { // the outside (a proxy, say) could not be asked: the guest's next SYN asks again
          forgotten.increment();
          syn.forget();
        }
        return;
      }
      if (closing) {
        syn.refuse();
        return;
      }
      Connection connection = null;
      try {
        connection = syn.accept(guestTcp);
        connection.awaitConnected(config.connectTimeout.toNanos());
        connection.setNoDelay(true);
        outside.setTcpNoDelay(true);
      } catch (IOException e) { // at the host's limit, or the guest went away during the handshake
        if (connection != null) {
          try {
            connection.abort();
          } catch (IOException ignored) {
            // reset already
          }
        }
        return;
      }
      accepted.increment();
      relaying = true;
      relay(connection, outside, TcpRelay.Origin.GUEST);
    } finally {
      if (!relaying) {
        memory.releaseFlow();
        if (outside != null) {
          resetQuietly(outside);
        } // connected but not relayed (the gateway is closing): a RST, not a FIN
      }
    }
  }

  /** Takes a flow slot, or counts one over the limit and answers false. */
  boolean takeFlow() {
    if (!memory.takeFlow()) {
      overLimit.increment();
      return false;
    }
    return true;
  }

  /** Gives back a slot from {@link #takeFlow} whose flow never reached {@link #relay}. */
  void releaseFlow() {
    memory.releaseFlow();
  }

  /** Whether the gateway is closing: a flow that connects now is reset instead of relayed. */
  boolean closing() {
    return closing;
  }

  /**
   * Relays a connected flow whose slot {@link #takeFlow} took; the slot is given back when the flow
   * ends. If the gateway is closing, the flow is reset at once.
   */
  void relay(Connection guest, Socket outside, TcpRelay.Origin origin) {
    TcpRelay relay = new TcpRelay(guest, outside, origin, this::ended);
    relays.add(relay);
    relay.start(config.relayThreads);
    if (closing) {
      relay.reset();
    }
  }

  /**
   * Opens a connection from Sluice's address to {@code guest} and waits for the handshake, at most
   * the connect timeout: ConnectException if the guest refuses (its RST), SocketTimeoutException
   * if it does not answer (the connection is aborted, so its SYN retransmissions stop).
   */
  Connection connectToGuest(InetSocketAddress guest) throws IOException {
    Connection connection = host.connect(guest);
    try {
      connection.awaitConnected(config.connectTimeout.toNanos());
      connection.setNoDelay(true);
    } catch (IOException e) {
      try {
        connection.abort();
      } catch (IOException ignored) {
        // reset already
      }
      throw e;
    }
    return connection;
  }

  /** Every flow being relayed now, in no order (each a moment old). */
  List<TcpRelay.Snapshot> flowTable() {
    List<TcpRelay.Snapshot> table = new ArrayList<>();
    for (TcpRelay relay : relays) {
      table.add(relay.snapshot());
    }
    return table;
  }

  /** The port forwards, in --forward order. */
  List<PortForwarder> forwarders() {
    return List.copyOf(forwarders);
  }

  /** The UDP forwards ({@code --forward udp:}), in the order given. */
  List<UdpPortForwarder> udpForwarders() {
    return List.copyOf(udpForwarders);
  }

  private void ended(TcpRelay relay, TcpRelay.Ending ending) {
    if (relays.remove(relay)) {
      memory.releaseFlow();
    }
    switch (ending) {
      case CLOSED -> closedFlows.increment();
      case GUEST_RESET -> guestResets.increment();
      case OUTSIDE_RESET -> outsideResets.increment();
      case TIMED_OUT -> timedOut.increment();
      case STOPPED -> { }
    }
  }

  /**
   * Resets the flows that moved nothing for longer than their timeout. Runs on its own virtual
   * thread, a few times per shortest timeout (at most once per 100 ms), until the gateway closes.
   */
  private void sweep() {
    long idle = config.idleTimeout.toNanos();
    long halfClosed = config.halfClosedTimeout.toNanos();
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(idle, halfClosed) / 4);
    while (!closing) {
      try {
        TimeUnit.NANOSECONDS.sleep(period);
      } catch (InterruptedException e) {
        return; // closing
      }
      long now = System.nanoTime();
      for (TcpRelay relay : relays) {
        relay.expire(now, idle, halfClosed);
      }
    }
  }

  /** Whether a failed connect means nobody answered in time (ETIMEDOUT, or our own timeout). */
  private static boolean timedOut(IOException e) {
    return e instanceof java.net.SocketTimeoutException
        || (e.getMessage() != null && e.getMessage().contains("timed out"));
  }

  /** Resets every flow and stops the host; the caller closes the device. */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    sweeper.interrupt();
    for (UdpPortForwarder forwarder : udpForwarders) {
      forwarder.close();
    }
    for (PortForwarder forwarder : forwarders) {
      forwarder.close(); // no new clients: a client connecting now is refused by this host's kernel
    }
    for (TcpRelay relay : relays) {
      relay.reset();
    }
    udp.close();
    echo.close();
    host.stop();
  }

  /** The gateway host's drops by reason: what arrived from the guest that it did not act on. */
  java.util.Map<dev.sluice.wire.DropReason, Long> drops() {
    return host.hostDrops();
  }

  /** The counters now, each read a moment apart. */
  GatewayCounters snapshot() {
    return new GatewayCounters(memory.flows(), accepted.sum(), refused.sum(), unreachable.sum(), forgotten.sum(),
        overLimit.sum(), denied.sum(), closedFlows.sum(), guestResets.sum(), outsideResets.sum(), timedOut.sum(),
        connectTimeouts.sum(), udp.flows(), udp.opened.sum(), udp.idleClosed.sum(), udp.overLimit.sum(),
        udp.denied.sum(), udp.openFailed.sum(), udp.refused.sum(), udp.toOutside.sum(), udp.toGuest.sum(),
        udp.dropped.sum(), echo.relayed.sum(), echo.pingSocket(), echo.replied.sum(), echo.denied.sum(),
        echo.unreachable.sum(), echo.overLimit.sum(), echo.failed.sum());
  }

  /** The counters in the command's one line. */
  String counters() {
    return snapshot().toString();
  }

  /** Each forward's counters line: the TCP forwards, then the UDP ones, each in the order given. */
  List<String> forwardCounters() {
    List<String> lines = new ArrayList<>();
    for (PortForwarder forwarder : forwarders) {
      lines.add(forwarder.counters());
    }
    for (UdpPortForwarder forwarder : udpForwarders) {
      lines.add(forwarder.counters());
    }
    return lines;
  }

  /** The address each forward listens on (the port the kernel chose for port 0), in the order given. */
  List<InetSocketAddress> forwardAddresses() {
    return List.copyOf(forwardAddresses);
  }

  /** Where the guest connected: the held connection's local address and port. */
  static InetSocketAddress destination(TcpEndpoints e) {
    byte[] bytes = e.ipv6()
        ? ByteBuffer.allocate(16).putLong(e.localHigh()).putLong(e.localLow()).array()
        : ByteBuffer.allocate(4).putInt((int) e.localLow()).array();
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), e.localPort());
    } catch (UnknownHostException ex) {
      throw new IllegalStateException(ex); // cannot happen: the length is 4 or 16
    }
  }

  private static void resetQuietly(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // closed already
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
