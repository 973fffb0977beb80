package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16's "idle costs nothing", as the operating system sees it: two stacks of two workers
 * each, holding established connections with no traffic, make their threads switch in fewer than
 * 200 times a second in all and use under 1% of a core, application threads blocked in accept,
 * read and receive included; and the parked workers still answer at once when traffic comes back
 * (a lost wake-up would cost each round trip a whole park).
 */
class IdleCostTest {
  private static final int CONNECTIONS = 200;
  private static final long WINDOW_MILLIS = 2_000;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void idleStacksHoldingConnectionsNeitherWakeNorSpin() throws Exception {
    try (Pair pair = new Pair(IdleStrategy.backoff())) {
      List<TcpConnection> held = pair.connect(CONNECTIONS);
      // Application threads blocked with nothing coming: in accept, in a TCP read, in a UDP
      // receive. They are counted too (their names start with "idle-"): a blocked call must not
      // re-check on a period.
      UdpSocket udp = pair.server.openUdp(5353);
      TcpConnection quiet = pair.connect(1).getFirst(); // its server end's reader waits for nothing
      TcpConnection quietServerEnd = pair.accepted.getLast();
      List<Thread> blocked = List.of(
          blockedThread("idle-acceptor", () -> pair.listener.accept()),
          blockedThread("idle-reader", () -> quietServerEnd.read(new byte[1], 0, 1)),
          blockedThread("idle-udp", () -> udp.receive(new java.net.DatagramPacket(new byte[16], 16))));
      Thread.sleep(2_500); // the last spins end and the idle sweep frees the buffers
      Cost cost = pair.measure(WINDOW_MILLIS);
      assertThat(cost.threads()).as("workers, pump and the three blocked threads").isEqualTo(8);
      assertThat(cost.blockedThreadSwitches()).as("switches of the three blocked threads in %d ms, %s", WINDOW_MILLIS, cost)
          .isLessThanOrEqualTo(3);
      assertThat(cost.switchesPerSecond()).as("context switches per second of %s", cost).isLessThan(200);
      assertThat(cost.cpuPercent()).as("CPU, %% of one core, of %s", cost).isLessThan(1.0);

      // Traffic after the long idle: each round trip needs two parked workers woken by arrivals.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      byte[] b = new byte[1];
      for (int i = 0; i < 200; i++) {
        TcpConnection c = held.get(i % held.size());
        c.write(new byte[] {(byte) i}, 0, 1);
        assertThat(pair.accepted.get(i % held.size()).read(b, 0, 1)).isEqualTo(1);
        assertThat(b[0]).isEqualTo((byte) i);
      }
      assertThat(System.nanoTime() - deadline)
          .as("200 round trips after a long idle took longer than 20 s: parked workers were not woken by arrivals")
          .isNegative();
      udp.close();
      pair.listener.close();
      quiet.close(); // the reader gets end-of-stream
      for (Thread t : blocked) {
        t.join(10_000);
        assertThat(t.isAlive()).as(t.getName() + " woken by close").isFalse();
      }
      for (TcpConnection c : held) {
        c.close();
      }
    }
  }

  /**
   * Each new connection asks its worker for a timer (the SYN's retransmission timeout, then the
   * delayed ACK's, TIME-WAIT's): a parked worker that will wake by itself before the deadline is
   * left asleep. Waking it for each request cost 1,362 switches of the workers and the link's pump
   * for these 200 connections, against 250 since (and 88 against 20 ms of their CPU).
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void timerRequestsDoNotWakeAWorkerThatWakesSoonerAnyway() throws Exception {
    try (Pair pair = new Pair(IdleStrategy.backoff())) {
      pair.connect(1); // a connection in the wheel, so the workers park until its timers
      Thread.sleep(1_500); // the last spins end
      long[] before = Pair.threadCosts();
      byte[] message = new byte[64];
      byte[] received = new byte[64];
      int connections = 200;
      for (int i = 0; i < connections; i++) {
        TcpConnection client = pair.connect(1).getFirst();
        TcpConnection server = pair.accepted.getLast();
        java.util.Arrays.fill(message, (byte) i);
        client.write(message, 0, message.length);
        assertThat(server.getInputStream().readNBytes(received, 0, received.length)).isEqualTo(64);
        server.write(received, 0, received.length);
        assertThat(client.getInputStream().readNBytes(received, 0, received.length)).isEqualTo(64);
        assertThat(received).isEqualTo(message);
        client.close();
        server.close();
        Thread.sleep(5); // a modest rate, so the workers park between connections
      }
      long[] after = Pair.threadCosts();
      assertThat(after[0] - before[0]).as("context switches of the workers and the link's pump for %d connections", connections)
          .isLessThan(3L * connections);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void busySpinIsWhatTheMeasurementWouldCatch() throws Exception {
    // The measurement's own check: workers that never park use most of a core each.
    try (Pair pair = new Pair(IdleStrategy.busySpin())) {
      pair.connect(10);
      Cost cost = pair.measure(1_000);
      assertThat(cost.cpuPercent()).as("CPU of busy-spinning workers, %s", cost).isGreaterThan(10.0);
    }
  }

  interface BlockingCall {
    void run() throws Exception;
  }

  /** A platform thread that makes {@code call}, which blocks until something closes under it. */
  private static Thread blockedThread(String name, BlockingCall call) {
    return Thread.ofPlatform().name(name).daemon(true).start(() -> {
      try {
        call.run();
      } catch (Exception closed) {
        // the test closes what it waits on
      }
    });
  }

  /** What the stacks' threads cost over a window. */
  record Cost(double switchesPerSecond, double cpuPercent, int threads, long blockedThreadSwitches) {}

  /** Two stacks, two workers each, over an unimpaired simulated link run in real time. */
  private static final class Pair implements AutoCloseable {
    final NetStack client;
    final NetStack server;
    final TcpServer listener;
    final List<TcpConnection> accepted = new ArrayList<>();
    private final AutoCloseable pump;

    Pair(IdleStrategy idle) throws IOException {
      SimulatedNetwork network = new SimulatedNetwork(16);
      SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withReceiveQueues(2)
          .withImpairments(Impairments.NONE));
      client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").workers(2).idleStrategy(idle).build();
      server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").workers(2).idleStrategy(idle).build();
      pump = network.runInRealTime();
      listener = server.listen(80, 1_000);
    }

    List<TcpConnection> connect(int n) throws IOException {
      List<TcpConnection> out = new ArrayList<>();
      InetSocketAddress to = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80);
      for (int i = 0; i < n; i++) {
        out.add(client.connect(to, Duration.ofSeconds(10)));
        accepted.add(listener.accept());
      }
      return out;
    }

    /**
     * Context switches (voluntary and not, from /proc/self/task/TID/status) and time on a CPU
     * (/proc/self/task/TID/schedstat, in nanoseconds) of every thread the stacks and the link run,
     * over {@code millis}: what the kernel's scheduler saw, not what the JVM thinks.
     */
    Cost measure(long millis) throws Exception {
      long[] before = threadCosts();
      long t0 = System.nanoTime();
      Thread.sleep(millis);
      long[] after = threadCosts();
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(after[2]).as("the stacks' four workers and the link's pump, at least").isGreaterThanOrEqualTo(5);
      return new Cost((after[0] - before[0]) / seconds, (after[1] - before[1]) / 1e9 / seconds * 100, (int) after[2],
          after[3] - before[3]);
    }

    /** Switches, CPU nanoseconds, count, and switches of the "idle-" threads alone, of the OS threads whose name (comm, 15 characters at most) marks them as the stacks'. */
    private static long[] threadCosts() throws IOException {
      long switches = 0;
      long cpu = 0;
      long threads = 0;
      long blocked = 0;
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path task : tasks.toList()) {
          try {
            String comm = Files.readString(task.resolve("comm")).strip();
            if (!comm.startsWith("sluice-worker-") && !comm.startsWith("sluice-simulat") && !comm.startsWith("idle-")) {
              continue;
            }
            for (String line : Files.readAllLines(task.resolve("status"))) {
              if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                long n = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                switches += n;
                blocked += comm.startsWith("idle-") ? n : 0;
              }
            }
            cpu += Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[0]);
            threads++;
          } catch (IOException gone) {
            // a thread that ended meanwhile
          }
        }
      }
      return new long[] {switches, cpu, threads, blocked};
    }

    @Override
    public void close() throws Exception {
      listener.close();
      client.close();
      server.close();
      pump.close();
    }
  }
}
