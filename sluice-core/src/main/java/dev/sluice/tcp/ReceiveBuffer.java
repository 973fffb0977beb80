package dev.sluice.tcp;

/**
 * The receive side's bytes: in-order data waiting for the application, followed in the same ring
 * by out-of-order data waiting for the gap before it to fill (smoltcp keeps both in one ring the
 * same way). Offsets are relative to the in-order edge, RCV.NXT.
 *
 * <p>Guarantees the engine relies on:
 * <ul>
 *   <li>Nothing beyond the window is stored: out-of-order bytes ≤ the receive window (hostile
 *       input 3), and {@link Reassembly} caps the number of holes.
 *   <li>Bytes already received win over a retransmission that carries different bytes (RFC 9293
 *       §3.10.7.4, hostile input 24), and each byte is readable exactly once.
 *   <li>The ring is allocated on the first byte and can be released when empty, so an idle
 *       connection holds no buffer.
 * </ul>
 * Not thread-safe: the connection's owner drives it.
 */
public final class ReceiveBuffer {
  /** {@link #write} result when the segment needed a new hole and the map was full. */
  public static final int REFUSED = -1;

  /**
   * Shared by every buffer that holds no out-of-order range. Safe to share: with no range held,
   * nothing this class calls on it changes it; the first out-of-order arrival replaces it with a
   * buffer's own map.
   */
  private static final Reassembly NO_RANGES = new Reassembly(1);

  private final int capacity;
  private final int maxOutOfOrderRanges;
  private Reassembly reassembly = NO_RANGES;
  private byte[] ring;
  private int head;
  private int readable;

  public ReceiveBuffer(int capacity, int maxOutOfOrderRanges) {
    if (capacity < 1) {
      throw new IllegalArgumentException("receive buffer capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    if (maxOutOfOrderRanges < 1) {
      throw new IllegalArgumentException("maxRanges must be positive: " + maxOutOfOrderRanges);
    }
    this.maxOutOfOrderRanges = maxOutOfOrderRanges;
  }

  public int capacity() {
    return capacity;
  }

  /** In-order bytes the application can read now. */
  public int readable() {
    return readable;
  }

  /** Space beyond the in-order data: the most the receive window may offer. */
  public int window() {
    return capacity - readable;
  }

  /** The out-of-order ranges (for SACK blocks, RFC 2018 §4). */
  public Reassembly outOfOrder() {
    return reassembly;
  }

  /** Out-of-order bytes held, counted exactly. */
  public int outOfOrderBytes() {
    int total = 0;
    for (int i = 0; i < reassembly.rangeCount(); i++) {
      total += reassembly.rangeEnd(i) - reassembly.rangeStart(i);
    }
    return total;
  }

  /** True while a ring is allocated. */
  public boolean isAllocated() {
    return ring != null;
  }

  /**
   * Stores {@code len} bytes that belong at {@code offset} from the in-order edge. Bytes before the
   * edge (negative offsets) or beyond the window are trimmed; bytes already held are kept and the
   * new copies of them ignored.
   *
   * @return how far the in-order edge advanced (0 for out-of-order data or pure duplicates), or
   *     {@link #REFUSED} if the data would need a new hole and the hole map is full
   */
  public int write(int offset, byte[] src, int srcOff, int len) {
    int start = Math.max(offset, 0);
    long endLong = Math.min((long) offset + len, window());
    if (endLong <= start) {
      return 0; // wholly duplicate or wholly beyond the window
    }
    int end = (int) endLong;
    if (start > 0 && !reassembly.canAdd(start, end)) {
      return REFUSED;
    }
    ensureRing(readable + end);
    copyUncovered(start, end, offset, src, srcOff);
    if (start > 0) {
      if (reassembly == NO_RANGES) {
        reassembly = new Reassembly(maxOutOfOrderRanges);
      }
      reassembly.add(start, end);
      return 0;
    }
    // In-order data: move the edge past it and past any out-of-order range it now reaches.
    reassembly.shift(end);
    int advanced = end + reassembly.popContiguous();
    readable += advanced;
    return advanced;
  }

  /**
   * Appends {@code len} in-order bytes, the receive fast path's case: no out-of-order range is
   * held and the bytes fit the window ({@link #fitsInOrder}), so {@link #write} at offset 0 would
   * store exactly these bytes and advance the edge by {@code len}.
   */
  public void append(byte[] src, int srcOff, int len) {
    ensureRing(readable + len);
    copyIn(0, src, srcOff, len);
    readable += len;
  }

  /** True if {@code len} bytes at the in-order edge can take {@link #append}. */
  public boolean fitsInOrder(int len) {
    return len <= capacity - readable && reassembly.isEmpty();
  }

  /** Copies the parts of {@code [start, end)} that no earlier segment delivered: held bytes win. */
  private void copyUncovered(int start, int end, int segmentOffset, byte[] src, int srcOff) {
    int pos = start;
    while (pos < end) {
      int covered = reassembly.coveredUntil(pos);
      if (covered > pos) {
        pos = covered;
        continue;
      }
      int next = Math.min(reassembly.nextRangeAfter(pos), end);
      copyIn(pos, src, srcOff + (pos - segmentOffset), next - pos);
      pos = next;
    }
  }

  private void copyIn(int offset, byte[] src, int srcOff, int len) {
    int size = ring.length;
    int at = head + readable + offset;
    if (at >= size) {
      at -= size;
    }
    int first = Math.min(len, size - at);
    System.arraycopy(src, srcOff, ring, at, first);
    if (first < len) {
      System.arraycopy(src, srcOff + first, ring, 0, len - first);
    }
  }

  /** Reads up to {@code len} in-order bytes; returns how many were read (0 if none are ready). */
  public int read(byte[] dst, int off, int len) {
    int n = Math.min(len, readable);
    if (n <= 0) {
      return 0;
    }
    int size = ring.length;
    int first = Math.min(n, size - head);
    System.arraycopy(ring, head, dst, off, first);
    if (first < n) {
      System.arraycopy(ring, 0, dst, off + first, n - first);
    }
    head += n;
    if (head >= size) {
      head -= size;
    }
    readable -= n;
    return n;
  }

  /** Drops every in-order byte unread, as a read into nowhere (after {@code shutdown(SHUT_RD)}). */
  public void discardReadable() {
    if (readable == 0) {
      return;
    }
    head += readable;
    if (head >= ring.length) {
      head -= ring.length;
    }
    readable = 0;
  }

  /**
   * Makes the ring hold at least {@code needed} bytes past the read position (readable plus
   * out-of-order), growing by doubling from one page up to the capacity and keeping every held
   * byte at its offset.
   */
  private void ensureRing(int needed) {
    if (ring != null && ring.length >= needed) {
      return;
    }
    int size = ring == null ? SendBuffer.INITIAL_RING : ring.length;
    while (size < needed) {
      size *= 2;
    }
    size = Math.min(size, capacity);
    byte[] grown = new byte[size];
    if (ring != null) {
      int held = readable + reassembly.highestEnd();
      int first = Math.min(held, ring.length - head);
      System.arraycopy(ring, head, grown, 0, first);
      System.arraycopy(ring, 0, grown, first, held - first);
    }
    ring = grown;
    head = 0;
  }

  /** Forgets every out-of-order range (their bytes can never become readable). */
  public void discardOutOfOrder() {
    reassembly.clear();
  }

  /** Frees the ring if it holds nothing, so an idle connection costs no buffer memory. */
  public boolean releaseIfEmpty() {
    if (reassembly.isEmpty()) {
      reassembly = NO_RANGES;
    }
    if (ring != null && readable == 0 && reassembly.isEmpty()) {
      ring = null;
      head = 0;
      return true;
    }
    return false;
  }
}
