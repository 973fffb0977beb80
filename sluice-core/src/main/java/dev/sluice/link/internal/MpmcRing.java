package dev.sluice.link.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded, lock-free, many-producer many-consumer FIFO (Dmitry Vyukov's bounded MPMC queue).
 * Used for receive queues and buffer pools: offers and polls allocate nothing.
 *
 * <p><b>Memory ordering.</b> Each slot has a sequence number. A producer claims position
 * {@code p} by CAS on {@code tail}, writes the element, then publishes it with a release store of
 * {@code p + 1} into the slot's sequence. A consumer reads that sequence with an acquire load, so
 * it sees the element; after taking it, it releases the slot for the next lap with
 * {@code p + capacity}. No slot is ever read before it is published or written before it is freed.
 *
 * <p><b>Linearizability.</b> {@link #offer} takes effect at its CAS on {@code tail}, {@link #poll}
 * at its CAS on {@code head}. A poll that finds its slot claimed but not yet published, or an offer
 * that finds its slot claimed but not yet freed, spins until the other thread finishes (as
 * JCTools' {@code MpmcArrayQueue} does) rather than report a spurious "empty" or "full". Offers and
 * polls allocate nothing and never block on a lock, but one may wait for a thread that was
 * preempted inside that window of a few instructions.
 *
 * <p><b>Padding.</b> Producers write {@code tail} and consumers {@code head}, usually on two cores,
 * once per packet. Kept on one cache line (as two small objects allocated together are), every
 * offer would take the line from the polling core and every poll take it back. So each counter
 * sits alone between 128 bytes of padding (two lines, for the adjacent-line prefetcher), away from
 * the other and from the read-only fields, as Agrona's and JCTools' queues do. The JVM lays out a
 * superclass's fields before its subclass's (but may reorder one class's own fields), so each
 * counter and each pad is a class of its own. {@code LinkHandoffBenchmark} measures it: a packet
 * across a pool and a queue between two cores went from 2.9–3.1 to 3.2–4.0 million a second with
 * nothing copied; with 1,500 bytes copied in and out the copies hide it
 * (docs/benchmarks/README.md).
 */
public final class MpmcRing<E> extends MpmcRingPadEnd {
  private static final VarHandle HEAD;
  private static final VarHandle TAIL;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      HEAD = lookup.findVarHandle(MpmcRingHead.class, "head", long.class);
      TAIL = lookup.findVarHandle(MpmcRingTail.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Object[] elements;
  private final AtomicLongArray sequences;
  private final int mask;

  /**
   * @param capacity rounded up to a power of two, and to at least 2: with a single slot the
   *     sequence that publishes one lap's element equals the one that frees the slot for the next
   *     lap, so a full ring would accept an offer (overwriting) and a poll would then spin forever
   */
  public MpmcRing(int capacity) {
    if (capacity < 1 || capacity > (1 << 30)) {
      throw new IllegalArgumentException("capacity must be in [1, 2^30]: " + capacity);
    }
    int size = capacity <= 2 ? 2 : Integer.highestOneBit(capacity - 1) << 1;
    elements = new Object[size];
    sequences = new AtomicLongArray(size);
    for (int i = 0; i < size; i++) {
      sequences.set(i, i);
    }
    mask = size - 1;
  }

  public int capacity() {
    return mask + 1;
  }

  /** Adds {@code element} at the tail; false if the ring is full. */
  public boolean offer(E element) {
    if (element == null) {
      throw new NullPointerException("element");
    }
    long pos = tail();
    while (true) {
      int index = (int) (pos & mask);
      long difference = sequences.getAcquire(index) - pos;
      if (difference == 0) {
        if (TAIL.compareAndSet(this, pos, pos + 1)) {
          elements[index] = element;
          sequences.setRelease(index, pos + 1);
          return true;
        }
        pos = tail();
      } else if (difference < 0) {
        // The slot still holds the previous lap's element. The ring is full only if no consumer
        // has claimed that element yet; if one has, it is between its claim and freeing the
        // slot, and reporting "full" would be wrong (a pool would lose the buffer): wait for it.
        if (pos - head() >= capacity()) {
          return false;
        }
        Thread.onSpinWait();
        pos = tail();
      } else {
        pos = tail(); // another producer took this position
      }
    }
  }

  /** Removes and returns the head element, or {@code null} if the ring is empty. */
  @SuppressWarnings("unchecked")
  public E poll() {
    long pos = head();
    while (true) {
      int index = (int) (pos & mask);
      long difference = sequences.getAcquire(index) - (pos + 1);
      if (difference == 0) {
        if (HEAD.compareAndSet(this, pos, pos + 1)) {
          E element = (E) elements[index];
          elements[index] = null;
          sequences.setRelease(index, pos + mask + 1);
          return element;
        }
        pos = head();
      } else if (difference < 0) {
        // Not yet published. The ring is empty only if no producer has claimed this position;
        // if one has, it is between its claim and its publish, and reporting "empty" would hide
        // elements that later producers have already published: wait for it.
        if (pos >= tail()) {
          return null;
        }
        Thread.onSpinWait();
        pos = head();
      } else {
        pos = head(); // another consumer took this position
      }
    }
  }

  /** A snapshot of the number of elements; exact only when no one else is offering or polling. */
  public int size() {
    while (true) {
      long h = head();
      long t = tail();
      if (h == head()) {
        return (int) Math.max(0, Math.min(t - h, capacity()));
      }
    }
  }

  public boolean isEmpty() {
    return size() == 0;
  }

  private long head() {
    return (long) HEAD.getVolatile(this);
  }

  private long tail() {
    return (long) TAIL.getVolatile(this);
  }
}

/** 128 bytes before {@code head}. */
@SuppressWarnings("unused")
abstract class MpmcRingPadHead {
  private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The consumers' counter: the next position to poll. Written by CAS only. */
abstract class MpmcRingHead extends MpmcRingPadHead {
  volatile long head;
}

/** 128 bytes between {@code head} and {@code tail}. */
@SuppressWarnings("unused")
abstract class MpmcRingPadTail extends MpmcRingHead {
  private long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}

/** The producers' counter: the next position to offer into. Written by CAS only. */
abstract class MpmcRingTail extends MpmcRingPadTail {
  volatile long tail;
}

/** 128 bytes between {@code tail} and the ring's own fields, which every operation reads. */
@SuppressWarnings("unused")
abstract class MpmcRingPadEnd extends MpmcRingTail {
  private long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
}
