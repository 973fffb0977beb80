package dev.sluice.gateway.relay;

import dev.sluice.stack.ForwardedDatagram;
import dev.sluice.stack.Host;
import dev.sluice.stack.Unreachable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's UDP flows (issue 15): a table keyed by the guest's 5-tuple (its address and port,
 * the destination's address and port; the protocol is UDP), each flow with its own path to the
 * outside ({@link OutsideDatagrams}) and a reader that relays the outside's answers back to the
 * guest from the destination's address, as a NAT with endpoint-dependent mapping and filtering
 * does (RFC 4787 §4.1, §5); slirp4netns keeps one host socket per guest port instead.
 *
 * <p>A new flow asks the {@link DestinationPolicy} first: refused, the guest gets an ICMP
 * administratively prohibited and no flow is made. Opening the outside path may block (a proxy's
 * association), so it happens on a virtual thread of its own, which then hands the path to the
 * {@link UdpAnswerReader} and ends; datagrams that arrive meanwhile wait (at most {@link #WAITING}
 * of them). An outside ECONNREFUSED (the
 * destination's port unreachable) becomes an ICMP port unreachable to the guest, quoting its last
 * datagram, and the flow lives on, as a Linux socket does. A flow with no datagram either way for
 * {@code udpIdleTimeout} is closed by a sweep (slirp4netns: 240 s; Linux conntrack: 30 s unreplied,
 * 120 s once answered). At most {@code maxUdpFlows} exist; a datagram that would open one more is
 * dropped and counted.
 *
 * <p>Threads: {@link #onDatagram} runs on the host's receive workers and never blocks (the outside
 * path's send does not); the answers of every flow are read, and sent on to the guest, by the one
 * {@link UdpAnswerReader} thread; the sweep is a virtual thread. The table is a concurrent map and
 * the counters are adders. A flow holds its path's socket and no buffer of its own.
 */
final class UdpFlows implements AutoCloseable {
  /** Datagrams a flow holds while its outside path opens; more are dropped, as a full socket buffer drops. */
  static final int WAITING = 16;
  /** Answers one flow relays per selection, so that a busy flow does not starve the others. */
  private static final int ANSWERS_PER_TURN = 32;

  private final Host host;
  private final GatewayConfig config;
  private final ConcurrentHashMap<Key, Flow> flows = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private final Thread sweeper;
  private final UdpAnswerReader reader;
  private volatile boolean closing;
  final LongAdder opened = new LongAdder();
  final LongAdder idleClosed = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder denied = new LongAdder();
  final LongAdder openFailed = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder toOutside = new LongAdder();
  final LongAdder toGuest = new LongAdder();
  final LongAdder dropped = new LongAdder();

  /** The guest's side of a flow and where it sent: the flow's identity. */
  private record Key(InetSocketAddress guest, InetSocketAddress destination) {}

  /** The UDP port forwards, whose idle client flows this sweep closes too; added while it runs. */
  private final List<UdpPortForwarder> forwarders = new CopyOnWriteArrayList<>();

  UdpFlows(Host host, GatewayConfig config) throws IOException {
    this.host = host;
    this.config = config;
    this.reader = new UdpAnswerReader();
    long period = Math.clamp(config.udpIdleTimeout.toMillis() / 4, 50, 1_000);
    this.sweeper = Thread.ofVirtual().name("sluice-gateway-udp-sweep").start(() -> sweep(period));
  }

  /** Has the sweep also close {@code forwarder}'s idle client flows, on the same timeout. */
  void sweepAlso(UdpPortForwarder forwarder) {
    forwarders.add(forwarder);
  }

  /** Flows now, opening ones included. */
  int flows() {
    return count.get();
  }

  /** A guest's datagram to the outside, from a receive worker. */
  void onDatagram(ForwardedDatagram datagram) {
    if (closing) {
      return;
    }
    Key key = new Key(datagram.source(), datagram.destination());
    Flow flow = flows.get(key);
    if (flow == null) {
      InetSocketAddress route = config.policy.route(datagram.destination());
      if (route == null) {
        denied.increment();
        datagram.unreachable(Unreachable.PROHIBITED); // as a firewall's REJECT with icmp-admin-prohibited
        return;
      }
      if (count.incrementAndGet() > config.maxUdpFlows) {
        count.decrementAndGet();
        overLimit.increment();
        return;
      }
      Flow created = new Flow(key, route);
      flow = flows.putIfAbsent(key, created);
      if (flow == null) {
        opened.increment();
        // The first datagram is queued, and becomes what an ICMP error quotes, before the thread
        // that opens the path starts: an open that fails at once (no route) must have it to quote.
        created.send(datagram);
        Thread.ofVirtual().name("sluice-gateway-udp-open").start(created::open);
        return;
      } else {
        count.decrementAndGet(); // another worker made it a moment ago
      }
    }
    flow.send(datagram);
  }

  private void sweep(long periodMillis) {
    long idle = config.udpIdleTimeout.toNanos();
    while (!closing) {
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        return; // closing
      }
      long now = System.nanoTime();
      for (Flow flow : flows.values()) {
        if (now - flow.lastActive > idle && flow.end()) {
          idleClosed.increment();
        }
      }
      for (UdpPortForwarder forwarder : forwarders) {
        forwarder.expireIdle(now);
      }
    }
  }

  /** Closes every flow and stops the sweep and the reader. */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    sweeper.interrupt();
    for (Flow flow : flows.values()) {
      flow.end();
    }
    sweeper.join(Duration.ofSeconds(5));
    reader.close();
  }

  /** One flow: its outside path once open, and the datagrams waiting for it until then. */
  private final class Flow {
    private final Key key;
    private final InetSocketAddress route;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Until the path opens; guarded by {@code this}. */
    private final ArrayDeque<ForwardedDatagram> waiting = new ArrayDeque<>();
    private volatile OutsideDatagrams outside;
    /** The guest's last datagram: what an ICMP error to it quotes. */
    private volatile ForwardedDatagram last;
    private volatile long lastActive = System.nanoTime();

    Flow(Key key, InetSocketAddress route) {
      this.key = key;
      this.route = route;
    }

    /** From a worker: sends now if the path is open, else queues. */
    void send(ForwardedDatagram datagram) {
      lastActive = System.nanoTime();
      last = datagram;
      OutsideDatagrams path = outside;
      if (path == null) {
        synchronized (this) {
          path = outside;
          if (path == null) {
            if (ended.get() || waiting.size() >= WAITING) {
              dropped.increment();
            } else {
              waiting.add(datagram);
            }
            return;
          }
        }
      }
      sendNow(path, datagram);
    }

    private void sendNow(OutsideDatagrams path, ForwardedDatagram datagram) {
      try {
        if (path.send(datagram.payload(), route)) {
          toOutside.increment();
        } else {
          dropped.increment(); // the socket's buffer is full
        }
      } catch (PortUnreachableException e) { // an earlier datagram's ECONNREFUSED, reported on this send
        refused.increment();
        datagram.unreachable(Unreachable.PORT);
      } catch (IOException e) { // closed by the sweep meanwhile, or the outside would not take it
        dropped.increment();
      }
    }

    /** On a virtual thread of its own: opens the path, sends what waited, then has the reader watch it. */
    void open() {
      OutsideDatagrams path;
      try {
        path = config.outside.openDatagrams(route);
      } catch (IOException e) { // no route, or the proxy refused: the guest hears it as a router would say it
        openFailed.increment();
        ForwardedDatagram quoted = last;
        end();
        if (quoted != null) {
          quoted.unreachable(Unreachable.HOST);
        }
        return;
      }
      synchronized (this) {
        outside = path;
        for (ForwardedDatagram datagram : waiting) {
          sendNow(path, datagram);
        }
        waiting.clear();
      }
      if (ended.get()) { // the gateway closed, or the sweep ended it, while it opened
        closeQuietly(path);
        return;
      }
      reader.watch(path.readiness(), this::relayAnswers);
    }

    /** On the reader's thread: sends the guest what the outside answered, a turn's worth at most. */
    private void relayAnswers(ByteBuffer buffer) {
      OutsideDatagrams path = outside;
      for (int i = 0; i < ANSWERS_PER_TURN && !ended.get(); i++) {
        buffer.clear();
        try {
          if (path.receiveNow(buffer) == null) {
            return;
          }
        } catch (PortUnreachableException e) {
          refused.increment();
          ForwardedDatagram quoted = last;
          if (quoted != null) {
            quoted.unreachable(Unreachable.PORT);
          }
          continue;
        } catch (IOException e) { // closed by end(), or the path failed or was ended by its far end
          end();
          return;
        }
        buffer.flip();
        lastActive = System.nanoTime();
        // From the address the guest sent to, even if the policy routed it elsewhere: that is the
        // peer its connected socket accepts.
        if (host.sendUdp(key.destination(), key.guest(), buffer)) {
          toGuest.increment();
        } else {
          dropped.increment();
        }
      }
    }

    /** Ends the flow once: out of the table, its path closed (waking the reader). True the first time. */
    boolean end() {
      if (!ended.compareAndSet(false, true)) {
        return false;
      }
      flows.remove(key, this);
      count.decrementAndGet();
      OutsideDatagrams path;
      synchronized (this) {
        path = outside;
        dropped.add(waiting.size()); // their path never opened
        waiting.clear();
      }
      if (path != null) {
        closeQuietly(path);
        reader.wakeUp(); // so that the selector lets go of the socket now
      }
      return true;
    }
  }

  private static void closeQuietly(OutsideDatagrams path) {
    try {
      path.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
