package dev.sluice.cli.bench;

import dev.sluice.api.IdleStrategy;
import dev.sluice.api.NetStack;
import dev.sluice.cli.usage.OptionRanges;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice bench}: Sluice and the Linux kernel's TCP side by side in one run, alternating
 * runs (ABAB...), medians with min and max, ratios Sluice / kernel. See docs/benchmarks/bench.md.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Runs end-to-end benchmarks of Sluice and the Linux kernel side by side, in one run.",
      "",
      "Sluice: two stacks in this JVM over a simulated link (no impairments, no delay, checksums",
      "computed and verified). Kernel: Java NIO sockets; as root, in a network namespace made for the",
      "run whose lo has MTU 1500 and TSO/GSO/GRO off (198.18.0.1), else on the plain loopback.",
      "Runs alternate (Sluice, kernel, Sluice, ...); the report gives medians [min-max] and the ratio",
      "Sluice / kernel. Workloads (--only): 1 bulk, 1 flow (MTU 1500 and 65535); 2 16 and 256 flows",
      "with 1 and 2 workers; 3 64-byte ping-pong RTT; 4 64-byte transactions over 1,000 connections;",
      "5 connections per second; 6 memory per idle connection at 100,000 connections; 7 (netty_echo)",
      "Netty's NIO transport echoing 16 KB messages over 64 connections; 8 (http_server) the JDK's",
      "HttpServer answering keep-alive requests from 64 connections (each side in a JVM of its own);",
      "9 (million, Sluice only, NOT in the default run: --only million) 1,000,000 idle connections",
      "between two stacks: heap per end, connections per second, RTT p99 among them against alone, idle",
      "CPU; one run, whatever --reps; 1.5 to 2.5 minutes on 2 vCPUs; it needs a heap of 3.3 GB.",
      "10 (idle_cpu) this process's CPU while two stacks hold 1,000 idle connections (kernel: NIO sockets)."
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--reps", defaultValue = "5",
      description = "Runs per side of every measurement, 1 to 1000 (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(names = "--only", split = ",",
      description = "Workloads to run, by number or name, like 1,3,5 or netty_echo (default: 1 to 8).")
  List<String> only = new ArrayList<>();

  @Option(names = "--json",
      description = "End with one JSON object on the last line: \"schema\", \"passed\", then one entry per row under \"rows\" (docs/json.md).")
  boolean json;

  @Option(names = "--bytes", defaultValue = "268435456", hidden = true, description = "Bytes per bulk run.")
  long bytes;

  @Option(names = "--duration-ms", defaultValue = "1500", hidden = true, description = "Measured window of timed runs.")
  long durationMs;

  @Option(names = "--warmup-ms", defaultValue = "300", hidden = true, description = "Unmeasured time before the window.")
  long warmupMs;

  @Option(names = "--rtt-samples", defaultValue = "20000", hidden = true, description = "Round trips per RTT run.")
  int rttSamples;

  @Option(names = "--transaction-connections", defaultValue = "1000", hidden = true,
      description = "Connections of workload 4.")
  int transactionConnections;

  @Option(names = "--connect-clients", defaultValue = "32", hidden = true,
      description = "Concurrent clients of workload 5.")
  int connectClients;

  @Option(names = "--connections", defaultValue = "100000", hidden = true, description = "Connections of workload 6.")
  int connections;

  @Option(names = "--netty-connections", defaultValue = "64", hidden = true, description = "Connections of workload 7.")
  int nettyConnections;

  @Option(names = "--http-connections", defaultValue = "64", hidden = true, description = "Connections of workload 8.")
  int httpConnections;

  @Option(names = "--jvm-warmup-ms", defaultValue = "4000", hidden = true,
      description = "Unmeasured time before the window of a run in a JVM of its own (workload 8), for its JIT.")
  long jvmWarmupMs;

  @Option(names = "--million-connections", defaultValue = "1000000", hidden = true,
      description = "Connections of workload 9.")
  int millionConnections;

  @Option(names = "--million-idle-ms", defaultValue = "10000", hidden = true,
      description = "How long workload 9 measures CPU while its connections sit idle.")
  long millionIdleMs;

  @Option(names = "--workers", defaultValue = "1", hidden = true,
      description = "Sluice receive workers per host in workloads 1, 3, 4, 5, 6, 7, 8, 9.")
  int workers;

  @Option(names = "--run-timeout-ms", defaultValue = "120000", hidden = true, description = "Limit of one run.")
  long runTimeoutMs;

  @Option(names = "--warmup-reps", defaultValue = "1", hidden = true,
      description = "Discarded rounds before the measured ones (not for workload 6).")
  int warmupReps;

  @Option(names = "--receive", defaultValue = "adaptive", hidden = true,
      description = "adaptive (the stack's default): the delivering thread processes a packet while its worker is "
          + "parked, the worker otherwise; workers: the workers only; inline: the delivering thread always.")
  String receive;

  @Option(names = "--idle-spin-us", defaultValue = "20", hidden = true,
      description = "Sluice workers' idle strategy: the longest spin after work in µs (0: park at once; -1: busy spin).")
  long idleSpinMicros;

  @Option(names = "--busy-poll-us", defaultValue = "0", hidden = true,
      description = "Sluice: how long a blocked application thread spins before it parks, in µs (SO_BUSY_POLL).")
  long busyPollMicros;

  @Option(names = "--read-spin-us", defaultValue = "" + NetStack.DEFAULT_READ_SPIN_MICROS, hidden = true,
      description = "Sluice: the longest a blocked reader spins before it parks, learned per connection, in µs (0: never).")
  long readSpinMicros;

  @Option(names = "--kernel", defaultValue = "auto", hidden = true,
      description = "auto: a namespace when root, else plain loopback; loopback: plain loopback only.")
  String kernelMode;

  static List<Workload> allWorkloads() {
    return List.of(new BulkWorkload(), new ScalingWorkload(), new RttWorkload(), new TransactionsWorkload(),
        new ConnectRateWorkload(), new IdleMemoryWorkload(), new NettyEchoWorkload(), new HttpServerWorkload(),
        new MillionWorkload(), new IdleCpuWorkload());
  }

  /** The workloads {@code --only} names, in order; without it, those of the default run. */
  static List<Workload> selected(List<String> only) {
    List<Workload> workloads = new ArrayList<>();
    for (Workload w : allWorkloads()) {
      if (only.isEmpty() ? w.inDefaultRun() : only.stream().anyMatch(name -> selects(name, w))) {
        workloads.add(w);
      }
    }
    return workloads;
  }

  @Override
  public Integer call() throws Exception {
    checkRanges();
    IdleStrategy idle = idleStrategy();
    java.time.Duration busyPoll = busyPoll();
    PrintWriter out = spec.commandLine().getOut();
    BenchConfig config;
    try {
      config = new BenchConfig(reps, bytes, durationMs, warmupMs, rttSamples, transactionConnections, connectClients,
          connections, workers, runTimeoutMs, nettyConnections, httpConnections, jvmWarmupMs, millionConnections,
          millionIdleMs);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (!List.of("adaptive", "workers", "inline").contains(receive)) {
      throw new ParameterException(spec.commandLine(),
          "--receive must be adaptive, workers or inline, not '" + receive + "'");
    }
    if (!kernelMode.equals("auto") && !kernelMode.equals("loopback")) {
      throw new ParameterException(spec.commandLine(), "--kernel must be auto or loopback, not '" + kernelMode + "'");
    }
    for (String name : only) {
      if (allWorkloads().stream().noneMatch(w -> selects(name, w))) {
        throw new ParameterException(spec.commandLine(), "--only takes workload numbers 1 to "
            + allWorkloads().size() + " or names (" + allWorkloads().stream().flatMap(w -> w.aliases().stream())
            .collect(Collectors.joining(", ")) + "), not " + name);
      }
    }
    List<Workload> workloads = selected(only);
    boolean terminal = System.console() != null;
    PrintWriter progress = terminal ? spec.commandLine().getErr() : null;
    List<String> notes = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    String loadBefore = loadAverage();
    KernelNamespace namespace = kernelMode.equals("auto") ? KernelNamespace.create(notes::add) : null;
    List<Report.Row> rows = new ArrayList<>();
    List<String> details = new ArrayList<>();
    long started = System.nanoTime();
    try {
      List<StackSide> sides = new ArrayList<>(List.of(new SluiceSide(receive, idle, busyPoll,
          java.time.Duration.ofNanos(readSpinMicros * 1_000)),
          new KernelSide("kernel", namespace)));
      if (namespace != null) {
        sides.add(new KernelSide("kernel-lo", null));
      }
      int total = 0;
      for (Workload w : workloads) {
        for (var run : Abab.schedule(w.variants(config), sides, w.reps(config), w.warmsUp() ? warmupReps : 0)) {
          total += w.runs(run.variant(), run.side()) ? 1 : 0;
        }
      }
      int done = 0;
      for (Workload w : workloads) {
        Workload.Results results = new Workload.Results();
        String load = loadAverage();
        try {
          for (var run : Abab.schedule(w.variants(config), sides, w.reps(config), w.warmsUp() ? warmupReps : 0)) {
            if (!w.runs(run.variant(), run.side())) {
              continue;
            }
            done++;
            System.gc(); // the previous run's garbage is not this run's cost
            long t0 = System.nanoTime();
            Map<String, Double> figures = w.measure(run.side(), run.variant(), config);
            if (run.side().ownershipViolations() != 0) {
              throw new IllegalStateException(run.side().ownershipViolations()
                  + " ownership violations (two threads owned one connection): a bug in Sluice");
            }
            if (!run.warmup()) {
              results.add(run.variant().name(), run.side().name(), figures);
            }
            if (progress != null) {
              progress.printf(Locale.ROOT, "[%d/%d] %d %s %s, %s: %s (%.1f s; load %s)%n", done, total, w.number(),
                  run.variant().name(), run.side().name(), run.warmup() ? "warm-up" : "rep " + run.rep(), figures.entrySet().stream().sorted(Map.Entry.comparingByKey())
                      .map(f -> f.getKey() + " " + Report.number(f.getValue())).collect(Collectors.joining(", ")),
                  (System.nanoTime() - t0) / 1e9, loadAverage());
              progress.flush();
            }
          }
        } catch (Exception e) {
          // One workload failing (a timeout, a port in use) should not lose the others' figures.
          failed.add("workload " + w.number() + " (" + w.title() + ") failed: " + e);
          if (progress != null) {
            e.printStackTrace(progress);
          }
          continue;
        }
        rows.addAll(w.rows(results));
        List<String> d = w.details(results);
        if (!d.isEmpty()) {
          details.add("");
          details.addAll(d);
        }
        details.add("Load average when workload " + w.number() + " started: " + load + ".");
      }
    } finally {
      if (namespace != null) {
        namespace.close();
      }
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    out.println("sluice bench: " + config.reps() + " runs per side after " + warmupReps
        + " discarded warm-up round(s), alternating (Sluice, kernel, ...); "
        + "median [min-max]; ratio = Sluice / kernel (medians)");
    out.println("Machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs; Linux "
        + System.getProperty("os.version") + "; Java " + Runtime.version() + " (" + System.getProperty("java.vm.name")
        + "), heap " + heapSizes());
    out.println("Sluice: two NetStacks in this JVM over a simulated link (no impairments, no delay), checksums "
        + "computed and verified; " + config.sluiceWorkers() + " receive worker(s) per host except in workload 2.");
    out.println("Kernel: Java NIO socket channels, "
        + (namespace != null ? namespace.describe() + " (MTU-1500 rows); plain loopback for MTU 65535"
            : "plain loopback 127.0.0.1 (lo MTU " + KernelSide.loopbackMtu() + ", offloads on)")
        + ".");
    for (String n : notes) {
      out.println("Note: " + n);
    }
    for (String f : failed) {
      out.println("FAILED: " + f);
    }
    out.println(String.format(Locale.ROOT, "Load average (1, 5, 15 min): %s before, %s after; %.0f s in all.",
        loadBefore, loadAverage(), elapsed));
    out.println();
    out.print(Report.table(rows, namespace != null));
    for (String d : details) {
      out.println(d);
    }
    if (json) {
      out.println(Report.json(rows, failed));
    }
    out.flush();
    return failed.isEmpty() ? 0 : 1;
  }

  /**
   * Every numeric option in a range the run can hold, checked before the first workload: a run is
   * minutes long, and a value past these is a typo (an hour per measured window, a million reps).
   */
  private void checkRanges() {
    long hourMs = 3_600_000;
    OptionRanges.check(spec, "--reps", reps, 1, 1_000);
    OptionRanges.check(spec, "--warmup-reps", warmupReps, 0, 1_000);
    OptionRanges.check(spec, "--bytes", bytes, 1, 1L << 40);
    OptionRanges.check(spec, "--duration-ms", durationMs, 1, hourMs);
    OptionRanges.check(spec, "--warmup-ms", warmupMs, 0, hourMs);
    OptionRanges.check(spec, "--jvm-warmup-ms", jvmWarmupMs, 0, hourMs);
    OptionRanges.check(spec, "--run-timeout-ms", runTimeoutMs, 1, 24 * hourMs);
    OptionRanges.check(spec, "--million-idle-ms", millionIdleMs, 1, hourMs);
    OptionRanges.check(spec, "--rtt-samples", rttSamples, 1, 100_000_000);
    OptionRanges.check(spec, "--transaction-connections", transactionConnections, 1, 100_000);
    OptionRanges.check(spec, "--connect-clients", connectClients, 1, 10_000);
    OptionRanges.check(spec, "--connections", connections, 1, 1_000_000);
    OptionRanges.check(spec, "--netty-connections", nettyConnections, 1, 100_000);
    OptionRanges.check(spec, "--http-connections", httpConnections, 1, 100_000);
    OptionRanges.check(spec, "--million-connections", millionConnections, 1, 10_000_000);
    OptionRanges.check(spec, "--workers", workers, 1, 256);
    OptionRanges.check(spec, "--read-spin-us", readSpinMicros, 0, 1_000_000);
  }

  private java.time.Duration busyPoll() {
    if (busyPollMicros < 0 || busyPollMicros > 1_000_000) {
      throw new ParameterException(spec.commandLine(), "--busy-poll-us must be 0 to 1000000, not " + busyPollMicros);
    }
    return java.time.Duration.ofNanos(busyPollMicros * 1_000);
  }

  private IdleStrategy idleStrategy() {
    if (idleSpinMicros == -1) {
      return IdleStrategy.busySpin();
    }
    if (idleSpinMicros < 0 || idleSpinMicros > 1_000_000) {
      throw new ParameterException(spec.commandLine(), "--idle-spin-us must be -1 (busy spin) or 0 to 1000000, not "
          + idleSpinMicros);
    }
    return IdleStrategy.backoff(java.time.Duration.ofNanos(idleSpinMicros * 1_000));
  }

  /** Whether {@code --only}'s {@code name} (a number or an alias) means {@code w}. */
  private static boolean selects(String name, Workload w) {
    return name.strip().equals(String.valueOf(w.number())) || w.aliases().contains(name.strip());
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * The heap's initial and largest size. The launcher fixes the initial size for bench (see
   * {@code sluice}): each run starts after a full collection, which otherwise shrinks the heap to a
   * few tens of megabytes, so every run would begin with young collections every few milliseconds.
   */
  static String heapSizes() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return "initial " + heap.getInit() / (1024 * 1024) + " MB, max " + heap.getMax() / (1024 * 1024) + " MB";
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.arch");
  }
}
