package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ExclusiveRun}: what the relay's pumps rely on. A run asked for during another is not lost
 * but makes the holder run again; the step never runs on two threads at once; and a result the
 * caller calls done ends the runs even if one was asked for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExclusiveRunTest {

  /**
   * Four threads, in 20,000 rounds: each queues an item and asks for a run that drains the queue.
   * When all four have returned from their calls, the round's items must all be drained (by the
   * asker's own run or by a holder that ran again), and no two steps may have overlapped. The
   * step lingers after it finds the queue empty, so requests land in that window; taking out the
   * holder's second look at the request leaves items behind in some rounds.
   */
  @RepeatedTest(3)
  void everyRoundsItemsAreDrained_andStepsNeverOverlap() throws Exception {
    ExclusiveRun run = new ExclusiveRun();
    ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>();
    AtomicInteger inStep = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger roundsWithItemsLeft = new AtomicInteger();
    AtomicLong drained = new AtomicLong();
    Supplier<Boolean> drain = () -> {
      if (inStep.incrementAndGet() != 1) {
        overlaps.incrementAndGet();
      }
      while (queue.poll() != null) {
        drained.incrementAndGet();
      }
      for (int i = 0; i < 50; i++) {
        Thread.onSpinWait(); // found empty, not yet let go: where a request must not be lost
      }
      inStep.decrementAndGet();
      return Boolean.FALSE;
    };
    int threads = 4;
    int rounds = 20_000;
    // The barrier's action runs once all four have returned from this round's calls.
    CyclicBarrier endOfRound = new CyclicBarrier(threads, () -> {
      if (!queue.isEmpty()) {
        roundsWithItemsLeft.incrementAndGet();
        queue.clear();
      }
    });
    List<Thread> producers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      producers.add(Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < rounds; i++) {
            queue.add(i);
            run.run(drain, done -> false);
            endOfRound.await(10, TimeUnit.SECONDS);
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }));
    }
    for (Thread p : producers) {
      p.join();
    }

    assertThat(failures).isEmpty();
    assertThat(roundsWithItemsLeft.get()).as("rounds that left an item with no run coming").isZero();
    assertThat(drained.get()).isEqualTo((long) threads * rounds);
    assertThat(overlaps.get()).isZero();
  }

  /** A request made during the step (here by the step itself, as another thread would) runs it again. */
  @Test
  void aRequestDuringTheStep_runsItAgain_unlessTheResultIsDone() {
    ExclusiveRun run = new ExclusiveRun();
    AtomicInteger steps = new AtomicInteger();
    Supplier<Integer> askingOnce = () -> {
      int n = steps.incrementAndGet();
      if (n == 1) {
        assertThat(run.run(() -> -1, r -> true)).as("a run asked for while held").isNull();
      }
      return n;
    };
    assertThat(run.run(askingOnce, r -> false)).isEqualTo(2);
    assertThat(steps.get()).isEqualTo(2);

    steps.set(0);
    assertThat(run.run(askingOnce, r -> true)).as("done at once: no second run").isEqualTo(1);
    assertThat(steps.get()).isEqualTo(1);
  }

  @Test
  void tryHoldExcludesRuns_untilReleased() {
    ExclusiveRun run = new ExclusiveRun();
    assertThat(run.tryHold()).isTrue();
    assertThat(run.tryHold()).isFalse();
    assertThat(run.run(() -> "ran", r -> true)).isNull();
    run.release();
    assertThat(run.run(() -> "ran", r -> true)).isEqualTo("ran");
  }
}
