package dev.sluice.cli.bench;

/**
 * Sizes and limits of one {@code sluice bench} run. Every loop in the workloads is bounded by one
 * of these counts and by {@link #runTimeoutMs} (or {@link #durationMs} for timed ones).
 *
 * @param reps repetitions per side
 * @param bulkBytes bytes sent over the single flow of workload 1
 * @param durationMs measured window of the timed workloads (2, 4, 5, 7, 8)
 * @param warmupMs unmeasured time before that window
 * @param rttSamples round trips measured per run of workload 3 (after a tenth as many unmeasured)
 * @param transactionConnections connections of workload 4
 * @param connectClients concurrent clients of workload 5
 * @param idleConnections connections of workload 6
 * @param sluiceWorkers Sluice receive workers per host for workloads 1, 3, 4, 5, 6, 7, 8 and 9
 * @param runTimeoutMs a run that takes longer than this fails the benchmark
 * @param nettyConnections connections of workload 7 (Netty echo)
 * @param httpConnections keep-alive client connections of workload 8 (the JDK's HttpServer)
 * @param jvmWarmupMs unmeasured time before the window in a workload that starts a JVM of its own
 *     for each run (8): that JVM's JIT has compiled nothing yet, which the bench's warm-up round,
 *     run in another JVM, does not help
 * @param millionConnections connections of workload 9 (a million)
 * @param millionIdleMs how long workload 9 measures the process's CPU while its connections sit idle
 */
record BenchConfig(int reps, long bulkBytes, long durationMs, long warmupMs, int rttSamples,
    int transactionConnections, int connectClients, int idleConnections, int sluiceWorkers, long runTimeoutMs,
    int nettyConnections, int httpConnections, long jvmWarmupMs, int millionConnections, long millionIdleMs) {
  BenchConfig {
    if (reps < 1 || bulkBytes < 1 || durationMs < 1 || warmupMs < 0 || rttSamples < 1 || transactionConnections < 1
        || connectClients < 1 || idleConnections < 1 || sluiceWorkers < 1 || runTimeoutMs < 1
        || nettyConnections < 1 || httpConnections < 1 || jvmWarmupMs < 0
        || millionConnections < 1 || millionIdleMs < 1) {
      throw new IllegalArgumentException("--reps, sizes, durations and counts must be positive");
    }
  }
}
