package dev.sluice.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Threads, deadlines and heap readings shared by the workloads. */
final class Harness {
  private Harness() {}

  interface Task {
    void run() throws Exception;
  }

  interface Call<T> {
    T call() throws Exception;
  }

  /** Runs {@code call} on a new platform thread (blocking I/O without a scheduler in between). */
  static <T> CompletableFuture<T> platform(String name, Call<T> call) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread.ofPlatform().name(name).daemon(true).start(() -> complete(f, call));
    return f;
  }

  /** Runs {@code call} on a new virtual thread. */
  static <T> CompletableFuture<T> virtual(Call<T> call) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> complete(f, call));
    return f;
  }

  private static <T> void complete(CompletableFuture<T> f, Call<T> call) {
    try {
      f.complete(call.call());
    } catch (Throwable t) {
      f.completeExceptionally(t);
    }
  }

  /** Waits for {@code f} until {@code deadline} ({@link System#nanoTime()}), rethrowing its failure. */
  static <T> T await(CompletableFuture<T> f, long deadline, String what) throws Exception {
    try {
      return f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException(what + " did not finish in time");
    }
  }

  static long deadline(long millis) {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  static void checkDeadline(long deadline, String what) throws TimeoutException {
    if (System.nanoTime() - deadline > 0) {
      throw new TimeoutException(what + " did not finish in time");
    }
  }

  /**
   * Waits until Sluice's idle sweep has freed the buffers of {@code connections} idle connections:
   * it frees a connection's after a second of idleness, visiting at most 65,536 connections that
   * hold buffers a second (2.5 s at least, for the first rounds). The kernel side waits alike.
   */
  static void awaitIdleSweep(int connections) throws InterruptedException {
    sleep(Math.max(2_500, dev.sluice.api.NetStack.idleBuffersFreedWithin(connections).toMillis()));
  }

  static void sleep(long millis) throws InterruptedException {
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  /**
   * Opens {@code out.length} connections, spread over the listeners, {@code concurrency} at a time
   * (each connecting virtual thread opens its share one after another).
   */
  static void connectAll(StackSide.Endpoints e, StackSide.Listener[] listeners, StackSide.Conn[] out,
      int concurrency, long deadline) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread[] threads = new Thread[Math.min(concurrency, out.length)];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = Thread.ofVirtual().start(() -> {
        int i;
        while (failure.get() == null && (i = next.getAndIncrement()) < out.length) {
          try {
            out[i] = e.connect(listeners[i % listeners.length]);
            if (System.nanoTime() - deadline > 0) {
              throw new TimeoutException("connecting " + out.length + " connections did not finish in time");
            }
          } catch (Exception x) {
            failure.compareAndSet(null, x);
          }
        }
      });
    }
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 1_000);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    for (Thread t : threads) {
      if (t.isAlive()) {
        throw new TimeoutException("connecting " + out.length + " connections did not finish in time");
      }
    }
  }

  /** Closes quietly. */
  static void closeAll(AutoCloseable... cs) {
    for (AutoCloseable c : cs) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // tearing down: nothing to do
        }
      }
    }
  }

  static void closeAll(StackSide.Conn[] cs) {
    for (StackSide.Conn c : cs) {
      closeAll(c);
    }
  }

  /**
   * Heap in use after full collections, less the packet buffers of the link between {@code e}'s
   * hosts: what the memory rows count (the link's buffers are bounded by the link, not per
   * connection, as the kernel column leaves out its devices' rings).
   */
  static long connectionHeapAfterGc(StackSide.Endpoints e) throws InterruptedException {
    return usedHeapAfterGc() - e.linkBufferBytes();
  }

  /** Heap in use after full collections (the least of a few readings), by the MemoryMXBean. */
  static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      memory.gc();
      Thread.sleep(100);
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  /** An echo of fixed-size messages: reads {@code size} bytes, writes them back, until end-of-stream. */
  static void echoMessages(StackSide.Conn c, int size) {
    byte[] buf = new byte[size];
    try (c) {
      while (true) {
        int got = 0;
        while (got < size) {
          int n = c.read(buf, got, size - got);
          if (n < 0) {
            return;
          }
          got += n;
        }
        c.write(buf, 0, size);
      }
    } catch (IOException e) {
      // the run is over (the client aborted, or the stack closed)
    }
  }
}
