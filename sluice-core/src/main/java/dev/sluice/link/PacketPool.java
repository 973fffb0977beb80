package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded set of equally sized {@link PacketBuffer}s, reused, so that moving packets through a
 * device allocates nothing in steady state. When every buffer is out, {@link #acquire()} returns
 * {@code null} and the caller drops the packet: memory stays bounded under any load.
 *
 * <p><b>Buffers are made when first needed</b>, up to {@link #size()}, never in advance. A pool
 * sized for the worst burst (65,536 buffers of 1,500 bytes is 96 MB; a gateway's 1,024 of 64 KB,
 * 64 MB per queue) then costs what its traffic has needed at once, not its bound: a pool holds
 * only as many as were ever out at once. It also keeps the buffers in circulation
 * few, so the one a packet lands in was last written recently and is still in the cache (a pool
 * that lends the buffer that waited longest, as this one does, otherwise cycles through all of
 * them); and a fresh pool leaves the collector no hundreds of megabytes of young objects to copy.
 * Once the pool has made as many as its peak use, acquiring allocates nothing.
 */
public final class PacketPool {
  /** Free buffers. Its capacity is the pool's bound, so a release always fits. */
  private final MpmcRing<PacketBuffer> free;
  private final int bufferCapacity;
  /** Buffers the pool may still make: decremented (CAS) once per buffer made, never raised. */
  private final AtomicInteger unmade;
  private final AtomicLong exhausted = new AtomicLong();

  /**
   * Makes an empty pool that will make up to {@code buffers} buffers as they are needed.
   *
   * @param buffers how many buffers at most, rounded up to a power of two ({@link #size()} says
   *     how many)
   * @param bufferCapacity each buffer's size in bytes: the largest packet it holds
   */
  public PacketPool(int buffers, int bufferCapacity) {
    this.free = new MpmcRing<>(buffers);
    this.bufferCapacity = bufferCapacity;
    this.unmade = new AtomicInteger(free.capacity());
  }

  /**
   * Takes a free buffer, making one if none is free and the pool has made fewer than {@link
   * #size()}. Thread-safe and lock-free; never waits.
   *
   * @return a buffer the caller owns until it {@linkplain PacketBuffer#release() releases} it, or
   *     {@code null} if all are in use
   */
  public PacketBuffer acquire() {
    PacketBuffer buffer = free.poll();
    if (buffer == null && (buffer = make()) == null) {
      exhausted.incrementAndGet();
      return null;
    }
    buffer.free = false;
    return buffer;
  }

  /**
   * A new buffer, if the pool may make one more. Two threads that find the ring empty at once may
   * both make one, while a third releases: the pool then holds a buffer more than its peak use
   * needed, never more than {@link #size()}.
   */
  private PacketBuffer make() {
    int left;
    do {
      left = unmade.get();
      if (left == 0) {
        return null;
      }
    } while (!unmade.compareAndSet(left, left - 1));
    return new PacketBuffer(bufferCapacity, this);
  }

  void release(PacketBuffer buffer) {
    if (buffer.pool() != this || buffer.free) {
      throw new IllegalStateException("packet buffer released twice, or into the wrong pool");
    }
    buffer.free = true;
    buffer.tcpChecksumKnownGood = false;
    buffer.next(null);
    free.offer(buffer); // cannot fail: the ring holds every buffer of this pool
  }

  /**
   * Each buffer's size.
   *
   * @return the capacity of every buffer, in bytes
   */
  public int bufferCapacity() {
    return bufferCapacity;
  }

  /**
   * Buffers that {@link #acquire()} could hand out now, made or not yet made (a moment old while
   * other threads take and give back).
   *
   * @return the number of buffers not in use
   */
  public int available() {
    return free.size() + unmade.get();
  }

  /**
   * Buffers the pool has made so far: about the most that were ever out at once.
   *
   * @return the number of buffers made, at most {@link #size()}
   */
  public int made() {
    return free.capacity() - unmade.get();
  }

  /**
   * How many buffers the pool may have, free, in use or not yet made.
   *
   * @return the pool's bound, in buffers
   */
  public int size() {
    return free.capacity();
  }

  /**
   * How many times {@link #acquire()} found the pool empty.
   *
   * @return the count since the pool was made
   */
  public long exhaustedCount() {
    return exhausted.get();
  }
}
