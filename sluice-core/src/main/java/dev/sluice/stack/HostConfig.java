package dev.sluice.stack;

import dev.sluice.tcp.TcpConfig;

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
 * @param isnKey0 first half of the RFC 6528 ISN key; with {@code isnKey1}, 0 and 0 mean random
 * @param isnKey1 second half of the key
 * @param jitterNanos a random processing delay, up to this long, that each worker spins before
 *     handling a packet: makes races happen on purpose in torture runs (0: none)
 * @param maxConnections the most connections the host keeps at once, in every state (hostile input
 *     32): a SYN beyond it is dropped and counted, a connect beyond it fails
 */
public record HostConfig(int workers, Steering steering, TcpConfig tcp, int backlogLimit,
    long watchdogNanos, long callTimeoutNanos, long timerTickNanos, int timerSlots, Clock clock,
    ConnectionObserver observer, long isnKey0, long isnKey1, long jitterNanos, int maxConnections) {

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
    if (steering == null || tcp == null || clock == null || observer == null) {
      throw new IllegalArgumentException("steering, tcp, clock and observer are required");
    }
  }

  public static HostConfig defaults() {
    return new HostConfig(Runtime.getRuntime().availableProcessors(), Steering.STEER, TcpConfig.defaults(),
        1024, 30_000_000_000L, 60_000_000_000L, 1_000_000L, 512, Clock.SYSTEM, ConnectionObserver.NONE, 0, 0, 0,
        1_000_000);
  }

  public HostConfig withWorkers(int n) {
    return new HostConfig(n, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withSteering(Steering s) {
    return new HostConfig(workers, s, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withTcp(TcpConfig t) {
    return new HostConfig(workers, steering, t, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withBacklogLimit(int limit) {
    return new HostConfig(workers, steering, tcp, limit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withWatchdogNanos(long nanos) {
    return new HostConfig(workers, steering, tcp, backlogLimit, nanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withCallTimeoutNanos(long nanos) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, nanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withClock(Clock c) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, c, observer, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withObserver(ConnectionObserver o) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, o, isnKey0, isnKey1, jitterNanos, maxConnections);
  }

  public HostConfig withIsnKey(long k0, long k1) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, k0, k1, jitterNanos, maxConnections);
  }

  /** The most connections the host keeps at once (default 1,000,000). */
  public HostConfig withMaxConnections(int n) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, jitterNanos, n);
  }

  public HostConfig withJitterNanos(long nanos) {
    return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos, timerTickNanos,
        timerSlots, clock, observer, isnKey0, isnKey1, nanos, maxConnections);
  }
}
