package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.PcapngWriter;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class DemoScenarioTest {
  private static DemoScenario.Settings settings(long seed, double loss, double duplicate, double corrupt) {
    return new DemoScenario.Settings(3000, 10, loss, duplicate, corrupt, 500_000, 300_000, 1_000_000_000L, seed);
  }

  @Test
  void perfectLink_deliversEveryDatagramAndEchoInOrder() {
    DemoScenario.Report report = new DemoScenario(
        new DemoScenario.Settings(3000, 10, 0, 0, 0, 500_000, 0, 0, 7)).run(sent -> {});
    assertThat(report.datagramsReceived()).isEqualTo(3000);
    assertThat(report.reordered()).isZero();
    assertThat(report.duplicates()).isZero();
    assertThat(report.echoesAnswered()).isEqualTo(300);
    assertThat(report.rttMinMs()).isEqualTo(1.0); // two 0.5 ms hops, no jitter, no rate limit
    assertThat(report.dropsAtA()).isEmpty();
    assertThat(report.dropsAtB()).isEmpty();
  }

  @Test
  void impairedLink_everyCorruptionIsCaughtAndEveryDatagramAccountedFor() {
    DemoScenario.Report report = new DemoScenario(settings(3, 0.05, 0.02, 0.05)).run(sent -> {});
    assertThat(report.undetectedCorruption()).isZero();
    assertThat(report.corruptedOnLink()).isPositive();
    assertThat(report.lostOnLink()).isPositive();
    assertThat(report.duplicates()).isPositive();
    assertThat(report.reordered()).isPositive();
    // Single bit flips are always caught by the one's complement sums, except a flip that turns a
    // UDP checksum into zero ("no checksum"), which leaves the data intact.
    assertThat(report.corruptionCaught()).isBetween(report.corruptedOnLink() - 2, report.corruptedOnLink());
    // Everything sent that was not lost or corrupted arrived; nothing arrived twice as data.
    assertThat(report.datagramsReceived()).isLessThanOrEqualTo(report.datagramsSent());
    assertThat(report.datagramsReceived())
        .isGreaterThanOrEqualTo((int) (report.datagramsSent() - report.lostOnLink() - report.corruptedOnLink()));
  }

  @Test
  void sameSeed_replaysExactly_andADifferentSeedDoesNot() {
    DemoScenario.Report first = new DemoScenario(settings(42, 0.03, 0.02, 0.02)).run(sent -> {});
    DemoScenario.Report again = new DemoScenario(settings(42, 0.03, 0.02, 0.02)).run(sent -> {});
    DemoScenario.Report other = new DemoScenario(settings(43, 0.03, 0.02, 0.02)).run(sent -> {});
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void capture_recordsBothInterfaces() throws Exception {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    DemoScenario scenario = new DemoScenario(settings(5, 0, 0, 0));
    try (PcapngWriter writer = new PcapngWriter(file, 0)) {
      scenario.capture(writer);
      scenario.run(sent -> {});
      // 3000 datagrams and 300 echoes out of A and into B, 300 replies out of B and into A.
      assertThat(writer.packets()).isEqualTo(2 * (3000 + 300 + 300));
    }
  }

  @Test
  void progressBar_fillsInProportion() {
    assertThat(DemoCommand.progressBar(0, 10)).startsWith("[........................................]");
    assertThat(DemoCommand.progressBar(5, 10)).startsWith("[####################....................]");
    assertThat(DemoCommand.progressBar(10, 10)).contains("10/10");
  }
}
