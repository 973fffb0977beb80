package dev.sluice.tcp;

/**
 * RFC 5961 §7: at most a configured number of challenge ACKs per second, so a blind attacker
 * cannot turn a connection into an ACK amplifier. Made at a connection's first challenge ACK,
 * which most connections never send.
 */
final class ChallengeAckLimiter {
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private long windowStart = Long.MIN_VALUE;
  private int sentInWindow;

  /** True if a challenge ACK may go out at {@code now}; counts it if so. */
  boolean tryAcquire(long now, int perSecond) {
    if (windowStart == Long.MIN_VALUE || now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      sentInWindow = 0;
    }
    if (sentInWindow < perSecond) {
      sentInWindow++;
      return true;
    }
    return false;
  }
}
