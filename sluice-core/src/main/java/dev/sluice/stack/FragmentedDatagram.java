package dev.sluice.stack;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.Ipv6Packet;
import java.util.Arrays;

/**
 * One IP datagram in reassembly, or the remembered key of one that was dropped: its key, its links
 * in the {@link FragmentReassembler}'s hash chain and age list, one buffer holding the offset-zero
 * fragment's headers and every fragment's data in arrival order, and the fragments held, sorted by
 * offset. The reassembler decides what is filed, grown, evicted and dropped; this class holds the
 * pieces and writes the completed datagram out (RFC 791 §3.2, RFC 8200 §4.5).
 *
 * <p><b>Threads.</b> Guarded by the reassembler's lock while it is linked into the reassembler's
 * table. A completed datagram is unlinked under the lock, after which only the thread that
 * unlinked it reads it, to {@link #build} the packet.
 */
final class FragmentedDatagram {
  static final byte[] EMPTY_BYTES = new byte[0];
  static final int[] EMPTY_INTS = new int[0];
  /** Bookkeeping per fragment slot: start, end and position, three ints. */
  static final int PIECE_BYTES = 12;
  /** ECN codepoints (RFC 3168 §5). */
  private static final int ECN_NOT_ECT = 0;
  private static final int ECN_CE = 3;

  // The key: source, destination, protocol and identification (RFC 791 §3.2; RFC 8200 §4.5).
  long hash;
  boolean v6;
  long srcHigh;
  long srcLow;
  long dstHigh;
  long dstLow;
  /** IPv4 protocol; -1 for IPv6, whose key has none. */
  int protocol;
  int id;
  long createdNanos;
  FragmentedDatagram older;
  FragmentedDatagram younger;
  FragmentedDatagram nextInBucket;
  /** Non-null once the datagram was dropped: its key is kept only to drop later fragments. */
  DropReason droppedFor;

  /** The offset-zero fragment's headers, then every fragment's data, in arrival order. */
  byte[] arena = EMPTY_BYTES;
  int used;
  int headerPos = -1;
  int headerLength;
  int nextHeaderField;
  int fragmentNextHeader;
  /** The end fixed by the last fragment, or -1 until it arrives. */
  int end = -1;
  int maxEnd;
  int received;
  /** The ECN codepoints seen, one bit each. */
  private int ecnSeen;
  /** The fragments held, sorted by start: [starts[i], ends[i]) at arena[positions[i]]. */
  int pieces;
  int[] starts = EMPTY_INTS;
  int[] ends = EMPTY_INTS;
  int[] positions = EMPTY_INTS;

  boolean hasKey(long hash, boolean v6, long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, int id) {
    return this.hash == hash && this.v6 == v6 && this.id == id && this.protocol == protocol
        && this.srcLow == srcLow && this.dstLow == dstLow && this.srcHigh == srcHigh && this.dstHigh == dstHigh;
  }

  /** What it counts against the reassembler's watermarks: its buffer and its fragment bookkeeping. */
  long cost() {
    return arena.length + (long) PIECE_BYTES * starts.length;
  }

  /** Grows the buffer to {@code capacity} bytes and the fragment slots to {@code slots}. */
  void grow(int capacity, int slots) {
    if (capacity != arena.length) {
      arena = Arrays.copyOf(arena, capacity);
    }
    if (slots != starts.length) {
      starts = Arrays.copyOf(starts, slots);
      ends = Arrays.copyOf(ends, slots);
      positions = Arrays.copyOf(positions, slots);
    }
  }

  /** Inserts a fragment at sorted position {@code at}; the reassembler made room for it. */
  void insertPiece(int at, int start, int end, int pos) {
    int tail = pieces - at;
    System.arraycopy(starts, at, starts, at + 1, tail);
    System.arraycopy(ends, at, ends, at + 1, tail);
    System.arraycopy(positions, at, positions, at + 1, tail);
    starts[at] = start;
    ends[at] = end;
    positions[at] = pos;
    pieces++;
  }

  /** Notes the ECN codepoint of the fragment whose IP header is at {@code p[off]}. */
  void noteEcn(byte[] p, int off) {
    int ecn = v6 ? (Bytes.u8(p, off + 1) >>> 4) & 3 : Bytes.u8(p, off + 1) & 3;
    ecnSeen |= 1 << ecn;
  }

  /**
   * RFC 3168 §5.3: true if one fragment was CE and another Not-ECT, so the datagram must be
   * dropped: CE must not be lost, nor set on a datagram with a Not-ECT fragment.
   */
  boolean ecnInconsistent() {
    return (ecnSeen & 1 << ECN_CE) != 0 && (ecnSeen & 1 << ECN_NOT_ECT) != 0;
  }

  /**
   * Frees the buffers and forgets the fragments, keeping only the key and {@code reason}, so that
   * later fragments of the datagram are dropped too (RFC 5722 §4).
   */
  void forget(DropReason reason) {
    arena = EMPTY_BYTES;
    used = 0;
    received = 0;
    headerPos = -1;
    starts = EMPTY_INTS;
    ends = EMPTY_INTS;
    positions = EMPTY_INTS;
    pieces = 0;
    droppedFor = reason;
  }

  /** Writes the completed datagram, which no one else can reach any more, to out; returns its length. */
  int build(byte[] out) {
    System.arraycopy(arena, headerPos, out, 0, headerLength);
    for (int i = 0; i < pieces; i++) {
      System.arraycopy(arena, positions[i], out, headerLength + starts[i], ends[i] - starts[i]);
    }
    int length = headerLength + end;
    // RFC 3168 §5.3: if any fragment was CE, the datagram is; otherwise the offset-zero
    // fragment's codepoint, already in the header copied, stays.
    boolean ce = (ecnSeen & 1 << ECN_CE) != 0;
    if (v6) {
      // RFC 8200 §4.5: the offset-zero fragment's per-fragment headers, with the Next Header
      // before the Fragment header taken from that Fragment header, and the payload length
      // recomputed; the Fragment header itself is gone.
      Bytes.put8(out, nextHeaderField, fragmentNextHeader);
      Bytes.put16(out, 4, length - Ipv6Packet.HEADER_LENGTH);
      if (ce) {
        Bytes.put8(out, 1, Bytes.u8(out, 1) | ECN_CE << 4);
      }
    } else {
      // RFC 791 §3.2: the first fragment's header, with the total length of the whole datagram,
      // the fragment fields cleared and the checksum recomputed.
      Bytes.put16(out, 2, length);
      Bytes.put16(out, 6, 0);
      if (ce) {
        Bytes.put8(out, 1, Bytes.u8(out, 1) | ECN_CE);
      }
      Bytes.put16(out, 10, 0);
      Bytes.put16(out, 10, Checksum.finish(Checksum.sum(out, 0, headerLength)));
    }
    return length;
  }

  /**
   * Checks its own bookkeeping, for tests: pieces sorted and disjoint and adding up to what was
   * received, within the buffer and at most {@code maxPieces}. Throws {@link IllegalStateException}.
   */
  void checkInvariants(int maxPieces) {
    int sum = 0;
    for (int i = 0; i < pieces; i++) {
      if (starts[i] > ends[i] || i > 0 && ends[i - 1] > starts[i]) {
        throw new IllegalStateException("pieces overlap or are unsorted");
      }
      sum += ends[i] - starts[i];
    }
    if (sum != received && droppedFor == null || used > arena.length || pieces > starts.length
        || starts.length > maxPieces) {
      throw new IllegalStateException("datagram bookkeeping broken");
    }
  }
}
