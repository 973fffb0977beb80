package dev.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.link.TunDevice;
import dev.sluice.testkit.Commands;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link TunEchoServer} on a TUN device inside a network namespace this test makes (so the
 * machine's own interfaces and routes are untouched), and talks to it with a plain {@link Socket}
 * of the kernel from inside that namespace. Needs root, {@code /dev/net/tun} and {@code ip(8)}.
 */
class TunEchoServerTest {
  /** How long one ip(8) command may take. */
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(20);

  @Test
  @Timeout(60)
  void theKernelGetsItsBytesEchoedByTheStackOnTheTunDevice() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "skipped: creating a TUN device needs root");
    assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: this machine has no /dev/net/tun");
    String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    String namespace = "sluice-ex-" + suffix;
    String device = "slx" + suffix; // 11 bytes: under the 15-byte limit
    Commands.run(COMMAND_BOUND, "ip", "netns", "add", namespace);
    try {
      Path netns = Path.of("/var/run/netns", namespace);
      try (TunEchoServer server = TunEchoServer.start(netns, device, "198.18.171.2/24")) {
        Commands.run(COMMAND_BOUND, "ip", "netns", "exec", namespace, "ip", "addr", "add", "198.18.171.1/24",
            "dev", device);
        Commands.run(COMMAND_BOUND, "ip", "netns", "exec", namespace, "ip", "link", "set", device, "up");

        String echoed = kernelClientIn(netns, "hello through a TUN device\n");

        assertThat(echoed).isEqualTo("hello through a TUN device\n");
        // Nothing else in the namespace has 198.18.171.2: the stack on the device answered.
        assertThat(server.served()).as("connections the example accepted").isEqualTo(1);
      }
    } finally {
      Commands.run(COMMAND_BOUND, "ip", "netns", "del", namespace);
    }
  }

  /** Connects from inside {@code netns} with the kernel's TCP, sends {@code text}, half-closes, reads all. */
  private static String kernelClientIn(Path netns, String text) throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    // setns(2) moves one thread: a platform thread of its own, whose sockets are then the namespace's.
    Thread.ofPlatform().daemon(true).start(() -> {
      try {
        TunDevice.enterNetworkNamespace(netns);
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("198.18.171.2", TunEchoServer.PORT), 10_000);
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
          socket.shutdownOutput();
          reply.complete(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
      } catch (Throwable t) {
        reply.completeExceptionally(t);
      }
    });
    return reply.get(30, TimeUnit.SECONDS);
  }
}
