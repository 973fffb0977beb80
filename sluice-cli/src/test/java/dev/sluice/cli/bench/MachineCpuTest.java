package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The scaling rows' "cores busy": read from /proc/stat, as a share of the machine's cores. */
class MachineCpuTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();

  @Test
  void busyTicksOverTotalTicks_timesTheCores() {
    MachineCpu before = new MachineCpu(1_000, 4_000);
    MachineCpu after = new MachineCpu(1_300, 4_400); // 300 of 400 ticks busy
    assertThat(after.coresBusySince(before)).isCloseTo(0.75 * CORES, within(1e-9));
  }

  @Test
  void withoutABeforeReadingOrATick_itIsNotANumber() {
    MachineCpu reading = new MachineCpu(10, 20);
    assertThat(reading.coresBusySince(null)).isNaN();
    assertThat(reading.coresBusySince(reading)).isNaN();
  }

  @Test
  void aBusyLoop_showsAsAtLeastMostOfOneCore() throws Exception {
    MachineCpu before = MachineCpu.now();
    assertThat(before).as("/proc/stat is readable on Linux").isNotNull();
    long end = System.nanoTime() + 300_000_000L;
    long spins = 0;
    while (System.nanoTime() < end) {
      spins++;
    }
    double busy = MachineCpu.now().coresBusySince(before);
    assertThat(spins).isPositive();
    assertThat(busy).isBetween(0.8, CORES + 0.01);
  }
}
