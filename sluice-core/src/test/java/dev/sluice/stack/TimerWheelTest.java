package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimerWheelTest {
  private static final long MS = 1_000_000L;
  private static final long TICK = MS;
  private static final int SLOTS = 64;
  private static final long REVOLUTION = TICK * SLOTS;

  private final List<TimerNode> fired = new ArrayList<>();

  private TimerWheel wheel() {
    return new TimerWheel(TICK, SLOTS, 0);
  }

  private int advance(TimerWheel wheel, long now) {
    return wheel.advance(now, fired::add);
  }

  // --- construction

  @ParameterizedTest
  @ValueSource(ints = {0, -1, -64, 3, 100, Integer.MIN_VALUE})
  void constructor_slotsNotAPowerOfTwo_throwsNamingTheValue(int slots) {
    assertThatThrownBy(() -> new TimerWheel(TICK, slots, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slots")
        .hasMessageContaining(Integer.toString(slots));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void constructor_tickNotPositive_throwsNamingTheValue(long tick) {
    assertThatThrownBy(() -> new TimerWheel(tick, SLOTS, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tickNanos")
        .hasMessageContaining(Long.toString(tick));
  }

  @Test
  void constructor_oneSlot_isAccepted() {
    TimerWheel wheel = new TimerWheel(TICK, 1, 0);
    TimerNode node = new TimerNode("a");
    wheel.schedule(node, 5 * TICK + 1);
    assertThat(advance(wheel, 5 * TICK)).isZero();
    assertThat(advance(wheel, 5 * TICK + 1)).isOne();
  }

  // --- node state

  @Test
  void node_unscheduled_reportsMaxDeadlineAndItsOwner() {
    Object owner = new Object();
    TimerNode node = new TimerNode(owner);
    assertThat(node.owner()).isSameAs(owner);
    assertThat(node.isScheduled()).isFalse();
    assertThat(node.deadline()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void schedule_thenFire_nodeStateFollows() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("rto");
    wheel.schedule(node, 10 * MS);
    assertThat(node.isScheduled()).isTrue();
    assertThat(node.deadline()).isEqualTo(10 * MS);
    assertThat(wheel.size()).isOne();

    List<Boolean> scheduledInCallback = new ArrayList<>();
    wheel.advance(10 * MS, n -> scheduledInCallback.add(n.isScheduled()));
    assertThat(scheduledInCallback).containsExactly(false);
    assertThat(node.isScheduled()).isFalse();
    assertThat(node.deadline()).isEqualTo(Long.MAX_VALUE);
    assertThat(wheel.size()).isZero();
  }

  // --- firing

  @Test
  void schedule_deadlineInThePast_firesOnNextAdvance() {
    TimerWheel wheel = wheel();
    advance(wheel, 100 * MS);
    TimerNode node = new TimerNode("late");
    wheel.schedule(node, 3 * MS);
    assertThat(advance(wheel, 100 * MS)).isOne();
    assertThat(fired).containsExactly(node);
  }

  @Test
  void schedule_deadlineBeforeStart_firesOnFirstAdvance() {
    TimerWheel wheel = new TimerWheel(TICK, SLOTS, 1_000 * MS);
    TimerNode node = new TimerNode("old");
    wheel.schedule(node, -5);
    assertThat(advance(wheel, 1_000 * MS)).isOne();
  }

  @Test
  void deadline_withinATick_firesExactlyWhenReachedNeverEarly() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    long deadline = 7 * TICK + TICK / 2;
    wheel.schedule(node, deadline);
    assertThat(advance(wheel, 7 * TICK)).isZero();
    assertThat(advance(wheel, deadline - 1)).isZero();
    assertThat(advance(wheel, deadline)).isOne();
    assertThat(advance(wheel, deadline + 10 * TICK)).isZero();
    assertThat(fired).containsExactly(node);
  }

  @Test
  void farDeadline_beyondOneRevolution_doesNotFireEarly() {
    TimerWheel wheel = wheel();
    TimerNode far = new TimerNode("far");
    long deadline = 3 * REVOLUTION + 5 * TICK + 17;
    wheel.schedule(far, deadline);
    for (long now = 0; now < deadline; now += TICK / 2) {
      assertThat(advance(wheel, now)).as("fired at %d, deadline %d", now, deadline).isZero();
    }
    assertThat(advance(wheel, deadline)).isOne();
    assertThat(fired).containsExactly(far);
  }

  @Test
  void farDeadline_sharingASlotWithANearOne_onlyTheNearOneFires() {
    TimerWheel wheel = wheel();
    TimerNode near = new TimerNode("near");
    TimerNode far = new TimerNode("far");
    wheel.schedule(near, 4 * TICK);
    wheel.schedule(far, 4 * TICK + 2 * REVOLUTION);
    assertThat(advance(wheel, 4 * TICK)).isOne();
    assertThat(fired).containsExactly(near);
    assertThat(far.isScheduled()).isTrue();
    assertThat(advance(wheel, 4 * TICK + 2 * REVOLUTION)).isOne();
    assertThat(fired).containsExactly(near, far);
  }

  @Test
  void advance_firesInTickOrder() {
    TimerWheel wheel = wheel();
    TimerNode a = new TimerNode("a");
    TimerNode b = new TimerNode("b");
    TimerNode c = new TimerNode("c");
    wheel.schedule(c, 30 * TICK);
    wheel.schedule(a, 10 * TICK);
    wheel.schedule(b, 20 * TICK);
    assertThat(advance(wheel, 40 * TICK)).isEqualTo(3);
    assertThat(fired).containsExactly(a, b, c);
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void hugeTimeJump_firesAllDueOnce() {
    // A one-nanosecond tick: walking every tick of this jump would take centuries.
    TimerWheel wheel = new TimerWheel(1, 1024, 0);
    List<TimerNode> due = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      TimerNode node = new TimerNode(i);
      wheel.schedule(node, i * 7_919L * 1_000_003L);
      due.add(node);
    }
    TimerNode later = new TimerNode("later");
    long hours = TimeUnit.HOURS.toNanos(1_000_000); // about 114 years
    wheel.schedule(later, hours + 1);
    assertThat(advance(wheel, hours)).isEqualTo(5_000);
    assertThat(fired).containsExactlyInAnyOrderElementsOf(due);
    assertThat(advance(wheel, hours)).isZero();
    assertThat(advance(wheel, Long.MAX_VALUE)).isOne();
    assertThat(fired).hasSize(5_001).endsWith(later);
  }

  @Test
  void timeGoingBackwards_isANoOp() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    advance(wheel, 50 * MS);
    wheel.schedule(node, 10 * MS);
    assertThat(advance(wheel, 40 * MS)).isZero();
    assertThat(node.isScheduled()).isTrue();
    assertThat(advance(wheel, 50 * MS)).isOne();
  }

  @Test
  void negativeStartAndExtremeDeadlines_fireInOrder() {
    long start = Long.MIN_VALUE + 12_345;
    TimerWheel wheel = new TimerWheel(TICK, SLOTS, start);
    TimerNode never = new TimerNode("max");
    TimerNode soon = new TimerNode("soon");
    wheel.schedule(never, Long.MAX_VALUE);
    wheel.schedule(soon, start + 3 * TICK);
    assertThat(wheel.nextDeadlineHint()).isLessThanOrEqualTo(start + 3 * TICK);
    assertThat(advance(wheel, start + 3 * TICK)).isOne();
    assertThat(advance(wheel, Long.MAX_VALUE - 1)).isZero();
    assertThat(wheel.nextDeadlineHint()).isLessThanOrEqualTo(Long.MAX_VALUE);
    assertThat(advance(wheel, Long.MAX_VALUE)).isOne();
    assertThat(fired).containsExactly(soon, never);
  }

  // --- rescheduling and cancelling

  @Test
  void reschedule_later_firesOnlyAtTheNewDeadline() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    wheel.schedule(node, 5 * TICK);
    wheel.schedule(node, 5 * TICK + REVOLUTION);
    assertThat(wheel.size()).isOne();
    assertThat(advance(wheel, 5 * TICK)).isZero();
    assertThat(advance(wheel, 5 * TICK + REVOLUTION)).isOne();
  }

  @Test
  void reschedule_earlier_firesAtTheNewDeadline() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    wheel.schedule(node, 50 * TICK);
    wheel.schedule(node, 2 * TICK);
    assertThat(advance(wheel, 2 * TICK)).isOne();
    assertThat(advance(wheel, 50 * TICK)).isZero();
  }

  @Test
  void cancel_beforeExpiry_neverFires() {
    TimerWheel wheel = wheel();
    TimerNode cancelled = new TimerNode("cancelled");
    TimerNode kept = new TimerNode("kept");
    wheel.schedule(cancelled, 5 * TICK);
    wheel.schedule(kept, 5 * TICK);
    wheel.cancel(cancelled);
    assertThat(cancelled.isScheduled()).isFalse();
    assertThat(cancelled.deadline()).isEqualTo(Long.MAX_VALUE);
    assertThat(wheel.size()).isOne();
    assertThat(advance(wheel, 10 * REVOLUTION)).isOne();
    assertThat(fired).containsExactly(kept);
  }

  @Test
  void cancel_notScheduledOrAlreadyFired_isANoOp() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    wheel.cancel(node);
    wheel.schedule(node, TICK);
    advance(wheel, TICK);
    wheel.cancel(node);
    assertThat(wheel.size()).isZero();
    assertThat(fired).containsExactly(node);
  }

  @Test
  void node_scheduledInAnotherWheel_cannotBeScheduledOrCancelledHere() {
    TimerWheel first = wheel();
    TimerWheel second = wheel();
    TimerNode node = new TimerNode("a");
    first.schedule(node, TICK);
    assertThatThrownBy(() -> second.schedule(node, TICK))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> second.cancel(node)).isInstanceOf(IllegalStateException.class);
    assertThat(first.size()).isOne();
    assertThat(second.size()).isZero();

    first.cancel(node);
    second.schedule(node, TICK);
    assertThat(second.advance(TICK, fired::add)).isOne();
  }

  // --- callbacks

  @Test
  void reschedule_fromCallback_isNotLost() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("rearm");
    wheel.schedule(node, 5 * TICK);
    int[] calls = {0};
    int first = wheel.advance(5 * TICK, n -> {
      calls[0]++;
      wheel.schedule(n, 5 * TICK); // due already: fires on the next advance, not this one
    });
    assertThat(first).isOne();
    assertThat(calls[0]).isOne();
    assertThat(node.isScheduled()).isTrue();
    assertThat(wheel.nextDeadlineHint()).isLessThanOrEqualTo(5 * TICK);
    assertThat(advance(wheel, 5 * TICK)).isOne();
    assertThat(fired).containsExactly(node);
  }

  @Test
  void reschedule_fromCallbackForLater_firesThen() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("rto");
    wheel.schedule(node, 5 * TICK);
    wheel.advance(5 * TICK, n -> wheel.schedule(n, 5 * TICK + 2 * REVOLUTION));
    assertThat(advance(wheel, 5 * TICK + 2 * REVOLUTION - 1)).isZero();
    assertThat(advance(wheel, 5 * TICK + 2 * REVOLUTION)).isOne();
  }

  @Test
  void callback_cancelsAnotherDueNode_itNeverFires() {
    TimerWheel wheel = wheel();
    TimerNode a = new TimerNode("a");
    TimerNode b = new TimerNode("b");
    wheel.schedule(a, 3 * TICK);
    wheel.schedule(b, 4 * TICK);
    int count = wheel.advance(10 * TICK, n -> {
      fired.add(n);
      wheel.cancel(n == a ? b : a);
    });
    assertThat(count).isOne();
    assertThat(fired).containsExactly(a);
    assertThat(wheel.size()).isZero();
    assertThat(advance(wheel, 100 * TICK)).isZero();
  }

  @Test
  void callback_reschedulesAnotherDueNodeForLater_itFiresThenOnly() {
    TimerWheel wheel = wheel();
    TimerNode a = new TimerNode("a");
    TimerNode b = new TimerNode("b");
    wheel.schedule(a, 3 * TICK);
    wheel.schedule(b, 4 * TICK);
    wheel.advance(10 * TICK, n -> {
      fired.add(n);
      if (n == a) {
        wheel.schedule(b, 20 * TICK);
      }
    });
    assertThat(fired).containsExactly(a);
    assertThat(advance(wheel, 19 * TICK)).isZero();
    assertThat(advance(wheel, 20 * TICK)).isOne();
    assertThat(fired).containsExactly(a, b);
  }

  @Test
  void callback_schedulesANewNodeInThePast_firesOnNextAdvance() {
    TimerWheel wheel = wheel();
    TimerNode trigger = new TimerNode("trigger");
    TimerNode spawned = new TimerNode("spawned");
    wheel.schedule(trigger, TICK);
    assertThat(wheel.advance(10 * TICK, n -> wheel.schedule(spawned, 0))).isOne();
    assertThat(spawned.isScheduled()).isTrue();
    assertThat(advance(wheel, 10 * TICK)).isOne();
    assertThat(fired).containsExactly(spawned);
  }

  @Test
  void callback_callingAdvance_isRefused() {
    TimerWheel wheel = wheel();
    TimerNode node = new TimerNode("a");
    wheel.schedule(node, TICK);
    assertThatThrownBy(() -> wheel.advance(TICK, n -> wheel.advance(TICK, fired::add)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void callback_throws_remainingDueNodesFireOnNextAdvance() {
    TimerWheel wheel = wheel();
    TimerNode a = new TimerNode("a");
    TimerNode b = new TimerNode("b");
    wheel.schedule(a, TICK);
    wheel.schedule(b, 2 * TICK);
    assertThatThrownBy(() -> wheel.advance(5 * TICK, n -> {
      throw new IllegalArgumentException("boom");
    })).hasMessage("boom");
    assertThat(a.isScheduled()).isFalse();
    assertThat(b.isScheduled()).isTrue();
    assertThat(wheel.nextDeadlineHint()).isLessThanOrEqualTo(2 * TICK);
    assertThat(advance(wheel, 5 * TICK)).isOne();
    assertThat(fired).containsExactly(b);
  }

  // --- next deadline hint

  @Test
  void nextDeadlineHint_emptyWheel_isMaxValue() {
    TimerWheel wheel = wheel();
    assertThat(wheel.nextDeadlineHint()).isEqualTo(Long.MAX_VALUE);
    TimerNode node = new TimerNode("a");
    wheel.schedule(node, TICK);
    wheel.cancel(node);
    assertThat(wheel.nextDeadlineHint()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void nextDeadlineHint_isExactForTheFirstSlotAndNeverLate() {
    TimerWheel wheel = wheel();
    TimerNode a = new TimerNode("a");
    TimerNode b = new TimerNode("b");
    wheel.schedule(b, 40 * TICK + 3);
    wheel.schedule(a, 12 * TICK + 5);
    assertThat(wheel.nextDeadlineHint()).isEqualTo(12 * TICK + 5);
    wheel.cancel(a);
    assertThat(wheel.nextDeadlineHint()).isEqualTo(40 * TICK + 3);
  }

  @Test
  void nextDeadlineHint_farNodeInAnEarlierSlot_staysBelowTheNearerNode() {
    TimerWheel wheel = wheel();
    TimerNode far = new TimerNode("far");
    TimerNode near = new TimerNode("near");
    wheel.schedule(far, 2 * TICK + 5 * REVOLUTION); // slot 2, five revolutions out
    wheel.schedule(near, 9 * TICK); // slot 9
    assertThat(wheel.nextDeadlineHint()).isBetween(0L, 9 * TICK);
  }

  @Test
  void nextDeadlineHint_pastDeadline_isNotLaterThanIt() {
    TimerWheel wheel = wheel();
    advance(wheel, 100 * TICK);
    TimerNode node = new TimerNode("late");
    wheel.schedule(node, 3 * TICK);
    assertThat(wheel.nextDeadlineHint()).isEqualTo(3 * TICK);
  }
}
