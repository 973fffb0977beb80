package dev.sluice.nio;

import dev.sluice.api.NetStack;
import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Two stacks on real threads joined by a simulated link on the real clock, for the NIO tests:
 * the client at 198.18.0.1 and 2001:2::1, the server at 198.18.0.2 and 2001:2::2, each with its
 * selector provider. {@code spray} makes both stacks spray receive across their workers.
 */
final class NioStacks implements AutoCloseable {
  final NetStack client;
  final NetStack server;
  private final AutoCloseable pump;

  NioStacks(boolean spray) {
    this(spray, Impairments.NONE);
  }

  NioStacks(boolean spray, Impairments impairments) {
    SimulatedNetwork network = new SimulatedNetwork(23);
    SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withReceiveQueues(2)
        .withQueueCapacity(16_384).withBuffers(32_768).withImpairments(impairments.withDelay(50_000)));
    client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").addInterface(link.a(), "2001:2::1/64")
        .workers(2).sprayReceive(spray).build();
    server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").addInterface(link.b(), "2001:2::2/64")
        .workers(2).sprayReceive(spray).listenBacklog(1024).build();
    pump = network.runInRealTime();
  }

  SluiceSelectorProvider clientProvider() {
    return client.selectorProvider();
  }

  SluiceSelectorProvider serverProvider() {
    return server.selectorProvider();
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
