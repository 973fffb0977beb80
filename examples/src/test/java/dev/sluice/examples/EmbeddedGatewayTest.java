package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.GatewayCounters;
import dev.sluice.testkit.Commands;
import dev.sluice.testkit.GuestAndServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link EmbeddedGateway} for a guest namespace this test makes (198.18.174.0/24), and a web
 * server in a second namespace reached from this one over a veth pair the test makes too
 * (198.18.175.0/24): curl in the guest downloads a file from that server through the embedded
 * gateway, the bytes arrive whole and the gateway counts the flow. Needs root, {@code
 * /dev/net/tun}, {@code ip(8)}, python3 and curl; everything it makes is deleted after.
 */
class EmbeddedGatewayTest {
  private static final String SERVER = "198.18.175.2";
  /** How long one ip(8), ss or curl command may take. */
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(30);

  @TempDir Path www;

  @Test
  @Timeout(90)
  void curlInTheGuest_downloadsThroughTheEmbeddedGateway_andTheFlowIsCounted() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "skipped: the gateway creates a TUN device, which needs root");
    assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: this machine has no /dev/net/tun");
    byte[] file = new byte[200_000];
    ThreadLocalRandom.current().nextBytes(file);
    Files.write(www.resolve("file"), file);
    String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    try (GuestAndServer bed = GuestAndServer.create("sluice-ex", "198.18.175.1/24", SERVER + "/24")) {
      String guest = bed.guest;
      bed.startServer(8080, "timeout", "80", "python3", "-m", "http.server", "8080", "--bind", SERVER,
          "--directory", www.toString());

      try (Gateway gateway = EmbeddedGateway.start(guest, "198.18.174.0/24", "sxg" + suffix.substring(0, 4) + "t")) {
        assertThat(gateway.guestAddress().getHostAddress()).isEqualTo("198.18.174.1");
        Path got = www.resolve("got");
        Commands.run(COMMAND_BOUND, "ip", "netns", "exec", guest, "curl", "-sS", "--fail", "--max-time", "20",
            "-o", got.toString(), "http://" + SERVER + ":8080/file");
        assertThat(Files.readAllBytes(got)).as("the file, whole").isEqualTo(file);
        GatewayCounters counters = awaitNoFlows(gateway);
        assertThat(counters.accepted()).as(counters.toString()).isEqualTo(1);
        assertThat(counters.closed()).as(counters.toString()).isEqualTo(1);
      }
      assertThat(Commands.run(COMMAND_BOUND, "ip", "-n", guest, "link")).as("the device left with the gateway")
          .doesNotContain("sxg");
    }
  }

  /** Waits (at most 20 s) until the gateway relays no flow, and answers its counters then. */
  private static GatewayCounters awaitNoFlows(Gateway gateway) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (gateway.counters().flows() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return gateway.counters();
  }
}
