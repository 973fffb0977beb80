package dev.sluice.cli.gateway;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.internal.HostSockets;
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
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's core (issue 15): a Sluice host on the guest's device that takes every TCP flow
 * the guest opens ({@link Host#forwardTcp}) and relays it over a kernel socket of this process.
 *
 * <p>For each held SYN, on a virtual thread: connect a {@link Socket} to the guest's destination
 * with a timeout; on success accept the SYN and relay ({@link TcpRelay}); refused: refuse the SYN
 * (the guest gets a RST); a timeout or an unreachable destination: forget it for now (the guest's
 * next retransmission asks again; ICMP unreachable comes later). At most {@code maxFlows} flows,
 * counting the SYNs still being decided, exist at once; beyond that a SYN is refused.
 */
final class Gateway implements AutoCloseable {
  private final Host host;
  private final int maxFlows;
  private final Duration connectTimeout;
  private final AtomicInteger flows = new AtomicInteger();
  private final Set<TcpRelay> relays = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;
  final LongAdder accepted = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder forgotten = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder closedFlows = new LongAdder();
  final LongAdder guestResets = new LongAdder();
  final LongAdder outsideResets = new LongAdder();

  /** Starts a gateway host on {@code device} with {@code hostAddress} (address/prefix). */
  Gateway(Device device, String hostAddress, int maxFlows, Duration connectTimeout) {
    this.maxFlows = maxFlows;
    this.connectTimeout = connectTimeout;
    // The guest's MSS follows the device's MTU, as Linux derives it from the route's: with the
    // default TcpConfig (MTU 1500) a 65520-byte device carried 1460-byte segments only.
    this.host = new Host(HostConfig.builder().buildWith(h ->
        h.tcp = TcpConfig.builder().buildWith(t -> t.mtu = device.mtu())));
    host.addInterface(device, hostAddress);
    host.forwardTcp(this::onSyn);
    host.start();
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
    if (flows.incrementAndGet() > maxFlows) {
      flows.decrementAndGet();
      overLimit.increment();
      syn.refuse();
      return;
    }
    Thread.ofVirtual().name("sluice-gateway-connect").start(() -> decide(syn));
  }

  private void decide(ForwardedSyn syn) {
    boolean relaying = false;
    Socket outside = new Socket();
    try {
      try {
        outside.connect(destination(syn.endpoints()), Math.toIntExact(connectTimeout.toMillis()));
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
        connection.awaitConnected(connectTimeout.toNanos());
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
        resetQuietly(outside); // connected but not relayed (the gateway is closing): a RST, not a FIN
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
    host.stop();
  }

  String counters() {
    return "flows " + flows.get() + ", accepted " + accepted.sum() + ", refused " + refused.sum()
        + ", unreachable " + unreachable.sum() + ", forgotten " + forgotten.sum() + ", over the limit " + overLimit.sum() + ", closed " + closedFlows.sum()
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
