package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice gateway --receive inline} (the command's default; the other tests built on {@link
 * GatewayTestbed} run the workers): each TUN queue's reader processes the guest's packets itself,
 * replies and relay wake-ups included, instead of handing them to a worker. The same
 * promises as {@link GatewayTest}'s, against Linux: a download arrives whole, a half-close is
 * carried both ways and leaves no flow, an outside reset reaches the guest as a reset. Subnets
 * 198.18.214.0/24 (guest) and 198.18.215.0/24 (outside). Needs root; skips with a message otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayInlineReceiveTest {
  private static final String OUTSIDE_ADDRESS = "198.18.215.2";
  private static final int HTTP_PORT = 8080;
  private static final int HALF_CLOSE_PORT = 9000;
  private static final int RESET_PORT = 9001;

  private static GatewayTestbed bed;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.start(214, 65520, config -> config.receiveInline(true));
    bed.startUsualServers(OUTSIDE_ADDRESS, temp.resolve("www"), 20 << 20, HTTP_PORT, HALF_CLOSE_PORT, RESET_PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void curl_downloads20Megabytes_andTheSha256Matches() throws Exception {
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(temp.resolve("www/file"))));
    String out = Commands.run(Duration.ofSeconds(60), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS --max-time 50 http://"
        + OUTSIDE_ADDRESS + ":" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(expected);
  }

  @Test
  void halfClose_isCarriedBothWays_andLeavesNoFlow() throws Exception {
    PythonPeers.assertHalfClosed(bed.inGuest(PythonPeers.halfCloseClient(OUTSIDE_ADDRESS, HALF_CLOSE_PORT, 4 << 20,
        2_000_000)), 2_000_000);
    bed.awaitNoFlows(10);
  }

  @Test
  void anOutsideReset_reachesTheGuestAsAReset() throws Exception {
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import socket",
        "c = socket.create_connection(('" + OUTSIDE_ADDRESS + "', " + RESET_PORT + "), timeout=20)",
        "try:",
        "    while c.recv(65536):",
        "        pass",
        "    print('eof')",
        "except OSError as e:",
        "    print(type(e).__name__)"));
    assertThat(out.strip()).isEqualTo("ConnectionResetError");
  }
}
