package dev.sluice.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 *
 * <p>Sums are kept "unfinished": a 16-bit one's complement sum in network order, so that the sum of
 * a pseudo-header and of a segment can be combined with {@link #add} before {@link #finish}. A
 * region checks out when its sum, including the checksum field, is {@code 0xFFFF}.
 *
 * <p><b>Eight bytes at a time.</b> RFC 1071 §2(B) shows that the sum is independent of byte order
 * up to a final swap, and §2(C) that it may be accumulated in wider words and folded afterwards. So
 * the loop reads native little-endian 64-bit words, adds their two 32-bit halves into a 64-bit
 * accumulator (which cannot overflow below 2^30 words, far beyond any packet), folds to 16 bits
 * and swaps to network order once at the end.
 *
 * <p>The methods are stateless and thread-safe; sums are plain {@code int}s from 0 to 0xFFFF.
 */
public final class Checksum {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT_LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW32 = 0xFFFF_FFFFL;

  /** The unfinished sum of a region that checks out. */
  public static final int VALID = 0xFFFF;

  private Checksum() {}

  /**
   * The unfinished one's complement sum of {@code len} bytes at {@code off}, in network order.
   * The region is summed as if it started on an even boundary (as every checksummed header does).
   *
   * @param buf the buffer
   * @param off the region's first byte
   * @param len the region's length in bytes; an odd length is padded with a zero byte (RFC 1071 §4.1)
   * @return the unfinished sum, 0 to 0xFFFF; {@link #VALID} if the region, checksum field included,
   *     checks out
   * @throws IndexOutOfBoundsException if the region is not inside {@code buf}
   */
  public static int sum(byte[] buf, int off, int len) {
    long a = 0;
    long b = 0;
    int i = off;
    int end = off + len;
    // Two independent accumulators let the CPU overlap the adds. The bound is i < limit rather
    // than i + 16 <= end: C2 treats only the first shape as a counted loop, and only a counted
    // loop gets its array bounds checks hoisted and its body unrolled (three times faster here).
    int limit = end - 15;
    for (; i < limit; i += 16) {
      long w0 = (long) LONG_LE.get(buf, i);
      long w1 = (long) LONG_LE.get(buf, i + 8);
      a += (w0 >>> 32) + (w0 & LOW32);
      b += (w1 >>> 32) + (w1 & LOW32);
    }
    a += b;
    if (i + 8 <= end) {
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
      // A trailing odd byte is the high-order byte of a zero-padded word (RFC 1071 §4.1); in
      // little-endian lanes the high-order network byte is the low-order one.
      a += buf[i] & 0xFF;
    }
    int folded = fold(a);
    return Integer.reverseBytes(folded) >>> 16; // back to network order
  }

  /**
   * One's complement addition of two unfinished sums (or of a sum and a 16-bit word).
   *
   * @param sumA an unfinished sum or 16-bit word
   * @param sumB another
   * @return their one's complement sum, folded to 16 bits
   */
  public static int add(int sumA, int sumB) {
    return fold((long) sumA + sumB);
  }

  /**
   * Adds a 32-bit value (an IPv4 address, say) as two 16-bit words.
   *
   * @param sum an unfinished sum
   * @param value the 32-bit value, high word first as on the wire
   * @return the new unfinished sum, folded to 16 bits
   */
  public static int add32(int sum, int value) {
    return fold((long) sum + (value >>> 16) + (value & 0xFFFF));
  }

  /**
   * The value to store in a checksum field: the complement of the sum.
   *
   * @param sum the unfinished sum over everything covered, the checksum field counted as 0
   * @return the checksum to write in network order, 0 to 0xFFFF
   */
  public static int finish(int sum) {
    return ~sum & 0xFFFF;
  }

  /**
   * Unfinished sum of the IPv4 pseudo-header (RFC 9293 §3.1, RFC 768).
   *
   * @param src the source address as a big-endian {@code int}
   * @param dst the destination address as a big-endian {@code int}
   * @param protocol the {@link IpProtocol} number
   * @param length the transport length in bytes (header and data)
   * @return the unfinished sum, to be {@link #add}ed to the transport's own sum
   */
  public static int pseudoHeaderIpv4(int src, int dst, int protocol, int length) {
    long s = (long) (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF);
    s += protocol + length;
    return fold(s);
  }

  /**
   * Unfinished sum of the IPv6 pseudo-header (RFC 8200 §8.1). Addresses are given as their high
   * and low 64 bits.
   *
   * @param srcHi the first 64 bits of the source address
   * @param srcLo the last 64 bits of the source address
   * @param dstHi the first 64 bits of the destination address
   * @param dstLo the last 64 bits of the destination address
   * @param nextHeader the upper-layer {@link IpProtocol} number
   * @param length the upper-layer length in bytes (a 32-bit field in the pseudo-header)
   * @return the unfinished sum, to be {@link #add}ed to the upper layer's own sum
   */
  public static int pseudoHeaderIpv6(
      long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int length) {
    long s = words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo);
    s += (length >>> 16) + (length & 0xFFFF) + nextHeader;
    return fold(s);
  }

  private static long words(long v) {
    return (v >>> 48) + ((v >>> 32) & 0xFFFF) + ((v >>> 16) & 0xFFFF) + (v & 0xFFFF);
  }

  private static int fold(long s) {
    s = (s >>> 32) + (s & LOW32);
    s = (s >>> 16) + (s & 0xFFFF);
    s = (s >>> 16) + (s & 0xFFFF);
    s = (s >>> 16) + (s & 0xFFFF);
    return (int) s;
  }
}
