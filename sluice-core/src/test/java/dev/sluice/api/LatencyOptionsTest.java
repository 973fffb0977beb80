package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.ByteArrayOutputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The round-trip options change who waits and where, never what arrives: {@link
 * NetStack.Builder#receiveInline} (the delivering thread receives), {@link
 * NetStack.Builder#receiveInlineWhenIdle} (it does while the worker is parked) and {@link
 * NetStack.Builder#busyPoll} (a blocked thread spins before it parks) and {@link
 * NetStack.Builder#readSpin} (a blocked reader spins when its connection's replies come fast, on
 * by default), alone and together. Bytes
 * and end-of-stream arrive whole and in order; a wait longer than the spin still ends when its
 * event comes; timeouts and interrupts still end a wait inside the spin.
 */
class LatencyOptionsTest {

  @ParameterizedTest(name = "receive={0}, busyPollMicros={1}, readSpinMicros={2}")
  @CsvSource({"inline, 0, 15", "workers, 50, 15", "inline, 50, 15", "whenIdle, 0, 15", "whenIdle, 50, 15",
      "workers, 0, 15", "whenIdle, 0, 0"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void pingPongAndBulkBothWays_arriveWholeAndInOrder(String receive, long busyPollMicros, long readSpinMicros)
      throws Exception {
    try (Pair pair = new Pair(receive, Duration.ofNanos(busyPollMicros * 1_000), Duration.ofNanos(readSpinMicros * 1_000))) {
      TcpConnection client = pair.client();
      TcpConnection server = pair.server();
      byte[] one = new byte[64];
      for (int i = 0; i < 500; i++) {
        one[0] = (byte) i;
        client.write(one, 0, one.length);
        readFully(server, one);
        assertThat(one[0]).isEqualTo((byte) i);
        server.write(one, 0, one.length);
        readFully(client, one);
        assertThat(one[0]).isEqualTo((byte) i);
      }
      // Bulk both ways at once, then half-close: the sender also runs the peer's receive path.
      byte[] up = random(3 << 20, 1);
      byte[] down = random(2 << 20, 2);
      CompletableFuture<byte[]> atServer = CompletableFuture.supplyAsync(() -> drain(server));
      CompletableFuture<byte[]> atClient = CompletableFuture.supplyAsync(() -> drain(client));
      Thread upWriter = Thread.ofPlatform().start(() -> send(client, up));
      send(server, down);
      upWriter.join(30_000);
      assertThat(Arrays.equals(atServer.get(30, TimeUnit.SECONDS), up)).as("client to server, then FIN").isTrue();
      assertThat(Arrays.equals(atClient.get(30, TimeUnit.SECONDS), down)).as("server to client, then FIN").isTrue();
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aWaitLongerThanTheSpin_endsWithItsEvent_andTimeoutsAndInterruptsStillEndIt() throws Exception {
    try (Pair pair = new Pair("inline", Duration.ofMillis(20), Duration.ZERO)) {
      TcpConnection client = pair.client();
      TcpConnection server = pair.server();
      lateEventTimeoutAndInterrupt_endARead(server, client);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aLearnedReadSpin_stillEndsWithALateEvent_aTimeoutOrAnInterrupt() throws Exception {
    try (Pair pair = new Pair("inline", Duration.ZERO, Duration.ofMillis(20))) {
      TcpConnection client = pair.client();
      TcpConnection server = pair.server();
      int exchanges = 3 * (16 + 1);
      Thread echo = Thread.ofPlatform().start(() -> {
        try {
          byte[] b = new byte[1];
          for (int i = 0; i < exchanges; i++) {
            readFully(server, b);
            server.write(b, 0, 1);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      byte[] one = new byte[1];
      for (int i = 0; i < exchanges; i++) { // the client's reads wait for quick replies: they probe, catch, spin
        one[0] = (byte) i;
        client.write(one, 0, 1);
        readFully(client, one);
        assertThat(one[0]).isEqualTo((byte) i);
      }
      echo.join(10_000);
      lateEventTimeoutAndInterrupt_endARead(client, server);
    }
  }

  /**
   * A read of {@code reading} that waits far past a 20 ms spin ends with the byte {@code writing}
   * sends late; a timeout shorter than the spin ends one, not before its time; an interrupt ends
   * one, most likely while it spins.
   */
  private static void lateEventTimeoutAndInterrupt_endARead(TcpConnection reading, TcpConnection writing)
      throws Exception {
    CompletableFuture<Integer> late = CompletableFuture.supplyAsync(() -> {
      try {
        byte[] b = new byte[1];
        return reading.read(b, 0, 1) == 1 ? b[0] & 0xFF : -1;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, r -> Thread.ofPlatform().start(r));
    Thread.sleep(300); // far past the 20 ms spin: the reader has parked
    writing.write(new byte[] {42}, 0, 1);
    assertThat(late.get(10, TimeUnit.SECONDS)).isEqualTo(42);

    reading.setSoTimeout(Duration.ofMillis(5)); // shorter than the spin
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> reading.read(new byte[1], 0, 1)).isInstanceOf(SocketTimeoutException.class);
    assertThat(System.nanoTime() - t0).as("not before its timeout").isGreaterThanOrEqualTo(5_000_000L);
    reading.setSoTimeout(Duration.ZERO);

    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        reading.read(new byte[1], 0, 1);
      } catch (Throwable t) {
        outcome.set(t);
      }
    });
    reader.interrupt();
    reader.join(10_000);
    assertThat(outcome.get()).isInstanceOf(InterruptedIOException.class);
  }

  @Test
  void spinSettings_outsideZeroToOneSecond_areRefused() {
    for (Duration bad : new Duration[] {Duration.ofNanos(-1), Duration.ofSeconds(2)}) {
      assertThatThrownBy(() -> NetStack.builder().busyPoll(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> NetStack.builder().readSpin(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static void readFully(TcpConnection c, byte[] b) throws Exception {
    for (int off = 0; off < b.length; ) {
      int n = c.read(b, off, b.length - off);
      assertThat(n).as("bytes before end-of-stream").isPositive();
      off += n;
    }
  }

  private static byte[] drain(TcpConnection c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = c.read(b, 0, b.length)) > 0) {
        out.write(b, 0, n);
      }
      return out.toByteArray();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(TcpConnection c, byte[] data) {
    try {
      for (int off = 0; off < data.length; off += 10_000) {
        c.write(data, off, Math.min(10_000, data.length - off));
      }
      c.shutdownOutput();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Two stacks over an unimpaired link (the sender's thread reaches the peer's queue directly). */
  private static final class Pair implements AutoCloseable {
    final NetStack clientStack;
    final NetStack serverStack;
    private final TcpServer listener;
    private final TcpConnection client;
    private final TcpConnection server;
    private final AutoCloseable pump;

    /**
     * {@code receive}: "inline", "workers" (workers only), or "whenIdle" (the default, {@link
     * NetStack.Builder#receiveInlineWhenIdle}).
     */
    Pair(String receive, Duration busyPoll, Duration readSpin) throws Exception {
      boolean inline = receive.equals("inline");
      boolean whenIdle = receive.equals("whenIdle");
      SimulatedNetwork network = new SimulatedNetwork(5);
      SimulatedLink link = network.connect("c0", "s0", SimulatedLink.Config.defaults().withReceiveQueues(2)
          .withImpairments(Impairments.NONE));
      clientStack = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").workers(2).receiveInline(inline)
          .receiveInlineWhenIdle(whenIdle).busyPoll(busyPoll).readSpin(readSpin).build();
      serverStack = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").workers(2).receiveInline(inline)
          .receiveInlineWhenIdle(whenIdle).busyPoll(busyPoll).readSpin(readSpin).build();
      pump = network.runInRealTime();
      listener = serverStack.listen(80);
      client = clientStack.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80), Duration.ofSeconds(10));
      server = listener.accept();
    }

    TcpConnection client() {
      return client;
    }

    TcpConnection server() {
      return server;
    }

    @Override
    public void close() throws Exception {
      client.close();
      server.close();
      listener.close();
      clientStack.close();
      serverStack.close();
      pump.close();
    }
  }
}
