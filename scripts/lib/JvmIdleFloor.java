import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The idle CPU of a JVM that holds a large heap and does nothing: the floor under `sluice bench`'s
 * workload 9, whose million connections keep about 2 GB live. Allocates `objects` small linked
 * objects (by default 15 million, about as many as the million connections' two ends hold), runs
 * full collections, waits 3 s, then prints the process's CPU over 10 s, in % of one core, as the
 * bench measures it (each thread's schedstat, per thread: the same reading as IdleCpuWorkload
 * .cpuPercent, copied, since this file runs on its own), with the five busiest threads.
 *
 * <p>Run by scripts/jvm-idle-floor.sh, once with the JVM's defaults and once with transparent huge
 * pages for the heap.
 */
public final class JvmIdleFloor {
  /** About the shape of a connection's objects: a few fields, an array, references between them. */
  private static final class Node {
    Node next;
    long a;
    long b;
    Object[] refs = new Object[4];
  }

  public static void main(String[] args) throws Exception {
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 15_000_000;
    Node[] roots = new Node[objects];
    for (int i = 0; i < objects; i++) {
      Node n = new Node();
      n.refs[0] = new byte[64];
      n.next = roots[(int) ((i * 7919L) % (i + 1))];
      roots[i] = n;
    }
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Thread.sleep(3_000);
    Map<String, Long> before = threadCpu();
    long t0 = System.nanoTime();
    Thread.sleep(10_000);
    Map<String, Long> after = threadCpu();
    long wall = System.nanoTime() - t0;
    Map<String, Long> byName = new HashMap<>();
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long used = Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
      total += used;
      byName.merge(name(e.getKey()), used, Long::sum);
    }
    StringBuilder top = new StringBuilder();
    byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
        .forEach(e -> top.append(String.format(" %s %.2f%%,", e.getKey(), 100.0 * e.getValue() / wall)));
    System.out.printf("%,d objects, heap %,d MB in use: idle CPU %.2f%% of a core (%s)%n", objects,
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20, 100.0 * total / wall,
        top.substring(1, top.length() - 1));
    System.out.println(roots.length == objects ? "" : "?");
  }

  /** Each live thread's time on a CPU so far, in nanoseconds, by thread id. */
  private static Map<String, Long> threadCpu() throws IOException {
    Map<String, Long> cpu = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          cpu.put(task.getFileName().toString(),
              Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[0]));
        } catch (IOException | RuntimeException ended) {
          // a thread that ended meanwhile
        }
      }
    }
    return cpu;
  }

  private static String name(String tid) {
    try {
      return Files.readString(Path.of("/proc/self/task", tid, "comm")).strip();
    } catch (IOException e) {
      return tid;
    }
  }
}
