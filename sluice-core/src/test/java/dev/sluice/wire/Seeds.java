package dev.sluice.wire;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Seeded property tests without a property-testing library (docs/decisions.md): each repetition
 * draws its case from a {@link SplittableRandom} with a fixed seed, and a failure names the seed,
 * so it replays exactly. The draws lean towards edge values, as a property library would.
 */
final class Seeds {
  private Seeds() {}

  /** Runs one case; any failure or exception is reported with the seed that replays it. */
  static void run(long seed, Consumer<SplittableRandom> body) {
    try {
      body.accept(new SplittableRandom(seed));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("seed 0x" + Long.toHexString(seed) + ": " + e, e);
    }
  }

  /** An int in {@code [min, max]}; one draw in eight is {@code min} or {@code max}. */
  static int between(SplittableRandom r, int min, int max) {
    return switch (r.nextInt(16)) {
      case 0 -> min;
      case 1 -> max;
      default -> (int) r.nextLong(min, (long) max + 1);
    };
  }

  /** Any int; one draw in eight is 0, 1, -1, or an extreme. */
  static int anyInt(SplittableRandom r) {
    return switch (r.nextInt(16)) {
      case 0 -> 0;
      case 1 -> Integer.MAX_VALUE;
      case 2 -> Integer.MIN_VALUE;
      case 3 -> r.nextBoolean() ? 1 : -1;
      default -> r.nextInt();
    };
  }

  /** Any long; one draw in eight is 0, -1 or an extreme. */
  static long anyLong(SplittableRandom r) {
    return switch (r.nextInt(16)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
      default -> r.nextLong();
    };
  }

  /** Random bytes, of a length in {@code [0, maxLength]} that favours 0 and the maximum. */
  static byte[] bytes(SplittableRandom r, int maxLength) {
    byte[] b = new byte[between(r, 0, maxLength)];
    r.nextBytes(b);
    return b;
  }

  /**
   * An offset or a length for a {@code wrap} call: mostly near the buffer, sometimes negative or
   * extreme, so that bounds checks are exercised on both sides and against overflow.
   */
  static int offsetOrLength(SplittableRandom r, int near) {
    return r.nextInt(4) == 0 ? anyInt(r) : between(r, -4, near);
  }

  /** A 48-bit MAC address. */
  static long mac(SplittableRandom r) {
    return r.nextInt(8) == 0 ? 0xFFFF_FFFF_FFFFL : r.nextLong(1L << 48);
  }
}
