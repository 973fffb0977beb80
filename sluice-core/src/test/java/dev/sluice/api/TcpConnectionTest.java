package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Impairments;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The public API on real threads, over an impaired simulated link. */
@Timeout(120)
class TcpConnectionTest {
  private static void echo(TcpConnection c) {
    try (c) {
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      byte[] buf = new byte[16_384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void echo_fourMegabytesThroughLossAndReordering_comesBackIdentical_thenEndOfStream() throws Exception {
    try (TwoStacks net = new TwoStacks(Impairments.NONE.withLoss(0.01).withReorder(0.02, 200_000))) {
      TcpServer server = net.server.listen(7);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(7));
      Thread.ofVirtual().start(() -> echo(accepted.join()));
      byte[] data = new byte[4 << 20];
      new SplittableRandom(1).nextBytes(data);
      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          client.getOutputStream().write(data);
          client.shutdownOutput();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      MessageDigest received = MessageDigest.getInstance("SHA-256");
      sent.update(data);
      byte[] back = client.getInputStream().readAllBytes(); // ends at the echo's FIN
      received.update(back);
      writer.join();
      assertThat(back.length).isEqualTo(data.length);
      assertThat(received.digest()).isEqualTo(sent.digest());
      assertThat(client.stats().bytesReceived()).isEqualTo(data.length);
      client.close();
    }
  }

  @Test
  void ipv6_connectAndExchange() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(8);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server6(8));
      TcpConnection peer = accepted.get(10, TimeUnit.SECONDS);
      assertThat(peer.getRemoteAddress().getAddress().getHostAddress()).isEqualTo("2001:2:0:0:0:0:0:1");
      assertThat(client.getLocalAddress().getAddress().getHostAddress()).isEqualTo("2001:2:0:0:0:0:0:1");
      client.write(new byte[] {1, 2, 3}, 0, 3);
      byte[] buf = new byte[3];
      assertThat(peer.getInputStream().readNBytes(buf, 0, 3)).isEqualTo(3);
      assertThat(buf).containsExactly(1, 2, 3);
      client.close();
      assertThat(peer.getInputStream().read()).isEqualTo(-1);
      peer.close();
    }
  }

  @Test
  void connect_toAClosedPort_throwsConnectionRefused() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      assertThatThrownBy(() -> net.client.connect(TwoStacks.server(9)))
          .isInstanceOf(ConnectException.class).hasMessageContaining("Connection refused")
          .hasMessageContaining("198.18.0.2:9");
    }
  }

  @Test
  void read_pastItsTimeout_throwsSocketTimeoutException_andTheConnectionStillWorks() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(10);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(10));
      TcpConnection peer = accepted.get(10, TimeUnit.SECONDS);
      client.setSoTimeout(Duration.ofMillis(50));
      assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("198.18.0.1");
      peer.getOutputStream().write(42);
      assertThat(client.getInputStream().read()).isEqualTo(42);
    }
  }

  @Test
  void peerAbort_makesReadsThrowConnectionReset() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(11);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(11));
      accepted.get(10, TimeUnit.SECONDS).abort();
      client.setSoTimeout(Duration.ofSeconds(10));
      assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketException.class)
          .hasMessageContaining("Connection reset");
    }
  }

  @Test
  void lingerZero_closeSendsRst() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(12);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(12));
      TcpConnection peer = accepted.get(10, TimeUnit.SECONDS);
      client.setSoLinger(true, 0);
      client.close();
      peer.setSoTimeout(Duration.ofSeconds(10));
      assertThatThrownBy(() -> peer.getInputStream().read()).isInstanceOf(SocketException.class)
          .hasMessageContaining("Connection reset");
    }
  }

  @Test
  void lingerPositive_closeWaitsForOurFinToBeAcknowledged() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(13);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(13));
      accepted.get(10, TimeUnit.SECONDS);
      client.setSoLinger(true, 5);
      client.write(new byte[1000], 0, 1000);
      client.close();
      assertThat(client.stats().state()).isIn("FIN_WAIT_2", "TIME_WAIT", "CLOSED");
    }
  }

  @Test
  void misuse_throwsTheUsualJavaNetExceptions() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      net.server.listen(14);
      assertThatThrownBy(() -> net.server.listen(14)).isInstanceOf(BindException.class)
          .hasMessageContaining("port 14");
      TcpServer server = net.server.listen(15);
      CompletableFuture<TcpConnection> accepted = server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(15));
      accepted.get(10, TimeUnit.SECONDS);
      client.close();
      assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketException.class)
          .hasMessageContaining("Socket closed");
      assertThatThrownBy(() -> client.getOutputStream().write(1)).isInstanceOf(SocketException.class)
          .hasMessageContaining("Socket closed");
      server.setAcceptTimeout(Duration.ofMillis(20));
      assertThatThrownBy(server::accept).isInstanceOf(SocketTimeoutException.class);
      server.close();
      assertThatThrownBy(server::accept).isInstanceOf(SocketException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> client.setSoTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void options_areReadBack() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(16);
      server.acceptAsync();
      TcpConnection client = net.client.connect(TwoStacks.server(16));
      assertThat(client.getTcpNoDelay()).isFalse();
      client.setTcpNoDelay(true);
      assertThat(client.getTcpNoDelay()).isTrue();
      assertThat(client.getKeepAlive()).isFalse();
      client.setKeepAlive(true);
      assertThat(client.getKeepAlive()).isTrue();
      assertThat(client.getSoLinger()).isEqualTo(-1);
      client.setSoLinger(true, 3);
      assertThat(client.getSoLinger()).isEqualTo(3);
    }
  }

  @Test
  void tenThousandVirtualThreads_eachBlockedOnItsOwnConnection_allWakeAndFinish() throws Exception {
    int n = 10_000;
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(17, n);
      AtomicInteger served = new AtomicInteger();
      CountDownLatch allBlocked = new CountDownLatch(n);
      CountDownLatch done = new CountDownLatch(n);
      Thread acceptor = Thread.ofVirtual().start(() -> {
        for (int i = 0; i < n; i++) {
          try {
            TcpConnection c = server.accept();
            Thread.ofVirtual().start(() -> {
              try (c) {
                allBlocked.countDown();
                int b = c.getInputStream().read(); // blocks until the client writes
                c.getOutputStream().write(b + 1);
                served.incrementAndGet();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              } finally {
                done.countDown();
              }
            });
          } catch (IOException e) {
            return;
          }
        }
      });
      List<TcpConnection> clients = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        clients.add(net.client.connect(TwoStacks.server(17)));
      }
      assertThat(allBlocked.await(60, TimeUnit.SECONDS)).as("every server thread is blocked in read").isTrue();
      for (TcpConnection c : clients) {
        c.getOutputStream().write(7);
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(served.get()).isEqualTo(n);
      for (TcpConnection c : clients) {
        assertThat(c.getInputStream().read()).isEqualTo(8);
        c.close();
      }
      acceptor.join(10_000);
    }
  }

  @Test
  void async_connectAcceptWriteRead_compose() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(18);
      CompletableFuture<Integer> serverSide = server.acceptAsync().thenCompose(c -> {
        byte[] buf = new byte[5];
        return c.readAsync(buf, 0, 5);
      });
      int written = net.client.connectAsync(TwoStacks.server(18))
          .thenCompose(c -> c.writeAsync("hello".getBytes(), 0, 5).thenApply(v -> 5))
          .get(10, TimeUnit.SECONDS);
      assertThat(written).isEqualTo(5);
      assertThat(serverSide.get(10, TimeUnit.SECONDS)).isBetween(1, 5);
    }
  }
}
