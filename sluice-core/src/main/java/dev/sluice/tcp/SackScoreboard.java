package dev.sluice.tcp;

import dev.sluice.wire.TcpOptions;

/**
 * What the peer has selectively acknowledged above SND.UNA (RFC 6675 §3, the "scoreboard"), held
 * as ranges of offsets relative to SND.UNA in a bounded {@link Reassembly} map.
 *
 * <p>Hostile input 1 (CVE-2019-11477/11478): a block with left ≥ right, or outside
 * [SND.UNA, SND.MAX], is ignored; the map holds at most a fixed number of ranges, so crafted
 * blocks cannot split it into tiny pieces, and the work per ACK is at most four binary-searched
 * inserts. A first block below SND.UNA, or inside what is already SACKed, is a D-SACK (RFC 2883
 * §4) and only counted.
 */
final class SackScoreboard {
  private final Reassembly sacked;
  private long duplicateSacks;
  private long invalidBlocks;

  SackScoreboard(int maxRanges) {
    this.sacked = new Reassembly(maxRanges);
  }

  /**
   * Records the SACK blocks of one ACK. Returns how many bytes became SACKed that were not.
   */
  long apply(TcpOptions options, int sndUna, int sndMax) {
    long before = sackedBytes();
    long outstanding = SeqNum.distance(sndUna, sndMax);
    for (int i = 0; i < options.sackBlockCount(); i++) {
      int left = options.sackLeft(i);
      int right = options.sackRight(i);
      if (!SeqNum.lt(left, right)) {
        invalidBlocks++;
        continue;
      }
      if (i == 0 && (SeqNum.le(right, sndUna) || isDuplicate(left, right, sndUna))) {
        duplicateSacks++; // RFC 2883: the peer received something twice
        continue;
      }
      long start = SeqNum.distance(sndUna, left);
      long end = SeqNum.distance(sndUna, right);
      if (start >= outstanding || end > outstanding || SeqNum.lt(left, sndUna)) {
        invalidBlocks++;
        continue;
      }
      sacked.add((int) start, (int) end); // a refused new range costs a later retransmission only
    }
    return sackedBytes() - before;
  }

  private boolean isDuplicate(int left, int right, int sndUna) {
    if (SeqNum.lt(left, sndUna)) {
      return false;
    }
    int start = left - sndUna;
    return sacked.coveredUntil(start) >= right - sndUna;
  }

  /** SND.UNA moved forward by {@code delta} bytes. */
  void onUnaAdvanced(long delta) {
    if (delta > 0) {
      sacked.shift((int) Math.min(delta, Integer.MAX_VALUE));
    }
  }

  void clear() {
    sacked.clear();
  }

  /** Frees the range arrays when nothing is SACKed; an idle connection holds none. */
  void releaseIfEmpty() {
    sacked.releaseIfEmpty();
  }

  int rangeCount() {
    return sacked.rangeCount();
  }

  boolean isEmpty() {
    return sacked.isEmpty();
  }

  long sackedBytes() {
    long total = 0;
    for (int i = 0; i < sacked.rangeCount(); i++) {
      total += sacked.rangeEnd(i) - sacked.rangeStart(i);
    }
    return total;
  }

  /** One past the highest SACKed offset, or 0. */
  int highestSackedOffset() {
    return sacked.highestEnd();
  }

  /** If {@code offset} is SACKed, the end of its range; otherwise {@code offset}. */
  int skipSacked(int offset) {
    return sacked.coveredUntil(offset);
  }

  /** The start of the next SACKed range after {@code offset}, or {@link Integer#MAX_VALUE}. */
  int nextSackedAfter(int offset) {
    return sacked.nextRangeAfter(offset);
  }

  /** Unacknowledged, un-SACKed bytes in {@code [from, to)}: the holes. */
  long holeBytes(int from, int to) {
    long holes = 0;
    int pos = from;
    while (pos < to) {
      int covered = sacked.coveredUntil(pos);
      if (covered > pos) {
        pos = covered;
        continue;
      }
      int next = Math.min(sacked.nextRangeAfter(pos), to);
      holes += next - pos;
      pos = next;
    }
    return holes;
  }

  long duplicateSacks() {
    return duplicateSacks;
  }

  long invalidBlocks() {
    return invalidBlocks;
  }
}
