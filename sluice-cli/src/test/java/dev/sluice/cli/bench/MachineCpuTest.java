package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The scaling rows' "cores busy": read from /proc/stat, as a share of the machine's cores. */
class MachineCpuTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();

  @Test
  void busyTicksOverTotalTicks_timesTheCores() {
    MachineCpu before = new MachineCpu(1_000, 4_000, 4);
    MachineCpu after = new MachineCpu(1_300, 4_400, 4); // 300 of 400 ticks busy
    assertThat(after.coresBusySince(before)).isCloseTo(3.0, within(1e-9));
  }

  @Test
  void theCoresAreTheCpuLinesOfProcStat_notTheProcessorsThisJvmMayUse() {
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    List<String> stat = List.of("cpu  100 0 50 800 50 0 0 0 0 0", "cpu0 25 0 12 200 13 0 0 0 0 0",
        "cpu1 25 0 13 200 12 0 0 0 0 0", "cpu2 25 0 12 200 13 0 0 0 0 0", "cpu3 25 0 13 200 12 0 0 0 0 0",
        "intr 12345", "ctxt 678");
    MachineCpu reading = MachineCpu.parse(stat);
    assertThat(reading).isEqualTo(new MachineCpu(150, 1_000, 4));
    assertThat(MachineCpu.parse(List.of("intr 1"))).as("not the total line").isNull();
  }

  @Test
  void withoutABeforeReadingOrATick_itIsNotANumber() {
    MachineCpu reading = new MachineCpu(10, 20, 2);
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
