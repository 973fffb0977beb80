package dev.sluice.gateway.relay;

import dev.sluice.link.IcmpEchoSocket;
import dev.sluice.stack.ForwardedEcho;
import dev.sluice.stack.Unreachable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Relays the guest's pings (issue 15): each ICMP echo request to an outside address is sent again
 * from this host with an {@link IcmpEchoSocket} (an unprivileged ping socket where {@code
 * net.ipv4.ping_group_range} allows the process's group, else a raw socket, as slirp4netns does),
 * and the reply goes back to the guest as if from the address it pinged, with the guest's own
 * identifier and sequence number.
 *
 * <p>All of a family's echoes share one socket, whose identifier the kernel chooses (ping socket)
 * or this process does (raw); so each request is sent with a sequence number of the relay's own,
 * and a table maps it back to the guest's request. At most {@link #MAX_OUTSTANDING} requests wait
 * for a reply; one unanswered after {@link #ECHO_TIMEOUT_NANOS} is forgotten when room is needed.
 * The {@link DestinationPolicy} is asked for every request (port 0): a refused destination gets an
 * ICMP administratively prohibited; one this host has no route to, a host unreachable.
 *
 * <p><b>The reply is looked for on the thread that sent the request.</b> A ping of a namespace behind
 * a veth pair, or of one of this host's addresses, is answered by the kernel in the softirq of the
 * request's own transmission, so its reply is already queued when {@code sendto(2)} returns.
 * Taking it there ({@link IcmpEchoSocket#receiveArrived}) costs one {@code recvfrom(2)} that
 * finds nothing when the destination is farther away, and saves the wait for the reader's thread
 * to be woken, on this VM the larger part of the relay's round trip: slirp4netns's one loop, back
 * in {@code poll(2)} after the send, finds the reply there too (docs/benchmarks/gateway.md, "The
 * ping's wake-up"). The reader still takes every reply that comes later; whichever thread removes
 * a request from the table answers it, so each reply goes to the guest once.
 *
 * <p>Threads: {@link #onEcho} runs on the host's receive workers and does not block (the socket is
 * opened on first use, a quick system call); each family's reader is a platform thread, since it
 * waits in {@code poll(2)}. The table is a concurrent map.
 */
final class IcmpEchoRelay implements AutoCloseable {
  static final int MAX_OUTSTANDING = 1024;
  static final long ECHO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** As large as an echo's data can be (an IP packet of 65,535 bytes, less its headers). */
  private static final int REPLY_BUFFER = 65_535;
  /**
   * Each sending thread's buffer for the replies it takes (the host's receive workers or TUN
   * readers: a few long-lived platform threads).
   */
  private static final ThreadLocal<ByteBuffer> ARRIVED = ThreadLocal.withInitial(() -> ByteBuffer.allocate(REPLY_BUFFER));
  private static final System.Logger LOG = System.getLogger("dev.sluice.gateway");

  private final DestinationPolicy policy;
  private final Family ipv4 = new Family(false);
  private final Family ipv6 = new Family(true);
  private volatile boolean closing;
  final LongAdder relayed = new LongAdder();
  final LongAdder replied = new LongAdder();
  /** Of {@link #replied}, those taken by the thread that sent the request. */
  final LongAdder repliedAtOnce = new LongAdder();
  final LongAdder denied = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder overLimit = new LongAdder();
  final LongAdder failed = new LongAdder();

  IcmpEchoRelay(DestinationPolicy policy) {
    this.policy = policy;
  }

  /** A guest's echo request to an outside address, from a receive worker. */
  void onEcho(ForwardedEcho echo) {
    if (closing) {
      return;
    }
    InetSocketAddress routed = policy.route(new InetSocketAddress(echo.destination(), 0));
    if (routed == null) {
      denied.increment();
      echo.unreachable(Unreachable.PROHIBITED);
      return;
    }
    (echo.ipv6() ? ipv6 : ipv4).send(echo, routed.getAddress());
  }

  /** Requests waiting for a reply now, both families. */
  int outstanding() {
    return ipv4.outstanding.size() + ipv6.outstanding.size();
  }

  @Override
  public void close() throws InterruptedException {
    closing = true;
    ipv4.close();
    ipv6.close();
  }

  /** Which socket carries IPv4 pings, for the counters line. */
  String pingSocket() {
    return ipv4.describe();
  }

  /** A guest's request on its way: what its reply must carry back. */
  private record Outstanding(ForwardedEcho echo, long sentAt) {}

  /** One family's socket, reader and table of requests by the relay's sequence number. */
  private final class Family {
    private final boolean v6;
    private final ConcurrentHashMap<Integer, Outstanding> outstanding = new ConcurrentHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private IcmpEchoSocket socket; // guarded by this
    private Thread reader; // guarded by this
    private boolean unavailable; // guarded by this: opening failed once, and said why

    Family(boolean v6) {
      this.v6 = v6;
    }

    private synchronized IcmpEchoSocket socket() {
      if (socket == null && !unavailable && !closing) {
        try {
          IcmpEchoSocket opened = IcmpEchoSocket.open(v6);
          reader = Thread.ofPlatform().daemon().name("sluice-gateway-ping" + (v6 ? "6" : "")).start(() -> read(opened));
          socket = opened;
        } catch (IOException e) {
          unavailable = true; // not retried: the privilege will not come later
          LOG.log(System.Logger.Level.WARNING, "sluice gateway: the guest's pings are not relayed: " + e.getMessage());
        }
      }
      return socket;
    }

    /** Which socket carries this family's pings, for the counters line. */
    synchronized String describe() {
      return socket != null ? socket.kind().name().toLowerCase(java.util.Locale.ROOT) + " socket"
          : unavailable ? "no socket allowed" : "no socket yet";
    }

    void send(ForwardedEcho echo, InetAddress to) {
      IcmpEchoSocket s = socket();
      if (s == null) {
        failed.increment();
        return;
      }
      if (outstanding.size() >= MAX_OUTSTANDING) {
        long now = System.nanoTime();
        outstanding.values().removeIf(o -> now - o.sentAt() > ECHO_TIMEOUT_NANOS);
      }
      int seq = sequence.getAndIncrement() & 0xFFFF;
      if (outstanding.size() >= MAX_OUTSTANDING
          || outstanding.putIfAbsent(seq, new Outstanding(echo, System.nanoTime())) != null) {
        overLimit.increment();
        return;
      }
      try {
        s.send(to, seq, echo.data());
        relayed.increment();
        answerArrived(s);
      } catch (NoRouteToHostException e) {
        outstanding.remove(seq);
        unreachable.increment();
        echo.unreachable(Unreachable.HOST);
      } catch (IOException e) { // closed meanwhile, or the kernel would not take it now
        outstanding.remove(seq);
        failed.increment();
      }
    }

    /** Answers the replies already queued on {@code s}, on the thread that just sent a request. */
    private void answerArrived(IcmpEchoSocket s) {
      ByteBuffer buffer = ARRIVED.get();
      try {
        IcmpEchoSocket.Reply reply;
        while ((reply = s.receiveArrived(buffer.clear())) != null) {
          if (answer(reply, buffer)) {
            repliedAtOnce.increment();
          }
        }
      } catch (IOException e) {
        // closed meanwhile: the relay is stopping, and its table is cleared with it
      }
    }

    private void read(IcmpEchoSocket s) {
      ByteBuffer buffer = ByteBuffer.allocate(REPLY_BUFFER);
      while (true) {
        buffer.clear();
        IcmpEchoSocket.Reply reply;
        try {
          reply = s.receive(buffer);
        } catch (IOException e) {
          return; // closed
        }
        answer(reply, buffer);
      }
    }

    /**
     * Sends the guest the reply whose data {@code buffer} holds, if its request is still waiting;
     * true if it went.
     */
    private boolean answer(IcmpEchoSocket.Reply reply, ByteBuffer buffer) {
      Outstanding o = outstanding.remove(reply.sequence());
      if (o == null) {
        return false; // a duplicate, or one forgotten
      }
      buffer.flip();
      if (!o.echo().reply(buffer)) {
        return false;
      }
      replied.increment();
      return true;
    }

    void close() throws InterruptedException {
      IcmpEchoSocket s;
      Thread r;
      synchronized (this) {
        s = socket;
        r = reader;
      }
      if (s != null) {
        s.close();
        r.join(5_000);
      }
      outstanding.clear();
    }
  }
}
