package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Workload 2: 16 and 256 flows, each sending as fast as it can for the measured window, with 1 and
 * with 2 "workers"; aggregate MB/s received, and the scaling from 1 to 2.
 *
 * <ul>
 *   <li>Sluice: "workers" are the receive workers of each host (and receive queues of each link
 *       end; flows are steered by a 4-tuple hash). The applications are one virtual thread per
 *       flow end, writing 64 KB writes or reading into a 64 KB buffer, on the JVM's default
 *       virtual-thread scheduler (as many carriers as cores).
 *   <li>Kernel: the kernel has no worker count to set (softirq processing happens on whichever
 *       core sends, on loopback), so "workers" are the application's threads: 1 worker is one
 *       sender thread and one receiver thread, each a platform thread with a {@link Selector} over
 *       all flows (non-blocking 64 KB writes and reads of a direct buffer); 2 workers are two such
 *       pairs, each with half the flows.
 * </ul>
 */
final class ScalingWorkload implements Workload {
  private static final int CHUNK = 64 * 1024;
  /** The second measure of each run: {@link MachineCpu#coresBusySince}. */
  private static final String CORES_BUSY = "cores busy";
  private static final int[] FLOWS = {16, 256};

  @Override
  public int number() {
    return 2;
  }

  @Override
  public String title() {
    return "many flows, 1 and 2 workers";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    List<Variant> v = new ArrayList<>();
    for (int flows : FLOWS) {
      for (int workers = 1; workers <= 2; workers++) {
        v.add(new Variant(name(flows, workers), StackSide.Setup.of(1500, workers), flows));
      }
    }
    return v;
  }

  private static String name(int flows, int workers) {
    return "flows" + flows + "-w" + workers;
  }

  @Override
  public boolean runs(Variant variant, StackSide side) {
    return !side.name().equals("kernel-lo");
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    int flows = variant.parameter();
    StackSide.Endpoints e = side.open(variant.setup());
    StackSide.Listener listener = null;
    StackSide.Conn[] clients = new StackSide.Conn[flows];
    StackSide.Conn[] servers = new StackSide.Conn[flows];
    try {
      listener = e.listen(5002, 1_024);
      StackSide.Listener l = listener;
      var accepting = Harness.virtual(() -> {
        for (int i = 0; i < flows; i++) {
          servers[i] = l.accept();
        }
        return null;
      });
      Harness.connectAll(e, new StackSide.Listener[] {listener}, clients, 16, deadline);
      Harness.await(accepting, deadline, "accepting " + flows + " flows");
      Window window = clients[0] instanceof KernelSide.KernelConn
          ? kernelSelectors(clients, servers, variant.setup().workers(), config)
          : virtualThreads(clients, servers, config, deadline);
      return Double.isNaN(window.coresBusy())
          ? Map.of("MB/s", window.mbps())
          : Map.of("MB/s", window.mbps(), CORES_BUSY, window.coresBusy());
    } finally {
      Harness.closeAll(clients);
      Harness.closeAll(servers);
      Harness.closeAll(listener, e);
    }
  }

  /** One virtual thread per flow end. */
  private static Window virtualThreads(StackSide.Conn[] clients, StackSide.Conn[] servers, BenchConfig config,
      long deadline) throws Exception {
    LongAdder received = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients.length; i++) {
      StackSide.Conn c = clients[i];
      StackSide.Conn s = servers[i];
      threads.add(Thread.ofVirtual().start(() -> {
        byte[] chunk = new byte[CHUNK];
        try {
          while (!stop.get()) {
            c.write(chunk, 0, CHUNK);
          }
          c.shutdownOutput();
        } catch (Exception x) {
          if (!stop.get()) {
            failure.compareAndSet(null, x);
          }
        }
      }));
      threads.add(Thread.ofVirtual().start(() -> {
        byte[] buf = new byte[CHUNK];
        try {
          int n;
          while ((n = s.read(buf, 0, CHUNK)) >= 0) {
            received.add(n);
          }
        } catch (Exception x) {
          if (!stop.get()) {
            failure.compareAndSet(null, x);
          }
        }
      }));
    }
    Window window = window(received, config);
    stop.set(true);
    if (failure.get() != null) {
      throw failure.get();
    }
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    return window;
  }

  /** The measured window: aggregate MB/s, and the machine's cores kept busy meanwhile. */
  private record Window(double mbps, double coresBusy) {}

  /** Aggregate MB/s of {@code received} over the measured window, after the warm-up. */
  private static Window window(LongAdder received, BenchConfig config) throws InterruptedException {
    Harness.sleep(config.warmupMs());
    long b0 = received.sum();
    long t0 = System.nanoTime();
    MachineCpu cpu0 = MachineCpu.now();
    Harness.sleep(config.durationMs());
    long b1 = received.sum();
    long t1 = System.nanoTime();
    MachineCpu cpu1 = MachineCpu.now();
    double coresBusy = cpu1 == null ? Double.NaN : cpu1.coresBusySince(cpu0);
    return new Window((b1 - b0) / 1e6 / ((t1 - t0) / 1e9), coresBusy);
  }

  /** {@code workers} sender threads and as many receiver threads, each a selector over its flows. */
  private static Window kernelSelectors(StackSide.Conn[] clients, StackSide.Conn[] servers, int workers,
      BenchConfig config) throws Exception {
    LongAdder received = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      List<SocketChannel> out = new ArrayList<>();
      List<SocketChannel> in = new ArrayList<>();
      for (int i = w; i < clients.length; i += workers) {
        out.add(((KernelSide.KernelConn) clients[i]).channel());
        in.add(((KernelSide.KernelConn) servers[i]).channel());
      }
      threads.add(Thread.ofPlatform().name("bench-kernel-send-" + w).daemon(true)
          .start(() -> loop(out, SelectionKey.OP_WRITE, stop, failure, received)));
      threads.add(Thread.ofPlatform().name("bench-kernel-receive-" + w).daemon(true)
          .start(() -> loop(in, SelectionKey.OP_READ, stop, failure, received)));
    }
    Window window = window(received, config);
    stop.set(true);
    for (Thread t : threads) {
      t.join(5_000);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return window;
  }

  private static void loop(List<SocketChannel> channels, int op, AtomicBoolean stop,
      AtomicReference<Exception> failure, LongAdder received) {
    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
    try (Selector selector = Selector.open()) {
      for (SocketChannel c : channels) {
        c.configureBlocking(false);
        c.register(selector, op);
      }
      while (!stop.get()) {
        if (selector.select(50) == 0) {
          continue;
        }
        for (SelectionKey k : selector.selectedKeys()) {
          SocketChannel c = (SocketChannel) k.channel();
          buf.clear();
          if (op == SelectionKey.OP_WRITE) {
            c.write(buf);
          } else {
            int n = c.read(buf);
            if (n > 0) {
              received.add(n);
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException x) {
      if (!stop.get()) {
        failure.compareAndSet(null, x);
      }
    }
  }

  private static String busyCell(Results r, String variant, String side) {
    if (!r.has(variant, side, CORES_BUSY)) {
      return "";
    }
    Stats.Summary s = r.get(variant, side, CORES_BUSY);
    return String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", s.median(), s.min(), s.max());
  }

  @Override
  public List<Report.Row> rows(Results r) {
    List<Report.Row> rows = new ArrayList<>();
    for (int flows : FLOWS) {
      String one = name(flows, 1);
      String two = name(flows, 2);
      if (r.has(one, "sluice", "MB/s") && r.has(two, "sluice", "MB/s")) {
        Report.Row row = new Report.Row("scaling_" + flows,
            "2. scaling, " + flows + " flows: Sluice 2 workers (Sluice col.) / 1 worker (Kernel col.)", "MB/s", false,
            r.get(two, "sluice", "MB/s"), r.get(one, "sluice", "MB/s"), null, ">= 1.7x", null);
        rows.add(BulkWorkload.withMet(row, row.ratio() >= 1.7));
      }
    }
    return rows;
  }

  @Override
  public List<String> details(Results r) {
    List<String> lines = new ArrayList<>();
    lines.add("Workload 2 in full (aggregate MB/s, median [min-max]); the scaling rows above are Sluice's own "
        + "2-worker / 1-worker quotient.");
    lines.add("");
    lines.add("| Flows | Sluice 1 worker | Sluice 2 workers | Sluice x | Kernel 1 thread pair | Kernel 2 thread pairs "
        + "| Kernel x | Sluice/kernel, 2 workers |");
    lines.add("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int flows : FLOWS) {
      String one = name(flows, 1);
      String two = name(flows, 2);
      if (!r.has(one, "sluice", "MB/s") || !r.has(two, "sluice", "MB/s")) {
        continue;
      }
      Stats.Summary s1 = r.get(one, "sluice", "MB/s");
      Stats.Summary s2 = r.get(two, "sluice", "MB/s");
      Stats.Summary k1 = r.get(one, "kernel", "MB/s");
      Stats.Summary k2 = r.get(two, "kernel", "MB/s");
      lines.add("| " + flows + " | " + Report.cell(s1) + " | " + Report.cell(s2) + " | "
          + String.format(Locale.ROOT, "%.2f", s2.median() / s1.median()) + " | "
          + (k1 == null ? "" : Report.cell(k1)) + " | " + (k2 == null ? "" : Report.cell(k2)) + " | "
          + (k1 == null || k2 == null ? "" : String.format(Locale.ROOT, "%.2f", k2.median() / k1.median())) + " | "
          + (k2 == null ? "" : String.format(Locale.ROOT, "%.2f", s2.median() / k2.median())) + " |");
    }
    // Scaling needs an idle core: where one worker already keeps every core busy, a second cannot
    // add throughput, only share it.
    List<String> busy = new ArrayList<>();
    boolean measured = false;
    for (int flows : FLOWS) {
      String one = name(flows, 1);
      String two = name(flows, 2);
      measured |= r.has(one, "sluice", CORES_BUSY) || r.has(one, "kernel", CORES_BUSY);
      busy.add("| " + flows + " | " + busyCell(r, one, "sluice") + " | " + busyCell(r, two, "sluice") + " | "
          + busyCell(r, one, "kernel") + " | " + busyCell(r, two, "kernel") + " |");
    }
    if (measured) {
      lines.add("");
      lines.add("Cores busy during the measured window, machine-wide from /proc/stat (of "
          + Runtime.getRuntime().availableProcessors() + "; median [min-max]): a second worker or thread pair "
          + "can add throughput only where the first left a core idle.");
      lines.add("");
      lines.add("| Flows | Sluice 1 worker | Sluice 2 workers | Kernel 1 thread pair | Kernel 2 thread pairs |");
      lines.add("|---:|---:|---:|---:|---:|");
      lines.addAll(busy);
    }
    return lines;
  }
}
