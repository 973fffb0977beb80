package dev.sluice.stack;

import java.util.function.Consumer;

/**
 * A hashed timing wheel for TCP connection timers (RTO, delayed ACK, persist, keepalive,
 * TIME-WAIT), after Varghese and Lauck, "Hashed and Hierarchical Timing Wheels: Data Structures for
 * the Efficient Implementation of a Timer Facility" (SOSP 1987), scheme 6.
 *
 * <p>A host holds thousands of connections, each rearming its timers on almost every segment, and
 * most timers are cancelled before they fire. A heap would make each rearm O(log n); the wheel makes
 * schedule, reschedule and cancel O(1) and allocation-free, because the list links live in the
 * {@link TimerNode}s themselves. Time is cut into ticks of {@code tickNanos}; a deadline hashes to
 * slot {@code tick mod slots}. Instead of the paper's per-node rounds counter, each node keeps its
 * absolute deadline and a slot visit fires exactly the nodes whose deadline has passed: that is the
 * same "rounds" test, but it cannot fire early even within a tick, and a deadline many revolutions
 * away simply stays in its slot until its own revolution comes.
 *
 * <p>Time is the caller's: deadlines and {@code now} are absolute nanoseconds on whatever clock the
 * owner uses, passed in as arguments; the wheel never reads a clock, so tests and simulations drive
 * it deterministically. Deadlines are compared as signed longs, so the clock must not wrap.
 *
 * <p><b>Not thread-safe.</b> A wheel belongs to one receive-worker thread, which owns the
 * connections whose timers it holds; every method must be called from that thread.
 */
final class TimerWheel {
  private static final int MAX_SLOTS = 1 << 30;

  private final long tickNanos;
  private final long startNanos;
  private final int slots;
  private final int mask;
  /** Heads of the slot lists, then one more: the list of expired nodes awaiting their callback. */
  private final TimerNode[] heads;
  private final int expiredList;
  private TimerNode expiredTail;
  /** Bit i set when slot i is non-empty, so empty stretches are skipped 64 slots at a time. */
  private final long[] occupied;
  /** The tick of the last advance; every slotted node belongs to this tick or a later one. */
  private long cursorTick;
  private long lastNow;
  private int size;
  private boolean advancing;

  /**
   * @param tickNanos the granularity of the wheel; deadlines within one tick share a slot
   * @param slots the number of slots, a power of two, so hashing a tick is a mask
   * @param startNanos the current time on the owner's clock; tick 0 starts here
   */
  public TimerWheel(long tickNanos, int slots, long startNanos) {
    if (tickNanos <= 0) {
      throw new IllegalArgumentException("tickNanos must be positive: " + tickNanos);
    }
    if (slots <= 0 || slots > MAX_SLOTS || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two up to 2^30: " + slots);
    }
    this.tickNanos = tickNanos;
    this.startNanos = startNanos;
    this.slots = slots;
    this.mask = slots - 1;
    this.heads = new TimerNode[slots + 1];
    this.expiredList = slots;
    this.occupied = new long[(slots + 63) >>> 6];
    this.lastNow = startNanos;
  }

  /**
   * Schedules {@code node} to fire at {@code deadlineNanos}, or moves it there if it is already
   * scheduled in this wheel. A deadline at or before the last {@link #advance} fires on the next one.
   *
   * @throws IllegalStateException if the node is scheduled in another wheel
   */
  public void schedule(TimerNode node, long deadlineNanos) {
    checkNotForeign(node);
    if (node.wheel == this) {
      unlink(node);
    } else {
      node.wheel = this;
      size++;
    }
    node.deadline = deadlineNanos;
    push(node, slotFor(deadlineNanos));
  }

  /**
   * Unschedules {@code node}; it will not fire. Does nothing if it is not scheduled, including when
   * it already fired or is due but its callback has not run yet in the current {@link #advance}.
   *
   * @throws IllegalStateException if the node is scheduled in another wheel
   */
  public void cancel(TimerNode node) {
    if (node.wheel == null) {
      return;
    }
    checkNotForeign(node);
    unlink(node);
    release(node);
  }

  /**
   * Moves time forward to {@code nowNanos} and passes every node whose deadline is at or before it
   * to {@code expired}, once, in tick order (nodes of one tick in no particular order). A node is
   * unscheduled before its callback runs, so the callback may reschedule it.
   *
   * <p>The callback may schedule and cancel any node. Cancelling a node that is due but not yet
   * called back stops it from firing. A node that the callback schedules for a deadline at or before
   * {@code nowNanos} fires on the <em>next</em> call, not this one: each call fires only what was due
   * when it began, so a timer that rearms itself for "now" cannot keep the worker spinning here, and
   * {@link #nextDeadlineHint()} tells the worker not to park. If the callback throws, the nodes still
   * awaiting their callback stay scheduled and fire on the next call.
   *
   * <p>Work is bounded by one revolution of slots (empty ones skipped 64 at a time) plus the nodes in
   * the slots visited, however far time jumps. Time going backwards is ignored.
   *
   * @return how many nodes fired
   * @throws IllegalStateException if called from inside a callback
   */
  public int advance(long nowNanos, Consumer<TimerNode> expired) {
    if (advancing) {
      throw new IllegalStateException("advance called from inside a timer callback");
    }
    if (nowNanos < lastNow) {
      return 0;
    }
    advancing = true;
    try {
      collectDue(nowNanos);
      return fireExpired(expired);
    } finally {
      advancing = false;
    }
  }

  /**
   * A time no later than the earliest deadline of any scheduled node, or {@link Long#MAX_VALUE} if
   * none is scheduled: the worker may park until then. It is exact for the nodes of the first
   * non-empty slot and otherwise the start of the next tick, so it may wake the worker early (say
   * for a node a revolution away) but never late. Costs a scan of the slot bitmap and of one slot.
   */
  public long nextDeadlineHint() {
    if (size == 0) {
      return Long.MAX_VALUE;
    }
    // Expired nodes awaiting their callback (only during advance, or after a callback threw).
    long hint = minDeadline(expiredList);
    int from = index(cursorTick);
    int offset = nextOccupied(from, slots);
    if (offset >= 0) {
      // Every node of a later slot is in a tick past this one, so starts no earlier than its end.
      hint = Math.min(hint, minDeadline((from + offset) & mask));
      hint = Math.min(hint, tickStart(cursorTick + offset + 1));
    }
    return hint;
  }

  /** How many nodes are scheduled, counting those due whose callback has not yet run. */
  public int size() {
    return size;
  }

  private void checkNotForeign(TimerNode node) {
    if (node.wheel != null && node.wheel != this) {
      throw new IllegalStateException("timer node is scheduled in another wheel: " + node);
    }
  }

  // --- advancing

  /** Moves every due node of the slots between the cursor and {@code now} to the expired list. */
  private void collectDue(long now) {
    long steps = tickOf(now) - cursorTick; // >= 0: now >= lastNow
    // The cursor's own slot is revisited because it may hold nodes due later in that same tick. A
    // jump of a revolution or more visits every slot once; their remaining nodes are checked by
    // deadline, so later revolutions need no walking.
    int span = steps >= slots - 1 ? slots : (int) steps + 1;
    int from = index(cursorTick);
    int offset = 0;
    while (offset < span) {
      int skip = nextOccupied((from + offset) & mask, span - offset);
      if (skip < 0) {
        break;
      }
      offset += skip;
      collectSlot((from + offset) & mask, now);
      offset++;
    }
    cursorTick += steps;
    lastNow = now;
  }

  private void collectSlot(int slot, long now) {
    TimerNode node = heads[slot];
    while (node != null) {
      TimerNode next = node.next;
      if (node.deadline <= now) {
        unlink(node);
        append(node);
      }
      node = next;
    }
  }

  /** Calls back the expired nodes one at a time, so callbacks can cancel ones not yet called. */
  private int fireExpired(Consumer<TimerNode> expired) {
    int fired = 0;
    TimerNode node;
    while ((node = heads[expiredList]) != null) {
      unlink(node);
      release(node);
      fired++;
      expired.accept(node);
    }
    return fired;
  }

  // --- time to slot

  /** The slot of a deadline; one already in the past joins the cursor's slot, visited next. */
  private int slotFor(long deadline) {
    return index(Math.max(tickOf(deadline), cursorTick));
  }

  private int index(long tick) {
    return (int) (tick & mask);
  }

  /** The tick containing {@code time}, saturating rather than wrapping for extreme times. */
  private long tickOf(long time) {
    long relative = time - startNanos;
    if (((time ^ startNanos) & (time ^ relative)) < 0) {
      relative = time < startNanos ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return Math.floorDiv(relative, tickNanos);
  }

  /** When {@code tick} (>= 0) starts, or a lower bound on it when that is past the long range. */
  private long tickStart(long tick) {
    long offset = tick * tickNanos;
    if (tick < 0 || offset < 0 || Math.multiplyHigh(tick, tickNanos) != 0) {
      // The offset exceeds Long.MAX_VALUE, so start + MAX_VALUE is below the true start.
      return startNanos < 0 ? startNanos + Long.MAX_VALUE : Long.MAX_VALUE;
    }
    long start = startNanos + offset;
    return start < startNanos ? Long.MAX_VALUE : start;
  }

  // --- intrusive lists

  private void push(TimerNode node, int slot) {
    TimerNode head = heads[slot];
    node.slot = slot;
    node.prev = null;
    node.next = head;
    if (head != null) {
      head.prev = node;
    }
    heads[slot] = node;
    occupied[slot >>> 6] |= 1L << slot;
  }

  /** Appends to the expired list, keeping collection order (tick order) for the callbacks. */
  private void append(TimerNode node) {
    node.slot = expiredList;
    node.prev = expiredTail;
    node.next = null;
    if (expiredTail == null) {
      heads[expiredList] = node;
    } else {
      expiredTail.next = node;
    }
    expiredTail = node;
  }

  private void unlink(TimerNode node) {
    int slot = node.slot;
    TimerNode prev = node.prev;
    TimerNode next = node.next;
    if (prev == null) {
      heads[slot] = next;
    } else {
      prev.next = next;
    }
    if (next != null) {
      next.prev = prev;
    } else if (slot == expiredList) {
      expiredTail = prev;
    }
    if (slot != expiredList && heads[slot] == null) {
      occupied[slot >>> 6] &= ~(1L << slot);
    }
    node.prev = null;
    node.next = null;
    node.slot = -1;
  }

  private void release(TimerNode node) {
    node.wheel = null;
    node.deadline = Long.MAX_VALUE;
    size--;
  }

  private long minDeadline(int list) {
    long min = Long.MAX_VALUE;
    for (TimerNode node = heads[list]; node != null; node = node.next) {
      min = Math.min(min, node.deadline);
    }
    return min;
  }

  /**
   * The distance from slot {@code from} to the first non-empty slot among the next {@code span}
   * (wrapping around), or -1 if they are all empty.
   */
  private int nextOccupied(int from, int span) {
    int end = from + span; // <= 2^31 - 1: from < slots <= 2^30 and span <= slots
    int hit = firstSetBit(from, Math.min(end, slots));
    if (hit >= 0) {
      return hit - from;
    }
    if (end > slots) {
      hit = firstSetBit(0, end - slots);
      if (hit >= 0) {
        return hit + slots - from;
      }
    }
    return -1;
  }

  /** The first set bit of {@link #occupied} in [from, to), or -1. */
  private int firstSetBit(int from, int to) {
    if (from >= to) {
      return -1;
    }
    int word = from >>> 6;
    long bits = occupied[word] & (-1L << from);
    while (bits == 0) {
      word++;
      if (word << 6 >= to) {
        return -1;
      }
      bits = occupied[word];
    }
    int bit = (word << 6) + Long.numberOfTrailingZeros(bits);
    return bit < to ? bit : -1;
  }
}
