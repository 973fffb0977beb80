package dev.sluice.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Workload 5: connections per second. {@code --connect-clients} client virtual threads each loop:
 * connect, write 64 bytes, read the 64-byte reply, close. The server accepts on 16 ports (a
 * virtual thread per connection reads 64 bytes, replies, reads to end-of-stream, closes). The
 * client closes first, so TIME-WAIT is on the client side; 16 server ports keep Sluice's
 * ephemeral range (16,384 ports per remote endpoint) and the kernel's from running out.
 * Completed connections in the measured window, per second.
 */
final class ConnectRateWorkload implements Workload {
  private static final int SIZE = 64;
  private static final int PORTS = 16;

  @Override
  public int number() {
    return 5;
  }

  @Override
  public String title() {
    return "connections per second";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("connect", StackSide.Setup.of(1500, config.sluiceWorkers()), config.connectClients()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    StackSide.Listener[] listeners = new StackSide.Listener[PORTS];
    List<Thread> clients = new ArrayList<>();
    try {
      for (int p = 0; p < PORTS; p++) {
        StackSide.Listener l = e.listen(5100 + p, 4_096);
        listeners[p] = l;
        Thread.ofVirtual().start(() -> {
          try {
            while (true) {
              StackSide.Conn s = l.accept();
              Thread.ofVirtual().start(() -> serve(s));
            }
          } catch (Exception x) {
            // listener closed
          }
        });
      }
      LongAdder done = new LongAdder();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Exception> failure = new AtomicReference<>();
      for (int t = 0; t < variant.parameter(); t++) {
        int first = t;
        clients.add(Thread.ofVirtual().start(() -> {
          byte[] req = new byte[SIZE];
          byte[] resp = new byte[SIZE];
          int i = first;
          try {
            while (!stop.get()) {
              StackSide.Conn c = e.connect(listeners[i++ % PORTS]);
              try (c) {
                c.write(req, 0, SIZE);
                c.readFully(resp, 0, SIZE);
              }
              done.increment();
            }
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
      for (Thread t : clients) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      return Map.of("conn/s", (c1 - c0) / ((t1 - t0) / 1e9));
    } finally {
      Harness.closeAll(listeners);
      Harness.closeAll(e);
    }
  }

  private static void serve(StackSide.Conn s) {
    byte[] buf = new byte[SIZE];
    try (s) {
      s.readFully(buf, 0, SIZE);
      s.write(buf, 0, SIZE);
      s.drain(buf);
    } catch (Exception x) {
      // the run is over
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("connect", "sluice", "conn/s") || !r.has("connect", "kernel", "conn/s")) {
      return List.of();
    }
    Report.Row row = new Report.Row("connect_rate", "5. connect + 64 B each way + close", "conn/s", false,
        r.get("connect", "sluice", "conn/s"), r.get("connect", "kernel", "conn/s"),
        r.get("connect", "kernel-lo", "conn/s"), ">= 2x", null);
    return List.of(BulkWorkload.withMet(row, row.ratio() >= 2.0));
  }
}
