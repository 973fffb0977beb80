package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import org.junit.jupiter.api.Test;

/**
 * The deterministic scheduler: the FIN-races-data scenario under thousands of seeded
 * interleavings of workers, applications and the network, each replayable from its seed.
 */
class DeterministicSimulationTest {
  private static final int SEEDS = Integer.getInteger("sluice.sim.seeds", 10_000);

  @Test
  void finRacesData_spray_everySeedPasses() {
    for (long seed = 0; seed < SEEDS; seed++) {
      DeterministicSimulation.Result r = DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(seed));
      assertThat(r.failure()).as("seed %d (replay: DeterministicSimulation.run(Config.finRacesData(%dL)))", seed, seed)
          .isNull();
      assertThat(r.bytesVerified()).as("seed %d moved data", seed).isPositive();
    }
  }

  @Test
  void finRacesData_steer_everySeedPasses() {
    for (long seed = 0; seed < SEEDS / 10; seed++) {
      DeterministicSimulation.Config c = DeterministicSimulation.Config.finRacesData(seed);
      DeterministicSimulation.Result r = DeterministicSimulation.run(
          new DeterministicSimulation.Config(seed, 2, Steering.STEER, c.connections(), c.maxBytes(), c.impairments()));
      assertThat(r.failure()).as("seed %d", seed).isNull();
    }
  }

  @Test
  void sameSeed_replaysTheSamePacketTrace() {
    for (long seed : new long[] {1, 42, 9_999}) {
      DeterministicSimulation.Result a = DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(seed));
      DeterministicSimulation.Result b = DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(seed));
      assertThat(b.traceHash()).as("seed %d", seed).isEqualTo(a.traceHash());
      assertThat(b.steps()).isEqualTo(a.steps());
    }
    long one = DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(1)).traceHash();
    long two = DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(2)).traceHash();
    assertThat(one).as("different seeds, different traces").isNotEqualTo(two);
  }

  @Test
  void heavyLossAndDuplication_stillDeliversEverything() {
    for (long seed = 0; seed < 200; seed++) {
      DeterministicSimulation.Result r = DeterministicSimulation.run(new DeterministicSimulation.Config(seed, 3,
          Steering.SPRAY, 3, 20_000, Impairments.NONE.withLoss(0.1).withDuplicate(0.05).withReorder(0.1, 2_000_000)));
      assertThat(r.failure()).as("seed %d", seed).isNull();
    }
  }

  @Test
  void mutation_withoutBacklogDrain_failsSomeSeed() {
    assertThat(firstFailingSeed(OwnershipMutation.NO_BACKLOG_DRAIN)).as("a seed that catches the bug").isNotNegative();
  }

  @Test
  void mutation_releasingBeforeDrain_failsSomeSeed() {
    assertThat(firstFailingSeed(OwnershipMutation.RELEASE_BEFORE_DRAIN)).as("a seed that catches the bug").isNotNegative();
  }

  private static long firstFailingSeed(OwnershipMutation mutation) {
    for (long seed = 0; seed < 2_000; seed++) {
      if (!DeterministicSimulation.run(DeterministicSimulation.Config.finRacesData(seed), mutation).passed()) {
        return seed;
      }
    }
    return -1;
  }
}
