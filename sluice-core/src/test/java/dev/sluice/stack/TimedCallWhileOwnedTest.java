package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A read or write with a timeout (a socket's {@code SO_TIMEOUT}) whose call must wait for the
 * connection's owner: the timeout bounds the wait for bytes or room, not the call, which the owner
 * runs later whatever the caller does. Before the fix the caller gave up on the queued call after
 * its timeout, and the owner then ran it anyway: a read's bytes went into a buffer nobody read
 * (lost from the stream), a write's bytes were sent although the caller was told it timed out.
 * Here the test thread owns the connection for longer than the timeout, then lets go.
 */
@Timeout(30)
class TimedCallWhileOwnedTest {
  private static final long MS = TwoHosts.MS;
  private static final HostConfig ONE_WORKER = HostConfig.builder().buildWith(h -> h.workers = 1);
  /** The timeout of the calls; the test owns the connection for ten times as long. */
  private static final long TIMEOUT_MS = 20;

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void timedRead_queuedBehindTheOwner_returnsTheBytes_insteadOfLosingThem() throws Exception {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener listener = net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    Connection server = listener.poll();
    client.write(text("abc"), 0, 3, 0);
    net.settle();

    assertThat(server.tryAcquire()).as("the test plays a thread that owns the connection").isTrue();
    byte[] buf = new byte[10];
    CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
      try {
        return server.read(buf, 0, buf.length, TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(10 * TIMEOUT_MS);
    server.drain(new OwnerContext(net.server.drops()), net.clock[0]); // lets go, running the queued read

    assertThat(read.get(10, TimeUnit.SECONDS)).as("the read is not given up while queued").isEqualTo(3);
    assertThat(new String(buf, 0, 3, StandardCharsets.US_ASCII)).isEqualTo("abc");
  }

  @Test
  void timedWrite_queuedBehindTheOwner_completes_andIsSentOnce() throws Exception {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    Listener listener = net.server.listen(80, 8);
    Connection client = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    Connection server = listener.poll();

    assertThat(client.tryAcquire()).as("the test plays a thread that owns the connection").isTrue();
    CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
      try {
        client.write(text("xyz"), 0, 3, TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(10 * TIMEOUT_MS);
    client.drain(new OwnerContext(net.client.drops()), net.clock[0]);

    write.get(10, TimeUnit.SECONDS); // before the fix: a SocketTimeoutException, yet the bytes went out
    net.settle();
    byte[] buf = new byte[10];
    assertThat(server.read(buf, 0, buf.length, MS)).isEqualTo(3);
    assertThat(new String(buf, 0, 3, StandardCharsets.US_ASCII)).isEqualTo("xyz");
  }
}
