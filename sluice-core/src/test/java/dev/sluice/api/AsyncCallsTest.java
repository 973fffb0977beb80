package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The async calls on the non-blocking core (issue 14, lifecycle): a cancelled or timed-out {@code
 * readAsync} never loses data, a cancelled {@code acceptAsync} never drops a connection, and
 * pending calls fail when the stack closes.
 */
@Timeout(60)
class AsyncCallsTest {
  private static TcpConnection[] pair(TwoStacks net, int port) throws Exception {
    TcpServer server = net.server.listen(port);
    CompletableFuture<TcpConnection> accepted = server.acceptAsync();
    TcpConnection client = net.client.connect(TwoStacks.server(port));
    return new TcpConnection[] {client, accepted.get(10, TimeUnit.SECONDS)};
  }

  @Test
  void readAsync_timedOut_thenCancelled_leavesLaterBytes_forTheNextRead() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] c = pair(net, 40);
      byte[] buf = new byte[16];
      CompletableFuture<Integer> timedOut = c[1].readAsync(buf, 0, buf.length).orTimeout(50, TimeUnit.MILLISECONDS);
      assertThatThrownBy(() -> timedOut.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
      CompletableFuture<Integer> cancelled = c[1].readAsync(buf, 0, buf.length);
      assertThat(cancelled.cancel(false)).isTrue();
      assertThatThrownBy(() -> cancelled.get()).isInstanceOf(CancellationException.class);

      c[0].write("abc".getBytes(), 0, 3);
      int n = c[1].readAsync(buf, 0, buf.length).get(10, TimeUnit.SECONDS);
      assertThat(new String(buf, 0, n)).isEqualTo("abc");
      assertThat(Arrays.copyOfRange(buf, 3, 16)).containsOnly(0); // the dead reads wrote nothing
    }
  }

  /**
   * The peer streams bytes with pauses while the reader issues reads with timeouts of 0 to 2 ms,
   * so that many time out just as bytes arrive: every byte still arrives once, in order.
   */
  @Test
  void readAsync_withTimeoutsRacingArrivals_losesAndDuplicatesNothing() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] c = pair(net, 41);
      byte[] sent = new byte[256 * 1024];
      new SplittableRandom(41).nextBytes(sent);
      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          SplittableRandom pauses = new SplittableRandom(42);
          for (int off = 0; off < sent.length; off += 1024) {
            c[0].write(sent, off, 1024);
            if (pauses.nextInt(8) == 0) {
              // Longer than any read's timeout (0 to 2 ms), so that reads do time out while the
              // writer pauses, however quickly the stacks move the bytes between pauses.
              Thread.sleep(5);
            }
          }
          c[0].shutdownOutput();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      SplittableRandom timeouts = new SplittableRandom(43);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      int timedOut = 0;
      byte[] buf = new byte[700];
      while (System.nanoTime() < deadline) {
        CompletableFuture<Integer> read =
            c[1].readAsync(buf, 0, buf.length).orTimeout(timeouts.nextInt(3), TimeUnit.MILLISECONDS);
        int n;
        try {
          n = read.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          assertThat(e).hasCauseInstanceOf(TimeoutException.class);
          timedOut++;
          continue;
        }
        if (n < 0) {
          break;
        }
        received.write(buf, 0, n);
      }
      writer.join(10_000);
      assertThat(timedOut).as("reads that timed out").isPositive();
      assertThat(received.size()).isEqualTo(sent.length);
      assertThat(Arrays.equals(received.toByteArray(), sent)).as("every byte once, in order").isTrue();
    }
  }

  @Test
  void acceptAsync_cancelled_leavesTheConnectionForTheNextAccept() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(42);
      assertThat(server.acceptAsync().cancel(false)).isTrue();
      TcpConnection client = net.client.connect(TwoStacks.server(42));
      TcpConnection accepted = server.acceptAsync().get(10, TimeUnit.SECONDS);
      assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
    }
  }

  @Test
  void connectAsync_toAPortWithoutListener_failsWithConnectionRefused() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      CompletableFuture<TcpConnection> f = net.client.connectAsync(TwoStacks.server(43));
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConnectException.class)
          .hasMessageContaining("Connection refused");
    }
  }

  @Test
  void writeAsync_completesOnlyOnceTheBytesFitTheSendBuffer_whichTheReaderFrees() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] c = pair(net, 44);
      byte[] big = new byte[4 * 1024 * 1024]; // more than the peer's window plus our send buffer
      new SplittableRandom(44).nextBytes(big);
      CompletableFuture<Void> write = c[0].writeAsync(big, 0, big.length);
      Thread.sleep(200);
      assertThat(write).as("back-pressure: nobody reads yet").isNotDone();
      byte[] got = c[1].getInputStream().readNBytes(big.length);
      write.get(10, TimeUnit.SECONDS);
      assertThat(Arrays.equals(got, big)).isTrue();
    }
  }

  @Test
  void pendingAsyncCalls_failWhenTheStackCloses() throws Exception {
    TwoStacks net = new TwoStacks();
    try {
      TcpConnection[] c = pair(net, 45);
      CompletableFuture<Integer> read = c[1].readAsync(new byte[8], 0, 8);
      CompletableFuture<TcpConnection> accept = net.server.listen(46).acceptAsync();
      net.server.close();
      assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SocketException.class)
          .hasMessageContaining("stack was closed");
      assertThatThrownBy(() -> accept.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SocketException.class);
    } finally {
      net.close();
    }
  }
}
