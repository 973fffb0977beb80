package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NetStack#connect(InetSocketAddress, Duration)}'s timeout runs on the connection's own
 * timer, not on the waiting thread's: the thread parks with no timeout (a virtual thread's timed
 * park costs a task in the JDK's delay scheduler, scheduled and cancelled for every connect), and
 * the connection wakes it when the handshake's deadline passes.
 */
class ConnectTimeoutTest {
  private static final InetSocketAddress NOBODY = new InetSocketAddress(InetAddress.ofLiteral("198.18.0.3"), 80);
  private static final Duration TIMEOUT = Duration.ofMillis(400);

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void unansweredConnect_timesOutOnTheConnectionsTimer_whileTheThreadWaitsWithoutOne() throws Exception {
    // No host has 198.18.0.3, so the SYN and its retransmissions go unanswered.
    try (TwoStacks net = new TwoStacks()) {
      NetStack client = net.client;
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      long start = System.nanoTime();
      Thread connector = Thread.ofVirtual().start(() -> {
        try (TcpConnection c = client.connect(NOBODY, TIMEOUT)) {
          thrown.set(new AssertionError("connected to nobody: " + c));
        } catch (Throwable e) {
          thrown.set(e);
        }
      });
      Set<Thread.State> seen = EnumSet.noneOf(Thread.State.class);
      while (connector.isAlive()) {
        Thread.State state = connector.getState();
        if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
          seen.add(state);
        }
        Thread.sleep(5);
      }
      long elapsedNanos = System.nanoTime() - start;

      assertThat(thrown.get()).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("connect timed out");
      assertThat(elapsedNanos).as("the wait lasted the timeout").isGreaterThanOrEqualTo(TIMEOUT.toNanos());
      assertThat(seen).as("the waiting thread's states").containsExactly(Thread.State.WAITING);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (client.connectionCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(client.connectionCount()).as("the half-open connection was aborted").isZero();
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void connectThatCompletes_isNotEndedWhenItsHandshakeDeadlinePasses() throws Exception {
    try (TwoStacks net = new TwoStacks(); TcpServer listener = net.server.listen(80);
        TcpConnection c = net.client.connect(TwoStacks.server(80), Duration.ofSeconds(1));
        TcpConnection accepted = listener.accept()) {
      Thread.sleep(1_500); // past the handshake's deadline
      c.write(new byte[] {1, 2, 3}, 0, 3);
      byte[] got = new byte[3];
      assertThat(accepted.read(got, 0, 3)).isEqualTo(3); // one segment on this link
      assertThat(got).containsExactly(1, 2, 3);
      assertThat(c.isConnected()).isTrue();
    }
  }
}
