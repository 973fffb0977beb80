package dev.sluice.cli.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Workload 3: 64-byte ping-pong on one connection with TCP_NODELAY at both ends. The client (this
 * thread) writes 64 bytes and reads the 64 echoed back; the server echoes on a platform thread.
 * {@code --rtt-samples} round trips are timed after a tenth as many untimed; p50, p99 and p99.9
 * are nearest-rank percentiles of one run, and the report gives their median over the runs.
 */
final class RttWorkload implements Workload {
  private static final int SIZE = 64;

  @Override
  public int number() {
    return 3;
  }

  @Override
  public String title() {
    return "64-byte ping-pong round trip";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("rtt", StackSide.Setup.of(1500, config.sluiceWorkers()), config.rttSamples()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    long deadline = Harness.deadline(config.runTimeoutMs());
    StackSide.Endpoints e = side.open(variant.setup());
    try {
      return pingPong(e, 5003, variant.parameter(), deadline);
    } finally {
      Harness.closeAll(e);
    }
  }

  /**
   * One run of the ping-pong on a new connection between {@code e}'s hosts, the server listening
   * on {@code port} (closed afterwards): {@code samples} timed round trips after a tenth as many
   * untimed. Figures {@code p50}, {@code p99} and {@code p99.9} in microseconds. Workload 9 runs it
   * too, among a million idle connections.
   */
  static Map<String, Double> pingPong(StackSide.Endpoints e, int port, int samples, long deadline)
      throws Exception {
    StackSide.Listener listener = null;
    StackSide.Conn client = null;
    try {
      listener = e.listen(port, 16);
      StackSide.Listener l = listener;
      CompletableFuture<Void> served = Harness.platform("bench-rtt-echo", () -> {
        StackSide.Conn s = l.accept();
        s.setNoDelay(true);
        Harness.echoMessages(s, SIZE);
        return null;
      });
      client = e.connect(listener);
      client.setNoDelay(true);
      byte[] out = new byte[SIZE];
      byte[] in = new byte[SIZE];
      int warmup = Math.max(1, samples / 10);
      long[] rtt = new long[samples];
      int taken = 0;
      for (int i = -warmup; i < samples; i++) {
        out[0] = (byte) i;
        long t0 = System.nanoTime();
        client.write(out, 0, SIZE);
        client.readFully(in, 0, SIZE);
        long t1 = System.nanoTime();
        if (in[0] != out[0]) {
          throw new IllegalStateException("echo returned the wrong message");
        }
        if (i >= 0) {
          rtt[taken++] = t1 - t0;
        }
        if ((i & 255) == 0) {
          Harness.checkDeadline(deadline, "ping-pong");
        }
      }
      client.shutdownOutput();
      Harness.await(served, deadline, "echo server");
      Arrays.sort(rtt);
      return Map.of("p50", Stats.percentile(rtt, 50) / 1e3, "p99", Stats.percentile(rtt, 99) / 1e3,
          "p99.9", Stats.percentile(rtt, 99.9) / 1e3);
    } finally {
      Harness.closeAll(client, listener);
    }
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("rtt", "sluice", "p50") || !r.has("rtt", "kernel", "p50")) {
      return List.of();
    }
    Report.Row p50 = new Report.Row("rtt_p50", "3. ping-pong RTT p50, 64 B", "us", true, r.get("rtt", "sluice", "p50"),
        r.get("rtt", "kernel", "p50"), r.get("rtt", "kernel-lo", "p50"), "<= 0.5x", null);
    return List.of(BulkWorkload.withMet(p50, p50.ratio() <= 0.5),
        new Report.Row("rtt_p99", "3. ping-pong RTT p99, 64 B", "us", true, r.get("rtt", "sluice", "p99"),
            r.get("rtt", "kernel", "p99"), r.get("rtt", "kernel-lo", "p99"), null, null),
        new Report.Row("rtt_p999", "3. ping-pong RTT p99.9, 64 B", "us", true, r.get("rtt", "sluice", "p99.9"),
            r.get("rtt", "kernel", "p99.9"), r.get("rtt", "kernel-lo", "p99.9"), null, null));
  }
}
