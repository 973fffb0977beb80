package dev.sluice.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stack.OwnershipMutation;
import dev.sluice.stack.Steering;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real threads: the Q114541 scenario with W = 4 workers per host in spray mode, 2% loss and
 * reordering, and processing jitter, over {@code sluice.torture.connections} connections (20,000
 * by default, as CI runs it). Zero failures of any kind.
 */
class TortureTest {
  private static final int CONNECTIONS = Integer.getInteger("sluice.torture.connections", 20_000);

  private static Torture.Config config(int connections, long seed, long timeoutMillis) {
    return config(Steering.SPRAY, connections, seed, timeoutMillis);
  }

  private static Torture.Config config(Steering steering, int connections, long seed, long timeoutMillis) {
    return new Torture.Config(connections, 4, steering, 0.02, 0.02, 0.0, 0.0, 20, seed, 3000, 256, timeoutMillis);
  }

  @Test
  @Timeout(600)
  void spray_fourWorkers_lossReorderJitter_noFailures() throws InterruptedException {
    Torture.Report report = new Torture(config(CONNECTIONS, 7, 60_000)).run();
    System.out.println("torture: " + report);
    assertThat(report.failures()).as(report.toString()).isZero();
    assertThat(report.connections()).isEqualTo(CONNECTIONS);
    assertThat(report.bytes()).as("both directions of every connection were verified").isPositive();
    assertThat(report.finsWithData()).as("some FINs ride on the last data segment").isPositive();
    assertThat(report.finsAlone()).as("and some go alone").isPositive();
  }

  @Test
  @Timeout(300)
  void inline_receiveOnTheDeliveringThreads_lossReorderJitter_noFailures() throws InterruptedException {
    // Steering.INLINE: no worker takes packets; each is processed by the thread that delivered it
    // (the link's pump for held packets, the senders' own threads for the rest), nested into the
    // sender's ownership of its own connection whenever the peer answers at once.
    Torture.Report report = new Torture(config(Steering.INLINE, CONNECTIONS / 4, 11, 60_000)).run();
    System.out.println("torture inline: " + report);
    assertThat(report.failures()).as(report.toString()).isZero();
    assertThat(report.connections()).isEqualTo(CONNECTIONS / 4);
    assertThat(report.bytes()).as("both directions of every connection were verified").isPositive();
  }

  @Test
  @Timeout(300)
  void adaptive_workersWhileBusy_deliveringThreadsWhileParked_lossReorderJitter_noFailures()
      throws InterruptedException {
    // Steering.ADAPTIVE (the API's default): a packet for a parked worker is processed by the thread
    // that delivered it, one for a running worker by the worker, and a thread that finds another
    // draining the queue inline wakes the worker, so one queue is drained by two threads at once.
    Torture.Report report = new Torture(config(Steering.ADAPTIVE, CONNECTIONS / 4, 13, 60_000)).run();
    System.out.println("torture adaptive: " + report);
    assertThat(report.failures()).as(report.toString()).isZero();
    assertThat(report.connections()).isEqualTo(CONNECTIONS / 4);
    assertThat(report.bytes()).as("both directions of every connection were verified").isPositive();
  }

  @Test
  @Timeout(300)
  void mutation_withoutBacklogDrain_isCaught() throws InterruptedException {
    Torture.Report report = new Torture(config(2_000, 8, 5_000), OwnershipMutation.NO_BACKLOG_DRAIN).run();
    assertThat(report.failures()).as(report.toString()).isPositive();
  }

  @Test
  @Timeout(300)
  void mutation_releasingBeforeDrain_isCaught() throws InterruptedException {
    Torture.Report report = new Torture(config(2_000, 9, 5_000), OwnershipMutation.RELEASE_BEFORE_DRAIN).run();
    assertThat(report.failures()).as(report.toString()).isPositive();
    assertThat(report.ownershipViolations()).isPositive();
  }
}
