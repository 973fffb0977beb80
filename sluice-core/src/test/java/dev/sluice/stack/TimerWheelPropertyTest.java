package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Random schedule, reschedule, cancel and advance sequences, with callbacks that reschedule and
 * cancel, checked against a map of deadlines: each advance fires exactly the nodes that were due
 * when it began and were not rescheduled or cancelled meanwhile, each once, none early, and the
 * deadline hint is never later than the earliest deadline. The seed in every message replays a
 * failure.
 */
class TimerWheelPropertyTest {
  private static final int NODES = 48;
  private static final int STEPS = 400;

  @RepeatedTest(300)
  void randomOperations_matchADeadlineModel(RepetitionInfo repetition) {
    long seed = 0x71AE_0000L + repetition.getCurrentRepetition();
    new Run(seed).run();
  }

  private static final class Run {
    private final long seed;
    private final SplittableRandom random;
    private final long tick;
    private final int slots;
    private final TimerWheel wheel;
    private final List<TimerNode> nodes = new ArrayList<>();
    private final Map<TimerNode, Long> model = new IdentityHashMap<>();
    private long now;
    private long lastAdvance;
    private boolean quiet;

    Run(long seed) {
      this.seed = seed;
      this.random = new SplittableRandom(seed);
      this.tick = pickTick();
      this.slots = 1 << random.nextInt(9);
      long start = random.nextLong(-(1L << 61), 1L << 61);
      this.wheel = new TimerWheel(tick, slots, start);
      this.now = start;
      this.lastAdvance = start;
      for (int i = 0; i < NODES; i++) {
        nodes.add(new TimerNode(i));
      }
    }

    private long pickTick() {
      return switch (random.nextInt(4)) {
        case 0 -> 1;
        case 1 -> 1_000;
        case 2 -> 1_000_000;
        default -> 1 + random.nextInt(10_000_000);
      };
    }

    void run() {
      for (int step = 0; step < STEPS; step++) {
        int op = random.nextInt(100);
        if (op < 45) {
          schedule(randomNode(), randomDeadline());
        } else if (op < 60) {
          cancel(randomNode());
        } else {
          advance(step);
        }
        checkState("after step " + step);
      }
      // Everything left fires once time passes every deadline, if callbacks stop rearming.
      quiet = true;
      now = Long.MAX_VALUE;
      advance(STEPS);
      assertThat(model).as("seed %d: left after the final advance", seed).isEmpty();
      assertThat(wheel.size()).as("seed %d", seed).isZero();
    }

    private TimerNode randomNode() {
      return nodes.get(random.nextInt(NODES));
    }

    /** Around the last advance: past, this tick, this revolution, many revolutions, or never. */
    private long randomDeadline() {
      long revolution = tick * slots;
      long base = lastAdvance;
      long offset = switch (random.nextInt(8)) {
        case 0 -> -random.nextLong(1, 4 * revolution + 2);
        case 1 -> 0;
        case 2 -> random.nextLong(tick + 1);
        case 3, 4 -> random.nextLong(revolution + 1);
        case 5 -> random.nextLong(1, 10 * revolution + 2);
        case 6 -> random.nextLong(1, 1L << 44);
        default -> -1;
      };
      if (offset == -1 && random.nextInt(4) == 0) {
        return Long.MAX_VALUE;
      }
      return base + offset;
    }

    private long randomTimeStep() {
      long revolution = tick * slots;
      return switch (random.nextInt(10)) {
        case 0 -> 0;
        case 1 -> -random.nextLong(1, revolution + 2); // backwards: must be ignored
        case 2, 3 -> random.nextLong(1, tick + 1);
        case 4, 5 -> random.nextLong(1, 4 * tick + 2);
        case 6 -> random.nextLong(1, revolution + 2);
        case 7 -> random.nextLong(revolution, 3 * revolution + 1);
        case 8 -> random.nextLong(1, 1L << 40); // hours
        default -> nearestDeadlineStep();
      };
    }

    /** Lands exactly on, or one nanosecond before, the earliest deadline ahead. */
    private long nearestDeadlineStep() {
      long next = Long.MAX_VALUE;
      for (long deadline : model.values()) {
        if (deadline > now) {
          next = Math.min(next, deadline);
        }
      }
      if (next == Long.MAX_VALUE) {
        return tick;
      }
      return next - now - random.nextInt(2);
    }

    private void schedule(TimerNode node, long deadline) {
      wheel.schedule(node, deadline);
      model.put(node, deadline);
    }

    private void cancel(TimerNode node) {
      wheel.cancel(node);
      model.remove(node);
    }

    private void advance(int step) {
      if (now != Long.MAX_VALUE) {
        now += randomTimeStep();
      }
      long at = now;
      boolean backwards = at < lastAdvance;
      Set<TimerNode> due = Collections.newSetFromMap(new IdentityHashMap<>());
      if (!backwards) {
        model.forEach((node, deadline) -> {
          if (deadline <= at) {
            due.add(node);
          }
        });
      }
      int expected = due.size();
      int[] calls = {0};
      int[] withdrawn = {0};
      int fired = wheel.advance(at, node -> {
        calls[0]++;
        String where = "seed " + seed + ", step " + step + ", now " + at + ", node " + node.owner();
        assertThat(due.remove(node)).as("%s: fired but not due, or fired twice", where).isTrue();
        Long deadline = model.remove(node);
        assertThat(deadline).as("%s: fired but not scheduled", where).isNotNull();
        assertThat(deadline).as("%s: fired early", where).isLessThanOrEqualTo(at);
        assertThat(node.isScheduled()).as("%s: still scheduled in its callback", where).isFalse();
        withdrawn[0] += actInCallback(node, due);
        checkState(where + ", in callback");
      });
      if (backwards) {
        now = lastAdvance;
      } else {
        lastAdvance = at;
      }
      String where = "seed " + seed + ", step " + step + ", now " + at;
      assertThat(due).as("%s: due but never fired", where).isEmpty();
      assertThat(fired).as("%s: returned count", where).isEqualTo(calls[0]);
      assertThat(fired).as("%s: fired count", where).isEqualTo(expected - withdrawn[0]);
    }

    /** Callbacks rearm their own timer or touch others; returns how many due nodes it withdrew. */
    private int actInCallback(TimerNode fired, Set<TimerNode> due) {
      int withdrawn = 0;
      int actions = quiet ? 0 : random.nextInt(3);
      for (int i = 0; i < actions; i++) {
        TimerNode target = random.nextInt(3) == 0 ? fired : randomNode();
        boolean wasDue = due.remove(target);
        if (wasDue) {
          withdrawn++;
        }
        if (random.nextBoolean()) {
          // Rescheduled for any time, possibly already past: must fire on the next advance then.
          schedule(target, randomDeadline());
        } else {
          cancel(target);
        }
      }
      return withdrawn;
    }

    private void checkState(String where) {
      String context = "seed " + seed + ", " + where;
      assertThat(wheel.size()).as("%s: size", context).isEqualTo(model.size());
      long min = Long.MAX_VALUE;
      for (TimerNode node : nodes) {
        Long deadline = model.get(node);
        assertThat(node.isScheduled()).as("%s: node %s scheduled", context, node.owner())
            .isEqualTo(deadline != null);
        assertThat(node.deadline()).as("%s: node %s deadline", context, node.owner())
            .isEqualTo(deadline == null ? Long.MAX_VALUE : deadline);
        if (deadline != null) {
          min = Math.min(min, deadline);
        }
      }
      long hint = wheel.nextDeadlineHint();
      assertThat(hint).as("%s: hint later than the earliest deadline %d", context, min)
          .isLessThanOrEqualTo(min);
      if (model.isEmpty()) {
        assertThat(hint).as("%s: hint of an empty wheel", context).isEqualTo(Long.MAX_VALUE);
      }
    }
  }
}
