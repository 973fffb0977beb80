package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The rings start small (256 bytes) and double as needed, keeping every byte in place. */
class BufferGrowthTest {
  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  @Test
  void sendBuffer_growsPastAWrappedHead_andKeepsTheBytesInOrder() {
    SendBuffer buffer = new SendBuffer(64 * 1024);
    byte[] data = random(20_000, 1);
    assertThat(buffer.write(data, 0, 3_000)).isEqualTo(3_000);
    buffer.acknowledge(2_500); // head moves into the first page
    assertThat(buffer.write(data, 3_000, 2_000)).isEqualTo(2_000); // wraps in the 4 KB ring
    assertThat(buffer.write(data, 5_000, 15_000)).isEqualTo(15_000); // grows to 32 KB
    byte[] out = new byte[buffer.length()];
    buffer.copy(0, out, 0, out.length);
    byte[] expected = java.util.Arrays.copyOfRange(data, 2_500, 20_000);
    assertThat(out).isEqualTo(expected);
  }

  @Test
  void sendBuffer_neverGrowsBeyondItsCapacity() {
    SendBuffer buffer = new SendBuffer(10_000);
    assertThat(buffer.write(new byte[30_000], 0, 30_000)).isEqualTo(10_000);
    assertThat(buffer.free()).isZero();
  }

  @Test
  void receiveBuffer_outOfOrderDataFarAhead_growsTheRing_andTheStreamComesOutIntact() {
    ReceiveBuffer buffer = new ReceiveBuffer(64 * 1024, 8);
    byte[] data = random(40_000, 2);
    assertThat(buffer.write(100, data, 100, 1_000)).isZero(); // held out of order
    assertThat(buffer.write(0, data, 0, 100)).isEqualTo(1_100);
    byte[] first = new byte[600];
    assertThat(buffer.read(first, 0, 600)).isEqualTo(600); // head moves
    assertThat(buffer.write(30_000 - 1_100, data, 30_000, 10_000)).isZero(); // far ahead: grows
    assertThat(buffer.write(0, data, 1_100, 28_900)).isEqualTo(28_900 + 10_000);
    byte[] rest = new byte[40_000 - 600];
    int n = buffer.read(rest, 0, rest.length);
    assertThat(n).isEqualTo(rest.length);
    assertThat(first).isEqualTo(java.util.Arrays.copyOfRange(data, 0, 600));
    assertThat(rest).isEqualTo(java.util.Arrays.copyOfRange(data, 600, 40_000));
  }
}
