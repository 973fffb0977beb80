package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class SendBufferTest {
  @Test
  void write_acceptsOnlyWhatFits() {
    SendBuffer buffer = new SendBuffer(10);
    assertThat(buffer.write(new byte[15], 0, 15)).isEqualTo(10);
    assertThat(buffer.free()).isZero();
    assertThat(buffer.write(new byte[1], 0, 1)).isZero();
  }

  @Test
  void writeFromABuffer_takesItsBytesAtTheIndex_wrapsTheRing_andLeavesItsPositionAlone() {
    SendBuffer buffer = new SendBuffer(1_000);
    byte[] data = new byte[3_000];
    new SplittableRandom(5).nextBytes(data);
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length).put(data).flip();
    assertThat(buffer.write(data, 0, 200)).isEqualTo(200); // the ring's first 256 bytes, mostly
    buffer.acknowledge(180);

    assertThat(buffer.write(direct, 200, 1_000)).as("what fits of 1,000").isEqualTo(980);
    assertThat(direct.position()).isZero();
    assertThat(buffer.write(direct, 1_180, 10)).isZero();

    byte[] out = new byte[1_000];
    buffer.copy(0, out, 0, out.length);
    assertThat(out).isEqualTo(java.util.Arrays.copyOfRange(data, 180, 1_180));
  }

  @Test
  void acknowledge_freesTheFront() {
    SendBuffer buffer = new SendBuffer(10);
    buffer.write(new byte[] {1, 2, 3, 4}, 0, 4);
    buffer.acknowledge(3);
    byte[] out = new byte[1];
    buffer.copy(0, out, 0, 1);
    assertThat(out).containsExactly(4);
    assertThat(buffer.length()).isEqualTo(1);
  }

  @Test
  void acknowledgingMoreThanHeld_isRejected() {
    SendBuffer buffer = new SendBuffer(10);
    buffer.write(new byte[4], 0, 4);
    assertThatThrownBy(() -> buffer.acknowledge(5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot acknowledge 5 of 4 bytes");
  }

  @Test
  void copyOutsideTheHeldBytes_isRejected() {
    SendBuffer buffer = new SendBuffer(10);
    buffer.write(new byte[4], 0, 4);
    assertThatThrownBy(() -> buffer.copy(2, new byte[4], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void emptyBuffer_releasesItsRing() {
    SendBuffer buffer = new SendBuffer(10);
    assertThat(buffer.isAllocated()).isFalse();
    buffer.write(new byte[4], 0, 4);
    assertThat(buffer.releaseIfEmpty()).isFalse();
    buffer.acknowledge(4);
    assertThat(buffer.releaseIfEmpty()).isTrue();
    assertThat(buffer.isAllocated()).isFalse();
  }

  /** Seeded property: writes, partial acknowledgments and copies across the wrap see the stream. */
  @RepeatedTest(100)
  void randomWritesAndAcks_alwaysExposeTheUnacknowledgedStream(RepetitionInfo repetition) {
    long seed = 0xACC0_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    SendBuffer buffer = new SendBuffer(1 + random.nextInt(300));
    long written = 0;
    long acknowledged = 0;
    ByteArrayOutputStream copied = new ByteArrayOutputStream();
    for (int step = 0; step < 2000; step++) {
      byte[] chunk = new byte[random.nextInt(100)];
      for (int i = 0; i < chunk.length; i++) {
        chunk[i] = (byte) (written + i);
      }
      written += buffer.write(chunk, 0, chunk.length);
      int ack = random.nextInt(buffer.length() + 1);
      byte[] front = new byte[ack];
      buffer.copy(0, front, 0, ack);
      copied.writeBytes(front);
      buffer.acknowledge(ack);
      acknowledged += ack;
      if (buffer.length() > 0) {
        int offset = random.nextInt(buffer.length());
        byte[] one = new byte[1];
        buffer.copy(offset, one, 0, 1);
        assertThat(one[0]).as("seed %d", seed).isEqualTo((byte) (acknowledged + offset));
      }
    }
    byte[] out = copied.toByteArray();
    for (int i = 0; i < out.length; i++) {
      assertThat(out[i]).as("seed %d offset %d", seed, i).isEqualTo((byte) i);
    }
    assertThat(written - acknowledged).isEqualTo(buffer.length());
  }
}
