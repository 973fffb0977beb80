package dev.sluice.api;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Two stacks on real threads joined by a simulated link that runs on the real clock. */
final class TwoStacks implements AutoCloseable {
  final NetStack client;
  final NetStack server;
  private final AutoCloseable pump;

  TwoStacks() {
    this(Impairments.NONE);
  }

  TwoStacks(Impairments impairments) {
    SimulatedNetwork network = new SimulatedNetwork(21);
    SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withReceiveQueues(2)
        .withQueueCapacity(16_384).withBuffers(32_768).withImpairments(impairments.withDelay(50_000)));
    client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").addInterface(link.a(), "2001:2::1/64")
        .workers(2).build();
    server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").addInterface(link.b(), "2001:2::2/64")
        .workers(2).listenBacklog(20_000).build();
    pump = network.runInRealTime();
  }

  static InetSocketAddress server(int port) {
    return new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), port);
  }

  static InetSocketAddress server6(int port) {
    return new InetSocketAddress(InetAddress.ofLiteral("2001:2::2"), port);
  }

  @Override
  public void close() throws Exception {
    client.close();
    server.close();
    pump.close();
  }
}
