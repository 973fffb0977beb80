package dev.sluice.tcp;

/**
 * The data segments in flight, in sequence order: the per-segment state of RACK-TLP (RFC 8985
 * §5.2). Each record is a sequence range {@code [start, end)} with the time of its latest
 * transmission and three flags: ever retransmitted, SACKed, and marked lost. The ranges are
 * contiguous, from SND.UNA to SND.NXT, and never overlap.
 *
 * <p>Parallel arrays in a ring, doubled when full and never shrunk while in use, so steady-state
 * sending and acknowledging allocate nothing. A retransmission or a SACK block that does not fall
 * on record boundaries splits a record (RFC 8985 §6.1 tracks "the segment" as whatever was sent
 * in one piece); a cumulative ACK inside a record trims its start.
 *
 * <p>The owner of the connection's engine uses it, one thread at a time.
 */
final class SentSegments {
  static final int RETRANSMITTED = 1;
  static final int SACKED = 2;
  static final int LOST = 4;
  /**
   * At most this many records made by splitting may be held (hostile input 1: SACK blocks crafted
   * to cut the queue into 1-byte pieces). Beyond it an edge inside a record is rounded to the
   * record's boundary, conservatively: a SACK block then covers only whole records, and a
   * retransmission marks the whole record it touches.
   */
  static final int MAX_SPLITS = 1024;

  /** What RACK wants to hear about each segment an ACK newly delivers (RFC 8985 §6.2 step 2). */
  interface DeliveryListener {
    void delivered(int end, long sentAt, boolean retransmitted);
  }

  private int[] start;
  private int[] end;
  private long[] sentAt;
  private byte[] flags;
  private int head;
  private int count;
  /** Records made by splitting and perhaps still held (an upper bound: never more than count). */
  private int splits;

  SentSegments(int initialCapacity) {
    int capacity = Integer.highestOneBit(Math.max(4, initialCapacity) - 1) << 1; // a power of two
    start = new int[capacity];
    end = new int[capacity];
    sentAt = new long[capacity];
    flags = new byte[capacity];
  }

  int size() {
    return count;
  }

  boolean isEmpty() {
    return count == 0;
  }

  // ------------------------------------------------------------------ reading, by position 0..size-1

  int start(int i) {
    return start[slot(i)];
  }

  int end(int i) {
    return end[slot(i)];
  }

  long sentAt(int i) {
    return sentAt[slot(i)];
  }

  boolean has(int i, int flag) {
    return (flags[slot(i)] & flag) != 0;
  }

  void markLost(int i) {
    flags[slot(i)] |= LOST;
  }

  private int slot(int i) {
    return (head + i) & (start.length - 1);
  }

  // ------------------------------------------------------------------ sending

  /**
   * New data {@code [seq, seqEnd)} went out at {@code now} (RFC 8985 §6.1,
   * RACK_transmit_new_data). It must start where the last record ends.
   */
  void sentNew(int seq, int seqEnd, long now) {
    if (seq == seqEnd) {
      return;
    }
    if (count == start.length) {
      grow();
    }
    int s = slot(count);
    start[s] = seq;
    end[s] = seqEnd;
    sentAt[s] = now;
    flags[s] = 0;
    count++;
  }

  /**
   * {@code [seq, seqEnd)} was sent again at {@code now} (RACK_retransmit_data): every record in
   * the range becomes retransmitted, not lost, sent now. Records are split at the range's edges.
   */
  void retransmitted(int seq, int seqEnd, long now) {
    int from = splitAt(seq, false);
    int to = splitAt(seqEnd, true);
    for (int i = from; i < to; i++) {
      int s = slot(i);
      sentAt[s] = now;
      flags[s] = (byte) ((flags[s] | RETRANSMITTED) & ~LOST);
    }
  }

  // ------------------------------------------------------------------ acknowledgments

  /**
   * SND.UNA moved to {@code una}: drops every record below it, telling {@code listener} about
   * each one not SACKed before (newly delivered), oldest sequence first. A record that {@code una}
   * falls inside is trimmed, not delivered: only part of it arrived.
   */
  void cumulativeAck(int una, DeliveryListener listener) {
    while (count > 0) {
      int s = slot(0);
      if (SeqNum.le(end[s], una)) {
        if ((flags[s] & SACKED) == 0) {
          listener.delivered(end[s], sentAt[s], (flags[s] & RETRANSMITTED) != 0);
        }
        head = (head + 1) & (start.length - 1);
        count--;
        splits = Math.min(splits, count);
      } else {
        if (SeqNum.gt(una, start[s])) {
          start[s] = una;
        }
        return;
      }
    }
  }

  /**
   * A SACK block {@code [left, right)}: marks the records it covers SACKed and tells {@code
   * listener} about each newly SACKed one. Records are split at the block's edges, so a block
   * that covers part of a record SACKs exactly that part.
   */
  void sacked(int left, int right, DeliveryListener listener) {
    if (count == 0 || SeqNum.ge(left, right)) {
      return;
    }
    left = SeqNum.max(left, start(0));
    right = SeqNum.min(right, end(count - 1));
    if (SeqNum.ge(left, right)) {
      return;
    }
    int from = splitAt(left, true);
    int to = splitAt(right, false);
    for (int i = from; i < to; i++) {
      int s = slot(i);
      if ((flags[s] & SACKED) == 0) {
        flags[s] = (byte) ((flags[s] | SACKED) & ~LOST);
        listener.delivered(end[s], sentAt[s], (flags[s] & RETRANSMITTED) != 0);
      }
    }
  }

  /** Forgets everything: the connection has nothing in flight, or is gone. */
  void clear() {
    head = 0;
    count = 0;
    splits = 0;
  }

  /**
   * Makes {@code seq} a record boundary and returns the position of the record that starts there
   * ({@link #size()} if {@code seq} is at or past the end, 0 if at or before the start). Past
   * {@link #MAX_SPLITS} it does not split: it returns the boundary after {@code seq} if {@code
   * up}, else the one before.
   */
  private int splitAt(int seq, boolean up) {
    int lo = 0;
    int hi = count;
    while (lo < hi) { // the first record whose end is above seq
      int mid = (lo + hi) >>> 1;
      if (SeqNum.le(end(mid), seq)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == count || SeqNum.le(seq, start(lo))) {
      return lo;
    }
    if (splits >= MAX_SPLITS) {
      return up ? lo + 1 : lo;
    }
    splits++;
    insertCopyAt(lo); // records lo and lo+1 are now the same range: cut between them
    end[slot(lo)] = seq;
    start[slot(lo + 1)] = seq;
    return lo + 1;
  }

  /** Duplicates record {@code i} in place, shifting the later ones up by one. */
  private void insertCopyAt(int i) {
    if (count == start.length) {
      grow();
    }
    for (int j = count; j > i; j--) {
      int to = slot(j);
      int from = slot(j - 1);
      start[to] = start[from];
      end[to] = end[from];
      sentAt[to] = sentAt[from];
      flags[to] = flags[from];
    }
    count++;
  }

  private void grow() {
    int capacity = start.length * 2;
    int[] newStart = new int[capacity];
    int[] newEnd = new int[capacity];
    long[] newSentAt = new long[capacity];
    byte[] newFlags = new byte[capacity];
    for (int i = 0; i < count; i++) {
      int s = slot(i);
      newStart[i] = start[s];
      newEnd[i] = end[s];
      newSentAt[i] = sentAt[s];
      newFlags[i] = flags[s];
    }
    start = newStart;
    end = newEnd;
    sentAt = newSentAt;
    flags = newFlags;
    head = 0;
  }
}
