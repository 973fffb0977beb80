package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import org.junit.jupiter.api.Test;

/**
 * RACK-TLP (RFC 8985) against RFC 6675 alone, over the same lossy links: with it, tail losses are
 * repaired by a probe or by RACK's timer instead of the retransmission timeout, so there are
 * fewer RTOs, and both streams still arrive intact.
 */
class RackTlpSimulationTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  /** 5% random loss, 10 ms each way, a 100 Mbit/s link. */
  private static final Impairments LOSSY = new Impairments(0.05, 0, 0, 10 * MS, 0, 100_000_000L);
  private static final int SEEDS = 100;

  @Test
  void randomLoss_rackTlpHasFewerRetransmissionTimeouts() {
    long[] off = run(false);
    long[] on = run(true);
    System.out.printf("RACK-TLP over %d seeds at 5%% loss: RTOs off %d, on %d; on: %d tail loss probes, %d RACK losses"
        + " (off: %d probes, %d RACK losses)%n", SEEDS, off[0], on[0], on[1], on[2], off[1], off[2]);
    assertThat(off[1]).as("no probes with RACK-TLP off").isZero();
    assertThat(off[2]).as("no RACK losses with RACK-TLP off").isZero();
    assertThat(on[1]).as("probes sent with RACK-TLP on").isPositive();
    assertThat(on[2]).as("losses RACK detected").isPositive();
    assertThat(on[0]).as("RTOs with RACK-TLP on, against off").isLessThan(off[0]);
  }

  /** Totals over the seeds: RTOs, TLP probes, RACK losses (both ends). */
  private static long[] run(boolean rackTlp) {
    TcpConfig config = TcpConfig.defaults().toBuilder().buildWith(b -> b.rackTlp = rackTlp);
    long[] totals = new long[3];
    for (long seed = 1; seed <= SEEDS; seed++) {
      TwoEngineSimulation.Result r = new TwoEngineSimulation(seed, 30_000, LOSSY, config).run(3_600 * S);
      assertThat(r.completed()).as("seed %d (rackTlp %s) finished", seed, rackTlp).isTrue();
      assertThat(r.receivedByB()).as("A→B, seed %d", seed).isEqualTo(r.sentByA());
      assertThat(r.receivedByA()).as("B→A, seed %d", seed).isEqualTo(r.sentByB());
      for (TcpStats stats : new TcpStats[] {r.a().stats(), r.b().stats()}) {
        totals[0] += stats.timeoutRetransmits();
        totals[1] += stats.tlpProbes();
        totals[2] += stats.rackLosses();
      }
    }
    return totals;
  }
}
