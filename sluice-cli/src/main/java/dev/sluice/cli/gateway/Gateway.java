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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's core (issue 15): a Sluice host on the guest's device that takes every TCP flow
 * the guest opens ({@link Host#forwardTcp}) and relays it over a kernel socket of this process;
 * UDP datagrams go to {@link UdpFlows} and pings to {@link IcmpEchoRelay} the same way.
 *
 * <p>For each held SYN the {@link DestinationPolicy} decides first (refused: a RST); then, on a
 * virtual thread, the {@link OutsideConnector} connects to the guest's destination with a timeout;
 * on success the SYN is accepted and relayed ({@link TcpRelay}); refused: refuse the SYN (the guest
 * gets a RST); unreachable: an ICMP unreachable; a timeout: forget it (the guest's next
 * retransmission asks again). At most {@code maxFlows} flows, counting the SYNs still being
 * decided, exist at once; beyond that a SYN is refused.
 */
final class Gateway implements AutoCloseable {
  private final Host host;
  private final GatewayConfig config;
  private final AtomicInteger flows = new AtomicInteger();
  private final Set<TcpRelay> relays = ConcurrentHashMap.newKeySet();
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

  /** Starts a gateway host on {@code device}, configured by {@code config}. */
  Gateway(Device device, GatewayConfig config) {
    this.config = config;
    this.host = new Host(HostConfig.builder().build());
    host.addInterface(device, config.hostAddress);
    host.forwardTcp(this::onSyn);
    this.udp = new UdpFlows(host, config);
    this.echo = new IcmpEchoRelay(config.policy);
    host.forwardUdp(udp::onDatagram);
    host.forwardIcmpEcho(echo::onEcho);
    host.start();
  }

  /** The UDP flows (their table, counters). */
  UdpFlows udp() {
    return udp;
  }

  IcmpEchoRelay echo() {
    return echo;
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
    if (flows.incrementAndGet() > config.maxFlows) {
      flows.decrementAndGet();
      overLimit.increment();
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
      TcpConnection guest = HostSockets.wrap(connection);
      TcpRelay relay = new TcpRelay(guest, outside, this::ended);
      relays.add(relay);
      accepted.increment();
      relaying = true;
      relay.start();
      if (closing) {
        relay.reset();
      }
    } finally {
      if (!relaying) {
        flows.decrementAndGet();
        if (outside != null) {
          resetQuietly(outside);
        } // connected but not relayed (the gateway is closing): a RST, not a FIN
      }
    }
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
    for (TcpRelay relay : relays) {
      relay.reset();
    }
    udp.close();
    echo.close();
    host.stop();
  }

  String counters() {
    return "flows " + flows.get() + ", accepted " + accepted.sum() + ", refused " + refused.sum()
        + ", unreachable " + unreachable.sum() + ", forgotten " + forgotten.sum() + ", over the limit " + overLimit.sum() + ", denied " + denied.sum() + ", closed " + closedFlows.sum()
        + ", reset by the guest " + guestResets.sum() + ", reset by the outside " + outsideResets.sum()
        + "; " + udp.counters() + "; " + echo.counters();
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
