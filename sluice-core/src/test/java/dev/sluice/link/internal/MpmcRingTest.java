package dev.sluice.link.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A broken ring spins rather than throws: every test has a timeout that fails instead of hanging. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MpmcRingTest {

  @ParameterizedTest(name = "requested {0} -> {1}")
  @CsvSource({"1, 2", "2, 2", "3, 4", "4, 4", "5, 8", "7, 8", "8, 8", "9, 16", "1000, 1024", "1024, 1024",
      "1025, 2048", "65536, 65536"})
  void capacity_isRoundedUpToAPowerOfTwoOfAtLeastTwo(int requested, int expected) {
    MpmcRing<Integer> ring = new MpmcRing<>(requested);

    assertThat(ring.capacity()).isEqualTo(expected);
    for (int i = 0; i < expected; i++) {
      assertThat(ring.offer(i)).as("offer %d of %d", i, expected).isTrue();
    }
    assertThat(ring.offer(-1)).as("offer past capacity").isFalse();
    assertThat(ring.size()).isEqualTo(expected);
  }

  @Test
  void capacityOutsideRange_isRejected() {
    assertThatThrownBy(() -> new MpmcRing<>(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MpmcRing<>(-8)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MpmcRing<>((1 << 30) + 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void smallestRing_reportsFullInsteadOfOverwriting() {
    MpmcRing<String> ring = new MpmcRing<>(1);

    assertThat(ring.offer("x")).isTrue();
    assertThat(ring.offer("y")).isTrue();
    assertThat(ring.offer("z")).isFalse();
    assertThat(ring.poll()).isEqualTo("x");
    assertThat(ring.poll()).isEqualTo("y");
    assertThat(ring.poll()).isNull();
  }

  @Test
  void elements_comeOutInTheOrderTheyWentIn() {
    MpmcRing<Integer> ring = new MpmcRing<>(8);
    for (int i = 0; i < 8; i++) {
      ring.offer(i);
    }

    List<Integer> out = new ArrayList<>();
    Integer e;
    while ((e = ring.poll()) != null) {
      out.add(e);
    }

    assertThat(out).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void fullRing_rejectsOfferUntilAnElementIsPolled() {
    MpmcRing<String> ring = new MpmcRing<>(4);
    assertThat(ring.offer("a")).isTrue();
    assertThat(ring.offer("b")).isTrue();
    assertThat(ring.offer("c")).isTrue();
    assertThat(ring.offer("d")).isTrue();

    assertThat(ring.offer("e")).isFalse();
    assertThat(ring.size()).isEqualTo(4);
    assertThat(ring.isEmpty()).isFalse();

    assertThat(ring.poll()).isEqualTo("a");
    assertThat(ring.offer("e")).isTrue();
    assertThat(ring.offer("f")).isFalse();
    assertThat(List.of(ring.poll(), ring.poll(), ring.poll(), ring.poll())).containsExactly("b", "c", "d", "e");
  }

  @Test
  void emptyRing_pollsNull() {
    MpmcRing<String> ring = new MpmcRing<>(4);

    assertThat(ring.poll()).isNull();
    assertThat(ring.size()).isZero();
    assertThat(ring.isEmpty()).isTrue();

    ring.offer("a");
    ring.poll();
    assertThat(ring.poll()).isNull();
    assertThat(ring.isEmpty()).isTrue();
  }

  @Test
  void nullElement_isRejectedAndLeavesTheRingUnchanged() {
    MpmcRing<String> ring = new MpmcRing<>(4);
    ring.offer("a");

    assertThatThrownBy(() -> ring.offer(null)).isInstanceOf(NullPointerException.class);

    assertThat(ring.size()).isEqualTo(1);
    assertThat(ring.poll()).isEqualTo("a");
    assertThat(ring.poll()).isNull();
  }

  @Test
  void randomSingleThreadedOperations_matchABoundedDequeOverManyLaps() {
    SplittableRandom random = new SplittableRandom(42);
    MpmcRing<Integer> ring = new MpmcRing<>(4);
    ArrayDeque<Integer> model = new ArrayDeque<>();
    int offered = 0;
    for (int step = 0; step < 100_000; step++) {
      if (random.nextBoolean()) {
        boolean expected = model.size() < 4;
        assertThat(ring.offer(step)).as("offer at step %d", step).isEqualTo(expected);
        if (expected) {
          model.addLast(step);
          offered++;
        }
      } else {
        assertThat(ring.poll()).as("poll at step %d", step).isEqualTo(model.pollFirst());
      }
      assertThat(ring.size()).isEqualTo(model.size());
    }
    assertThat(offered / 4).as("laps: the ring wrapped around many times").isGreaterThan(5_000);
  }

  // --- concurrency

  private static final int ITEMS = 1_000_000;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void twoProducersTwoConsumers_moveEveryItemExactlyOnceInPerProducerOrder() throws Exception {
    torture(2, 2, 1024);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fourProducersFourConsumers_moveEveryItemExactlyOnceInPerProducerOrder() throws Exception {
    torture(4, 4, 64);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void fourProducersOneConsumer_consumerSeesEachProducersItemsInExactlyTheOrderSent() throws Exception {
    long[][] views = torture(4, 1, 256);
    long[] view = views[0];
    int perProducer = ITEMS / 4;
    int[] next = new int[4];
    for (long item : view) {
      int producer = (int) (item >>> 32);
      int seq = (int) item;
      assertThat(seq).as("producer %d", producer).isEqualTo(next[producer]);
      next[producer]++;
    }
    assertThat(next).containsExactly(perProducer, perProducer, perProducer, perProducer);
  }

  /**
   * Moves {@link #ITEMS} items tagged (producer, sequence) through a ring of {@code capacity} with
   * platform threads, and checks that every item arrives exactly once and that each consumer sees
   * each producer's items in increasing order (a FIFO guarantees it: a consumer's successive polls
   * take later positions, and a producer's items occupy increasing positions).
   *
   * @return each consumer's view, in the order it polled
   */
  private static long[][] torture(int producers, int consumers, int capacity) throws Exception {
    MpmcRing<Long> ring = new MpmcRing<>(capacity);
    int perProducer = ITEMS / producers;
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean abort = new AtomicBoolean();
    AtomicInteger received = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[][] views = new long[consumers][];
    int[] viewLengths = new int[consumers];
    List<Thread> threads = new ArrayList<>();

    for (int p = 0; p < producers; p++) {
      long producer = p;
      threads.add(Thread.ofPlatform().daemon(true).name("producer-" + p).unstarted(() -> {
        try {
          start.await();
          for (int seq = 0; seq < perProducer; seq++) {
            Long item = (producer << 32) | seq;
            while (!ring.offer(item)) {
              if (abort.get() || System.nanoTime() > deadline) {
                abort.set(true);
                return;
              }
              Thread.yield();
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
          abort.set(true);
        }
      }));
    }
    for (int c = 0; c < consumers; c++) {
      int consumer = c;
      views[c] = new long[ITEMS];
      threads.add(Thread.ofPlatform().daemon(true).name("consumer-" + c).unstarted(() -> {
        try {
          start.await();
          long[] view = views[consumer];
          int n = 0;
          while (received.get() < ITEMS) {
            Long item = ring.poll();
            if (item == null) {
              if (abort.get() || System.nanoTime() > deadline) {
                abort.set(true);
                break;
              }
              Thread.yield();
              continue;
            }
            view[n++] = item;
            received.incrementAndGet();
          }
          viewLengths[consumer] = n;
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
          abort.set(true);
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread thread : threads) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1_000);
      thread.join(left);
      if (thread.isAlive()) {
        abort.set(true);
        throw new AssertionError(thread.getName() + " did not finish within " + DEADLINE
            + "; received " + received.get() + " of " + ITEMS);
      }
    }
    if (failure.get() != null) {
      throw new AssertionError("a worker failed", failure.get());
    }
    assertThat(abort.get()).as("deadline of %s passed; received %d of %d", DEADLINE, received.get(), ITEMS)
        .isFalse();

    boolean[] seen = new boolean[ITEMS];
    int total = 0;
    for (int c = 0; c < consumers; c++) {
      views[c] = Arrays.copyOf(views[c], viewLengths[c]);
      int[] last = new int[producers];
      Arrays.fill(last, -1);
      for (long item : views[c]) {
        int producer = (int) (item >>> 32);
        int seq = (int) item;
        assertThat(producer).isBetween(0, producers - 1);
        assertThat(seq).as("consumer %d, producer %d: order", c, producer).isGreaterThan(last[producer]);
        last[producer] = seq;
        int index = producer * perProducer + seq;
        assertThat(seen[index]).as("item (%d, %d) received twice", producer, seq).isFalse();
        seen[index] = true;
      }
      total += views[c].length;
    }
    assertThat(total).isEqualTo(ITEMS);
    for (int i = 0; i < ITEMS; i++) {
      if (!seen[i]) {
        throw new AssertionError("item (" + i / perProducer + ", " + i % perProducer + ") never received");
      }
    }
    assertThat(ring.poll()).isNull();
    assertThat(ring.size()).isZero();
    return views;
  }
}
