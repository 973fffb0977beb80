package dev.sluice.stack;

import dev.sluice.tcp.TcpConfig;
import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * How a {@link Host} runs.
 *
 * @param workers receive workers (platform threads); defaults to the number of cores
 * @param steering how receive queues are shared among them
 * @param tcp the configuration of every connection
 * @param backlogLimit segments a connection's backlog holds while it is owned; more are dropped
 * @param watchdogNanos report a connection whose peer's FIN was delivered but whose application
 *     has not closed after this long (0: never)
 * @param callTimeoutNanos the longest an application call waits for the connection's owner to
 *     run it; only a broken ownership protocol makes it wait at all for long
 * @param timerTickNanos the timer wheels' tick
 * @param timerSlots slots per timer wheel (a power of two)
 * @param clock the runtime's clock (real, or virtual in a simulation)
 * @param observer sees every connection event
 * @param random where the host draws its secrets, once, while it is built: the RFC 6528 ISN key,
 *     the SYN-cookie key, the RFC 6056 ephemeral-port secret and the ICMP echo identifier. The
 *     default is seeded by {@link SecureRandom}; a seeded generator makes all of them reproducible
 *     (simulations, conformance scripts, tests). Drawn from only by the {@link Host} constructor,
 *     in a fixed order, so a host built from a generator in a given state always gets the same
 *     secrets; a generator shared by several hosts gives each different ones
 * @param faults deliberate misbehaviour for tests and benchmarks; {@link FaultInjection#NONE} by
 *     default
 * @param maxConnections the most connections the host keeps at once, in every state (hostile input
 *     32): a SYN beyond it is dropped and counted, a connect beyond it fails
 */
public record HostConfig(int workers, Steering steering, TcpConfig tcp, int backlogLimit,
    long watchdogNanos, long callTimeoutNanos, long timerTickNanos, int timerSlots, Clock clock,
    ConnectionObserver observer, RandomGenerator random, FaultInjection faults, int maxConnections) {

  public HostConfig {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1: " + workers);
    }
    if (backlogLimit < 1) {
      throw new IllegalArgumentException("backlogLimit must be positive: " + backlogLimit);
    }
    if (timerTickNanos <= 0 || Integer.bitCount(timerSlots) != 1) {
      throw new IllegalArgumentException("timer tick must be positive and slots a power of two: "
          + timerTickNanos + ", " + timerSlots);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
    }
    if (steering == null || tcp == null || clock == null || observer == null || random == null || faults == null) {
      throw new IllegalArgumentException("steering, tcp, clock, observer, random and faults are required");
    }
  }

  public static HostConfig defaults() {
    return new HostConfig(Runtime.getRuntime().availableProcessors(), Steering.STEER, TcpConfig.defaults(),
        1024, 30_000_000_000L, 60_000_000_000L, 1_000_000L, 512, Clock.SYSTEM, ConnectionObserver.NONE,
        new SecureRandom(), FaultInjection.NONE, 1_000_000);
  }

  public HostConfig withWorkers(int n) {
    return new HostConfig(n, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withSteering(Steering s) {
    return new HostConfig(workers, s, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withTcp(TcpConfig t) {
    return new HostConfig(workers, steering, t, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withBacklogLimit(int limit) {
    return new HostConfig(workers, steering, tcp, limit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withWatchdogNanos(long nanos) {
    return new HostConfig(workers, steering, tcp, backlogLimit, nanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withCallTimeoutNanos(long nanos) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, nanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, maxConnections);
  }

  public HostConfig withClock(Clock c) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, c, observer, random, faults, maxConnections);
  }

  public HostConfig withObserver(ConnectionObserver o) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, o, random, faults, maxConnections);
  }

  /**
   * Where the host draws its secrets (ISN key, SYN-cookie key, ephemeral-port secret, ICMP
   * identifier): a seeded generator, such as {@code new SplittableRandom(seed)}, makes a host
   * reproducible. The default is seeded by {@link SecureRandom}.
   */
  public HostConfig withRandom(RandomGenerator r) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, r, faults, maxConnections);
  }

  /** The most connections the host keeps at once (default 1,000,000). */
  public HostConfig withMaxConnections(int n) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, faults, n);
  }

  /** Deliberate misbehaviour for tests and benchmarks; see {@link FaultInjection}. */
  public HostConfig withFaults(FaultInjection f) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, random, f, maxConnections);
  }
}
