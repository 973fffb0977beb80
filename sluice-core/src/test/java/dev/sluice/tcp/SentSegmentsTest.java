package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentSegmentsTest {
  private final List<String> delivered = new ArrayList<>();
  private final SentSegments.DeliveryListener listener =
      (end, sentAt, retransmitted) -> delivered.add(end + "@" + sentAt + (retransmitted ? "R" : ""));

  private static SentSegments threeSegmentsFrom(int seq) {
    SentSegments s = new SentSegments(2);
    s.sentNew(seq, seq + 100, 10);
    s.sentNew(seq + 100, seq + 200, 20);
    s.sentNew(seq + 200, seq + 300, 30);
    return s;
  }

  private static String ranges(SentSegments s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.size(); i++) {
      b.append('[').append(s.start(i)).append(',').append(s.end(i)).append(')')
          .append(s.has(i, SentSegments.SACKED) ? "S" : "").append(s.has(i, SentSegments.LOST) ? "L" : "")
          .append(s.has(i, SentSegments.RETRANSMITTED) ? "R" : "");
    }
    return b.toString();
  }

  @Test
  void cumulativeAck_deliversWholeSegmentsOldestFirst_andTrimsTheOneItFallsInside() {
    SentSegments s = threeSegmentsFrom(1000);
    s.cumulativeAck(1150, listener);
    assertThat(delivered).containsExactly("1100@10");
    assertThat(ranges(s)).isEqualTo("[1150,1200)[1200,1300)");
    s.cumulativeAck(1300, listener);
    assertThat(delivered).containsExactly("1100@10", "1200@20", "1300@30");
    assertThat(s.isEmpty()).isTrue();
  }

  @Test
  void sackBlock_marksExactlyTheCoveredPart_deliversOnce_andTheCumulativeAckDoesNotDeliverItAgain() {
    SentSegments s = threeSegmentsFrom(1000);
    s.sacked(1150, 1300, listener);
    assertThat(ranges(s)).isEqualTo("[1000,1100)[1100,1150)[1150,1200)S[1200,1300)S");
    assertThat(delivered).containsExactly("1200@20", "1300@30");
    s.sacked(1150, 1300, listener);
    assertThat(delivered).as("a repeated block delivers nothing new").hasSize(2);
    s.cumulativeAck(1300, listener);
    assertThat(delivered).containsExactly("1200@20", "1300@30", "1100@10", "1150@20");
  }

  @Test
  void retransmission_splitsAtItsEdges_andClearsLost() {
    SentSegments s = threeSegmentsFrom(1000);
    s.markLost(1);
    s.retransmitted(1100, 1150, 99);
    assertThat(ranges(s)).isEqualTo("[1000,1100)[1100,1150)R[1150,1200)L[1200,1300)");
    assertThat(s.sentAt(1)).isEqualTo(99);
    assertThat(s.sentAt(2)).isEqualTo(20);
  }

  @Test
  void sequenceNumbersWrap_andTheRingGrowsWithoutLosingOrder() {
    SentSegments s = new SentSegments(4);
    int seq = -250; // wraps past 2^32 on the way
    for (int i = 0; i < 20; i++) {
      s.sentNew(seq + 50 * i, seq + 50 * (i + 1), i);
    }
    s.cumulativeAck(seq + 125, listener);
    assertThat(delivered).containsExactly((seq + 50) + "@0", (seq + 100) + "@1");
    s.sacked(seq + 300, seq + 400, listener);
    for (int i = 0; i < 30; i++) {
      s.sentNew(seq + 1000 + 50 * i, seq + 1050 + 50 * i, 100 + i);
    }
    assertThat(s.start(0)).isEqualTo(seq + 125);
    for (int i = 1; i < s.size(); i++) {
      assertThat(s.start(i)).isEqualTo(s.end(i - 1));
    }
    assertThat(s.end(s.size() - 1)).isEqualTo(seq + 2500);
  }

  @Test
  void splittingBlocks_areCappedAndThenRoundedToWholeRecords() {
    // Hostile input 1: one-byte SACK blocks cut a 64 KB segment into pieces, at most MAX_SPLITS.
    SentSegments s = new SentSegments(4);
    s.sentNew(0, 65_536, 10);
    s.sentNew(65_536, 65_636, 20);
    for (int i = 0; i < 30_000; i += 2) {
      s.sacked(i + 1, i + 2, listener);
    }
    assertThat(s.size()).isLessThanOrEqualTo(2 + SentSegments.MAX_SPLITS);
    int sackedBefore = delivered.size();
    // Past the cap a block inside a record SACKs nothing (conservative), one covering it all does.
    s.sacked(60_001, 60_002, listener);
    assertThat(delivered).hasSize(sackedBefore);
    s.sacked(65_500, 65_636, listener);
    assertThat(delivered.getLast()).isEqualTo("65636@20");
    assertThat(s.has(s.size() - 1, SentSegments.SACKED)).isTrue();
    // A retransmission inside a record marks the whole record.
    s.retransmitted(65_540, 65_541, 30);
    assertThat(s.has(s.size() - 1, SentSegments.RETRANSMITTED)).isTrue();
    assertThat(s.sentAt(s.size() - 1)).isEqualTo(30);
  }
}
