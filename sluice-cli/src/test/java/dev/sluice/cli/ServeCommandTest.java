package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code sluice serve}'s offload and queue options: mistakes are one-line usage errors. */
class ServeCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void unknownOffloadMode_isAUsageErrorNamingTheChoices() {
    assertThat(run("serve", "--tun", "tun9", "--address", "198.18.240.2/24", "--tun-offload", "maybe"))
        .isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("expected auto or off, not 'maybe'").doesNotContain("\tat ");
  }

  @Test
  void negativeQueues_isAUsageError() {
    assertThat(run("serve", "--tun", "tun9", "--address", "198.18.240.2/24", "--queues", "-1"))
        .isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--queues must be in [0, 256]: -1")
        .doesNotContain("\tat ");
  }

  @Test
  void helpDescribesTheOffloadSwitchAndTheQueueDefault() {
    assertThat(run("serve", "--help")).isZero();
    String help = out.toString().replaceAll("\\s+", " "); // picocli wraps long descriptions
    assertThat(help).contains("--tun-offload").contains("auto: virtio headers").contains("off: one packet per read")
        .contains("one per receive worker");
  }
}
