package dev.sluice.stack;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Two hosts on one simulated link, driven by hand on one thread with a virtual clock: every
 * worker step and every delivery happens inside {@link #settle}, so tests are deterministic.
 */
final class TwoHosts {
  static final long MS = 1_000_000L;
  final long[] clock = {1_000 * MS};
  final SimulatedNetwork network = new SimulatedNetwork(11);
  final SimulatedLink link;
  final Host client;
  final Host server;

  TwoHosts(HostConfig config) {
    this(config, Impairments.NONE);
  }

  TwoHosts(HostConfig config, Impairments impairments) {
    HostConfig withClock = config.toBuilder().buildWith(h -> {
      h.clock = () -> clock[0];
      h.random = new java.util.SplittableRandom(56);
    });
    link = network.connect("client0", "server0", SimulatedLink.Config.defaults().withQueueCapacity(65_536)
        .withBuffers(65_536).withImpairments(impairments.withDelay(MS)));
    client = new Host(withClock);
    server = new Host(withClock);
    client.addInterface(link.a(), "198.18.0.1/24");
    client.addInterface(link.a(), "2001:2::1/64");
    server.addInterface(link.b(), "198.18.0.2/24");
    server.addInterface(link.b(), "2001:2::2/64");
  }

  static InetSocketAddress serverAddress(int port) {
    return new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), port);
  }

  static InetSocketAddress serverAddress6(int port) {
    return new InetSocketAddress(InetAddress.ofLiteral("2001:2::2"), port);
  }

  /** A client connection and the server's end of it, accepted. */
  record Established(Connection client, Connection server) {}

  /** Listens on {@code port} of the server, connects to it over IPv4, settles and accepts. */
  Established establish(int port) throws java.io.IOException {
    Listener listener = server.listen(port, 8);
    Connection c = client.connect(serverAddress(port));
    settle();
    return new Established(c, listener.poll());
  }

  /** Runs workers and the link until nothing moves, then jumps time to the next delivery. */
  void settle() {
    settleUntil(clock[0] + 5_000 * MS);
  }

  /** As {@link #settle}, also firing timers, until virtual time reaches {@code until}. */
  void settleUntil(long until) {
    for (int round = 0; round < 1_000_000; round++) {
      network.advance(clock[0]);
      boolean worked = false;
      for (Host h : new Host[] {client, server}) {
        for (Worker w : h.workers()) {
          while (w.step(clock[0])) {
            worked = true;
          }
        }
      }
      if (!worked) {
        long next = network.nextDueNanos();
        for (Host h : new Host[] {client, server}) {
          for (Worker w : h.workers()) {
            next = Math.min(next, Math.max(w.nextTimerHint(), clock[0] + MS));
          }
        }
        if (next == Long.MAX_VALUE || next > until) {
          clock[0] = Math.max(clock[0], until);
          return;
        }
        clock[0] = Math.max(clock[0] + 1, next);
      }
    }
    throw new AssertionError("the hosts never went quiet");
  }
}
