package dev.sluice.tcp;

import java.security.SecureRandom;

/**
 * Initial sequence numbers as RFC 6528 §3 (and RFC 9293 §3.4.1, SHLD-1) recommends:
 *
 * <pre>ISN = M + F(localip, localport, remoteip, remoteport, secretkey)</pre>
 *
 * <p>M is the 4-microsecond clock, {@code floor(nowNanos / 4000)} truncated to 32 bits, so that
 * successive incarnations of one connection get increasing ISNs (MUST-8) and the space wraps about
 * every 4.8 hours, far longer than the MSL. F is {@link SipHash} SipHash-2-4 under a 128-bit secret
 * key, which §3 asks for ("Key lengths of 128 bits should be adequate") and which, unlike the MD5
 * the RFC mentions, is a PRF designed for short inputs; only its low 32 bits are used. An off-path
 * attacker who does not know the key cannot predict F, and so cannot predict the ISN of a
 * connection from the ISNs of its own connections (MUST-9).
 *
 * <p>The tuple is hashed as five little-endian 64-bit words: local address high and low halves,
 * remote address high and low halves, then {@code localPort << 16 | remotePort}. An IPv4 address
 * is passed as high 0 and low {@code address & 0xFFFFFFFFL}, so it hashes like the IPv4-compatible
 * IPv6 address {@code ::a.b.c.d}; the two never name the same connection, and F stays secret
 * either way, so the coincidence is harmless.
 *
 * <p>The key is fixed for the generator's life. Rotating it (§3 suggests it is possible) would
 * need a quiet time of 2 MSL to keep reincarnated connections safe, so we do not. The generator is
 * immutable, allocates nothing, and reads no clock: {@link #withRandomKey} is its only source of
 * non-determinism, and simulations use the constructor with a seeded key instead.
 */
public final class IsnGenerator {
  /** M advances once per this many nanoseconds: the 4-microsecond timer of RFC 6528 §3. */
  public static final long TICK_NANOS = 4_000L;

  private final long key0;
  private final long key1;

  /** A generator with the given 128-bit key; deterministic, for simulations and tests. */
  public IsnGenerator(long key0, long key1) {
    this.key0 = key0;
    this.key1 = key1;
  }

  /**
   * A generator keyed with 128 bits from {@link SecureRandom}. Call it once when the stack starts
   * and share the result among all connections: drawing a key per connection would cost entropy
   * and break the guarantee that a reincarnated connection's ISN moves forward with M. The key
   * comes from the platform's strong-enough default source, as RFC 4086 asks (RFC 6528 §4).
   */
  public static IsnGenerator withRandomKey() {
    SecureRandom random = new SecureRandom();
    return new IsnGenerator(random.nextLong(), random.nextLong());
  }

  /**
   * The ISN for a connection from {@code local} to {@code remote} opened at {@code nowNanos}.
   *
   * @param localHigh the upper 64 bits of the local IPv6 address, or 0 for IPv4
   * @param localLow the lower 64 bits of the local IPv6 address, or the IPv4 address unsigned
   * @param localPort the local port, 0 to 65535
   * @param remoteHigh as {@code localHigh}, for the remote address
   * @param remoteLow as {@code localLow}, for the remote address
   * @param remotePort the remote port, 0 to 65535
   * @param nowNanos the engine's current time, on the same clock for every call
   */
  public int isn(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow,
      int remotePort, long nowNanos) {
    checkPort(localPort);
    checkPort(remotePort);
    long ports = (long) localPort << 16 | remotePort;
    long f = SipHash.hash5(key0, key1, localHigh, localLow, remoteHigh, remoteLow, ports);
    // floorDiv, not '/': a monotonic clock may be negative, and M must tick evenly through zero.
    int m = (int) Math.floorDiv(nowNanos, TICK_NANOS);
    return m + (int) f;
  }

  private static void checkPort(int port) {
    if ((port & ~0xFFFF) != 0) {
      throw new IllegalArgumentException("not a port: " + port);
    }
  }

  /** Says nothing of the key. */
  @Override
  public String toString() {
    return "IsnGenerator[SipHash-2-4, 128-bit key]";
  }
}
