package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link IcmpEchoSocket} against this machine's own kernel over loopback (127.0.0.1 and ::1, which
 * the kernel answers itself): both kinds of socket send a request and read its reply, with the
 * sequence and data carried back; close wakes a blocked reader.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IcmpEchoSocketTest {
  private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(30);
  private static String namespace;

  /**
   * As root the sockets are opened inside a namespace of the test's own, whose loopback is up and
   * whose {@code net.ipv4.ping_group_range} admits every group (the sysctl is per namespace), so
   * both kinds are tried whatever this machine's own setting is; a socket stays in the namespace
   * it was made in.
   */
  @BeforeAll
  static void namespace() throws Exception {
    if (!ROOT) {
      return;
    }
    namespace = "sluice-icmp-" + Long.toHexString(System.nanoTime() & 0xffffff);
    Commands.run(COMMAND_BOUND, "ip", "netns", "add", namespace);
    Commands.run(COMMAND_BOUND, "ip", "-n", namespace, "link", "set", "lo", "up");
    Commands.run(COMMAND_BOUND, "ip", "netns", "exec", namespace, "sysctl", "-q", "-w",
        "net.ipv4.ping_group_range=0 2147483647");
  }

  @AfterAll
  static void deleteNamespace() throws Exception {
    if (namespace != null) {
      Commands.run(COMMAND_BOUND, "ip", "netns", "del", namespace);
    }
  }

  private static IcmpEchoSocket openOrSkip(boolean ipv6, IcmpEchoSocket.Kind kind) throws Exception {
    assumeTrue(ROOT, "ICMP sockets need root here (a namespace of the test's own, CAP_NET_RAW); skipped");
    CompletableFuture<IcmpEchoSocket> opened = new CompletableFuture<>();
    Thread.ofPlatform().start(() -> { // setns(2) moves only the calling thread
      try {
        TunDevice.enterNetworkNamespace(Path.of("/var/run/netns", namespace));
        opened.complete(IcmpEchoSocket.open(ipv6, kind));
      } catch (Throwable e) {
        opened.completeExceptionally(e);
      }
    }).join();
    return opened.get();
  }

  private static void echoes(IcmpEchoSocket socket, InetAddress address) throws Exception {
    byte[] data = "sluice echo".getBytes(StandardCharsets.US_ASCII);
    socket.send(address, 4242, ByteBuffer.wrap(data));
    ByteBuffer into = ByteBuffer.allocate(100);
    CompletableFuture<IcmpEchoSocket.Reply> reply = new CompletableFuture<>();
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try {
        reply.complete(socket.receive(into));
      } catch (IOException e) {
        reply.completeExceptionally(e);
      }
    });
    IcmpEchoSocket.Reply r = reply.get(20, TimeUnit.SECONDS);
    reader.join(5_000);
    assertThat(r.from()).isEqualTo(address);
    assertThat(r.sequence()).isEqualTo(4242);
    into.flip();
    byte[] got = new byte[into.remaining()];
    into.get(got);
    assertThat(got).isEqualTo(data);
  }

  @Test
  void aPingSocket_getsItsReply_withSequenceAndData() throws Exception {
    try (IcmpEchoSocket socket = openOrSkip(false, IcmpEchoSocket.Kind.PING)) {
      assertThat(socket.kind()).isEqualTo(IcmpEchoSocket.Kind.PING);
      echoes(socket, LOOPBACK);
    }
  }

  @Test
  void aRawSocket_getsItsReply_withSequenceAndData() throws Exception {
    try (IcmpEchoSocket socket = openOrSkip(false, IcmpEchoSocket.Kind.RAW)) {
      echoes(socket, LOOPBACK);
    }
  }

  @Test
  void ipv6_bothKinds() throws Exception {
    for (IcmpEchoSocket.Kind kind : IcmpEchoSocket.Kind.values()) {
      try (IcmpEchoSocket socket = openOrSkip(true, kind)) {
        echoes(socket, InetAddress.ofLiteral("::1"));
      }
    }
  }

  /**
   * {@link IcmpEchoSocket#receiveArrived} never waits: null with nothing queued; a queued reply,
   * with its sequence and data, once one is there (loopback's is queued by the kernel within the
   * {@code sendto(2)}, or soon after when its softirq is deferred).
   */
  @Test
  void receiveArrived_returnsAtOnce_nullOrAQueuedReply_bothKinds() throws Exception {
    for (IcmpEchoSocket.Kind kind : IcmpEchoSocket.Kind.values()) {
      try (IcmpEchoSocket socket = openOrSkip(false, kind)) {
        ByteBuffer into = ByteBuffer.allocate(100);
        assertThat(socket.receiveArrived(into)).as(kind + ": nothing sent, nothing queued").isNull();
        assertThat(into.position()).isZero();

        byte[] data = "arrived".getBytes(StandardCharsets.US_ASCII);
        socket.send(LOOPBACK, 7, ByteBuffer.wrap(data));
        IcmpEchoSocket.Reply reply = awaitArrived(socket, into);
        assertThat(reply.from()).isEqualTo(LOOPBACK);
        assertThat(reply.sequence()).isEqualTo(7);
        assertThat(into.flip()).isEqualTo(ByteBuffer.wrap(data));
        assertThat(socket.receiveArrived(into.clear())).as(kind + ": the reply was taken once").isNull();
      }
    }
  }

  /**
   * With a reader blocked in {@link IcmpEchoSocket#receive} (as the gateway's is), each reply still
   * goes to exactly one of the two: the blocked reader or {@code receiveArrived}.
   */
  @Test
  void receiveArrived_besideABlockedReader_eachReplyGoesToOneOfThem() throws Exception {
    try (IcmpEchoSocket socket = openOrSkip(false, IcmpEchoSocket.Kind.PING)) {
      LinkedBlockingQueue<Integer> byReader = new LinkedBlockingQueue<>();
      Thread reader = Thread.ofPlatform().daemon().start(() -> {
        ByteBuffer buffer = ByteBuffer.allocate(100);
        try {
          while (true) {
            byReader.add(socket.receive(buffer.clear()).sequence());
          }
        } catch (IOException e) {
          // closed: the test is over
        }
      });
      List<Integer> byArrived = new ArrayList<>();
      ByteBuffer into = ByteBuffer.allocate(100);
      int requests = 200;
      for (int seq = 0; seq < requests; seq++) {
        socket.send(LOOPBACK, seq, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        IcmpEchoSocket.Reply reply;
        while ((reply = socket.receiveArrived(into.clear())) != null) {
          byArrived.add(reply.sequence());
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (byArrived.size() + byReader.size() < requests && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      socket.close();
      reader.join(5_000);
      List<Integer> all = new ArrayList<>(byArrived);
      all.addAll(byReader);
      assertThat(all).as("every reply once, to one of the two").hasSize(requests).doesNotHaveDuplicates();
    }
  }

  private static IcmpEchoSocket.Reply awaitArrived(IcmpEchoSocket socket, ByteBuffer into) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      IcmpEchoSocket.Reply reply = socket.receiveArrived(into.clear());
      if (reply != null) {
        return reply;
      }
      Thread.sleep(1);
    }
    throw new AssertionError("no reply queued within 20 s");
  }

  @Test
  void close_wakesABlockedReceive_andLaterCallsFail() throws Exception {
    IcmpEchoSocket socket = IcmpEchoSocket.open(false);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try {
        socket.receive(ByteBuffer.allocate(10));
        failure.complete(null);
      } catch (IOException e) {
        failure.complete(e);
      }
    });
    Thread.sleep(200); // let it block in poll(2); the test holds either way
    socket.close();
    assertThat(failure.get(20, TimeUnit.SECONDS)).isInstanceOf(SocketException.class).hasMessageContaining("closed");
    reader.join(5_000);
    assertThatThrownBy(() -> socket.send(LOOPBACK, 1, ByteBuffer.allocate(1))).isInstanceOf(SocketException.class);
    assertThatThrownBy(() -> socket.receiveArrived(ByteBuffer.allocate(1))).isInstanceOf(SocketException.class);
    socket.close(); // idempotent
  }

  @Test
  void theWrongFamily_isRefused() throws Exception {
    try (IcmpEchoSocket socket = IcmpEchoSocket.open(false)) {
      assertThatThrownBy(() -> socket.send(InetAddress.ofLiteral("::1"), 1, ByteBuffer.allocate(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
