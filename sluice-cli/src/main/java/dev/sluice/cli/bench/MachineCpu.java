package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How busy the whole machine's CPUs were between two readings of {@code /proc/stat}'s first line
 * (proc(5): user, nice, system, idle, iowait, irq, softirq, steal, in USER_HZ ticks). It counts
 * every process and the kernel's softirq work, which is where the kernel's loopback does much of
 * its receiving, so the kernel's rows and Sluice's are measured alike. A scaling row needs it: a
 * second worker can only add throughput if the first left a core idle. The first line sums every
 * CPU the kernel has online, so its share is scaled by the {@code cpuN} lines that follow, not by
 * {@link Runtime#availableProcessors}, which {@code taskset} or a cgroup limit make smaller.
 */
record MachineCpu(long busyTicks, long totalTicks, int cpus) {
  private static final Path PROC_STAT = Path.of("/proc/stat");

  /** The counters now, or null where {@code /proc/stat} cannot be read (not Linux). */
  static MachineCpu now() {
    try {
      return parse(Files.readAllLines(PROC_STAT));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The counters in {@code /proc/stat}'s lines, or null if its first line is not the total. */
  static MachineCpu parse(List<String> lines) {
    String[] f = lines.getFirst().trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 9) {
      return null;
    }
    long total = 0;
    for (int i = 1; i <= 8; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    int cpus = (int) lines.stream().skip(1).takeWhile(l -> l.startsWith("cpu")).count();
    return new MachineCpu(total - idle, total, Math.max(1, cpus));
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
    return busyShare * cpus;
  }
}
