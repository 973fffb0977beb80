package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Admission and send-buffer growth under one memory bound ({@code --max-memory}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowMemoryTest {
  private static final long FLOW = 640 * 1024;

  @Test
  void withNothingGrown_asManyFlowsAsTheBoundHolds_areAdmitted_andNoMore() {
    FlowMemory memory = new FlowMemory(10 * FLOW + FLOW / 2, FLOW, 1_000);

    assertThat(memory.flowLimit()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(memory.takeFlow()).as("flow %d", i).isTrue();
    }
    assertThat(memory.takeFlow()).as("the eleventh does not fit").isFalse();
    assertThat(memory.flows()).isEqualTo(10);
    memory.releaseFlow();
    assertThat(memory.takeFlow()).as("a flow that ended makes room").isTrue();
  }

  @Test
  void theFlowCount_boundsAdmissionToo() {
    FlowMemory memory = new FlowMemory(100 * FLOW, FLOW, 3);

    assertThat(memory.flowLimit()).isEqualTo(3);
    assertThat(memory.takeFlow()).isTrue();
    assertThat(memory.takeFlow()).isTrue();
    assertThat(memory.takeFlow()).isTrue();
    assertThat(memory.takeFlow()).isFalse();
    assertThat(memory.flows()).isEqualTo(3);
  }

  @Test
  void growth_takesAtMostAQuarterOfTheBound_andWhatItHoldsIsNotAdmittedAgain() {
    FlowMemory memory = new FlowMemory(40 * FLOW, FLOW, 1_000);
    assertThat(memory.growthCapBytes()).isEqualTo(10 * FLOW);

    int granted = 0;
    while (memory.tryReserve((int) (FLOW / 2))) {
      granted++;
    }
    assertThat(granted).as("half-flow growths within a quarter of 40 flows").isEqualTo(20);
    assertThat(memory.grownBytes()).isEqualTo(10 * FLOW);
    assertThat(memory.mostGrownBytes()).isEqualTo(10 * FLOW);

    int admitted = 0;
    while (memory.takeFlow()) {
      admitted++;
    }
    assertThat(admitted).as("three quarters stay for flows").isEqualTo(30);

    memory.release((int) (FLOW / 2));
    memory.release((int) (FLOW / 2));
    assertThat(memory.takeFlow()).as("growth given back admits a flow again").isTrue();
    assertThat(memory.tryReserve(1)).as("and the bound is full again").isFalse();
  }

  @Test
  void growthRefusedByTheBound_leavesTheGrowthShareAsItWas() {
    FlowMemory memory = new FlowMemory(4 * FLOW, FLOW, 1_000);
    for (int i = 0; i < 4; i++) {
      assertThat(memory.takeFlow()).isTrue();
    }

    assertThat(memory.tryReserve(1024)).as("every byte is a flow's").isFalse();
    assertThat(memory.grownBytes()).isZero();
    memory.releaseFlow();
    assertThat(memory.tryReserve(1024)).isTrue();
  }

  /**
   * Threads admit and end flows and grow and shrink buffers at random; the bound is checked after
   * every step that took memory, and at the end everything has gone back.
   */
  @Test
  void underConcurrentAdmissionAndGrowth_theBoundHolds_andEverythingComesBack() throws Exception {
    long max = 16 * FLOW;
    FlowMemory memory = new FlowMemory(max, FLOW, 1_000);
    AtomicReference<String> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      long seed = t;
      threads.add(Thread.ofPlatform().start(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        int flows = 0;
        List<Integer> grown = new ArrayList<>();
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 200_000 && failure.get() == null; i++) {
          switch (random.nextInt(4)) {
            case 0 -> flows += memory.takeFlow() ? 1 : 0;
            case 1 -> {
              if (flows > 0) {
                memory.releaseFlow();
                flows--;
              }
            }
            case 2 -> {
              int bytes = 1 + random.nextInt((int) FLOW);
              if (memory.tryReserve(bytes)) {
                grown.add(bytes);
              }
            }
            default -> {
              if (!grown.isEmpty()) {
                memory.release(grown.remove(grown.size() - 1));
              }
            }
          }
          if (memory.reservedBytes() > max) {
            failure.compareAndSet(null, "reserved " + memory.reservedBytes() + " past the bound " + max);
          }
        }
        for (int bytes : grown) {
          memory.release(bytes);
        }
        for (; flows > 0; flows--) {
          memory.releaseFlow();
        }
      }));
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }

    assertThat(failure.get()).isNull();
    assertThat(memory.flows()).isZero();
    assertThat(memory.grownBytes()).isZero();
    assertThat(memory.mostGrownBytes()).isLessThanOrEqualTo(memory.growthCapBytes());
    int admitted = 0;
    while (memory.takeFlow()) {
      admitted++;
    }
    assertThat(admitted).as("the whole bound is free again").isEqualTo(16);
  }
}
