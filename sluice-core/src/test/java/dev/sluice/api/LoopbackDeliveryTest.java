package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Direction;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A stack connects to itself, at its own addresses and at the loopback ones, and the connection is
 * delivered inside it (RFC 1122 §3.3.4.2): every byte arrives both ways, each side sees the other's
 * FIN, and not one packet goes out of the stack's real interface.
 */
@Timeout(60)
class LoopbackDeliveryTest {
  private static final int BYTES = 300_000;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"198.18.0.1", "2001:2::1", "127.0.0.1", "127.8.9.10", "::1"})
  void connectionToItself_isDeliveredInside_bytesAndFinBothWays(String target) throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(41);
    SimulatedLink link = network.connect("eth0", "peer0", SimulatedLink.Config.defaults());
    AtomicInteger leftTheHost = new AtomicInteger();
    link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.OUTBOUND) {
        leftTheHost.incrementAndGet();
      }
    });
    // The link is never pumped: anything sent on it would stay there, and the connect would fail.
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        NetStack stack = NetStack.builder().addInterface(link.a(), "198.18.0.1/24")
        .addInterface(link.a(), "2001:2::1/64").workers(2).connectTimeout(Duration.ofSeconds(20)).build();
        TcpServer server = stack.listen(8080)) {
      InetAddress address = InetAddress.ofLiteral(target);
      CompletableFuture<TcpConnection> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return server.accept();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, threads);
      try (TcpConnection client = stack.connect(new InetSocketAddress(address, 8080));
          TcpConnection served = accepted.get(20, TimeUnit.SECONDS)) {
        assertThat(client.getRemoteAddress().getAddress()).isEqualTo(address);
        assertThat(served.getLocalAddress().getAddress()).isEqualTo(address);
        InetAddress expectedSource = target.startsWith("127.") ? InetAddress.ofLiteral("127.0.0.1") : address;
        assertThat(client.getLocalAddress().getAddress()).as("the source address, as Linux picks it")
            .isEqualTo(expectedSource);

        byte[] up = random(1);
        byte[] down = random(2);
        CompletableFuture<byte[]> serverRead = readAllAsync(served.getInputStream(), threads);
        CompletableFuture<byte[]> clientRead = readAllAsync(client.getInputStream(), threads);
        writeThenFin(client, up);
        writeThenFin(served, down);
        assertThat(Arrays.equals(serverRead.get(30, TimeUnit.SECONDS), up)).as("client to server").isTrue();
        assertThat(Arrays.equals(clientRead.get(30, TimeUnit.SECONDS), down)).as("server to client").isTrue();
      }
    }
    assertThat(leftTheHost.get()).as("packets out of the real interface").isZero();
  }

  private static void writeThenFin(TcpConnection c, byte[] data) throws Exception {
    OutputStream out = c.getOutputStream();
    out.write(data);
    out.flush();
    c.shutdownOutput();
  }

  /** Reads until the peer's FIN (end of stream). */
  private static CompletableFuture<byte[]> readAllAsync(InputStream in, ExecutorService threads) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return in.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, threads);
  }

  private static byte[] random(int seed) {
    byte[] b = new byte[BYTES];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }
}
