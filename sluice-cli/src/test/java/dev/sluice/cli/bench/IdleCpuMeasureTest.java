package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link IdleCpuWorkload#cpuPercent}, which rows 9 and 10 report, counts the CPU used within its
 * window: a thread that worked before the window and ends inside it does not take its earlier work
 * off the figure, and a thread's work inside the window is counted. The work is measured in CPU
 * time, not wall time, so a busy machine only stretches it.
 */
class IdleCpuMeasureTest {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Test
  void aThreadThatEndsInTheWindow_takesOnlyItsShareAlong_andWorkInTheWindowCounts() throws Exception {
    CountDownLatch earlyDone = new CountDownLatch(1);
    CountDownLatch windowOpen = new CountDownLatch(1);
    CountDownLatch windowClosed = new CountDownLatch(1);
    Thread early = Thread.ofPlatform().name("cpu-before-the-window").start(() -> {
      burnCpu(TimeUnit.MILLISECONDS.toNanos(400));
      earlyDone.countDown();
      await(windowOpen); // then ends inside the window
    });
    Thread inside = Thread.ofPlatform().name("cpu-inside-the-window").start(() -> {
      await(windowOpen);
      burnCpu(TimeUnit.MILLISECONDS.toNanos(200));
      await(windowClosed); // alive at the second reading
    });
    assertThat(earlyDone.await(30, TimeUnit.SECONDS)).isTrue();
    Thread opener = Thread.ofPlatform().start(() -> {
      sleep(300); // the window's first reading is taken meanwhile
      windowOpen.countDown();
    });
    double percent = IdleCpuWorkload.cpuPercent(3_000);
    windowClosed.countDown();
    opener.join();
    early.join();
    inside.join();
    // 200 ms of CPU in a 3 s window is 6.7% of a core; the 400 ms from before must not cancel it.
    assertThat(percent).isGreaterThan(6.0);
  }

  private static void burnCpu(long cpuNanos) {
    long start = THREADS.getCurrentThreadCpuTime();
    long x = 0;
    while (THREADS.getCurrentThreadCpuTime() - start < cpuNanos) {
      x += System.nanoTime() % 7;
    }
    if (x == 42) {
      System.out.print(""); // keeps the loop from being removed
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
