package dev.sluice.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 9 ({@code million}, issue 16 point 5): two Sluice hosts in this JVM establish
 * {@code --million-connections} (1,000,000) connections, hold them idle, and run workload 3's
 * ping-pong on one more connection among them. Sluice only, one run, and not in the default run
 * (it takes minutes and 2.2 GB of heap). The kernel side is not measured: a million kernel
 * connections in one process are two million sockets, so two million file descriptors, beyond the
 * hard {@code RLIMIT_NOFILE} of the containers this runs in (20,000 where workload 6 was measured)
 * and Linux's default {@code fs.nr_open} (1,048,576); workload 6 measures the kernel's cost per
 * socket instead.
 *
 * <p>What one run measures, in order:
 *
 * <ol>
 *   <li><b>RTT alone</b>: the ping-pong on fresh stacks with no other connection: one run to warm
 *       the JIT, then {@link #RTT_RUNS} runs, keeping the median of their p99s.
 *   <li>On new stacks, one connection is opened first (so what a host makes once is in the
 *       baseline), then the process's CPU per second of wall time over {@code --million-idle-ms}:
 *       the two stacks' own idle cost, printed for comparison.
 *   <li><b>Heap</b> in use after full collections, before and after the million (as workload 6):
 *       connections spread over listening ports, opened by 256 virtual threads at once;
 *       {@code establishedPerSecond} is connections / (first connect → the last one accepted).
 *       Once the idle sweep has surely reached them all ({@code NetStack.idleBuffersFreedWithin}:
 *       it frees the buffers of connections idle for a second, at most 65,536 a second), the heap
 *       again; divided by 2 × connections ends. Counted: Sluice's state and the
 *       {@code TcpConnection} an application holds for each end.
 *   <li><b>Idle CPU</b>: the process's CPU time (each thread's schedstat, see {@link
 *       IdleCpuWorkload#cpuPercent}) per second of wall time over {@code --million-idle-ms}, 3 s
 *       after the collections, as a percentage of one core: the stacks' idle cost (workers parked,
 *       a housekeeping round a second with nothing on its list) and the JVM's own, which with a
 *       heap this large depends on the JVM's page size (docs/benchmarks/bench.md).
 *   <li><b>RTT among the million</b>: {@link #RTT_RUNS} ping-pong runs, each on one more
 *       connection; {@code rttP99Ratio} is the median of their p99s over that alone.
 * </ol>
 *
 * <p>Ports: Sluice picks an ephemeral port from 16,384 per (local address, remote address, remote
 * port) (RFC 6056 Algorithm 3, {@code EphemeralPorts}), so the server listens on one port per
 * {@link #PER_PORT} connections: at most a third of each range in use keeps the search for a free
 * port short.
 *
 * <p>Threads: the measuring thread, the connecting and accepting virtual threads (all joined or
 * ended before the figures are read) and workload 3's echo thread. Every wait is bounded by the
 * run's deadline: {@code --run-timeout-ms} per 100,000 connections.
 */
final class MillionWorkload implements Workload {
  /** Connections per listening port: a third of the 16,384 ephemeral ports per remote endpoint. */
  private static final int PER_PORT = 5_000;
  private static final int FIRST_PORT = 10_000;
  private static final int RTT_PORT = 5_003;
  private static final int CONCURRENCY = 256;
  private static final int RTT_RUNS = 3;
  /**
   * Heap to ask for per connection before starting: its two ends at the target of 1,100 bytes,
   * and half as much again for the garbage of establishing them and the collector's room.
   */
  private static final double HEAP_PER_CONNECTION = 2 * 1_100 * 1.5;
  private final Map<String, String> notes = new LinkedHashMap<>();

  @Override
  public int number() {
    return 9;
  }

  @Override
  public String title() {
    return "a million idle connections";
  }

  @Override
  public List<String> aliases() {
    return List.of("million");
  }

  @Override
  public boolean inDefaultRun() {
    return false;
  }

  /** One run: it takes minutes, and compares the RTT with and without the million within itself. */
  @Override
  public int reps(BenchConfig config) {
    return 1;
  }

  /** Its own warm-up: a first, discarded RTT run alone. */
  @Override
  public boolean warmsUp() {
    return false;
  }

  @Override
  public boolean runs(Variant variant, StackSide side) {
    return side instanceof SluiceSide;
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("million", StackSide.Setup.of(1500, config.sluiceWorkers()),
        config.millionConnections()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    SluiceSide sluice = (SluiceSide) side;
    int n = variant.parameter();
    long needed = (long) (HEAP_PER_CONNECTION * n);
    if (Runtime.getRuntime().maxMemory() < needed) {
      throw new IllegalStateException(String.format(Locale.ROOT, "%,d connections need a heap of about %.1f GB, "
          + "and this JVM's maximum is %.1f GB (raise it with JAVA_TOOL_OPTIONS=-Xmx...)", n, needed / 1e9,
          Runtime.getRuntime().maxMemory() / 1e9));
    }
    long started = System.nanoTime();
    long deadline = Harness.deadline(config.runTimeoutMs() * Math.max(1, (n + 99_999) / 100_000));
    double aloneP99;
    try (StackSide.Endpoints fresh = sluice.open(variant.setup())) {
      RttWorkload.pingPong(fresh, RTT_PORT, config.rttSamples(), deadline);
      aloneP99 = rttP99(fresh, config, deadline, "alone");
    }
    System.gc(); // the fresh stacks' garbage is not the million's

    int ports = (n + PER_PORT - 1) / PER_PORT;
    StackSide.Endpoints e = sluice.open(variant.setup(), n + 16);
    StackSide.Listener[] listeners = new StackSide.Listener[ports];
    // What an application holds for each end: the TcpConnection. The arrays are made before the
    // baseline reading, so they are not counted.
    Object[] clients = new Object[n + 1];
    Object[] servers = new Object[n + 1];
    AtomicInteger accepted = new AtomicInteger();
    try {
      for (int p = 0; p < ports; p++) {
        StackSide.Listener l = e.listen(FIRST_PORT + p, 4_096);
        listeners[p] = l;
        Thread.ofVirtual().name("bench-million-accept-" + p).start(() -> {
          try {
            while (true) {
              StackSide.Conn s = l.accept();
              servers[accepted.getAndIncrement()] = s.handle();
            }
          } catch (Exception x) {
            // the listener closed (or more connections than expected: ArrayIndexOutOfBounds ends it)
          }
        });
      }
      StackSide.Conn[] first = new StackSide.Conn[1];
      Harness.connectAll(e, listeners, first, 1, deadline);
      clients[n] = first[0].handle();
      awaitAccepted(accepted, 1, deadline);
      Harness.sleep(3_000); // the RTT runs' aftermath (compilation, collection) is not idle cost
      double baselineCpu = IdleCpuWorkload.cpuPercent(config.millionIdleMs());
      notes.put("cpu-baseline", String.format(Locale.ROOT,
          "the same two stacks with 1 connection: %.2f%% of a core", baselineCpu));
      long heapBefore = Harness.connectionHeapAfterGc(e);

      long t0 = System.nanoTime();
      StackSide.Conn[] rest = new StackSide.Conn[n];
      Harness.connectAll(e, listeners, rest, CONCURRENCY, deadline);
      for (int i = 0; i < n; i++) {
        clients[i] = rest[i].handle();
      }
      rest = null;
      awaitAccepted(accepted, n + 1, deadline);
      double establishSeconds = (System.nanoTime() - t0) / 1e9;
      if (servers[n] == null) {
        throw new IllegalStateException("connections missing");
      }

      Harness.awaitIdleSweep(n + 2);
      long heapAfter = Harness.connectionHeapAfterGc(e);
      double perEnd = (heapAfter - heapBefore) / (2.0 * n);
      Harness.sleep(3_000); // the collections' own aftermath is not the connections' cost
      double cpu = IdleCpuWorkload.cpuPercent(config.millionIdleMs());

      double amongP99 = rttP99(e, config, deadline, "among");
      Reference.reachabilityFence(clients);
      Reference.reachabilityFence(servers);
      notes.put("summary", String.format(Locale.ROOT,
          "Workload 9: %,d connections (%,d ends) over %d listening ports, established in %.1f s; heap %.2f GB "
          + "more (after full collections, %,d bytes per end).", n, 2L * n, ports, establishSeconds,
          (heapAfter - heapBefore) / 1e9, Math.round(perEnd)));
      Map<String, Double> figures = new LinkedHashMap<>();
      figures.put("bytes", perEnd);
      figures.put("connections", (double) n);
      figures.put("establishedPerSecond", n / establishSeconds);
      figures.put("rttP99Ratio", amongP99 / aloneP99);
      figures.put("idleCpuPercent", cpu);
      return figures;
    } finally {
      Harness.closeAll(listeners);
      long closing = System.nanoTime();
      Harness.closeAll(e);
      notes.put("time", String.format(Locale.ROOT, "Workload 9 took %.0f s in all (closing the stacks %.1f s).",
          (System.nanoTime() - started) / 1e9, (System.nanoTime() - closing) / 1e9));
    }
  }

  /**
   * The median p99 of {@link #RTT_RUNS} ping-pong runs between {@code e}'s hosts (one run's p99 on
   * two shared cores moves with whatever else runs), noting each run's p50 and p99 under {@code what}.
   */
  private double rttP99(StackSide.Endpoints e, BenchConfig config, long deadline, String what) throws Exception {
    List<Double> p99s = new ArrayList<>();
    StringBuilder runs = new StringBuilder();
    for (int i = 0; i < RTT_RUNS; i++) {
      Map<String, Double> rtt = RttWorkload.pingPong(e, RTT_PORT, config.rttSamples(), deadline);
      p99s.add(rtt.get("p99"));
      runs.append(i == 0 ? "" : ", ").append(Report.number(rtt.get("p50"))).append('/')
          .append(Report.number(rtt.get("p99")));
    }
    notes.put("rtt-" + what, what + " (p50/p99 us per run) " + runs);
    return Stats.Summary.of(p99s).median();
  }

  private static void awaitAccepted(AtomicInteger accepted, int n, long deadline)
      throws InterruptedException, TimeoutException {
    while (accepted.get() < n) {
      Harness.checkDeadline(deadline, "accepting " + n + " connections");
      Thread.sleep(5);
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("million", "sluice", "bytes")) {
      return List.of();
    }
    Map<String, Double> extra = new LinkedHashMap<>();
    for (String figure : List.of("connections", "establishedPerSecond", "rttP99Ratio", "idleCpuPercent")) {
      extra.put(figure, r.get("million", "sluice", figure).median());
    }
    Report.Row row = new Report.Row("million", "9. a million idle connections: heap per end (Sluice only)", "bytes",
        true, r.get("million", "sluice", "bytes"), null, null, "<= 1,100 B per end (2.2 GB)", null, extra);
    return List.of(BulkWorkload.withMet(row, row.sluice().median() <= 1_100));
  }

  @Override
  public List<String> details(Results r) {
    if (!r.has("million", "sluice", "bytes")) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add(notes.get("summary"));
    lines.add(String.format(Locale.ROOT, "Workload 9: %,.0f connections per second established; RTT p99 among them "
        + "/ alone %.2f, medians of %d runs (target <= 2; %s; %s); idle CPU %.2f%% of a core (target < 1%%; %s). No kernel side: a "
        + "million kernel sockets need two million file descriptors in this process.",
        r.get("million", "sluice", "establishedPerSecond").median(), r.get("million", "sluice", "rttP99Ratio").median(),
        RTT_RUNS, notes.get("rtt-alone"), notes.get("rtt-among"), r.get("million", "sluice", "idleCpuPercent").median(),
        notes.get("cpu-baseline")));
    String damon = damonNote(Path.of("/sys/kernel/mm/damon/admin/kdamonds"));
    if (damon != null) {
      lines.add(damon);
    }
    lines.add(notes.get("time"));
    return lines;
  }

  /**
   * A line saying that the kernel's DAMON monitor runs (a {@code kdamond} whose {@code state} is
   * {@code on}), or null. Some VMs run it for proactive reclaim; on this project's AMD VM it made an
   * idle JVM holding a 2 GB heap use about 3 % of a core, and 0.1 % with it stopped
   * (docs/benchmarks/bench.md, "A million idle connections"), so the idle figure above is partly
   * the machine's.
   */
  static String damonNote(Path kdamonds) {
    int running = 0;
    try (var entries = Files.list(kdamonds)) {
      for (Path kdamond : (Iterable<Path>) entries::iterator) {
        Path state = kdamond.resolve("state");
        if (Files.isRegularFile(state) && Files.readString(state).strip().equals("on")) {
          running++;
        }
      }
    } catch (IOException | RuntimeException e) {
      return null; // no DAMON, or not readable: nothing to say
    }
    return running == 0 ? null : "Workload 9: the kernel's DAMON memory monitor is running (" + running
        + " kdamond): on a VM that runs it for reclaim, an idle JVM with a large heap pays for its sampling"
        + " (docs/benchmarks/bench.md, \"A million idle connections\").";
  }
}
