package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The api's non-blocking surface on real threads: {@link TcpConnection#readNow}, {@link
 * TcpConnection#writeNow}, {@link TcpConnection#readiness()}, {@link TcpConnection#info()}, {@link
 * TcpServer#acceptNow()} and {@link NetStack#connectNow}. Nothing here waits in a Sluice call:
 * each test polls, as a selector loop would.
 */
@Timeout(60)
class NonBlockingTest {
  /** Polls {@code condition} for up to 10 s (the link's delay is 50 µs). */
  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(1);
    }
  }

  private static boolean has(TcpConnection c, int bits) {
    return (c.readiness() & bits) == bits;
  }

  /** A connected pair: [client, server side], both accepted without waiting. */
  private static TcpConnection[] pair(TwoStacks net, int port) throws Exception {
    TcpServer server = net.server.listen(port);
    TcpConnection client = net.client.connectNow(TwoStacks.server(port));
    TcpConnection[] accepted = new TcpConnection[1];
    await("the server accepts", () -> {
      try {
        return (accepted[0] = server.acceptNow()) != null;
      } catch (SocketException e) {
        throw new IllegalStateException(e);
      }
    });
    await("the client is connected", client::isConnected);
    return new TcpConnection[] {client, accepted[0]};
  }

  @Test
  void acceptNow_isNullUntilAConnectionIsEstablished_thenReturnsIt_andThrowsOnceClosed() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(30);
      assertThat(server.acceptNow()).isNull();
      assertThat(server.queued()).isZero();
      TcpConnection client = net.client.connect(TwoStacks.server(30)); // waits for the handshake
      await("the connection is queued", () -> server.queued() == 1);
      TcpConnection accepted = server.acceptNow();
      assertThat(accepted).isNotNull();
      assertThat(accepted.isConnected()).isTrue();
      assertThat(accepted.getRemoteAddress()).isEqualTo(client.getLocalAddress());
      assertThat(server.acceptNow()).isNull();
      assertThat(server.queued()).isZero();
      server.close();
      assertThatThrownBy(server::acceptNow).isInstanceOf(SocketException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void readNow_returnsZeroWhileNothingIsReadable_thenTheBytesInOrder_thenMinusOneAfterTheFin() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 31);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      byte[] buf = new byte[4096];
      assertThat(server.readNow(buf, 0, buf.length)).isZero();
      assertThat(server.readiness() & TcpConnection.READABLE).isZero();
      assertThat(server.readiness() & TcpConnection.WRITABLE).isEqualTo(TcpConnection.WRITABLE);

      byte[] data = new byte[200_000];
      new SplittableRandom(7).nextBytes(data);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      int sent = 0;
      boolean finSent = false;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (true) {
        if (sent < data.length) {
          sent += client.writeNow(data, sent, Math.min(16_384, data.length - sent));
        } else if (!finSent) {
          client.shutdownOutput();
          finSent = true;
        }
        int n = server.readNow(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        if (n == 0) {
          assertThat(System.nanoTime() - deadline).as("the transfer finishes").isNegative();
          Thread.sleep(1);
        }
        received.write(buf, 0, n);
      }
      assertThat(received.toByteArray()).isEqualTo(data);
      assertThat(server.readNow(buf, 0, buf.length)).isEqualTo(-1); // and it stays at end-of-stream
      assertThat(has(server, TcpConnection.READABLE | TcpConnection.PEER_SHUTDOWN)).isTrue();
      assertThat(server.readiness() & (TcpConnection.FAILED | TcpConnection.ENDED)).isZero();
      assertThat(client.readiness() & TcpConnection.PEER_SHUTDOWN).isZero();
    }
  }

  @Test
  void readiness_becomesReadableWhenDataArrives_andPeerShutdownWhenTheFinDoes() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 32);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      assertThat(server.readiness()).isEqualTo(TcpConnection.WRITABLE);
      client.writeNow(new byte[] {1, 2, 3}, 0, 3);
      await("the bytes make it readable", () -> has(server, TcpConnection.READABLE));
      assertThat(server.readiness() & TcpConnection.PEER_SHUTDOWN).isZero();
      assertThat(server.info().unreadBytes()).isEqualTo(3);
      byte[] buf = new byte[10];
      assertThat(server.readNow(buf, 0, 10)).isEqualTo(3);
      assertThat(buf).startsWith(1, 2, 3);
      await("reading them empties it", () -> (server.readiness() & TcpConnection.READABLE) == 0);

      client.shutdownOutput();
      await("the FIN makes it readable", () -> has(server, TcpConnection.READABLE | TcpConnection.PEER_SHUTDOWN));
      assertThat(server.info().state()).isEqualTo("CLOSE_WAIT");
      assertThat(server.readNow(buf, 0, 10)).isEqualTo(-1);
      assertThat(has(server, TcpConnection.WRITABLE)).as("CLOSE_WAIT may still send").isTrue();

      server.close();
      await("both ends end", () -> has(client, TcpConnection.PEER_SHUTDOWN)
          && has(server, TcpConnection.ENDED));
      assertThat(client.failure()).isNull();
      assertThat(server.failure()).isNull();
    }
  }

  @Test
  void readiness_reportsFailedAfterAReset_andReadNowThrows() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 33);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      assertThat(client.failure()).isNull();
      server.abort();
      await("the RST fails it", () -> has(client, TcpConnection.FAILED));
      assertThat(client.failure()).isEqualTo(TcpConnection.Failure.RESET);
      await("and ends it", () -> has(client, TcpConnection.ENDED));
      assertThat(client.readiness() & (TcpConnection.WRITABLE | TcpConnection.PEER_SHUTDOWN)).isZero();
      byte[] buf = new byte[10];
      assertThatThrownBy(() -> client.readNow(buf, 0, 10)).isInstanceOf(SocketException.class)
          .hasMessageContaining("Connection reset");
      assertThatThrownBy(() -> client.writeNow(buf, 0, 10)).isInstanceOf(SocketException.class);
      assertThat(client.info().state()).isEqualTo("CLOSED");
    }
  }

  @Test
  void writeNow_fillsTheSendBuffer_thenReturnsZero_andWritableReturnsWhenThePeerReads() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 34);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      byte[] chunk = new byte[65_536];
      long written = 0;
      long deadline = System.nanoTime() + 20_000_000_000L;
      // The peer does not read: its window and then our send buffer fill. That is steady only once
      // the peer's receive buffer is full; until then its ACKs keep freeing room here. So wait
      // until what it holds stops growing while writes are refused.
      long heldBefore = -1;
      while (true) {
        int n = client.writeNow(chunk, 0, chunk.length);
        written += n;
        long held = server.info().unreadBytes();
        if (n == 0 && held > 0 && held == heldBefore && client.info().unacknowledgedBytes() > 0
            && (client.readiness() & TcpConnection.WRITABLE) == 0) {
          break;
        }
        heldBefore = held;
        assertThat(System.nanoTime() - deadline).as("the send buffer fills").isNegative();
        if (n == 0) {
          Thread.sleep(20);
        }
      }
      assertThat(client.writeNow(chunk, 0, chunk.length)).isZero();
      assertThat(written).isGreaterThanOrEqualTo(256 * 1024); // at least our send buffer
      TcpInfo info = client.info();
      assertThat(info.unacknowledgedBytes()).isPositive();
      await("the peer holds what it acknowledged", () -> server.info().unreadBytes() > 0);

      byte[] buf = new byte[65_536];
      long read = 0;
      while (read < written) {
        int n = server.readNow(buf, 0, buf.length);
        read += Math.max(0, n);
        if (n == 0) {
          Thread.sleep(1);
        }
      }
      assertThat(read).isEqualTo(written);
      await("room again", () -> has(client, TcpConnection.WRITABLE));
      assertThat(client.writeNow(chunk, 0, 10)).isEqualTo(10);
    }
  }

  @Test
  void shutdownInput_makesReadNowReturnMinusOne_andTheConnectionReadable() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 35);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      byte[] buf = new byte[10];
      assertThat(server.readNow(buf, 0, 10)).isZero();
      server.shutdownInput();
      assertThat(server.readNow(buf, 0, 10)).isEqualTo(-1);
      await("readable at end-of-stream", () -> has(server, TcpConnection.READABLE));
      assertThat(server.readiness() & TcpConnection.PEER_SHUTDOWN).as("the peer sent no FIN").isZero();
      client.writeNow(new byte[] {9}, 0, 1); // acknowledged and discarded
      await("the byte is acknowledged", () -> client.info().unacknowledgedBytes() == 0);
      assertThat(server.readNow(buf, 0, 10)).isEqualTo(-1);
      assertThat(server.info().unreadBytes()).isZero();
    }
  }

  @Test
  void info_reportsTheTcpNumbers() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpConnection[] p = pair(net, 36);
      TcpConnection client = p[0];
      TcpConnection server = p[1];
      client.writeNow(new byte[1000], 0, 1000);
      await("the bytes arrive", () -> server.info().unreadBytes() == 1000);
      await("and are acknowledged", () -> client.info().unacknowledgedBytes() == 0);
      TcpInfo info = client.info();
      assertThat(info.state()).isEqualTo("ESTABLISHED");
      assertThat(info.mss()).isEqualTo(1448); // a 1500-byte MTU less the IPv4 and TCP headers and timestamps
      // Both ends may run on this thread with one clock read, so the round trips measured may be
      // 0 ns: SRTT is then 1 ns (RttEstimator keeps it positive once measured) and RTTVAR 0.
      assertThat(info.srttNanos()).isPositive();
      assertThat(info.rttvarNanos()).isNotNegative();
      assertThat(info.rtoNanos()).isGreaterThanOrEqualTo(info.srttNanos());
      assertThat(info.cwnd()).isGreaterThanOrEqualTo(info.mss());
      assertThat(info.ssthresh()).isPositive();
      assertThat(info.unreadBytes()).isZero();
      TcpConnectionStats stats = client.stats();
      assertThat(stats.cwnd()).isEqualTo(info.cwnd());
      assertThat(stats.state()).isEqualTo(info.state());
    }
  }

  @Test
  void connectNow_returnsAtOnce_andTheConnectionBecomesConnected_orFailsRefused() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(37);
      TcpConnection client = net.client.connectNow(TwoStacks.server(37));
      byte[] early = {4, 5, 6};
      assertThat(client.writeNow(early, 0, 3)).isEqualTo(3); // waits in the send buffer
      await("connected", client::isConnected);
      await("writable once established", () -> has(client, TcpConnection.WRITABLE));
      TcpConnection[] accepted = new TcpConnection[1];
      await("accepted", () -> {
        try {
          return (accepted[0] = server.acceptNow()) != null;
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      byte[] buf = new byte[3];
      await("the early bytes arrive", () -> has(accepted[0], TcpConnection.READABLE));
      assertThat(accepted[0].readNow(buf, 0, 3)).isEqualTo(3);
      assertThat(buf).isEqualTo(early);

      TcpConnection refused = net.client.connectNow(TwoStacks.server(38)); // nobody listens
      await("refused", () -> has(refused, TcpConnection.FAILED | TcpConnection.ENDED));
      assertThat(refused.isConnected()).isFalse();
      assertThat(refused.failure()).isEqualTo(TcpConnection.Failure.REFUSED);
    }
  }
}
