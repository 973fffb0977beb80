package dev.sluice.tcp;

/**
 * Which bytes beyond the in-order edge (RCV.NXT) have arrived: a sorted set of disjoint,
 * non-adjacent ranges of offsets relative to that edge.
 *
 * <p>Bounded by construction (hostile input 3, SegmentSmack): the data itself lives in the
 * receive buffer's window, so out-of-order bytes never exceed it; and this map holds at most
 * {@code maxRanges} ranges. Adjacent and overlapping arrivals coalesce, so a flood of tiny
 * segments in order costs one range; a segment that would need a new range beyond the cap is
 * refused and the peer retransmits it later. Lookups are binary searches, O(log n); an insert
 * shifts at most {@code maxRanges} entries of two int arrays. Nothing allocates after
 * construction.
 */
public final class Reassembly {
  private static final int[] NONE = new int[0];
  private final int maxRanges;
  // Grown on demand up to maxRanges and dropped when empty: an idle connection holds none.
  private int[] starts = NONE;
  private int[] ends = NONE;
  private int count;

  public Reassembly(int maxRanges) {
    if (maxRanges < 1) {
      throw new IllegalArgumentException("maxRanges must be positive: " + maxRanges);
    }
    this.maxRanges = maxRanges;
  }

  public int rangeCount() {
    return count;
  }

  public int maxRanges() {
    return maxRanges;
  }

  /** Frees the range arrays if no range is held; they are allocated again when needed. */
  public void releaseIfEmpty() {
    if (count == 0) {
      starts = NONE;
      ends = NONE;
    }
  }

  /** Makes room for one more range, growing the arrays up to the cap; false if at the cap. */
  private boolean roomForOneMore() {
    if (count < starts.length) {
      return true;
    }
    if (starts.length == maxRanges) {
      return false;
    }
    int size = Math.min(maxRanges, Math.max(4, starts.length * 2));
    starts = java.util.Arrays.copyOf(starts, size);
    ends = java.util.Arrays.copyOf(ends, size);
    return true;
  }

  public boolean isEmpty() {
    return count == 0;
  }

  public int rangeStart(int index) {
    return starts[index];
  }

  public int rangeEnd(int index) {
    return ends[index];
  }

  /** The highest offset received so far, or 0 if none. */
  public int highestEnd() {
    return count == 0 ? 0 : ends[count - 1];
  }

  /**
   * Records {@code [start, end)} as received, merging it with every range it overlaps or
   * touches.
   *
   * @return false, changing nothing, if it touches no range and the map is full
   */
  public boolean add(int start, int end) {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
    }
    if (start == end) {
      return true;
    }
    // First range whose end reaches start (may merge), and first range that starts beyond end.
    int first = firstEndingAtOrAfter(start);
    int last = firstStartingAfter(end); // ranges [first, last) overlap or touch the new one
    if (first == last) {
      if (!roomForOneMore()) {
        return false;
      }
      System.arraycopy(starts, first, starts, first + 1, count - first);
      System.arraycopy(ends, first, ends, first + 1, count - first);
      starts[first] = start;
      ends[first] = end;
      count++;
      return true;
    }
    int mergedStart = Math.min(start, starts[first]);
    int mergedEnd = Math.max(end, ends[last - 1]);
    starts[first] = mergedStart;
    ends[first] = mergedEnd;
    int removed = last - first - 1;
    if (removed > 0) {
      System.arraycopy(starts, last, starts, first + 1, count - last);
      System.arraycopy(ends, last, ends, first + 1, count - last);
      count -= removed;
    }
    return true;
  }

  /** True if {@link #add} of {@code [start, end)} would succeed: it touches a range, or there is room. */
  public boolean canAdd(int start, int end) {
    return count < maxRanges || firstEndingAtOrAfter(start) != firstStartingAfter(end);
  }

  /**
   * If a range begins at offset 0, removes it and returns its length; otherwise returns 0. Either
   * way the remaining ranges are rebased so that offsets stay relative to the new in-order edge,
   * which has moved by the returned length.
   */
  public int popContiguous() {
    if (count == 0 || starts[0] != 0) {
      return 0;
    }
    int length = ends[0];
    System.arraycopy(starts, 1, starts, 0, count - 1);
    System.arraycopy(ends, 1, ends, 0, count - 1);
    count--;
    shift(length);
    return length;
  }

  /** Rebases all ranges after the in-order edge advanced by {@code delta} bytes. */
  public void shift(int delta) {
    if (delta == 0) {
      return;
    }
    int drop = 0;
    for (int i = 0; i < count; i++) {
      starts[i] -= delta;
      ends[i] -= delta;
      if (ends[i] <= 0) {
        drop = i + 1; // wholly behind the edge: already delivered
      } else if (starts[i] < 0) {
        starts[i] = 0;
      }
    }
    if (drop > 0) {
      System.arraycopy(starts, drop, starts, 0, count - drop);
      System.arraycopy(ends, drop, ends, 0, count - drop);
      count -= drop;
    }
  }

  /**
   * If {@code offset} lies in a received range, the end of that range; otherwise {@code offset}.
   * Used to skip bytes already received, which win over a retransmission that differs
   * (RFC 9293 §3.10.7.4, hostile input 24).
   */
  public int coveredUntil(int offset) {
    int i = firstEndingAfter(offset);
    return i < count && starts[i] <= offset ? ends[i] : offset;
  }

  /**
   * The index of the first range sharing at least one byte with {@code [start, end)}, or -1.
   * Finds the duplicate part of an arrival, for D-SACK (RFC 2883 §4).
   */
  public int firstOverlapping(int start, int end) {
    int i = firstEndingAfter(start);
    return i < count && starts[i] < end ? i : -1;
  }

  /** The start of the first range beginning after {@code offset}, or {@link Integer#MAX_VALUE}. */
  public int nextRangeAfter(int offset) {
    int i = firstStartingAfter(offset);
    return i < count ? starts[i] : Integer.MAX_VALUE;
  }

  public void clear() {
    count = 0;
  }

  /** Index of the first range with end ≥ offset (a range ending at offset touches it). */
  private int firstEndingAtOrAfter(int offset) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ends[mid] < offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the first range with end > offset. */
  private int firstEndingAfter(int offset) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ends[mid] <= offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Index of the first range with start > offset. */
  private int firstStartingAfter(int offset) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (starts[mid] <= offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      s.append(i == 0 ? "" : " ").append(starts[i]).append("..").append(ends[i]);
    }
    return s.append(']').toString();
  }
}
