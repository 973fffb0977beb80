package dev.sluice.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Workload 4: 64-byte request/response transactions over {@code --transaction-connections}
 * connections (1,000), TCP_NODELAY on. Each connection has a client virtual thread that writes a
 * 64-byte request and reads the 64-byte response, again and again, and a server virtual thread
 * that echoes. Transactions completed in the measured window, per second.
 */
final class TransactionsWorkload implements Workload {
  private static final int SIZE = 64;

  @Override
  public int number() {
    return 4;
  }

  @Override
  public String title() {
    return "64-byte request/response transactions";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("tx", StackSide.Setup.of(1500, config.sluiceWorkers()), config.transactionConnections()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    int n = variant.parameter();
    StackSide.Endpoints e = side.open(variant.setup());
    StackSide.Listener listener = null;
    StackSide.Conn[] clients = new StackSide.Conn[n];
    List<Thread> threads = new ArrayList<>();
    try {
      listener = e.listen(5004, 4_096);
      StackSide.Listener l = listener;
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            StackSide.Conn s = l.accept();
            s.setNoDelay(true);
            Thread.ofVirtual().start(() -> Harness.echoMessages(s, SIZE));
          }
        } catch (Exception x) {
          // listener closed
        }
      }));
      Harness.connectAll(e, new StackSide.Listener[] {listener}, clients, 64, deadline);
      LongAdder done = new LongAdder();
      AtomicReference<Exception> failure = new AtomicReference<>();
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      for (StackSide.Conn c : clients) {
        c.setNoDelay(true);
        threads.add(Thread.ofVirtual().start(() -> {
          byte[] req = new byte[SIZE];
          byte[] resp = new byte[SIZE];
          try {
            while (!stop.get()) {
              c.write(req, 0, SIZE);
              c.readFully(resp, 0, SIZE);
              done.increment();
            }
            c.shutdownOutput();
          } catch (Exception x) {
            if (!stop.get()) {
              failure.compareAndSet(null, x);
            }
          }
        }));
      }
      Harness.sleep(config.warmupMs());
      long c0 = done.sum();
      long t0 = System.nanoTime();
      Harness.sleep(config.durationMs());
      long c1 = done.sum();
      long t1 = System.nanoTime();
      stop.set(true);
      if (failure.get() != null) {
        throw failure.get();
      }
      for (Thread t : threads.subList(1, threads.size())) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      return Map.of("tx/s", (c1 - c0) / ((t1 - t0) / 1e9));
    } finally {
      Harness.closeAll(clients);
      Harness.closeAll(listener, e);
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("tx", "sluice", "tx/s") || !r.has("tx", "kernel", "tx/s")) {
      return List.of();
    }
    Report.Row row = new Report.Row("transactions", "4. transactions, 64 B, 1,000 connections", "tx/s", false,
        r.get("tx", "sluice", "tx/s"), r.get("tx", "kernel", "tx/s"), r.get("tx", "kernel-lo", "tx/s"), ">= 2x", null);
    return List.of(BulkWorkload.withMet(row, row.ratio() >= 2.0));
  }
}
