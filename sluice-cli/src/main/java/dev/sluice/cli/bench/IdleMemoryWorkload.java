package dev.sluice.cli.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload 6: memory per idle established connection end, at {@code --connections} (100,000)
 * connections, that is 2 × 100,000 ends (sockets), both in this process.
 *
 * <ul>
 *   <li>Sluice: Java heap in use after full collections (MemoryMXBean), before and after opening
 *       the connections and letting them go idle for 2.5 s (the idle sweep frees buffers after a
 *       second), divided by the number of ends. One connection is opened before the first
 *       reading, so what a host makes once is not counted; nor are the in-memory link's packet
 *       buffers, which its pools make as the largest burst so far needs them, up to a bound per
 *       link ({@link StackSide.Endpoints#linkBufferBytes()}, subtracted from both readings), as
 *       the kernel column does not count its devices' rings. Counted per end: Sluice's connection
 *       state and the API's {@code TcpConnection} with its two stream objects (what an application
 *       holds); the arrays holding them are allocated before the first reading.
 *   <li>Kernel: the kernel's slab memory (sum over {@code /proc/slabinfo} of active objects × object
 *       size) before and after, divided by the number of sockets: {@code tcp_sock} ("TCP"), the
 *       socket inode, dentry, file, bind buckets, and whatever else grows. The Java objects of
 *       the channels are not counted (they are the JVM's, not the kernel's). Slab is machine-wide,
 *       so other work on the machine adds noise; the sockets' buffers ({@code sockstat} mem) are
 *       empty when idle. The {@code Slab:} line of {@code /proc/meminfo}, which counts whole slab
 *       pages, is reported as a cross-check.
 * </ul>
 */
final class IdleMemoryWorkload implements Workload {
  /** Connections per listening port: Sluice's ephemeral range has 16,384 ports per remote endpoint. */
  private static final int PER_PORT = 12_000;
  private final Map<String, String> notes = new HashMap<>();

  @Override
  public int number() {
    return 6;
  }

  @Override
  public String title() {
    return "memory per idle established connection";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("idle", StackSide.Setup.of(1500, config.sluiceWorkers()), config.idleConnections()));
  }

  /** Memory does not depend on the JIT, and 100,000 more connections would cost half a minute. */
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
    boolean kernel = side instanceof KernelSide;
    int n = variant.parameter();
    if (kernel) {
      long limit = openFileLimit();
      int fit = (int) Math.max(1, Math.min(n, (limit - 2_000) / 2));
      if (fit < n) {
        notes.put("kernel-scaled", "The kernel side was measured at " + fit + " connections, not " + n
            + ": the open-file limit is " + limit + " (the ./sluice launcher tries to raise it for bench; raising the hard limit needs CAP_SYS_RESOURCE). The kernel's cost is per socket object, so the per-socket figure does not depend on the count.");
        n = fit;
      }
    }
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    int ports = (n + PER_PORT - 1) / PER_PORT;
    StackSide.Listener[] listeners = new StackSide.Listener[ports];
    // What an application holds: TcpConnection (Sluice) or SocketChannel (kernel), not our wrapper.
    Object[] clients = new Object[n + 1];
    Object[] servers = new Object[n + 1];
    AtomicInteger accepted = new AtomicInteger();
    try {
      for (int p = 0; p < ports; p++) {
        StackSide.Listener l = e.listen(6000 + p, 4_096);
        listeners[p] = l;
        Thread.ofVirtual().start(() -> {
          try {
            while (true) {
              StackSide.Conn s = l.accept();
              servers[accepted.getAndIncrement()] = s.handle();
            }
          } catch (Exception x) {
            // listener closed (or more connections than expected: ArrayIndexOutOfBounds ends the loop)
          }
        });
      }
      // One connection first: what a host makes once belongs in the baseline.
      StackSide.Conn[] first = new StackSide.Conn[1];
      Harness.connectAll(e, listeners, first, 1, deadline);
      clients[n] = first[0].handle();
      awaitAccepted(accepted, 1, deadline);
      Harness.sleep(200);
      long heapBefore = Harness.connectionHeapAfterGc(e);
      long[] slabBefore = kernel ? slab() : null;
      StackSide.Conn[] rest = new StackSide.Conn[n];
      Harness.connectAll(e, listeners, rest, 256, deadline);
      for (int i = 0; i < n; i++) {
        clients[i] = rest[i].handle();
      }
      rest = null;
      awaitAccepted(accepted, n + 1, deadline);
      Harness.awaitIdleSweep(n + 2);
      double perEnd;
      if (kernel) {
        long[] slabAfter = slab();
        perEnd = (slabAfter[0] - slabBefore[0]) / (2.0 * n);
        notes.put("kernel-meminfo", String.format(Locale.ROOT,
            "Kernel cross-check: /proc/meminfo Slab grew by %.0f bytes per socket (whole slab pages).",
            (slabAfter[1] - slabBefore[1]) / (2.0 * n)));
        notes.put("kernel-n", "Kernel: " + n + " connections, " + 2 * n + " sockets.");
      } else {
        long heapAfter = Harness.connectionHeapAfterGc(e);
        long linkBuffers = e.linkBufferBytes();
        perEnd = (heapAfter - heapBefore) / (2.0 * n);
        notes.put("sluice-n", String.format(Locale.ROOT, "Sluice: %d connections, %d ends; not counted: the link's"
            + " packet buffers, %.1f MB, made as the opening's bursts needed them (bounded by the link, not per connection).",
            n, 2 * n, linkBuffers / 1e6));
      }
      if (clients[0] == null || servers[n] == null) {
        throw new IllegalStateException("connections missing");
      }
      return Map.of("bytes", perEnd);
    } finally {
      if (kernel) {
        for (Object c : clients) {
          if (c instanceof java.nio.channels.SocketChannel k) {
            try {
              k.setOption(StandardSocketOptions.SO_LINGER, 0); // RST: no TIME-WAIT to clean up
            } catch (IOException x) {
              // closing anyway
            }
            Harness.closeAll(k);
          }
        }
        for (Object s : servers) {
          if (s instanceof AutoCloseable c) {
            Harness.closeAll(c);
          }
        }
      }
      Harness.closeAll(listeners);
      Harness.closeAll(e);
    }
  }

  private static void awaitAccepted(AtomicInteger accepted, int n, long deadline)
      throws InterruptedException, TimeoutException {
    while (accepted.get() < n) {
      Harness.checkDeadline(deadline, "accepting " + n + " connections");
      Thread.sleep(10);
    }
  }

  /** {slab objects in bytes (slabinfo), Slab in bytes (meminfo)}. */
  static long[] slab() throws IOException {
    long objects = 0;
    for (String line : Files.readAllLines(Path.of("/proc/slabinfo"))) {
      if (line.startsWith("slabinfo") || line.startsWith("#")) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      objects += Long.parseLong(f[1]) * Long.parseLong(f[3]);
    }
    long meminfo = 0;
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("Slab:")) {
        meminfo = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return new long[] {objects, meminfo};
  }

  /** The soft RLIMIT_NOFILE of this process, from /proc/self/limits. */
  static long openFileLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return 1_024;
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("idle", "sluice", "bytes") || !r.has("idle", "kernel", "bytes")) {
      return List.of();
    }
    Report.Row row = new Report.Row("idle_heap_bytes",
        "6. memory per idle connection end (Sluice: Java heap; kernel: slab)", "bytes", true,
        r.get("idle", "sluice", "bytes"), r.get("idle", "kernel", "bytes"), null, "Sluice <= 1,024 B", null);
    return List.of(BulkWorkload.withMet(row, row.sluice().median() <= 1_024));
  }

  @Override
  public List<String> details(Results r) {
    List<String> lines = new ArrayList<>();
    for (String k : List.of("sluice-n", "kernel-n", "kernel-scaled", "kernel-meminfo")) {
      if (notes.containsKey(k)) {
        lines.add(notes.get(k));
      }
    }
    return lines;
  }
}
