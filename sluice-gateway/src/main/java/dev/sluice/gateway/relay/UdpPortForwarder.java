package dev.sluice.gateway.relay;

import dev.sluice.stack.Host;
import dev.sluice.stack.ReadinessListener;
import dev.sluice.stack.StackExit;
import dev.sluice.stack.UdpEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * One {@code --forward udp:[HOSTADDR:]HOSTPORT:GUESTPORT}: a datagram socket of this host, and per
 * outside client a UDP port of the gateway's Sluice host connected to the guest's port, so the
 * guest's answers go back to the client that asked (as slirp4netns's UDP host forwarding keeps a
 * socket per client). A client's flow ends after {@code udpIdleTimeout} without a datagram either
 * way; at most {@code maxUdpFlows} clients at once, and a datagram that would open one more is
 * dropped and counted.
 *
 * <p>Threads: one platform thread reads the host socket (non-blocking, through a selector of its
 * own) and sends into the guest. The guest's answers go back to the client on the stack thread
 * that received them: a client's Sluice port tells its readiness listener of each datagram, which
 * defers a drain to that thread's exit from the stack ({@link StackExit}), as the TCP relay pumps
 * what the guest sends ({@link TcpRelay}); where the delivery is outside a stack scope (the
 * receive workers' UDP path), the listener drains at once, which holds no stack lock and does not
 * wait. One wake-up per answer (the thread that read the TUN
 * device), where a virtual thread per client blocked in its port's receive took two (that thread
 * unparking it, then a carrier taking it up); and no thread per client. The host socket's sends
 * never wait: an answer the socket has no room for is dropped and counted, as UDP allows. Idle
 * flows are closed by the UDP flows' sweep ({@link #expireIdle}). The flow table is a concurrent map.
 */
final class UdpPortForwarder implements AutoCloseable {
  private static final int DATAGRAM_BYTES = 65_535;
  private static final int QUEUE_DATAGRAMS = 64;

  private final PortForwarder.Rule rule;
  private final Host host;
  private final InetSocketAddress guest;
  private final DatagramChannel channel;
  /** The reader's: waits for the host socket to turn readable; closed by {@link #close()} to wake it. */
  private final Selector selector;
  private final long idleNanos;
  private final int maxFlows;
  private final Map<InetSocketAddress, Flow> flows = new ConcurrentHashMap<>();
  private Thread reader;
  private volatile boolean closed;
  final LongAdder toGuest = new LongAdder();
  final LongAdder toClients = new LongAdder();
  final LongAdder opened = new LongAdder();
  final LongAdder idleClosed = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder failed = new LongAdder();
  /** Of {@link #toClients}, the answers sent on a stack thread as it left the stack (what a test checks). */
  final LongAdder toClientsOnStackExit = new LongAdder();

  /**
   * One client's flow: its Sluice port toward the guest, and when it last moved a datagram. Its
   * answers are drained by one thread at a time ({@link #draining}); a drain asked for while
   * another is under way has that one go once more ({@link ExclusiveRun}), so a datagram queued
   * just as the drain finds the port empty is not left behind.
   */
  private final class Flow {
    final InetSocketAddress client;
    final UdpEndpoint endpoint;
    volatile long lastActivityNanos = System.nanoTime();
    private final ExclusiveRun draining = new ExclusiveRun();
    /** Set when a drain is deferred, cleared when it starts: one deferred drain a flow at most. */
    private volatile boolean drainQueued;
    /** Used by one drain at a time ({@link #draining}). */
    private final byte[] datagram = new byte[DATAGRAM_BYTES];
    private final ByteBuffer out = ByteBuffer.wrap(datagram);
    private final int[] copied = new int[1];
    private final Runnable drainOnExit = () -> drain(true);
    // The drains as steps of draining.run, made once: one runs per answer.
    private final Supplier<Boolean> sendOnExit = () -> sendAnswers(true);
    private final Supplier<Boolean> sendHere = () -> sendAnswers(false);
    private final ReadinessListener listener = this::readinessChanged;

    Flow(InetSocketAddress client, UdpEndpoint endpoint) {
      this.client = client;
      this.endpoint = endpoint;
    }

    /** The port's readiness listener, on the stack thread that queued a datagram or closed it. */
    void readinessChanged() {
      if (drainQueued || (endpoint.queued() == 0 && !endpoint.isClosed())) {
        return;
      }
      drainQueued = true;
      if (!StackExit.defer(drainOnExit)) {
        // Outside a stack scope (a receive worker's UDP delivery, or the port closing under another
        // caller): drain here, which holds no stack lock and does not wait.
        drain(false);
      }
    }

    private void drain(boolean onStackExit) {
      drainQueued = false; // before draining: a datagram after this defers another drain
      Boolean open = draining.run(onStackExit ? sendOnExit : sendHere, stillOpen -> !stillOpen);
      if (open != null && !open) {
        end();
      }
    }

    /** On {@link #draining}: sends every queued answer to the client; false once the port is closed. */
    private boolean sendAnswers(boolean onStackExit) {
      while (true) {
        InetSocketAddress from;
        try {
          from = endpoint.receiveNow(datagram, 0, datagram.length, copied);
        } catch (IOException e) {
          return false; // closed: by the sweep, the forwarder's close, or the stack's
        }
        if (from == null) {
          return true;
        }
        lastActivityNanos = System.nanoTime();
        out.clear().limit(copied[0]);
        try {
          if (channel.send(out, client) == 0) {
            failed.increment(); // the host socket's buffer is full: dropped, as UDP allows
            continue;
          }
        } catch (IOException e) { // the host socket closed, or the client is unreachable
          failed.increment();
          continue;
        }
        toClients.increment();
        if (onStackExit) {
          toClientsOnStackExit.increment();
        }
      }
    }

    /** Closes the port and forgets the flow; safe to call more than once. */
    void end() {
      flows.remove(client, this);
      endpoint.removeReadinessListener(listener);
      endpoint.close();
    }
  }

  private UdpPortForwarder(PortForwarder.Rule rule, Host host, InetSocketAddress guest, DatagramChannel channel,
      Selector selector, GatewayConfig config) {
    this.rule = rule;
    this.host = host;
    this.guest = guest;
    this.channel = channel;
    this.selector = selector;
    this.idleNanos = config.udpIdleTimeout.toNanos();
    this.maxFlows = config.maxUdpFlows;
  }

  /**
   * Binds the host port as {@code rule} says and starts relaying to the guest (the first host
   * address of the gateway's network) through {@code host}. Throws {@link java.net.BindException}
   * if the host port is taken.
   */
  static UdpPortForwarder start(PortForwarder.Rule rule, Host host, GatewayConfig config) throws IOException {
    GatewayAddresses addresses = GatewayAddresses.parse(config.hostAddress);
    InetSocketAddress guest = new InetSocketAddress(InetAddress.ofLiteral(addresses.guest()), rule.guestPort());
    DatagramChannel channel = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
    try {
      channel.bind(new InetSocketAddress(rule.hostAddress(), rule.hostPort()));
    } catch (IOException e) {
      channel.close();
      throw new java.net.BindException("--forward " + rule + ": cannot bind "
          + rule.hostAddress().getHostAddress() + ":" + rule.hostPort() + ": " + e.getMessage());
    }
    Selector selector;
    try {
      channel.configureBlocking(false); // sends from stack threads never wait; the reader selects
      selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ); // before the reader selects: no wait for it
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    UdpPortForwarder forwarder = new UdpPortForwarder(rule, host, guest, channel, selector, config);
    // A platform thread: blocked in the kernel's epoll_wait, a datagram wakes it directly, where a
    // virtual thread's wake-up went through the JDK's poller thread and then a carrier.
    forwarder.reader = Thread.ofPlatform().daemon().name("sluice-gateway-forward-udp-" + forwarder.port())
        .start(forwarder::fromClients);
    return forwarder;
  }

  /** The port it is bound to (the one the kernel chose, for a rule with port 0). */
  int port() {
    return ((InetSocketAddress) channel.socket().getLocalSocketAddress()).getPort();
  }

  private void fromClients() {
    ByteBuffer in = ByteBuffer.allocate(DATAGRAM_BYTES);
    while (!closed) {
      InetSocketAddress client;
      try {
        in.clear();
        client = (InetSocketAddress) channel.receive(in);
        if (client == null) { // nothing queued: wait for a datagram, or for close() to close the selector
          selector.select();
          selector.selectedKeys().clear();
          continue;
        }
      } catch (IOException | ClosedSelectorException e) {
        return; // closed
      }
      Flow flow = flows.get(client);
      if (flow == null) {
        flow = open(client);
        if (flow == null) {
          continue;
        }
      }
      flow.lastActivityNanos = System.nanoTime();
      try {
        flow.endpoint.send(in.array(), 0, in.position(), guest);
        toGuest.increment();
      } catch (IOException e) { // no route, too big for the link: dropped, as UDP allows
        failed.increment();
      }
    }
  }

  /** A new client's flow, or null (counted) if there are too many or no Sluice port is free. */
  private Flow open(InetSocketAddress client) {
    if (flows.size() >= maxFlows) {
      overLimit.increment();
      return null;
    }
    UdpEndpoint endpoint;
    try {
      endpoint = host.bindUdp(0, QUEUE_DATAGRAMS);
    } catch (java.net.BindException e) {
      failed.increment();
      return null;
    }
    endpoint.connect(guest); // answers from the guest's port only, as a connected socket takes them
    Flow flow = new Flow(client, endpoint);
    flows.put(client, flow);
    opened.increment();
    endpoint.addReadinessListener(flow.listener);
    return flow;
  }

  /**
   * Closes the flows that moved no datagram either way for {@code udpIdleTimeout}; the UDP flows'
   * sweep calls it ({@link UdpFlows#sweepAlso}).
   */
  void expireIdle(long nowNanos) {
    for (Flow flow : flows.values()) {
      if (nowNanos - flow.lastActivityNanos >= idleNanos && flows.remove(flow.client, flow)) {
        idleClosed.increment();
        flow.end();
      }
    }
  }

  /** Clients with a flow now. */
  int flows() {
    return flows.size();
  }

  /** Stops relaying: the host socket and every client's Sluice port close. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    try {
      selector.close(); // wakes the reader
      channel.close();
    } catch (IOException e) {
      // closed already
    }
    for (Flow flow : flows.values()) {
      flow.end();
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
  }

  /** This forward and its counters, for the stats. */
  String counters() {
    return "forward udp " + rule.hostAddress().getHostAddress() + ":" + port() + " -> "
        + guest.getAddress().getHostAddress() + ":" + guest.getPort() + ": flows " + flows.size() + ", opened "
        + opened.sum() + ", closed idle " + idleClosed.sum() + ", over the limit " + overLimit.sum()
        + ", datagrams to the guest " + toGuest.sum() + ", to clients " + toClients.sum() + ", failed " + failed.sum();
  }
}
