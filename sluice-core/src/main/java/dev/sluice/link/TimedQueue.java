package dev.sluice.link;

import java.util.Arrays;

/**
 * A binary min-heap of packets in flight, ordered by due time and then by transmission order, so
 * that packets due at the same instant leave in the order they were sent. Not thread-safe: its
 * owning link direction guards it. Grows only up to the size of the buffer pool that feeds it.
 */
final class TimedQueue {
  private PacketBuffer[] heap = new PacketBuffer[64];
  private int size;

  void add(PacketBuffer packet) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(packet, heap[parent])) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = packet;
  }

  /** The earliest packet, or {@code null}. */
  PacketBuffer peek() {
    return size == 0 ? null : heap[0];
  }

  PacketBuffer poll() {
    if (size == 0) {
      return null;
    }
    PacketBuffer first = heap[0];
    PacketBuffer last = heap[--size];
    heap[size] = null;
    if (size > 0) {
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && before(heap[child + 1], heap[child])) {
          child++;
        }
        if (!before(heap[child], last)) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return first;
  }

  int size() {
    return size;
  }

  private static boolean before(PacketBuffer a, PacketBuffer b) {
    return a.timeNanos < b.timeNanos || (a.timeNanos == b.timeNanos && a.order < b.order);
  }
}
