package dev.sluice.tcp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
 * pseudorandom function with a 128-bit key and a 64-bit output, fast on the short inputs a
 * connection identifier makes. It is what RFC 6528 §3 asks of F(): not computable without the
 * key. Linux uses it for the same job.
 *
 * <p>The word variants ({@code hash1} to {@code hash5}) take the message as 64-bit words instead of
 * bytes, so that hashing a 4-tuple neither allocates nor copies (a varargs {@code long...} would
 * allocate an array per call). Each word stands for its eight bytes in little-endian order, which
 * is how SipHash reads a message, so {@code hash2(k0, k1, a, b)} equals {@link #hash} of the 16
 * little-endian bytes of a then b. The key words are likewise the little-endian reading of the 16
 * key bytes: the reference key 00 01 .. 0f is {@code k0 = 0x0706050403020100L, k1 =
 * 0x0f0e0d0c0b0a0908L}.
 */
public final class SipHash {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  // The initialisation constants: "somepseudorandomlygeneratedbytes" in ASCII.
  private static final long V0 = 0x736f6d6570736575L;
  private static final long V1 = 0x646f72616e646f6dL;
  private static final long V2 = 0x6c7967656e657261L;
  private static final long V3 = 0x7465646279746573L;

  private static final int C_ROUNDS = 2;
  private static final int D_ROUNDS = 4;

  private SipHash() {}

  /** SipHash-2-4 of {@code data[off, off + len)}. */
  public static long hash(long k0, long k1, byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    int words = len >>> 3;
    // The last block: the remaining 0-7 bytes, little-endian, with the length mod 256 on top.
    long last = (long) len << 56;
    int tail = off + (words << 3);
    for (int i = 0; i < (len & 7); i++) {
      last |= (data[tail + i] & 0xFFL) << (8 * i);
    }
    long v0 = k0 ^ V0;
    long v1 = k1 ^ V1;
    long v2 = k0 ^ V2;
    long v3 = k1 ^ V3;
    // Steps 0..words-1 compress a message word, step `words` the last block, and the step after
    // it finalizes (m = 0 there, so the two XORs with m do nothing).
    for (int step = 0; step <= words + 1; step++) {
      boolean finalization = step == words + 1;
      long m = step < words ? (long) LONG_LE.get(data, off + (step << 3)) : finalization ? 0 : last;
      v3 ^= m;
      if (finalization) {
        v2 ^= 0xFF;
      }
      for (int round = finalization ? D_ROUNDS : C_ROUNDS; round > 0; round--) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /** SipHash-2-4 of the 8-byte message that is {@code a} in little-endian order. */
  public static long hash1(long k0, long k1, long a) {
    return words(k0, k1, 1, a, 0, 0, 0, 0);
  }

  /** SipHash-2-4 of the 16-byte message a, b (each word little-endian). */
  public static long hash2(long k0, long k1, long a, long b) {
    return words(k0, k1, 2, a, b, 0, 0, 0);
  }

  /** SipHash-2-4 of the 24-byte message a, b, c (each word little-endian). */
  public static long hash3(long k0, long k1, long a, long b, long c) {
    return words(k0, k1, 3, a, b, c, 0, 0);
  }

  /** SipHash-2-4 of the 32-byte message a, b, c, d (each word little-endian). */
  public static long hash4(long k0, long k1, long a, long b, long c, long d) {
    return words(k0, k1, 4, a, b, c, d, 0);
  }

  /** SipHash-2-4 of the 40-byte message a, b, c, d, e (each word little-endian). */
  public static long hash5(long k0, long k1, long a, long b, long c, long d, long e) {
    return words(k0, k1, 5, a, b, c, d, e);
  }

  /**
   * The same algorithm as {@link #hash}, for a message of {@code count} whole words. The round is
   * written out again rather than shared, because a helper cannot hand back four longs without
   * allocating.
   */
  private static long words(
      long k0, long k1, int count, long w0, long w1, long w2, long w3, long w4) {
    long last = (long) count << 59; // no tail bytes: only the length, 8 * count, in the top byte
    long v0 = k0 ^ V0;
    long v1 = k1 ^ V1;
    long v2 = k0 ^ V2;
    long v3 = k1 ^ V3;
    for (int step = 0; step <= count + 1; step++) {
      boolean finalization = step == count + 1;
      long m = step < count ? word(step, w0, w1, w2, w3, w4) : finalization ? 0 : last;
      v3 ^= m;
      if (finalization) {
        v2 ^= 0xFF;
      }
      for (int round = finalization ? D_ROUNDS : C_ROUNDS; round > 0; round--) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  private static long word(int index, long w0, long w1, long w2, long w3, long w4) {
    return switch (index) {
      case 0 -> w0;
      case 1 -> w1;
      case 2 -> w2;
      case 3 -> w3;
      default -> w4;
    };
  }
}
