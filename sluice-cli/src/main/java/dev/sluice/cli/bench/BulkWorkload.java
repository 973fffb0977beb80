package dev.sluice.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Workload 1: bulk transfer over one flow. The client writes {@code --bytes} in 64 KB writes and
 * shuts its output down; the server reads to end-of-stream. MB/s = bytes / 10^6 / (time from the
 * first write to the server's end-of-stream). Both ends are platform threads.
 *
 * <p>At MTU 1500 the kernel runs in the namespace (lo MTU 1500, TSO/GSO/GRO off), one 1500-byte
 * packet per segment as Sluice; at MTU 65535 it runs on the plain loopback (MTU 65536, offloads
 * on) and Sluice on a 65535-byte simulated link.
 */
final class BulkWorkload implements Workload {
  private static final int CHUNK = 64 * 1024;

  @Override
  public int number() {
    return 1;
  }

  @Override
  public String title() {
    return "bulk transfer, 1 flow";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("mtu1500", StackSide.Setup.of(1500, config.sluiceWorkers()), 1500),
        new Variant("mtu65535", StackSide.Setup.of(65_535, config.sluiceWorkers()), 65_535));
  }

  @Override
  public boolean runs(Variant variant, StackSide side) {
    return !side.name().equals("kernel-lo") || variant.parameter() == 1500;
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    StackSide.Listener listener = null;
    StackSide.Conn client = null;
    StackSide.Conn server = null;
    try {
      listener = e.listen(5001, 16);
      StackSide.Listener l = listener;
      CompletableFuture<StackSide.Conn> accepted = Harness.virtual(l::accept);
      client = e.connect(listener);
      server = Harness.await(accepted, deadline, "accept");
      StackSide.Conn s = server;
      long[] end = new long[1];
      CompletableFuture<Long> received = Harness.platform("bench-bulk-receiver", () -> {
        long n = s.drain(new byte[CHUNK]);
        end[0] = System.nanoTime();
        return n;
      });
      byte[] chunk = new byte[CHUNK];
      new java.util.SplittableRandom(1).nextBytes(chunk);
      long start = System.nanoTime();
      for (long sent = 0; sent < config.bulkBytes(); ) {
        int n = (int) Math.min(CHUNK, config.bulkBytes() - sent);
        client.write(chunk, 0, n);
        sent += n;
        Harness.checkDeadline(deadline, "bulk transfer");
      }
      client.shutdownOutput();
      long got = Harness.await(received, deadline, "bulk transfer");
      if (got != config.bulkBytes()) {
        throw new IllegalStateException("received " + got + " bytes of " + config.bulkBytes());
      }
      double seconds = (end[0] - start) / 1e9;
      return Map.of("MB/s", config.bulkBytes() / 1e6 / seconds);
    } finally {
      Harness.closeAll(client, server, listener, e);
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    List<Report.Row> rows = new ArrayList<>();
    if (r.has("mtu1500", "sluice", "MB/s") && r.has("mtu1500", "kernel", "MB/s")) {
      Report.Row row = new Report.Row("bulk_mtu1500", "1. bulk, 1 flow, MTU 1500", "MB/s", false,
          r.get("mtu1500", "sluice", "MB/s"), r.get("mtu1500", "kernel", "MB/s"),
          r.get("mtu1500", "kernel-lo", "MB/s"), ">= 1.0x", null);
      rows.add(withMet(row, row.ratio() >= 1.0));
    }
    if (r.has("mtu65535", "sluice", "MB/s") && r.has("mtu65535", "kernel", "MB/s")) {
      rows.add(new Report.Row("bulk_mtu65535", "1. bulk, 1 flow, MTU 65535 (kernel: plain lo, offloads on)", "MB/s",
          false, r.get("mtu65535", "sluice", "MB/s"), r.get("mtu65535", "kernel", "MB/s"), null, null, null));
    }
    return rows;
  }

  static Report.Row withMet(Report.Row row, boolean met) {
    return new Report.Row(row.key(), row.label(), row.unit(), row.lowerIsBetter(), row.sluice(), row.kernel(),
        row.kernelLoopback(), row.target(), met, row.extra());
  }
}
