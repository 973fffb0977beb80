package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The bench's many-flows workload as a check on real threads: 2 workers per stack, 256 flows
 * steered to both, one virtual thread per flow end writing and reading 64 KB at a time, so
 * application calls and workers contend for the same connections all the time. Nobody may ever
 * find a second owner, and every byte written arrives once. (This workload found the second read
 * of {@code owed} in {@code OwnershipProtocol.release}; {@code OwnershipProtocolLincheckTest}
 * pins that interleaving down deterministically.)
 */
class ManyFlowsOwnershipTest {
  private static final int FLOWS = 256;
  private static final int CHUNK = 64 * 1024;
  private static final long RUN_MILLIS = 800;

  @RepeatedTest(3)
  void virtualThreadReadersAndWritersNeverShareOwnershipWithWorkers() throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(7);
    SimulatedLink link = network.connect("client0", "server0", SimulatedLink.Config.defaults().withMtu(1500)
        .withReceiveQueues(2).withQueueCapacity(65_536).withBuffers(65_536).withImpairments(Impairments.NONE));
    try (AutoCloseable pump = network.runInRealTime();
        NetStack client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").workers(2).build();
        NetStack server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").workers(2)
            .listenBacklog(4_096).build()) {
      TcpServer listener = server.listen(5002, 1_024);
      InetSocketAddress address = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 5002);
      TcpConnection[] clients = new TcpConnection[FLOWS];
      TcpConnection[] servers = new TcpConnection[FLOWS];
      for (int i = 0; i < FLOWS; i++) {
        clients[i] = client.connect(address);
        servers[i] = listener.accept();
      }
      LongAdder written = new LongAdder();
      LongAdder received = new LongAdder();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Exception> failure = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < FLOWS; i++) {
        TcpConnection writer = clients[i];
        TcpConnection reader = servers[i];
        threads.add(Thread.ofVirtual().start(() -> {
          byte[] chunk = new byte[CHUNK];
          try {
            while (!stop.get()) {
              writer.write(chunk, 0, CHUNK);
              written.add(CHUNK);
            }
            writer.shutdownOutput();
          } catch (Exception x) {
            failure.compareAndSet(null, x);
          }
        }));
        threads.add(Thread.ofVirtual().start(() -> {
          byte[] buf = new byte[CHUNK];
          try {
            int n;
            while ((n = reader.read(buf, 0, CHUNK)) >= 0) {
              received.add(n);
            }
          } catch (Exception x) {
            failure.compareAndSet(null, x);
          }
        }));
      }
      Thread.sleep(RUN_MILLIS);
      stop.set(true);
      for (Thread t : threads) {
        t.join(30_000);
        assertThat(t.isAlive()).as("a flow's thread still running 30 s after the stop").isFalse();
      }
      assertThat(failure.get()).isNull();
      assertThat(received.sum()).isPositive().isEqualTo(written.sum());
      assertThat(client.ownershipViolations()).isZero();
      assertThat(server.ownershipViolations()).isZero();
    }
  }
}
