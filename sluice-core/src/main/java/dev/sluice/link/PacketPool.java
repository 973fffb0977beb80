package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed set of equally sized {@link PacketBuffer}s, preallocated, so that moving packets through
 * a device allocates nothing. When every buffer is out, {@link #acquire()} returns {@code null} and
 * the caller drops the packet: memory stays bounded under any load.
 */
public final class PacketPool {
  private final MpmcRing<PacketBuffer> free;
  private final int bufferCapacity;
  private final AtomicLong exhausted = new AtomicLong();

  /**
   * Makes the pool and every buffer in it.
   *
   * @param buffers how many buffers, rounded up to a power of two ({@link #size()} says how many)
   * @param bufferCapacity each buffer's size in bytes: the largest packet it holds
   */
  public PacketPool(int buffers, int bufferCapacity) {
    this.free = new MpmcRing<>(buffers);
    this.bufferCapacity = bufferCapacity;
    for (int i = 0; i < free.capacity(); i++) {
      free.offer(new PacketBuffer(bufferCapacity, this));
    }
    // The ring rounds up to a power of two and is filled completely, so a release always fits.
  }

  /**
   * Takes a free buffer. Thread-safe and lock-free; never waits.
   *
   * @return a buffer the caller owns until it {@linkplain PacketBuffer#release() releases} it, or
   *     {@code null} if all are in use
   */
  public PacketBuffer acquire() {
    PacketBuffer buffer = free.poll();
    if (buffer == null) {
      exhausted.incrementAndGet();
      return null;
    }
    buffer.free = false;
    return buffer;
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
   * Buffers currently free (a moment old while other threads take and give back).
   *
   * @return the number of free buffers
   */
  public int available() {
    return free.size();
  }

  /**
   * How many buffers the pool has, free or not.
   *
   * @return the number of buffers
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
