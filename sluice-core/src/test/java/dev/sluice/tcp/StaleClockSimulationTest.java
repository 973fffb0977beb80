package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import org.junit.jupiter.api.Test;

/**
 * Times that do not rise across an engine's callers (a receive worker reads its clock once per
 * burst of steps; an application thread at its call) must not change what the engine sends. Over
 * the same lossy, reordering links, with and without packet steps whose time lags the clock by up
 * to 2 ms, both streams arrive intact and the retransmissions stay of the same order. Before the
 * engine kept its own time monotonic ({@code TcpEngine.actAt}), a retransmission stamped before a
 * segment already delivered was marked lost again by RACK at once and resent in a loop (the demo's
 * "seq resent 10 times in a millisecond", spray mode).
 */
class StaleClockSimulationTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  /** 3% loss, 3% reordering, 2 ms each way, 100 Mbit/s. */
  private static final Impairments LOSSY = new Impairments(0.03, 0.03, 0, 2 * MS, 0, 100_000_000L);
  private static final int SEEDS = 40;

  @Test
  void lateTimesFromTheReceivePath_causeNoRetransmissionStorm() {
    long fresh = retransmissions(0);
    long stale = retransmissions(2 * MS);
    System.out.printf("retransmitted segments over %d seeds: clock fresh %d, packet steps up to 2 ms late %d%n",
        SEEDS, fresh, stale);
    assertThat(stale).as("retransmissions with late packet-step times, against fresh ones (%d)", fresh)
        .isLessThan(2 * fresh);
  }

  private static long retransmissions(long staleClockNanos) {
    long total = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      TwoEngineSimulation sim = new TwoEngineSimulation(seed, 200_000, LOSSY, TcpConfig.defaults());
      sim.staleClockNanos = staleClockNanos;
      TwoEngineSimulation.Result r = sim.run(600 * S);
      assertThat(r.completed()).as("seed %d, stale %d ns, finished", seed, staleClockNanos).isTrue();
      assertThat(r.receivedByB()).as("A→B, seed %d", seed).isEqualTo(r.sentByA());
      assertThat(r.receivedByA()).as("B→A, seed %d", seed).isEqualTo(r.sentByB());
      total += r.a().stats().retransmittedSegments() + r.b().stats().retransmittedSegments();
    }
    return total;
  }
}
