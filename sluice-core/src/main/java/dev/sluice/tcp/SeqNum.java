package dev.sluice.tcp;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4). Sequence numbers are held in Java
 * {@code int}s; comparisons use the sign of the 32-bit difference, which is correct whenever the
 * two numbers are less than 2^31 apart, as they always are within one connection's windows.
 */
final class SeqNum {
  private SeqNum() {}

  /** a < b modulo 2^32. */
  public static boolean lt(int a, int b) {
    return a - b < 0;
  }

  /** a ≤ b modulo 2^32. */
  public static boolean le(int a, int b) {
    return a - b <= 0;
  }

  /** a > b modulo 2^32. */
  public static boolean gt(int a, int b) {
    return a - b > 0;
  }

  /** a ≥ b modulo 2^32. */
  public static boolean ge(int a, int b) {
    return a - b >= 0;
  }

  public static int max(int a, int b) {
    return gt(a, b) ? a : b;
  }

  public static int min(int a, int b) {
    return lt(a, b) ? a : b;
  }

  /** True if {@code seq} lies in {@code [start, start + length)} modulo 2^32; length is unsigned. */
  public static boolean inWindow(int seq, int start, long length) {
    return Integer.toUnsignedLong(seq - start) < length;
  }

  /** The forward distance from {@code from} to {@code to}, as an unsigned value in [0, 2^32). */
  public static long distance(int from, int to) {
    return Integer.toUnsignedLong(to - from);
  }
}
