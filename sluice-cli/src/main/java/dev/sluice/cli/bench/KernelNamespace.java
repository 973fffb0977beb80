package dev.sluice.cli.bench;

import dev.sluice.link.TunDevice;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The network namespace the kernel side runs in for the fair per-packet comparison: its {@code lo}
 * has MTU 1500 and TSO, GSO and GRO off, so the kernel moves 1500-byte packets as Sluice does, and
 * carries 198.18.0.1/32 (the only range this machine allows in namespaces). Made with
 * {@code ip netns add} and deleted on {@link #close()} (and by a shutdown hook if the JVM is
 * stopped first).
 *
 * <p>A socket belongs to the namespace of the thread that created it, for its whole life, whichever
 * thread then uses it. So one platform thread enters the namespace ({@code setns(2)} through
 * {@link TunDevice#enterNetworkNamespace}) and creates every socket; the workloads' own threads,
 * virtual or not, then use those sockets. Client sockets are made ahead into a small queue, so a
 * connect does not wait for a thread hand-off (the work is still done during the measurement, on
 * the namespace thread).
 */
final class KernelNamespace implements AutoCloseable {
  static final String ADDRESS = "198.18.0.1";
  private static final int SPARE_SOCKETS = 256;

  private final String name;
  private final Path path;
  private final Thread creator;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final BlockingQueue<SocketChannel> spare = new ArrayBlockingQueue<>(SPARE_SOCKETS);
  private final Thread filler;
  private final Thread cleanupHook;
  private volatile boolean closed;
  private final String offloads;

  private KernelNamespace(String name, String offloads) throws IOException {
    this.name = name;
    this.path = Path.of("/var/run/netns", name);
    this.offloads = offloads;
    this.cleanupHook = new Thread(() -> deleteQuietly(name));
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    CompletableFuture<Void> entered = new CompletableFuture<>();
    this.creator = Thread.ofPlatform().name("sluice-bench-netns").daemon(true).start(() -> {
      try {
        TunDevice.enterNetworkNamespace(path);
        entered.complete(null);
      } catch (Throwable t) {
        entered.completeExceptionally(t);
        return;
      }
      // Blocks until a task comes, and close() interrupts it: a thread that woke every 100 ms would
      // be counted in the idle-CPU rows (10 and 9), which measure this whole process.
      while (!closed) {
        try {
          tasks.take().run();
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    this.filler = Thread.ofPlatform().name("sluice-bench-netns-sockets").daemon(true).start(() -> {
      try {
        TunDevice.enterNetworkNamespace(path);
        while (!closed) {
          SocketChannel s = SocketChannel.open();
          try {
            spare.put(s); // waits for room, idle; close() interrupts it
          } catch (InterruptedException e) {
            s.close();
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        // closed, or the namespace is gone; openSocket falls back to the creator thread
      }
    });
    try {
      entered.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IOException("cannot enter namespace " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes the namespace and configures it, or returns null with the reason given to {@code why}
   * (not root, no ip(8), ...). Installs ethtool with apt-get if it is missing.
   */
  static KernelNamespace create(Consumer<String> why) {
    if (!isRoot()) {
      why.accept("not root: the kernel runs on the plain loopback only (MTU 65536, offloads on)");
      return null;
    }
    if (!run(List.of("sh", "-c", "command -v ip")).ok()) {
      why.accept("ip(8) not found: the kernel runs on the plain loopback only");
      return null;
    }
    if (!run(List.of("sh", "-c", "command -v ethtool")).ok()) {
      run(List.of("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ethtool >/dev/null 2>&1 "
          + "|| (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ethtool >/dev/null 2>&1)"));
    }
    String name = "sluice-bench-" + ProcessHandle.current().pid();
    deleteQuietly(name); // a leftover from a killed run with the same pid
    Result add = run(List.of("ip", "netns", "add", name));
    if (!add.ok()) {
      why.accept("ip netns add failed (" + add.output().strip() + "): the kernel runs on the plain loopback only");
      return null;
    }
    try {
      check(run(List.of("ip", "-n", name, "link", "set", "lo", "mtu", "1500", "up")));
      check(run(List.of("ip", "-n", name, "addr", "add", ADDRESS + "/32", "dev", "lo")));
      check(run(List.of("ip", "netns", "exec", name, "ethtool", "-K", "lo", "tso", "off", "gso", "off", "gro", "off")));
      Result features = run(List.of("ip", "netns", "exec", name, "ethtool", "-k", "lo"));
      check(features);
      String offloads = offloadSummary(features.output());
      if (!offloads.equals("tso off, gso off, gro off")) {
        throw new IOException("offloads still on after ethtool -K: " + offloads);
      }
      // Per-namespace settings: many short connections (workload 5) need a wide ephemeral range
      // and TIME-WAIT reuse, as the plain loopback has (tcp_tw_reuse = 2 there means loopback
      // only, and 198.18.0.1 is not 127/8). The range starts above the workloads' listening ports
      // (5001-5115, 6000-6099), so no client socket in TIME-WAIT holds one of them.
      check(run(List.of("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1",
          "net.ipv4.ip_local_port_range=10000 65535", "net.core.somaxconn=65535",
          "net.ipv6.conf.all.disable_ipv6=1")));
      return new KernelNamespace(name, offloads);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(name);
      why.accept("setting up namespace " + name + " failed (" + e.getMessage() + "): the kernel runs on the plain "
          + "loopback only");
      return null;
    }
  }

  String name() {
    return name;
  }

  String describe() {
    return "namespace " + name + ": lo MTU 1500, " + offloads + ", " + ADDRESS + "/32";
  }

  /** A new TCP socket inside the namespace. */
  SocketChannel openSocket() throws IOException {
    SocketChannel s = spare.poll();
    return s != null ? s : onCreator(SocketChannel::open);
  }

  /** A new listening socket inside the namespace. */
  ServerSocketChannel openServer() throws IOException {
    return onCreator(ServerSocketChannel::open);
  }

  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /**
   * Runs {@code supplier} on the thread inside the namespace, so the sockets it opens itself (the
   * JDK's HttpServer opening its channel, say) are the namespace's.
   */
  <T> T onCreator(IoSupplier<T> supplier) throws IOException {
    CompletableFuture<T> result = new CompletableFuture<>();
    tasks.add(() -> {
      try {
        result.complete(supplier.get());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (Exception e) {
      throw new IOException("creating a socket in " + name + " failed", e);
    }
  }

  /** /proc/net/sockstat as the namespace sees it (read by a thread inside it). */
  String sockstat() throws IOException {
    return onCreator(() -> Files.readString(Path.of("/proc/thread-self/net/sockstat")));
  }

  @Override
  public void close() {
    closed = true;
    creator.interrupt();
    filler.interrupt();
    try {
      creator.join(2_000);
      filler.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    SocketChannel s;
    while ((s = spare.poll()) != null) {
      try {
        s.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
    deleteQuietly(name);
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }

  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[2].equals("0"); // effective uid
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static String offloadSummary(String ethtoolK) {
    List<String> parts = new ArrayList<>();
    for (String[] f : new String[][] {{"tcp-segmentation-offload", "tso"}, {"generic-segmentation-offload", "gso"},
        {"generic-receive-offload", "gro"}}) {
      String state = "unknown";
      for (String line : ethtoolK.split("\n")) {
        if (line.strip().startsWith(f[0] + ":")) {
          state = line.strip().substring(f[0].length() + 1).strip().split("\\s+")[0];
        }
      }
      parts.add(f[1] + " " + state);
    }
    return String.join(", ", parts);
  }

  private static void deleteQuietly(String name) {
    if (Files.exists(Path.of("/var/run/netns", name))) {
      run(List.of("ip", "netns", "del", name));
    }
  }

  private static void check(Result r) throws IOException {
    if (!r.ok()) {
      throw new IOException(String.join(" ", r.command()) + ": " + r.output().strip());
    }
  }

  record Result(List<String> command, int status, String output) {
    boolean ok() {
      return status == 0;
    }
  }

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(command, -1, "timed out");
      }
      return new Result(command, p.exitValue(), out);
    } catch (IOException e) {
      return new Result(command, -1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(command, -1, "interrupted");
    }
  }
}
