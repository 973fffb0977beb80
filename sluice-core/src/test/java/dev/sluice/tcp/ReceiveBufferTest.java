package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ReceiveBufferTest {
  private static byte[] stream(int length, int salt) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + salt);
    }
    return bytes;
  }

  private static byte[] readAll(ReceiveBuffer buffer) {
    byte[] out = new byte[buffer.readable()];
    assertThat(buffer.read(out, 0, out.length)).isEqualTo(out.length);
    return out;
  }

  @Test
  void inOrderData_isReadableAtOnce() {
    ReceiveBuffer buffer = new ReceiveBuffer(100, 4);
    byte[] data = stream(30, 1);
    assertThat(buffer.write(0, data, 0, 30)).isEqualTo(30);
    assertThat(buffer.window()).isEqualTo(70);
    assertThat(readAll(buffer)).isEqualTo(data);
    assertThat(buffer.window()).isEqualTo(100);
  }

  @Test
  void outOfOrderData_waitsForTheGap_thenAllOfItBecomesReadable() {
    ReceiveBuffer buffer = new ReceiveBuffer(100, 4);
    byte[] data = stream(30, 2);
    assertThat(buffer.write(10, data, 10, 20)).isZero();
    assertThat(buffer.readable()).isZero();
    assertThat(buffer.outOfOrderBytes()).isEqualTo(20);
    assertThat(buffer.write(0, data, 0, 10)).isEqualTo(30);
    assertThat(readAll(buffer)).isEqualTo(data);
    assertThat(buffer.outOfOrderBytes()).isZero();
  }

  @Test
  void dataBeyondTheWindow_isTrimmed() {
    ReceiveBuffer buffer = new ReceiveBuffer(20, 4);
    byte[] data = stream(50, 3);
    assertThat(buffer.write(0, data, 0, 50)).isEqualTo(20);
    assertThat(buffer.write(0, data, 20, 10)).isZero(); // window now closed
    assertThat(readAll(buffer)).isEqualTo(java.util.Arrays.copyOf(data, 20));
  }

  @Test
  void retransmissionWithDifferentBytes_doesNotOverwriteWhatWasHeld() {
    ReceiveBuffer buffer = new ReceiveBuffer(100, 4);
    byte[] original = stream(40, 4);
    byte[] forged = stream(40, 99);
    buffer.write(10, original, 10, 10); // [10, 20) held out of order
    buffer.write(0, forged, 0, 40); // in order, overlapping the held bytes with other bytes
    byte[] read = readAll(buffer);
    byte[] expected = forged.clone();
    System.arraycopy(original, 10, expected, 10, 10);
    assertThat(read).isEqualTo(expected);
  }

  @Test
  void fullHoleMap_refusesANewHoleButNotInOrderData() {
    ReceiveBuffer buffer = new ReceiveBuffer(1000, 2);
    byte[] data = stream(1000, 5);
    buffer.write(100, data, 100, 10);
    buffer.write(200, data, 200, 10);
    assertThat(buffer.write(300, data, 300, 10)).isEqualTo(ReceiveBuffer.REFUSED);
    assertThat(buffer.write(0, data, 0, 50)).isEqualTo(50);
  }

  @Test
  void wrappingTheRing_keepsBytesInOrder() {
    ReceiveBuffer buffer = new ReceiveBuffer(16, 4);
    byte[] data = stream(100, 6);
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    int sent = 0;
    while (sent < 100) {
      int n = Math.min(7, 100 - sent);
      sent += buffer.write(0, data, sent, n);
      received.writeBytes(readAll(buffer));
    }
    assertThat(received.toByteArray()).isEqualTo(data);
  }

  @Test
  void emptyBuffer_releasesItsRing_andAllocatesAgainOnData() {
    ReceiveBuffer buffer = new ReceiveBuffer(64, 4);
    assertThat(buffer.isAllocated()).isFalse();
    buffer.write(0, stream(8, 7), 0, 8);
    assertThat(buffer.releaseIfEmpty()).isFalse();
    readAll(buffer);
    assertThat(buffer.releaseIfEmpty()).isTrue();
    assertThat(buffer.isAllocated()).isFalse();
    assertThat(buffer.write(0, stream(8, 8), 0, 8)).isEqualTo(8);
    assertThat(readAll(buffer)).isEqualTo(stream(8, 8));
  }

  /**
   * Seeded property: segments of a stream arrive in random order, overlapping, duplicated, some
   * carrying different bytes, with random reads in between. The application reads exactly the
   * first-arrived byte at every offset, once each and in order; out-of-order bytes never exceed
   * the window.
   */
  @RepeatedTest(300)
  void randomArrivals_deliverTheFirstArrivedByteOfEveryOffsetExactlyOnce(RepetitionInfo repetition) {
    long seed = 0xFEED_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    int length = 200 + random.nextInt(3000);
    byte[][] versions = {stream(length, 11), stream(length, 77)};
    byte[] firstArrived = new byte[length];
    boolean[] arrived = new boolean[length];
    ReceiveBuffer buffer = new ReceiveBuffer(64 + random.nextInt(512), 1 + random.nextInt(8));
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    int edge = 0; // RCV.NXT, as an offset into the stream
    for (int step = 0; step < 20_000 && edge < length; step++) {
      int start = Math.max(0, edge - 50 + random.nextInt(buffer.capacity() + 50));
      if (start >= length) {
        continue;
      }
      int len = Math.min(1 + random.nextInt(80), length - start);
      byte[] version = versions[random.nextInt(2)];
      int windowEnd = edge + buffer.window();
      int outcome = buffer.write(start - edge, version, start, len);
      if (outcome != ReceiveBuffer.REFUSED) {
        for (int i = Math.max(start, edge); i < Math.min(start + len, windowEnd); i++) {
          if (!arrived[i]) {
            arrived[i] = true;
            firstArrived[i] = version[i];
          }
        }
        edge += outcome;
      }
      assertThat(buffer.outOfOrderBytes()).as("seed %d", seed).isLessThanOrEqualTo(buffer.window());
      if (random.nextInt(3) == 0) {
        byte[] chunk = new byte[1 + random.nextInt(100)];
        delivered.write(chunk, 0, buffer.read(chunk, 0, chunk.length));
      }
    }
    delivered.writeBytes(readAll(buffer));
    byte[] out = delivered.toByteArray();
    assertThat(out.length).as("seed %d", seed).isEqualTo(edge);
    assertThat(out).as("seed %d", seed).isEqualTo(java.util.Arrays.copyOf(firstArrived, edge));
  }

  /** Four data segments in all 24 orders, with and without a duplicate of each: same bytes out. */
  @Test
  void fourSegmentsInEveryOrder_withAndWithoutDuplicates_deliverTheStreamOnce() {
    byte[] data = stream(400, 13);
    for (List<Integer> order : permutations(List.of(0, 1, 2, 3))) {
      for (boolean duplicates : new boolean[] {false, true}) {
        ReceiveBuffer buffer = new ReceiveBuffer(1000, 4);
        for (int segment : order) {
          for (int copy = 0; copy < (duplicates ? 2 : 1); copy++) {
            // Nothing is read during the loop, so the in-order edge sits at readable().
            buffer.write(segment * 100 - buffer.readable(), data, segment * 100, 100);
          }
        }
        assertThat(readAll(buffer)).as("order %s, duplicates %s", order, duplicates).isEqualTo(data);
      }
    }
  }

  static List<List<Integer>> permutations(List<Integer> items) {
    if (items.size() <= 1) {
      return List.of(items);
    }
    List<List<Integer>> result = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<Integer> rest = new ArrayList<>(items);
      Integer first = rest.remove(i);
      for (List<Integer> tail : permutations(rest)) {
        List<Integer> permutation = new ArrayList<>();
        permutation.add(first);
        permutation.addAll(tail);
        result.add(permutation);
      }
    }
    return result;
  }
}
