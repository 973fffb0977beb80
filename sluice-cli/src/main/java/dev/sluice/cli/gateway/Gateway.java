package dev.sluice.cli.gateway;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.internal.HostSockets;
import dev.sluice.link.Device;
import dev.sluice.stack.Connection;
import dev.sluice.stack.ForwardedSyn;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's core (issue 15): a Sluice host on the guest's device that takes every TCP flow
 * the guest opens ({@link Host#forwardTcp}) and relays it over a kernel socket of this process.
 *
 * <p>For each held SYN the {@link DestinationPolicy} decides first (refused: a RST); then, on a
 * virtual thread, the {@link OutsideConnector} connects to the guest's destination with a timeout;
 * on success the SYN is accepted and relayed ({@link TcpRelay}); refused: refuse the SYN (the guest
 * gets a RST); unreachable: an ICMP unreachable; a timeout: forget it (the guest's next
 * retransmission asks again). At most {@code maxFlows} flows, counting the SYNs still being
 * decided, exist at once; beyond that a SYN is refused. Flows that outside clients open through
 * the {@link PortForwarder}s (one per {@code --forward}) count too.
 */
final class Gateway implements AutoCloseable {
  private final Host host;
  private final GatewayConfig config;
  private final AtomicInteger flows = new AtomicInteger();
  private final Set<TcpRelay> relays = ConcurrentHashMap.newKeySet();
  private final List<PortForwarder> forwarders = new ArrayList<>();
  private volatile boolean closing;
  final LongAdder accepted = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder forgotten = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder denied = new LongAdder();
  final LongAdder closedFlows = new LongAdder();
  final LongAdder guestResets = new LongAdder();
  final LongAdder outsideResets = new LongAdder();

  /**
   * Starts a gateway host on {@code device}, configured by {@code config}, and its port forwards;
   * throws (with nothing left running) if a forward cannot listen.
   */
  Gateway(Device device, GatewayConfig config) throws IOException, InterruptedException {
    this.config = config;
    this.host = new Host(HostConfig.builder().build());
    if (config.capture != null) {
      config.capture.attach(device); // before the host starts, so the capture has every packet
    }
    host.addInterface(device, config.hostAddress);
    host.forwardTcp(this::onSyn);
    host.start();
    try {
      for (PortForwarder.Rule rule : config.forwards) {
        forwarders.add(PortForwarder.start(rule, this, config));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Flows now (relayed, or SYNs being decided). */
  int flows() {
    return flows.get();
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
        if (e.getMessage() != null && e.getMessage().contains("refused")) {
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
      } catch (IOException e) { // timed out: the guest's own SYN retries give up in their time
        forgotten.increment();
        syn.forget();
        return;
      }
      if (closing) {
        syn.refuse();
        return;
      }
      Connection connection = null;
      try {
        connection = syn.accept(host.config().tcp());
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
      relay(HostSockets.wrap(connection), outside, TcpRelay.Origin.GUEST);
    } finally {
      if (!relaying) {
        flows.decrementAndGet();
        if (outside != null) {
          resetQuietly(outside);
        } // connected but not relayed (the gateway is closing): a RST, not a FIN
      }
    }
  }

  /** Takes a flow slot, or counts one over the limit and answers false. */
  boolean takeFlow() {
    if (flows.incrementAndGet() > config.maxFlows) {
      flows.decrementAndGet();
      overLimit.increment();
      return false;
    }
    return true;
  }

  /** Gives back a slot from {@link #takeFlow} whose flow never reached {@link #relay}. */
  void releaseFlow() {
    flows.decrementAndGet();
  }

  /** Whether the gateway is closing: a flow that connects now is reset instead of relayed. */
  boolean closing() {
    return closing;
  }

  /**
   * Relays a connected flow whose slot {@link #takeFlow} took; the slot is given back when the flow
   * ends. If the gateway is closing, the flow is reset at once.
   */
  void relay(TcpConnection guest, Socket outside, TcpRelay.Origin origin) {
    TcpRelay relay = new TcpRelay(guest, outside, origin, this::ended);
    relays.add(relay);
    relay.start();
    if (closing) {
      relay.reset();
    }
  }

  /**
   * Opens a connection from Sluice's address to {@code guest} and waits for the handshake, at most
   * the connect timeout: ConnectException if the guest refuses (its RST), SocketTimeoutException
   * if it does not answer (the connection is aborted, so its SYN retransmissions stop).
   */
  TcpConnection connectToGuest(InetSocketAddress guest) throws IOException {
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
    return HostSockets.wrap(connection);
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

  private void ended(TcpRelay relay, TcpRelay.Ending ending) {
    if (relays.remove(relay)) {
      flows.decrementAndGet();
    }
    switch (ending) {
      case CLOSED -> closedFlows.increment();
      case GUEST_RESET -> guestResets.increment();
      case OUTSIDE_RESET -> outsideResets.increment();
      case STOPPED -> { }
    }
  }

  /** Resets every flow and stops the host; the caller closes the device. */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    for (PortForwarder forwarder : forwarders) {
      forwarder.close(); // no new clients: a client connecting now is refused by this host's kernel
    }
    for (TcpRelay relay : relays) {
      relay.reset();
    }
    host.stop();
  }

  String counters() {
    return "flows " + flows.get() + ", accepted " + accepted.sum() + ", refused " + refused.sum()
        + ", unreachable " + unreachable.sum() + ", forgotten " + forgotten.sum() + ", over the limit " + overLimit.sum() + ", denied " + denied.sum() + ", closed " + closedFlows.sum()
        + ", reset by the guest " + guestResets.sum() + ", reset by the outside " + outsideResets.sum();
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
