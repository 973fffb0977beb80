package dev.sluice.stack;

import dev.sluice.tcp.SipHash;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * Ephemeral (local) port selection for outgoing connections: RFC 6056 §3.3.3, Algorithm 3,
 * "Simple Hash-Based Port Selection Algorithm":
 *
 * <pre>
 * num_ephemeral = max_ephemeral - min_ephemeral + 1;
 * offset = F(local_IP, remote_IP, remote_port, secret_key);
 * count = num_ephemeral;
 * do {
 *     port = min_ephemeral + (next_ephemeral + offset) % num_ephemeral;
 *     next_ephemeral++;
 *     if (check_suitable_port(port))
 *         return port;
 *     count--;
 * } while (count &gt; 0);
 * return ERROR;
 * </pre>
 *
 * <p>Why this algorithm: ports are unpredictable to an off-path attacker who does not know the
 * secret (which blind RST and data injection would need, RFC 6056 §1 and RFC 5961), yet
 * successive connections to one remote endpoint walk the range sequentially from a per-endpoint
 * offset, so they do not reuse a port (and its TIME-WAIT tuple) soon, which §3.1 asks for. F is
 * {@link SipHash} SipHash-2-4, a keyed PRF as §3.3.3 wants ("a cryptographic hash function");
 * the local port is deliberately not among its inputs. The 64-bit secret is the key's first word;
 * the second is derived from it, so the key has 64 bits of entropy.
 *
 * <p>{@code next_ephemeral} is an {@link AtomicInteger}, so the allocator is thread-safe without a
 * lock. Each call takes one value of it and then tries {@code base, base + 1, ...} itself, so
 * concurrent callers never make each other skip a port: a call that returns -1 really did find
 * every port of the range in use. Afterwards it advances the counter by the further ports it
 * tried, as the RFC's loop would. The counter wraps at 2<sup>32</sup>; where the range size does
 * not divide that, the sequence jumps once, which is harmless.
 *
 * <p>{@code inUse} is the RFC's {@code check_suitable_port} inverted: it answers whether the full
 * 4-tuple with that local port is taken (so one port serves many remote endpoints, as §3.3.3
 * intends). The check and the later claim are the caller's to make atomic, typically by
 * {@link ConnectionTable#putIfAbsent} and retrying on a clash.
 *
 * <p>The default range is IANA's dynamic ports, 49152 to 65535 (RFC 6335 §6), which Linux and
 * most stacks also use; RFC 6056 §3.2 would allow 1024 to 65535 for a larger search space.
 */
final class EphemeralPorts {
  /** The first port of the default range (RFC 6335 §6). */
  public static final int DEFAULT_FIRST = 49152;

  /** The last port of the default range. */
  public static final int DEFAULT_LAST = 65535;

  private final int first;
  private final int last;
  private final int count;
  private final long key0;
  private final long key1;

  /** The RFC's {@code next_ephemeral}; 0 at start, as in the RFC's initialization. */
  private final AtomicInteger next = new AtomicInteger();

  /**
   * An allocator for ports {@code first} to {@code last} inclusive, keyed by {@code secret}:
   * deterministic for a given secret. A {@link Host} draws the secret from its configured random
   * source ({@link HostConfig#random()}), which is seeded by {@link SecureRandom} unless a
   * simulation or test passes a seeded one.
   *
   * @throws IllegalArgumentException unless {@code 1 <= first <= last <= 65535}
   */
  public EphemeralPorts(int first, int last, long secret) {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "ephemeral port range must satisfy 1 <= first <= last <= 65535: " + first + "-" + last);
    }
    this.first = first;
    this.last = last;
    this.count = last - first + 1;
    this.key0 = secret;
    this.key1 = Long.rotateLeft(secret, 32) ^ 0x9E37_79B9_7F4A_7C15L;
  }

  /** The default range, 49152 to 65535, keyed by {@code secret}. */
  public static EphemeralPorts defaultRange(long secret) {
    return new EphemeralPorts(DEFAULT_FIRST, DEFAULT_LAST, secret);
  }

  /**
   * The default range with a secret from {@link SecureRandom}, drawn once per stack: RFC 6056
   * §3.3.3 needs the secret to be unknown to attackers, and a per-call secret would defeat the
   * sequential walk that keeps reuse of one tuple rare.
   */
  public static EphemeralPorts withRandomSecret() {
    return defaultRange(new SecureRandom().nextLong());
  }

  /**
   * A local port for a connection to {@code remote} from {@code local} for which
   * {@code inUse.test(port)} is false, or -1 if every port of the range is in use (the caller turns
   * that into {@code java.net.BindException}). Addresses as {@link dev.sluice.tcp.TcpEndpoints}
   * holds them (IPv4: high 0, low the unsigned address). Allocates nothing itself.
   */
  public int allocate(boolean ipv6, long localHigh, long localLow, long remoteHigh, long remoteLow,
      int remotePort, IntPredicate inUse) {
    Objects.requireNonNull(inUse, "inUse");
    long offset = offset(ipv6, localHigh, localLow, remoteHigh, remoteLow, remotePort);
    long base = Integer.toUnsignedLong(next.getAndIncrement());
    for (int tried = 0; tried < count; tried++) {
      int port = first + (int) ((base + offset + tried) % count);
      if (!inUse.test(port)) {
        if (tried > 0) {
          next.addAndGet(tried);
        }
        return port;
      }
    }
    next.addAndGet(count - 1);
    return -1;
  }

  /** The RFC's {@code offset = F(local_IP, remote_IP, remote_port, secret_key)}, reduced mod the range size. */
  long offset(boolean ipv6, long localHigh, long localLow, long remoteHigh, long remoteLow,
      int remotePort) {
    long tail = (ipv6 ? 1L << 32 : 0) | (remotePort & 0xFFFF_FFFFL);
    long f = SipHash.hash5(key0, key1, localHigh, localLow, remoteHigh, remoteLow, tail);
    return Long.remainderUnsigned(f, count);
  }

  public int first() {
    return first;
  }

  public int last() {
    return last;
  }

  @Override
  public String toString() {
    return "EphemeralPorts[" + first + "-" + last + "]";
  }
}
