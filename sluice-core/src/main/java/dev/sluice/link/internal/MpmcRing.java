package dev.sluice.link.internal;

import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class MpmcRing<E> {
  private final Object[] elements;
  private final AtomicLongArray sequences;
  private final int mask;
  private final AtomicLong head = new AtomicLong();
  private final AtomicLong tail = new AtomicLong();

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
    long pos = tail.get();
    while (true) {
      int index = (int) (pos & mask);
      long difference = sequences.getAcquire(index) - pos;
      if (difference == 0) {
        if (tail.compareAndSet(pos, pos + 1)) {
          elements[index] = element;
          sequences.setRelease(index, pos + 1);
          return true;
        }
        pos = tail.get();
      } else if (difference < 0) {
        // The slot still holds the previous lap's element. The ring is full only if no consumer
        // has claimed that element yet; if one has, it is between its claim and freeing the
        // slot, and reporting "full" would be wrong (a pool would lose the buffer): wait for it.
        if (pos - head.get() >= capacity()) {
          return false;
        }
        Thread.onSpinWait();
        pos = tail.get();
      } else {
        pos = tail.get(); // another producer took this position
      }
    }
  }

  /** Removes and returns the head element, or {@code null} if the ring is empty. */
  @SuppressWarnings("unchecked")
  public E poll() {
    long pos = head.get();
    while (true) {
      int index = (int) (pos & mask);
      long difference = sequences.getAcquire(index) - (pos + 1);
      if (difference == 0) {
        if (head.compareAndSet(pos, pos + 1)) {
          E element = (E) elements[index];
          elements[index] = null;
          sequences.setRelease(index, pos + mask + 1);
          return element;
        }
        pos = head.get();
      } else if (difference < 0) {
        // Not yet published. The ring is empty only if no producer has claimed this position;
        // if one has, it is between its claim and its publish, and reporting "empty" would hide
        // elements that later producers have already published: wait for it.
        if (pos >= tail.get()) {
          return null;
        }
        Thread.onSpinWait();
        pos = head.get();
      } else {
        pos = head.get(); // another consumer took this position
      }
    }
  }

  /** A snapshot of the number of elements; exact only when no one else is offering or polling. */
  public int size() {
    while (true) {
      long h = head.get();
      long t = tail.get();
      if (h == head.get()) {
        return (int) Math.max(0, Math.min(t - h, capacity()));
      }
    }
  }

  public boolean isEmpty() {
    return size() == 0;
  }
}
