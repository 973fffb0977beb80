package dev.sluice.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Alternative Internet-checksum loops, kept here (not in sluice-core) only to compare against
 * {@link dev.sluice.wire.Checksum#sum}. Every variant returns exactly what {@code Checksum.sum}
 * returns: the unfinished 16-bit one's complement sum in network order; {@link ChecksumBenchmark}
 * checks that before it measures anything.
 */
final class ChecksumVariants {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT_LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW32 = 0xFFFF_FFFFL;

  private ChecksumVariants() {}

  /** The textbook RFC 1071 loop: one big-endian 16-bit word at a time. The baseline. */
  static int naive(byte[] buf, int off, int len) {
    long sum = 0;
    int i = off;
    int end = off + len;
    for (; i + 1 < end; i += 2) {
      sum += ((buf[i] & 0xFF) << 8) | (buf[i + 1] & 0xFF);
    }
    if (i < end) {
      sum += (buf[i] & 0xFF) << 8;
    }
    return fold(sum); // big-endian words: already in network order
  }

  /**
   * Exactly {@code Checksum.sum}, except for the loop condition: {@code i < limit} with a
   * loop-invariant {@code limit = end - 15} instead of {@code i + 16 <= end}. C2 only treats
   * {@code i < limit}-shaped loops as counted loops; {@code i + 16 <= end} can overflow, so C2 keeps
   * it as a general loop with a safepoint poll and two array bounds checks per iteration and never
   * unrolls it. Counted, the checks are hoisted (range-check elimination) and the body is unrolled.
   */
  static int counted(byte[] buf, int off, int len) {
    long a = 0;
    long b = 0;
    int i = off;
    int end = off + len;
    int limit = end - 15; // i + 16 <= end  <=>  i < end - 15, without the overflow
    for (; i < limit; i += 16) {
      long w0 = (long) LONG_LE.get(buf, i);
      long w1 = (long) LONG_LE.get(buf, i + 8);
      a += (w0 >>> 32) + (w0 & LOW32);
      b += (w1 >>> 32) + (w1 & LOW32);
    }
    a += b;
    return tail(buf, i, end, a);
  }

  /** {@link #carry64} with the counted loop of {@link #counted}. */
  static int countedCarry64(byte[] buf, int off, int len) {
    long s0 = 0;
    long s1 = 0;
    long c0 = 0;
    long c1 = 0;
    int i = off;
    int end = off + len;
    int limit = end - 15;
    for (; i < limit; i += 16) {
      long w0 = (long) LONG_LE.get(buf, i);
      long w1 = (long) LONG_LE.get(buf, i + 8);
      long t0 = s0 + w0;
      long t1 = s1 + w1;
      c0 += Long.compareUnsigned(t0, w0) < 0 ? 1 : 0;
      c1 += Long.compareUnsigned(t1, w1) < 0 ? 1 : 0;
      s0 = t0;
      s1 = t1;
    }
    long a = (s0 >>> 32) + (s0 & LOW32) + (s1 >>> 32) + (s1 & LOW32) + c0 + c1;
    return tail(buf, i, end, a);
  }

  /**
   * As {@code Checksum.sum}, but four accumulators over 32 bytes per iteration: more independent
   * adds in flight, and half the loop overhead and bounds checks per byte.
   */
  static int unrolled4(byte[] buf, int off, int len) {
    long a = 0;
    long b = 0;
    long c = 0;
    long d = 0;
    int i = off;
    int end = off + len;
    for (; i + 32 <= end; i += 32) {
      long w0 = (long) LONG_LE.get(buf, i);
      long w1 = (long) LONG_LE.get(buf, i + 8);
      long w2 = (long) LONG_LE.get(buf, i + 16);
      long w3 = (long) LONG_LE.get(buf, i + 24);
      a += (w0 >>> 32) + (w0 & LOW32);
      b += (w1 >>> 32) + (w1 & LOW32);
      c += (w2 >>> 32) + (w2 & LOW32);
      d += (w3 >>> 32) + (w3 & LOW32);
    }
    a += b + c + d;
    return tail(buf, i, end, a);
  }

  /**
   * 32-bit lanes: each int, zero-extended, added to a 64-bit accumulator. One load and one add per
   * four bytes, no shift or mask (the zero extension is free on x86-64).
   */
  static int intLanes(byte[] buf, int off, int len) {
    long a = 0;
    long b = 0;
    long c = 0;
    long d = 0;
    int i = off;
    int end = off + len;
    for (; i + 16 <= end; i += 16) {
      a += ((int) INT_LE.get(buf, i)) & LOW32;
      b += ((int) INT_LE.get(buf, i + 4)) & LOW32;
      c += ((int) INT_LE.get(buf, i + 8)) & LOW32;
      d += ((int) INT_LE.get(buf, i + 12)) & LOW32;
    }
    a += b + c + d;
    return tail(buf, i, end, a);
  }

  /**
   * Full 64-bit words with an explicit end-around carry: one add, one unsigned compare per eight
   * bytes. The carries are counted separately and folded in once at the end.
   */
  static int carry64(byte[] buf, int off, int len) {
    long s0 = 0;
    long s1 = 0;
    long c0 = 0;
    long c1 = 0;
    int i = off;
    int end = off + len;
    for (; i + 16 <= end; i += 16) {
      long w0 = (long) LONG_LE.get(buf, i);
      long w1 = (long) LONG_LE.get(buf, i + 8);
      long t0 = s0 + w0;
      long t1 = s1 + w1;
      c0 += Long.compareUnsigned(t0, w0) < 0 ? 1 : 0;
      c1 += Long.compareUnsigned(t1, w1) < 0 ? 1 : 0;
      s0 = t0;
      s1 = t1;
    }
    // Fold each 64-bit one's complement sum to 32-bit halves so the tail can continue in a long.
    long a = (s0 >>> 32) + (s0 & LOW32) + (s1 >>> 32) + (s1 & LOW32) + c0 + c1;
    return tail(buf, i, end, a);
  }

  /** The tail of {@code Checksum.sum}: fewer than one iteration's worth of bytes. */
  private static int tail(byte[] buf, int i, int end, long a) {
    while (i + 8 <= end) {
      long w = (long) LONG_LE.get(buf, i);
      a += (w >>> 32) + (w & LOW32);
      i += 8;
    }
    if (i + 4 <= end) {
      a += ((int) INT_LE.get(buf, i)) & LOW32;
      i += 4;
    }
    if (i + 2 <= end) {
      a += ((short) SHORT_LE.get(buf, i)) & 0xFFFF;
      i += 2;
    }
    if (i < end) {
      a += buf[i] & 0xFF;
    }
    return Integer.reverseBytes(fold(a)) >>> 16;
  }

  private static int fold(long s) {
    s = (s >>> 32) + (s & LOW32);
    s = (s >>> 16) + (s & 0xFFFF);
    s = (s >>> 16) + (s & 0xFFFF);
    s = (s >>> 16) + (s & 0xFFFF);
    return (int) s;
  }
}
