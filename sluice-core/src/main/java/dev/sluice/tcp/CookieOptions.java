package dev.sluice.tcp;

/**
 * The options a SYN cookie cannot hold, kept in the timestamp of the cookie SYN-ACK instead (what
 * Linux does in {@code cookie_init_timestamp}): when the client's SYN carries timestamps (RFC
 * 7323), the SYN-ACK's TSval ends in 6 bits that say what the SYN offered, the window scale (4
 * bits, 15 for none) and SACK-permitted (1 bit; the sixth is 0), and the client echoes it in the
 * TSecr of every segment, the ACK that returns the cookie first. The connection made from the
 * cookie then scales its windows, selects acknowledgments and keeps timestamps as one made from
 * a SYN would; without this a cookie connection's window stops at 64 KB, which under a flood's
 * round trip caps a download at tens of MB/s (docs/benchmarks/serve.md, "Under a SYN flood").
 *
 * <p>The TSval is the connection's own timestamp clock ({@link Sender#timestamp}, derived from the
 * ISS, here the cookie) with its low 6 bits replaced, moved back by 64 when that would put it
 * ahead of the clock: later segments must never carry an older TSval (the client's PAWS check,
 * RFC 7323 §5). So the first RTT sample, from the ACK that returns the cookie, may read up to
 * 63 ms long; the RTO floor (200 ms by default) covers that, and later samples are exact.
 *
 * <p>The bits are not covered by the cookie's MAC: a client can only claim options it could have
 * offered in its SYN anyway. An echo that is not a plausible TSval of ours (from the future, or
 * older than a cookie lives) is ignored, and the connection goes without the options.
 *
 * <p>Stateless and thread-safe.
 */
final class CookieOptions {
  private static final int BITS = 0x3F;
  private static final int NO_WINDOW_SCALE = 0xF;
  private static final int SACK = 0x10;
  /** The oldest echo that can still return a live cookie (128 s), plus the 64 ticks moved back. */
  private static final long MAX_AGE_TICKS = 128_000 + 64;

  private CookieOptions() {}

  /**
   * The TSval for a cookie SYN-ACK with ISS {@code iss}, sent at {@code now}, saying that the SYN
   * offered window scale {@code peerShift} (-1: none) and SACK ({@code sack}).
   */
  static int tsVal(int iss, long now, int peerShift, boolean sack) {
    int clock = Sender.timestamp(iss, now);
    int bits = (peerShift < 0 ? NO_WINDOW_SCALE : peerShift) | (sack ? SACK : 0);
    int tsVal = (clock & ~BITS) | bits;
    return tsVal - clock > 0 ? tsVal - (BITS + 1) : tsVal;
  }

  /** True if {@code tsEcr} echoes a TSval that {@link #tsVal} could have made for {@code iss} by {@code now}. */
  static boolean echoesOurs(int tsEcr, int iss, long now) {
    int ticks = Sender.timestamp(iss, now) - tsEcr; // the clock wraps; a difference of ints does too
    return ticks >= 0 && ticks <= MAX_AGE_TICKS;
  }

  /** The window scale the SYN offered, from the echoed TSval; -1 if none. */
  static int peerShift(int tsEcr) {
    int shift = tsEcr & NO_WINDOW_SCALE;
    return shift == NO_WINDOW_SCALE ? -1 : Math.min(shift, 14);
  }

  /** Whether the SYN offered SACK, from the echoed TSval. */
  static boolean sack(int tsEcr) {
    return (tsEcr & SACK) != 0;
  }
}
