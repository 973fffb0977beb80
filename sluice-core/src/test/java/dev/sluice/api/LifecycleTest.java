package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, lifecycle: {@link NetStack#close()} resets every open connection, so the peer is told,
 * and wakes every blocked call with a {@link SocketException} that says the stack was closed; an
 * abort during a blocked write reports the reset.
 */
class LifecycleTest {
  @Test
  void closingTheStack_wakesABlockedReader_andResetsThePeer() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer listener = net.server.listen(41);
      TcpConnection client = net.client.connect(TwoStacks.server(41));
      TcpConnection server = listener.accept();
      CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
        try {
          client.read(new byte[100], 0, 100);
          return null;
        } catch (Exception e) {
          return e;
        }
      });
      Thread.sleep(200); // the reader parks: nothing has been sent
      assertThat(reader).isNotDone();

      net.client.close();

      Throwable woken = reader.get(5, TimeUnit.SECONDS);
      assertThat(woken).isInstanceOf(SocketException.class).hasMessageContaining("the stack was closed");
      server.setSoTimeout(java.time.Duration.ofSeconds(5));
      assertThatThrownBy(() -> server.read(new byte[100], 0, 100))
          .as("the peer was reset, not left waiting").isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
  }

  @Test
  void closingTheStack_wakesABlockedWriter_andABlockedAccept() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer listener = net.server.listen(42);
      TcpConnection client = net.client.connect(TwoStacks.server(42));
      listener.accept(); // and never read: the client's writes fill both buffers
      CompletableFuture<Throwable> writer = writeUntilFailure(client);
      CompletableFuture<Throwable> accepter = CompletableFuture.supplyAsync(() -> {
        try {
          listener.accept();
          return null;
        } catch (Exception e) {
          return e;
        }
      });
      Thread.sleep(500);
      assertThat(writer).as("the writer is blocked on a full send buffer").isNotDone();
      assertThat(accepter).isNotDone();

      net.client.close();
      net.server.close();

      assertThat(writer.get(5, TimeUnit.SECONDS)).isInstanceOf(SocketException.class)
          .hasMessageContaining("the stack was closed");
      assertThat(accepter.get(5, TimeUnit.SECONDS)).isInstanceOf(SocketException.class);
    }
  }

  @Test
  void abortDuringABlockedWrite_reportsTheReset_notAShutdown() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      TcpServer listener = net.server.listen(43);
      TcpConnection client = net.client.connect(TwoStacks.server(43));
      listener.accept(); // and never read: the client's writes fill both buffers
      CompletableFuture<Throwable> writer = writeUntilFailure(client);
      Thread.sleep(500);
      assertThat(writer).as("the writer is blocked on a full send buffer").isNotDone();

      client.abort();

      assertThat(writer.get(5, TimeUnit.SECONDS)).isInstanceOf(SocketException.class)
          .hasMessageContaining("reset").hasMessageNotContaining("shut down");
    }
  }

  /** Writes 64 MB in 64 KB chunks on another thread; completes with what the writes threw, or null. */
  private static CompletableFuture<Throwable> writeUntilFailure(TcpConnection c) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 1_000; i++) {
          c.write(chunk, 0, chunk.length);
        }
        return null;
      } catch (Exception e) {
        return e;
      }
    });
  }
}
