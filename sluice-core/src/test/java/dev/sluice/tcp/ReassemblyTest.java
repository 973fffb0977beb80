package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ReassemblyTest {
  @Test
  void disjointRanges_areKeptSorted() {
    Reassembly map = new Reassembly(8);
    assertThat(map.add(30, 40)).isTrue();
    assertThat(map.add(10, 20)).isTrue();
    assertThat(map).hasToString("[10..20 30..40]");
  }

  @Test
  void adjacentRanges_coalesce() {
    Reassembly map = new Reassembly(8);
    map.add(10, 20);
    map.add(20, 30);
    map.add(5, 10);
    assertThat(map).hasToString("[5..30]");
  }

  @Test
  void aRangeBridgingSeveral_mergesThemAll() {
    Reassembly map = new Reassembly(8);
    map.add(10, 20);
    map.add(30, 40);
    map.add(50, 60);
    map.add(15, 55);
    assertThat(map).hasToString("[10..60]");
    assertThat(map.rangeCount()).isEqualTo(1);
  }

  @Test
  void fullMap_refusesANewHoleButAcceptsAnExtension() {
    Reassembly map = new Reassembly(2);
    map.add(10, 20);
    map.add(30, 40);
    assertThat(map.canAdd(50, 60)).isFalse();
    assertThat(map.add(50, 60)).isFalse();
    assertThat(map).hasToString("[10..20 30..40]");
    assertThat(map.add(40, 45)).isTrue();
    assertThat(map).hasToString("[10..20 30..45]");
  }

  @Test
  void popContiguous_takesTheRangeAtTheEdgeAndRebases() {
    Reassembly map = new Reassembly(8);
    map.add(0, 10);
    map.add(20, 30);
    assertThat(map.popContiguous()).isEqualTo(10);
    assertThat(map).hasToString("[10..20]");
    assertThat(map.popContiguous()).isZero();
  }

  @Test
  void shift_dropsRangesBehindTheEdgeAndClipsOneAcrossIt() {
    Reassembly map = new Reassembly(8);
    map.add(5, 10);
    map.add(15, 25);
    map.add(40, 50);
    map.shift(20);
    assertThat(map).hasToString("[0..5 20..30]");
  }

  @Test
  void coveredUntilAndNextRangeAfter_describeTheHoles() {
    Reassembly map = new Reassembly(8);
    map.add(10, 20);
    map.add(30, 40);
    assertThat(map.coveredUntil(5)).isEqualTo(5);
    assertThat(map.coveredUntil(10)).isEqualTo(20);
    assertThat(map.coveredUntil(19)).isEqualTo(20);
    assertThat(map.coveredUntil(20)).isEqualTo(20);
    assertThat(map.nextRangeAfter(20)).isEqualTo(30);
    assertThat(map.nextRangeAfter(35)).isEqualTo(Integer.MAX_VALUE);
  }

  /** Seeded property: the map always equals a bit-set model of received offsets. */
  @RepeatedTest(200)
  void randomAdds_matchABitSetModel(RepetitionInfo repetition) {
    long seed = 0x5EED_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    Reassembly map = new Reassembly(1 + random.nextInt(16));
    BitSet model = new BitSet();
    for (int step = 0; step < 100; step++) {
      int start = random.nextInt(500);
      int end = start + random.nextInt(40);
      BitSet attempt = (BitSet) model.clone();
      attempt.set(start, end);
      boolean accepted = map.add(start, end);
      if (accepted) {
        model = attempt;
      } else {
        assertThat(runs(attempt)).as("seed %d: refused only when a new hole would exceed the cap", seed)
            .isGreaterThan(map.maxRanges());
      }
      assertThat(map.rangeCount()).as("seed %d", seed).isLessThanOrEqualTo(map.maxRanges());
      assertThat(map.toString()).as("seed %d", seed).isEqualTo(describe(model));
    }
  }

  private static int runs(BitSet set) {
    int runs = 0;
    for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(set.nextClearBit(i))) {
      runs++;
    }
    return runs;
  }

  private static String describe(BitSet set) {
    StringBuilder s = new StringBuilder("[");
    for (int i = set.nextSetBit(0); i >= 0; ) {
      int end = set.nextClearBit(i);
      s.append(s.length() == 1 ? "" : " ").append(i).append("..").append(end);
      i = set.nextSetBit(end);
    }
    return s.append(']').toString();
  }
}
