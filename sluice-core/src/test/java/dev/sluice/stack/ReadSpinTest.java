package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ReadSpin}'s rule, read by read: when a blocked reader spins, and what that costs at most. */
class ReadSpinTest {
  private static final long MAX = 15_000;

  /** One read: answers whether it spun, and moves the state as the connection does. */
  private static final class Reader {
    int state = ReadSpin.initial();
    int spins;

    /** A read whose bytes come after {@code nanos}: a spin catches them if they come within it. */
    boolean read(long nanos) {
      long spin = ReadSpin.spinNanos(state, MAX);
      boolean spun = spin > 0;
      state = ReadSpin.after(state, spun, spun && nanos <= spin);
      spins += spun ? 1 : 0;
      return spun;
    }
  }

  @Test
  void aNewConnectionParks_andProbesOnlyAfterSixteenReadsThatParked() {
    Reader r = new Reader();
    for (int i = 0; i < ReadSpin.PROBE_AFTER; i++) {
      assertThat(r.read(5_000)).as("read %d parks", i).isFalse();
    }
    assertThat(r.read(5_000)).as("the probe").isTrue();
  }

  @Test
  void aProbeThatCatchesItsBytes_keepsTheConnectionSpinning() {
    Reader r = new Reader();
    for (int i = 0; i <= ReadSpin.PROBE_AFTER; i++) {
      r.read(5_000);
    }
    for (int i = 0; i < 1_000; i++) {
      assertThat(r.read(5_000)).as("read %d after the probe", i).isTrue();
    }
    assertThat(ReadSpin.spinNanos(r.state, MAX)).isEqualTo(MAX);
  }

  @Test
  void aProbeThatMisses_parksAgain_forSixteenReads() {
    Reader r = new Reader();
    for (int i = 0; i < ReadSpin.PROBE_AFTER; i++) {
      r.read(1_000_000);
    }
    assertThat(r.read(1_000_000)).as("the probe, a miss").isTrue();
    for (int i = 0; i < ReadSpin.PROBE_AFTER; i++) {
      assertThat(r.read(5_000)).as("read %d after the missed probe parks", i).isFalse();
    }
    assertThat(r.read(5_000)).as("the next probe").isTrue();
  }

  @Test
  void spinning_survivesTwoSlowRepliesInARow_andStopsAtThree() {
    Reader r = spinning();
    r.read(1_000_000);
    r.read(1_000_000);
    assertThat(r.read(5_000)).as("still spinning after two misses").isTrue();
    assertThat(r.read(5_000)).as("the hit reset the count").isTrue();
    for (int i = 0; i < ReadSpin.MISSES_IN_A_ROW; i++) {
      assertThat(r.read(1_000_000)).isTrue();
    }
    assertThat(r.read(5_000)).as("parks after three misses in a row").isFalse();
  }

  @Test
  void aConnectionWhoseRepliesAreAllSlow_spinsOnceInSeventeenReads() {
    Reader r = spinning();
    r.spins = 0;
    int reads = 17_000;
    for (int i = 0; i < reads; i++) {
      r.read(1_000_000);
    }
    // The three misses that end spinning, then one probe per 16 parked reads: the whole cost.
    assertThat(r.spins).isLessThanOrEqualTo(ReadSpin.MISSES_IN_A_ROW + reads / (ReadSpin.PROBE_AFTER + 1) + 1);
  }

  /** A reader that has probed and caught its bytes. */
  private static Reader spinning() {
    Reader r = new Reader();
    for (int i = 0; i <= ReadSpin.PROBE_AFTER; i++) {
      r.read(5_000);
    }
    assertThat(ReadSpin.spinNanos(r.state, MAX)).isEqualTo(MAX);
    return r;
  }
}
