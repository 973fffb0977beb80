package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.tcp.TcpState;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heap an idle established connection costs: buffers are allocated lazily and released when
 * idle, so what remains is the connection's state. Measured over many connections, after full
 * collections, per connection end.
 *
 * <p>Issue 4 asks for at most 1 KB. docs/runtime.md says where the bytes go.
 */
class IdleFootprintTest {
  private static final int CONNECTIONS = 5_000;

  @Test
  void idleEstablishedConnection_costsAtMostOneKilobyte() throws Exception {
    long[] clock = {1_000_000_000L};
    HostConfig config = HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.clock = () -> clock[0];
      h.watchdogNanos = 0;
      h.random = new java.util.SplittableRandom(34);
    });
    SimulatedNetwork network = new SimulatedNetwork(5);
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults().withQueueCapacity(65_536)
        .withBuffers(65_536));
    Host client = new Host(config);
    Host server = new Host(config);
    client.addInterface(link.a(), "198.18.0.1/16");
    server.addInterface(link.b(), "198.18.0.2/16");
    Listener listener = server.listen(80, CONNECTIONS);
    List<Object> keep = new ArrayList<>();
    // One connection first, so what is made once per host (the pooled owner contexts an
    // application thread borrows, the accept queue) is in the baseline, not in the per-connection
    // figure.
    keep.add(client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80)));
    settle(network, client, server, clock);
    keep.add(listener.poll());
    // The link's packet buffers are not the connections': its pools make them as the largest
    // burst so far needs them (the openings below, 256 at a time), within a bound per link.
    long before = usedHeap() - link.packetBufferBytes();
    for (int i = 0; i < CONNECTIONS; i++) {
      keep.add(client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80)));
      if (i % 256 == 0) {
        settle(network, client, server, clock);
      }
    }
    settle(network, client, server, clock);
    // The idle sweep's round (once a second in a running host), a second of idleness later, frees
    // what the handshakes used, and the connections leave its list.
    clock[0] += 2_000_000_000L;
    client.housekeeping().runIfDue(client.workers()[0]);
    server.housekeeping().runIfDue(server.workers()[0]);
    assertThat(client.housekeeping().watching() + server.housekeeping().watching()).isZero();
    Connection accepted;
    while ((accepted = listener.poll()) != null) {
      keep.add(accepted);
    }
    assertThat(keep).hasSize(2 * CONNECTIONS + 2);
    for (Object c : keep) {
      assertThat(((Connection) c).state()).isEqualTo(TcpState.ESTABLISHED);
    }
    long after = usedHeap() - link.packetBufferBytes();
    long perEnd = (after - before) / (2 * CONNECTIONS);
    System.out.println("idle established connection: " + perEnd + " bytes of heap per end");
    assertThat(perEnd).as("bytes per idle connection end").isLessThanOrEqualTo(1_024);
    assertThat(perEnd).as("the measurement saw the connections").isGreaterThan(200);
  }

  private static void settle(SimulatedNetwork network, Host a, Host b, long[] clock) {
    for (int round = 0; round < 1_000_000; round++) {
      network.advance(clock[0]);
      boolean worked = false;
      for (Host h : new Host[] {a, b}) {
        for (Worker w : h.workers()) {
          while (w.step(clock[0])) {
            worked = true;
          }
        }
      }
      if (!worked) {
        long next = network.nextDueNanos();
        if (next == Long.MAX_VALUE) {
          return;
        }
        clock[0] = Math.max(clock[0], next);
      }
    }
  }

  private static long usedHeap() throws InterruptedException {
    Runtime runtime = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }
}
