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
 * @param loopback give the host a loopback device ({@link dev.sluice.link.LoopbackDevice}) with
 *     127.0.0.1/8 and ::1/128, through which its packets to any of its own addresses go (RFC 1122
 *     §3.3.4.2); off by default, so that simulations send exactly what they did before
 * @param idleSpinNanos how long a worker spins after work before it parks, at most (it adapts
 *     below that; see {@code dev.sluice.api.IdleStrategy}): 0 parks at once, {@link Long#MAX_VALUE}
 *     never parks
 * @param busyPollNanos how long an application thread blocked in a read, a write or a connect
 *     spins, watching for the event, before it parks (Linux's {@code SO_BUSY_POLL}); 0 (the
 *     default, as Linux's {@code net.core.busy_read}) parks at once. Platform threads only: a
 *     virtual thread never spins, it would hold its carrier
 * @param readSpinNanos the longest a platform thread blocked in a read spins before it parks when
 *     the connection has shown its replies come that fast ({@link ReadSpin}, learned per
 *     connection); 0 (the default here; {@code NetStack} sets 15 µs) never spins. A nonzero
 *     {@code busyPollNanos} takes its place
 * @param name the host's name, unique in the JVM, in its MBean's name and in its JFR events;
 *     null (the default) names it {@code stack-N}. A name another running host has already gets
 *     a suffix ({@code -2}, {@code -3}...)
 * @param jmx register an MBean for the host on the platform MBean server while it runs ({@code
 *     dev.sluice:type=NetStack,name=NAME}: its counters and connection table, which {@code sluice
 *     ss} reads); on by default
 */
public record HostConfig(int workers, Steering steering, TcpConfig tcp, int backlogLimit,
    long watchdogNanos, long callTimeoutNanos, long timerTickNanos, int timerSlots, Clock clock,
    ConnectionObserver observer, RandomGenerator random, FaultInjection faults, int maxConnections,
    boolean loopback, long idleSpinNanos, long busyPollNanos, long readSpinNanos, String name, boolean jmx) {

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
    if (busyPollNanos < 0) {
      throw new IllegalArgumentException("busyPollNanos must not be negative: " + busyPollNanos);
    }
    if (readSpinNanos < 0 || readSpinNanos > 1_000_000_000L) { // ReadSpin keeps it in an int
      throw new IllegalArgumentException("readSpinNanos must be between 0 and 1 s: " + readSpinNanos);
    }
    if (idleSpinNanos < 0) {
      throw new IllegalArgumentException("idleSpinNanos must not be negative: " + idleSpinNanos);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
    }
    if (steering == null || tcp == null || clock == null || observer == null || random == null || faults == null) {
      throw new IllegalArgumentException("steering, tcp, clock, observer, random and faults are required");
    }
  }

  public static HostConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.workers = workers;
    b.steering = steering;
    b.tcp = tcp;
    b.backlogLimit = backlogLimit;
    b.watchdogNanos = watchdogNanos;
    b.callTimeoutNanos = callTimeoutNanos;
    b.timerTickNanos = timerTickNanos;
    b.timerSlots = timerSlots;
    b.clock = clock;
    b.observer = observer;
    b.random = random;
    b.faults = faults;
    b.maxConnections = maxConnections;
    b.loopback = loopback;
    b.idleSpinNanos = idleSpinNanos;
    b.busyPollNanos = busyPollNanos;
    b.readSpinNanos = readSpinNanos;
    b.name = name;
    b.jmx = jmx;
    return b;
  }

  /**
   * Mutable companion of {@link HostConfig}, in the style of {@link TcpConfig.Builder}; its initial
   * values are the defaults. The fields are the record's components, documented there.
   */
  public static final class Builder {
    public int workers = Runtime.getRuntime().availableProcessors();
    public Steering steering = Steering.STEER;
    public TcpConfig tcp = TcpConfig.defaults();
    public int backlogLimit = 1024;
    public long watchdogNanos = 30_000_000_000L;
    public long callTimeoutNanos = 60_000_000_000L;
    public long timerTickNanos = 1_000_000L;
    public int timerSlots = 512;
    public Clock clock = Clock.SYSTEM;
    public ConnectionObserver observer = ConnectionObserver.NONE;
    /**
     * Where the host draws its secrets: a seeded generator, such as {@code new
     * SplittableRandom(seed)}, makes a host reproducible. The default is seeded by {@link
     * SecureRandom}.
     */
    public RandomGenerator random = new SecureRandom();
    public FaultInjection faults = FaultInjection.NONE;
    public int maxConnections = 1_000_000;
    public boolean loopback;
    public long idleSpinNanos = 20_000L;
    public long busyPollNanos;
    public long readSpinNanos;
    public String name;
    public boolean jmx = true;

    private Builder() {}

    /** Applies {@code changes} to this builder and builds. */
    public HostConfig buildWith(java.util.function.Consumer<Builder> changes) {
      changes.accept(this);
      return build();
    }

    public HostConfig build() {
      return new HostConfig(workers, steering, tcp, backlogLimit, watchdogNanos, callTimeoutNanos,
          timerTickNanos, timerSlots, clock, observer, random, faults, maxConnections, loopback, idleSpinNanos,
          busyPollNanos, readSpinNanos, name, jmx);
    }
  }
}
