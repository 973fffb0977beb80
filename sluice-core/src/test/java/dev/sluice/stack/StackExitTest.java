package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link StackExit}: a readiness listener's task runs on the thread that made the change, once it
 * has left the stack, and may then read the connection without waiting, as sluice-gateway's relay
 * does with what a guest sent.
 */
class StackExitTest {
  @Test
  void outsideTheStack_nothingIsQueued() {
    List<String> ran = new ArrayList<>();
    assertThat(StackExit.defer(() -> ran.add("ran"))).isFalse();
    assertThat(ran).isEmpty();
  }

  /**
   * Receiving inline over an in-process link with no delay, the client's write is received on the
   * writing thread; the server connection's listener defers a read, which has run, on that thread,
   * with the bytes, by the time the write returns.
   */
  @Test
  void receivingInline_theTaskRunsOnTheReceivingThread_andReadsWhatArrived() throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withImpairments(Impairments.NONE));
    HostConfig inline = HostConfig.builder().buildWith(h -> h.steering = Steering.INLINE);
    Host client = new Host(inline);
    Host server = new Host(inline);
    client.addInterface(link.a(), "198.18.0.1/24");
    server.addInterface(link.b(), "198.18.0.2/24");
    client.start();
    server.start();
    try (AutoCloseable realTime = network.runInRealTime()) {
      Listener listener = server.listen(80, 8);
      Connection c = client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80));
      c.awaitConnected(TimeUnit.SECONDS.toNanos(10));
      Connection s = listener.accept(TimeUnit.SECONDS.toNanos(10));
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      List<Thread> threads = new ArrayList<>();
      s.addReadinessListener(() -> {
        if ((s.readiness() & Connection.READABLE) != 0) {
          StackExit.defer(() -> {
            threads.add(Thread.currentThread());
            byte[] buf = new byte[64];
            try {
              for (int n; (n = s.readNow(buf, 0, buf.length)) > 0; ) {
                read.write(buf, 0, n);
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
        }
      });

      byte[] hello = "hello, relay".getBytes(StandardCharsets.US_ASCII);
      c.write(hello, 0, hello.length, 0);

      assertThat(threads).as("ran on the writing thread, before its write returned").isNotEmpty()
          .allMatch(t -> t == Thread.currentThread());
      assertThat(read.toByteArray()).isEqualTo(hello);
    } finally {
      client.stop();
      server.stop();
    }
  }

  /**
   * A worker keeps the connection it steps until a step lets go; a task deferred meanwhile waits
   * for that. Run while the worker still owned it, the task's read would wait for the owner, its
   * own thread, until the call timeout (a gateway flow stalled this way before the rule).
   */
  @Test
  void onAWorker_theTaskWaitsUntilTheWorkerLetsGoOfTheConnection() throws IOException {
    TwoHosts net = oneWorkerEach();
    TwoHosts.Established e = net.establish(80);
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    List<Throwable> failures = new ArrayList<>();
    List<Boolean> deferred = new ArrayList<>();
    e.server().addReadinessListener(() -> {
      if ((e.server().readiness() & Connection.READABLE) != 0) {
        deferred.add(StackExit.defer(() -> {
          byte[] buf = new byte[4096];
          try {
            for (int n; (n = e.server().readNow(buf, 0, buf.length)) > 0; ) {
              read.write(buf, 0, n);
            }
          } catch (IOException | RuntimeException f) {
            failures.add(f);
          }
        }));
      }
    });

    byte[] data = new byte[48 * 1024];
    new java.util.SplittableRandom(48).nextBytes(data);
    for (int sent = 0; sent < data.length; ) {
      sent += e.client().writeNow(data, sent, data.length - sent);
      net.settleUntil(net.clock[0] + 50 * MS);
    }
    net.settle();

    assertThat(deferred).as("each from inside a worker's step").isNotEmpty().containsOnly(true);
    assertThat(failures).isEmpty();
    assertThat(read.toByteArray()).as("every byte, in order, read by the deferred tasks").isEqualTo(data);
  }

  /**
   * A worker drains a burst's connections one step at a time; between them it still owns the ones
   * its burst gathered. A task deferred by the first must wait for the last: here each
   * connection's task reads the other one, which without the rule was still owned by the worker,
   * so the read waited for its owner, the worker's own thread (a CI run of TcpRelayChannelTest's
   * many flows through workers stalled so).
   */
  @Test
  void onAWorker_theTaskWaitsUntilEveryConnectionOfTheBurstIsDrained() throws IOException {
    TwoHosts net = oneWorkerEach();
    TwoHosts.Established a = net.establish(80);
    TwoHosts.Established b = net.establish(81);
    List<String> read = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    crossRead(a.server(), b.server(), "b", read, failures);
    crossRead(b.server(), a.server(), "a", read, failures);

    byte[] hello = {1, 2, 3, 4};
    assertThat(a.client().writeNow(hello, 0, hello.length)).isEqualTo(hello.length);
    assertThat(b.client().writeNow(hello, 0, hello.length)).isEqualTo(hello.length);
    net.settle(); // both arrive at once: one burst, two connections gathered

    assertThat(failures).isEmpty();
    assertThat(read).as("each connection's four bytes, read by the other's task").contains("a:4", "b:4");
  }

  /** Two hosts of one worker each; a call that waits for a stuck owner fails after 2 s, not minutes. */
  private static TwoHosts oneWorkerEach() {
    return new TwoHosts(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.callTimeoutNanos = TimeUnit.SECONDS.toNanos(2);
    }));
  }

  /** When {@code watched} turns readable, a deferred task reads {@code other} and records what it got. */
  private static void crossRead(Connection watched, Connection other, String name, List<String> read,
      List<Throwable> failures) {
    watched.addReadinessListener(() -> {
      if ((watched.readiness() & Connection.READABLE) != 0) {
        StackExit.defer(() -> {
          byte[] buf = new byte[64];
          try {
            int n = other.readNow(buf, 0, buf.length);
            if (n > 0) {
              read.add(name + ":" + n);
            }
          } catch (IOException | RuntimeException f) {
            failures.add(f);
          }
        });
      }
    });
  }
}
