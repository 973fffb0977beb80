package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs {@link LossyEcho} as its {@code main} does, with the same byte count, and checks what it saw. */
class LossyEchoTest {
  @Test
  @Timeout(60)
  void everyByteComesBackThoughTheLinkLosesPackets() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    LossyEcho.Result result = LossyEcho.run(new PrintStream(printed, true, StandardCharsets.UTF_8), 200_000);

    assertThat(result.bytesEchoed()).isEqualTo(200_000);
    assertThat(result.intact()).as("the echoed bytes are the ones sent").isTrue();
    // About 150 data segments at 5% loss: some were lost, so TCP really did repair the stream.
    assertThat(result.retransmits()).isPositive();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("echoed 200,000 of 200,000 bytes", "intact", result.retransmits() + " segments retransmitted");
  }
}
