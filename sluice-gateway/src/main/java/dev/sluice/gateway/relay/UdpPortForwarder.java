package dev.sluice.gateway.relay;

import dev.sluice.stack.Host;
import dev.sluice.stack.UdpEndpoint;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@code --forward udp:[HOSTADDR:]HOSTPORT:GUESTPORT}: a datagram socket of this host, and per
 * outside client a UDP port of the gateway's Sluice host connected to the guest's port, so the
 * guest's answers go back to the client that asked (as slirp4netns's UDP host forwarding keeps a
 * socket per client). A client's flow ends after {@code udpIdleTimeout} without a datagram either
 * way; at most {@code maxUdpFlows} clients at once, and a datagram that would open one more is
 * dropped and counted.
 *
 * <p>Threads: one platform thread reads the host socket and sends into the guest; one virtual
 * thread per client reads its Sluice port and sends back to the client. The flow table is a concurrent map.
 */
final class UdpPortForwarder implements AutoCloseable {
  private static final int DATAGRAM_BYTES = 65_535;
  private static final int QUEUE_DATAGRAMS = 64;

  private final PortForwarder.Rule rule;
  private final Host host;
  private final InetSocketAddress guest;
  private final DatagramChannel channel;
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

  /** One client's flow: its Sluice port toward the guest, and when it last moved a datagram. */
  private final class Flow {
    final InetSocketAddress client;
    final UdpEndpoint endpoint;
    volatile long lastActivityNanos = System.nanoTime();

    Flow(InetSocketAddress client, UdpEndpoint endpoint) {
      this.client = client;
      this.endpoint = endpoint;
    }

    /** Relays the guest's answers to the client until the flow is idle too long or closed. */
    void answers() {
      DatagramPacket packet = new DatagramPacket(new byte[DATAGRAM_BYTES], DATAGRAM_BYTES);
      ByteBuffer out = ByteBuffer.wrap(packet.getData());
      try {
        while (!closed) {
          try {
            endpoint.receive(packet, idleNanos);
          } catch (SocketTimeoutException e) {
            if (System.nanoTime() - lastActivityNanos >= idleNanos) {
              idleClosed.increment();
              return;
            }
            continue; // the client sent meanwhile: the flow lives on
          }
          lastActivityNanos = System.nanoTime();
          out.clear().limit(packet.getLength());
          channel.send(out, client);
          toClients.increment();
        }
      } catch (IOException e) {
        // the endpoint or the host socket closed: the flow ends
      } finally {
        flows.remove(client, this);
        endpoint.close();
      }
    }
  }

  private UdpPortForwarder(PortForwarder.Rule rule, Host host, InetSocketAddress guest, DatagramChannel channel,
      GatewayConfig config) {
    this.rule = rule;
    this.host = host;
    this.guest = guest;
    this.channel = channel;
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
    UdpPortForwarder forwarder = new UdpPortForwarder(rule, host, guest, channel, config);
    // A platform thread: blocked in the kernel's receive, a datagram wakes it directly, where a
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
      } catch (IOException e) {
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
    Thread.ofVirtual().name("sluice-gateway-forward-udp-" + client).start(flow::answers);
    return flow;
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
      channel.close();
    } catch (IOException e) {
      // closed already
    }
    for (Flow flow : flows.values()) {
      flow.endpoint.close(); // wakes its reader, which removes it
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
