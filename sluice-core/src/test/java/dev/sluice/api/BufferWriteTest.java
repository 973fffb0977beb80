package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TcpConnection#write(ByteBuffer)} and {@link TcpConnection#writeNow(ByteBuffer)}: a direct
 * or read-only buffer's bytes arrive intact and in order, and its position says what was taken.
 */
@Timeout(60)
class BufferWriteTest {
  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static byte[] readAll(TcpConnection c) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int n;
    while ((n = c.read(buf, 0, buf.length)) > 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Test
  void aDirectBufferWrittenInSlices_andAReadOnlyOne_arriveWhole_andTheirPositionsReachTheLimit() throws Exception {
    byte[] first = random(3_000_000, 1); // larger than the 256 KiB send buffer: the write waits for room
    byte[] second = random(100_000, 2);
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(40);
      TcpConnection client = net.client.connect(TwoStacks.server(40));
      TcpConnection accepted = server.accept();
      // The bytes at [5, 5 + length): a buffer whose position does not start at 0.
      ByteBuffer direct = ByteBuffer.allocateDirect(first.length + 10).position(5).put(first).flip().position(5);
      ByteBuffer readOnly = ByteBuffer.wrap(second).asReadOnlyBuffer();

      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          client.write(direct);
          client.write(readOnly);
          client.shutdownOutput();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      byte[] got = readAll(accepted);
      writer.join();

      byte[] expected = new byte[first.length + second.length];
      System.arraycopy(first, 0, expected, 0, first.length);
      System.arraycopy(second, 0, expected, first.length, second.length);
      assertThat(got).isEqualTo(expected);
      assertThat(direct.position()).isEqualTo(direct.limit());
      assertThat(readOnly.hasRemaining()).isFalse();
    }
  }

  @Test
  void writeNow_takesWhatFits_movesThePositionByThat_andThrowsOnceShutDown() throws Exception {
    byte[] data = random(1_000_000, 3);
    try (TwoStacks net = new TwoStacks()) {
      TcpServer server = net.server.listen(41);
      TcpConnection client = net.client.connect(TwoStacks.server(41));
      TcpConnection accepted = server.accept();
      ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();

      int taken = client.writeNow(direct);

      assertThat(taken).as("the send buffer's worth, not the million").isPositive().isLessThan(data.length);
      assertThat(direct.position()).isEqualTo(taken);
      byte[] got = new byte[taken];
      int read = 0;
      while (read < taken) {
        int n = accepted.read(got, read, taken - read);
        assertThat(n).isPositive();
        read += n;
      }
      assertThat(got).isEqualTo(java.util.Arrays.copyOf(data, taken));

      client.shutdownOutput();
      assertThatThrownBy(() -> client.writeNow(direct)).isInstanceOf(SocketException.class)
          .hasMessageContaining("shut down");
      assertThat(direct.position()).as("nothing taken by the refused write").isEqualTo(taken);
    }
  }
}
