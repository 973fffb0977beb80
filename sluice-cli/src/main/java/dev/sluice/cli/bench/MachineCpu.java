package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine's CPUs were between two readings of {@code /proc/stat}'s first line
 * (proc(5): user, nice, system, idle, iowait, irq, softirq, steal, in USER_HZ ticks). It counts
 * every process and the kernel's softirq work, which is where the kernel's loopback does much of
 * its receiving, so the kernel's rows and Sluice's are measured alike. A scaling row needs it: a
 * second worker can only add throughput if the first left a core idle.
 */
record MachineCpu(long busyTicks, long totalTicks) {
  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** The counters now, or null where {@code /proc/stat} cannot be read (not Linux). */
  static MachineCpu now() {
    try {
      String first = Files.readAllLines(PROC_STAT).getFirst();
      String[] f = first.trim().split("\\s+");
      if (!f[0].equals("cpu") || f.length < 9) {
        return null;
      }
      long total = 0;
      for (int i = 1; i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new MachineCpu(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Cores kept busy on average since {@code before}: 0 to the machine's count; NaN if either
   * reading is missing or no tick passed.
   */
  double coresBusySince(MachineCpu before) {
    if (before == null || totalTicks <= before.totalTicks) {
      return Double.NaN;
    }
    double busyShare = (double) (busyTicks - before.busyTicks) / (totalTicks - before.totalTicks);
    return busyShare * Runtime.getRuntime().availableProcessors();
  }
}
