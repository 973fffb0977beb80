package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

  private static IcmpEchoSocket openOrSkip(boolean ipv6, IcmpEchoSocket.Kind kind) {
    try {
      return IcmpEchoSocket.open(ipv6, kind);
    } catch (IOException e) {
      assumeTrue(false, kind + " ICMP sockets are not allowed here (" + e.getMessage() + "; ping_group_range, "
          + "CAP_NET_RAW); skipped");
      throw new AssertionError(e);
    }
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
    assumeTrue(Files.readString(Path.of("/proc/sys/net/ipv6/conf/lo/disable_ipv6")).strip().equals("0"),
        "IPv6 is off on lo; skipped");
    int tried = 0;
    for (IcmpEchoSocket.Kind kind : IcmpEchoSocket.Kind.values()) {
      IcmpEchoSocket opened;
      try {
        opened = IcmpEchoSocket.open(true, kind);
      } catch (IOException e) {
        continue; // this kind is not allowed here; the other may be
      }
      try (IcmpEchoSocket socket = opened) {
        echoes(socket, InetAddress.ofLiteral("::1"));
        tried++;
      }
    }
    assumeTrue(tried > 0, "no ICMPv6 socket of either kind is allowed here (ping_group_range, CAP_NET_RAW); skipped");
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
