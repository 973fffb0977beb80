package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 10 ({@code idle_cpu}): what two stacks cost while they hold 1,000 established
 * connections and nothing moves (issue 16: "idle costs nothing"). The figure is this process's CPU
 * time ({@code getProcessCpuTime}) per second of wall time over a window, as a percentage of one
 * core (summed from the kernel's per-thread accounting), after a settling time in which Sluice's workers end their spins and its idle sweep frees
 * the connections' buffers.
 *
 * <ul>
 *   <li>Sluice: two {@code NetStack}s (the bench's usual pair, with their receive workers and the
 *       simulated link's pump) holding the connections.
 *   <li>Kernel: the same connections as Java NIO socket channels on the kernel's TCP, held by this
 *       process; the kernel keeps them without any thread of ours.
 * </ul>
 *
 * Both columns include what the JVM itself does meanwhile (its compiler and collector threads), in
 * the same process, alternately.
 */
final class IdleCpuWorkload implements Workload {
  static final int CONNECTIONS = 1_000;
  /** Long enough for the workers' last spin and two rounds of the idle sweep. */
  private static final long SETTLE_MILLIS = 2_500;

  @Override
  public int number() {
    return 10;
  }

  @Override
  public String title() {
    return "CPU of two idle stacks holding 1,000 connections";
  }

  @Override
  public List<String> aliases() {
    return List.of("idle_cpu");
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("idle-cpu", StackSide.Setup.of(1500, config.sluiceWorkers()), CONNECTIONS));
  }

  /** Idle cost needs no compiled code; a warm-up would only repeat the set-up. */
  @Override
  public boolean warmsUp() {
    return false;
  }

  @Override
  public boolean runs(Variant variant, StackSide side) {
    return !side.name().equals("kernel-lo");
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    int n = variant.parameter();
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    StackSide.Listener listener = null;
    StackSide.Conn[] clients = new StackSide.Conn[n];
    StackSide.Conn[] servers = new StackSide.Conn[n];
    AtomicInteger accepted = new AtomicInteger();
    try {
      StackSide.Listener l = e.listen(7000, 4_096);
      listener = l;
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (accepted.get() < n) {
            servers[accepted.get()] = l.accept();
            accepted.incrementAndGet();
          }
        } catch (Exception x) {
          // listener closed
        }
      });
      Harness.connectAll(e, new StackSide.Listener[] {l}, clients, 64, deadline);
      while (accepted.get() < n) {
        Harness.checkDeadline(deadline, "accepting " + n + " connections");
        Thread.sleep(10);
      }
      acceptor.join(1_000);
      Harness.sleep(SETTLE_MILLIS);
      return Map.of("percent", cpuPercent(config.durationMs() * 2));
    } finally {
      for (StackSide.Conn c : clients) {
        Harness.closeAll(c);
      }
      for (StackSide.Conn c : servers) {
        Harness.closeAll(c);
      }
      Harness.closeAll(listener, e);
    }
  }

  /**
   * This process's CPU time per second of wall time over {@code millis}, in % of one core: each
   * thread's time on a CPU from {@code /proc/self/task/TID/schedstat}, in nanoseconds (the JVM's
   * {@code getProcessCpuTime} counts in 10 ms ticks here, too coarse for a figure under 1% of a
   * short window), taken per thread: what a thread alive at both readings used between them, and
   * all of what a thread started meanwhile used. A thread that ends within the window takes its
   * share of it along; summing the threads before and after instead would take its whole life off
   * the figure (a virtual-thread carrier retiring in a quiet window once made it 0.00%).
   */
  static double cpuPercent(long millis) throws InterruptedException, IOException {
    Map<String, Long> before = threadCpuNanos();
    long t0 = System.nanoTime();
    Thread.sleep(millis);
    Map<String, Long> after = threadCpuNanos();
    long t1 = System.nanoTime();
    long used = 0;
    for (Map.Entry<String, Long> thread : after.entrySet()) {
      used += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
    }
    return 100.0 * used / (t1 - t0);
  }

  /** Each live thread's time on a CPU so far, in nanoseconds, by thread id. */
  private static Map<String, Long> threadCpuNanos() throws IOException {
    Map<String, Long> cpu = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          cpu.put(task.getFileName().toString(),
              Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[0]));
        } catch (IOException | RuntimeException ended) {
          // a thread that ended meanwhile
        }
      }
    }
    return cpu;
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("idle-cpu", "sluice", "percent") || !r.has("idle-cpu", "kernel", "percent")) {
      return List.of();
    }
    Report.Row row = new Report.Row("idle_cpu_percent",
        "10. CPU of two idle stacks holding 1,000 connections (% of one core)", "percent", true,
        r.get("idle-cpu", "sluice", "percent"), r.get("idle-cpu", "kernel", "percent"), null, "Sluice < 1%", null);
    return List.of(BulkWorkload.withMet(row, row.sluice().median() < 1.0));
  }

  @Override
  public List<String> details(Results r) {
    return List.of("Workload 10: process CPU over a window of 2 x --duration-ms (3 s by default) after "
        + SETTLE_MILLIS / 1000.0 + " s of settling, JVM threads included, both columns alike.");
  }
}
