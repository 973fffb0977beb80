package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ChecksumTest {

  /**
   * The textbook loop of RFC 1071 §4.1: 16-bit big-endian words, a trailing odd byte as the high
   * half of a zero-padded word, carries folded back in.
   */
  static int naiveSum(byte[] buf, int off, int len) {
    long sum = 0;
    int i = 0;
    for (; i + 1 < len; i += 2) {
      sum += ((buf[off + i] & 0xFF) << 8) | (buf[off + i + 1] & 0xFF);
    }
    if (i < len) {
      sum += (buf[off + i] & 0xFF) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) sum;
  }

  @RepeatedTest(300)
  void sum_matchesNaiveReference_forAnyLengthAndOffset(RepetitionInfo repetition) {
    Seeds.run(0xC5_0000L + repetition.getCurrentRepetition(), r -> {
      int length = Seeds.between(r, 0, 2000);
      int offset = Seeds.between(r, 0, 15);
      // Embed the region in a larger array so that reads past its end would change the result.
      byte[] buf = new byte[offset + length + 16];
      r.nextBytes(buf);
      assertThat(Checksum.sum(buf, offset, length)).isEqualTo(naiveSum(buf, offset, length));
    });
  }

  @Test
  void sum_matchesNaiveReference_forEveryShortLengthAtEveryAlignment() {
    // Lengths 0..64 cover every combination of the 16-, 8-, 4-, 2- and 1-byte tails of the fast loop.
    Random random = new Random(1071);
    byte[] buf = new byte[96];
    for (int round = 0; round < 4; round++) {
      random.nextBytes(buf);
      for (int offset = 0; offset < 8; offset++) {
        for (int length = 0; length <= 64; length++) {
          assertThat(Checksum.sum(buf, offset, length))
              .as("offset %d length %d", offset, length)
              .isEqualTo(naiveSum(buf, offset, length));
        }
      }
    }
  }

  @Test
  void oddLength_treatsLastByteAsHighOrderHalfOfAWord() {
    // RFC 1071 §4.1: the odd byte is padded with a zero on the right.
    assertThat(Checksum.sum(new byte[] {0x12}, 0, 1)).isEqualTo(0x1200);
    assertThat(Checksum.sum(new byte[] {0x00, 0x01, 0x02}, 0, 3)).isEqualTo(0x0201);
    byte[] nine = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    assertThat(Checksum.sum(nine, 0, 9)).isEqualTo(0x0102 + 0x0304 + 0x0506 + 0x0708 + 0x0900);
  }

  @Test
  void sumAtOddOffset_isComputedAsIfTheRegionStartedOnAWordBoundary() {
    byte[] buf = {(byte) 0xEE, 0x12, 0x34, 0x56};
    assertThat(Checksum.sum(buf, 1, 3)).isEqualTo(0x1234 + 0x5600);
  }

  @Test
  void emptyAndAllZeroRegions_sumToZero() {
    assertThat(Checksum.sum(new byte[0], 0, 0)).isZero();
    assertThat(Checksum.sum(new byte[1500], 0, 1500)).isZero();
  }

  @Test
  void allOnes_sumToNegativeZero_andOddTailKeepsItsHighByte() {
    for (int length : new int[] {2, 8, 16, 1500, 65_534}) {
      byte[] ones = new byte[length];
      Arrays.fill(ones, (byte) 0xFF);
      assertThat(Checksum.sum(ones, 0, length)).as("length %d", length).isEqualTo(0xFFFF);
    }
    for (int length : new int[] {1, 3, 17, 1501, 65_535}) {
      byte[] ones = new byte[length];
      Arrays.fill(ones, (byte) 0xFF);
      // 0xFFFF * n + 0xFF00 folds to 0xFF00.
      assertThat(Checksum.sum(ones, 0, length)).as("length %d", length).isEqualTo(0xFF00)
          .isEqualTo(naiveSum(ones, 0, length));
    }
  }

  @Test
  void largeBuffer_doesNotLoseCarries() {
    // Sixty-four kilobytes of 0xFFFE words push the wide accumulator hard.
    byte[] buf = new byte[65_536];
    for (int i = 0; i < buf.length; i += 2) {
      buf[i] = (byte) 0xFF;
      buf[i + 1] = (byte) 0xFE;
    }
    assertThat(Checksum.sum(buf, 0, buf.length)).isEqualTo(naiveSum(buf, 0, buf.length));
  }

  @Test
  void rfc1071NumericalExample_sumsToDdf2() {
    // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2, in either byte order.
    byte[] example = {0x00, 0x01, (byte) 0xF2, 0x03, (byte) 0xF4, (byte) 0xF5, (byte) 0xF6, (byte) 0xF7};
    assertThat(Checksum.sum(example, 0, 8)).isEqualTo(0xDDF2);
    assertThat(Checksum.finish(Checksum.sum(example, 0, 8))).isEqualTo(0x220D);
    byte[] shifted = new byte[11];
    System.arraycopy(example, 0, shifted, 3, 8);
    assertThat(Checksum.sum(shifted, 3, 8)).isEqualTo(0xDDF2);
  }

  @RepeatedTest(200)
  void regionWithItsChecksumInserted_sumsToValid(RepetitionInfo repetition) {
    Seeds.run(0xC5_1000L + repetition.getCurrentRepetition(), r -> {
      // Reserve a two-byte field at an even position, as every checksummed header does.
      int length = Math.max(2, Seeds.between(r, 0, 2000) & ~1);
      byte[] buf = new byte[length];
      r.nextBytes(buf);
      int field = Seeds.between(r, 0, length / 2 - 1) * 2;
      buf[field] = 0;
      buf[field + 1] = 0;
      Bytes.put16(buf, field, Checksum.finish(Checksum.sum(buf, 0, length)));
      assertThat(Checksum.sum(buf, 0, length)).isEqualTo(Checksum.VALID);
    });
  }

  @RepeatedTest(200)
  void sumOfConcatenation_isAddOfSums_whenFirstPartIsEven(RepetitionInfo repetition) {
    Seeds.run(0xC5_2000L + repetition.getCurrentRepetition(), r -> {
      byte[] a = Seeds.bytes(r, 600);
      byte[] b = Seeds.bytes(r, 600);
      int evenA = a.length & ~1;
      byte[] joined = new byte[evenA + b.length];
      System.arraycopy(a, 0, joined, 0, evenA);
      System.arraycopy(b, 0, joined, evenA, b.length);
      int combined = Checksum.add(Checksum.sum(a, 0, evenA), Checksum.sum(b, 0, b.length));
      // RFC 1071 §2(A), associativity: the parts can be summed separately.
      assertThat(combined).isEqualTo(Checksum.sum(joined, 0, joined.length));
    });
  }

  @RepeatedTest(200)
  void addAndFinish_obeyOnesComplementLaws(RepetitionInfo repetition) {
    Seeds.run(0xC5_3000L + repetition.getCurrentRepetition(), r -> {
      int a = Seeds.between(r, 0, 0xFFFF);
      int b = Seeds.between(r, 0, 0xFFFF);
      int c = Seeds.between(r, 0, 0xFFFF);
      assertThat(Checksum.add(a, b)).isEqualTo(Checksum.add(b, a)).isBetween(0, 0xFFFF);
      assertThat(Checksum.add(Checksum.add(a, b), c)).isEqualTo(Checksum.add(a, Checksum.add(b, c)));
      // A sum plus its finished form is negative zero: what a receiver checks for.
      assertThat(Checksum.add(a, Checksum.finish(a))).isEqualTo(Checksum.VALID);
      assertThat(Checksum.finish(Checksum.finish(a))).isEqualTo(a);
      assertThat(Checksum.add(a, 0)).isEqualTo(a);
      long reference = (long) a + b;
      reference = (reference & 0xFFFF) + (reference >>> 16);
      assertThat(Checksum.add(a, b)).isEqualTo((int) reference);
    });
  }

  @RepeatedTest(100)
  void add32_addsBothHalves(RepetitionInfo repetition) {
    Seeds.run(0xC5_4000L + repetition.getCurrentRepetition(), r -> {
      int sum = Seeds.between(r, 0, 0xFFFF);
      int value = Seeds.anyInt(r);
      int expected = Checksum.add(Checksum.add(sum, value >>> 16), value & 0xFFFF);
      assertThat(Checksum.add32(sum, value)).isEqualTo(expected);
    });
  }

  @RepeatedTest(200)
  void pseudoHeaderIpv4_matchesTheSumOfItsTwelveBytes(RepetitionInfo repetition) {
    Seeds.run(0xC5_5000L + repetition.getCurrentRepetition(), r -> {
      int src = Seeds.anyInt(r);
      int dst = Seeds.anyInt(r);
      int protocol = Seeds.between(r, 0, 255);
      int length = Seeds.between(r, 0, 0xFFFF);
      // RFC 9293 §3.1: source, destination, zero, protocol, TCP length.
      byte[] pseudo = new byte[12];
      Bytes.put32(pseudo, 0, src);
      Bytes.put32(pseudo, 4, dst);
      pseudo[9] = (byte) protocol;
      Bytes.put16(pseudo, 10, length);
      assertThat(Checksum.pseudoHeaderIpv4(src, dst, protocol, length))
          .isEqualTo(naiveSum(pseudo, 0, 12));
    });
  }

  @RepeatedTest(200)
  void pseudoHeaderIpv6_matchesTheSumOfItsFortyBytes(RepetitionInfo repetition) {
    Seeds.run(0xC5_6000L + repetition.getCurrentRepetition(), r -> {
      long srcHi = Seeds.anyLong(r);
      long srcLo = Seeds.anyLong(r);
      long dstHi = Seeds.anyLong(r);
      long dstLo = Seeds.anyLong(r);
      int nextHeader = Seeds.between(r, 0, 255);
      int length = Seeds.anyInt(r);
      // RFC 8200 §8.1: source, destination, 32-bit length, three zero bytes, next header.
      byte[] pseudo = new byte[40];
      Bytes.put64(pseudo, 0, srcHi);
      Bytes.put64(pseudo, 8, srcLo);
      Bytes.put64(pseudo, 16, dstHi);
      Bytes.put64(pseudo, 24, dstLo);
      Bytes.put32(pseudo, 32, length);
      pseudo[39] = (byte) nextHeader;
      assertThat(Checksum.pseudoHeaderIpv6(srcHi, srcLo, dstHi, dstLo, nextHeader, length))
          .isEqualTo(naiveSum(pseudo, 0, 40));
    });
  }

  @Test
  void pseudoHeaderIpv4_knownValue() {
    // 198.18.0.1 -> 198.19.0.2, TCP, 20 bytes: c612 + 0001 + c613 + 0002 + 0006 + 0014.
    int expected = 0xC612 + 0x0001 + 0xC613 + 0x0002 + 0x0006 + 0x0014;
    expected = (expected & 0xFFFF) + (expected >>> 16);
    assertThat(Checksum.pseudoHeaderIpv4(TestPackets.SRC4, TestPackets.DST4, IpProtocol.TCP, 20))
        .isEqualTo(expected);
  }

  @RepeatedTest(100)
  void singleBitFlip_isAlwaysDetected(RepetitionInfo repetition) {
    Seeds.run(0xC5_7000L + repetition.getCurrentRepetition(), r -> {
      // A flip changes one word by 2^k, never a multiple of 0xFFFF (RFC 1071 §2).
      int length = Math.max(4, Seeds.between(r, 0, 600) & ~1);
      byte[] buf = new byte[length];
      r.nextBytes(buf);
      Bytes.put16(buf, 0, 0);
      Bytes.put16(buf, 0, Checksum.finish(Checksum.sum(buf, 0, length)));
      for (int bit = 0; bit < length * 8; bit++) {
        byte[] flipped = TestPackets.flipBit(buf, bit);
        assertThat(Checksum.sum(flipped, 0, length)).as("bit %d", bit).isNotEqualTo(Checksum.VALID);
      }
    });
  }
}
