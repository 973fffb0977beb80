package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.internal.MpmcRing;
import dev.sluice.link.PacketBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A receive worker: the DPC of the KB Q114541 story. It drains its share of the devices' receive
 * queues, hands each segment to its connection (owning the connection, or leaving the segment in
 * its backlog), and runs its own timer wheel.
 *
 * <p>Its work is cut into {@link #step steps}: a platform thread loops over them, and the
 * deterministic scheduler interleaves the steps of several workers on one thread, so a failing
 * interleaving replays from its seed. While the worker owns a connection, each step is one step of
 * that connection's drain.
 *
 * <p><b>Threads.</b> Everything here belongs to the worker's thread, except {@link #requestTimer},
 * which any connection owner calls: it goes through a lock-free ring that only this worker
 * drains. The wheel itself is single-threaded.
 */
final class Worker {
  /**
   * The longest park, whatever the wheel says: a bound on the cost of a wake-up that was somehow
   * missed, and on how stale a frozen test clock can leave a worker.
   */
  private static final long MAX_PARK_NANOS = 1_000_000_000L;
  /** The adaptive spin never drops below this once it has any budget (finer is below the clock's grain). */
  private static final long MIN_SPIN_NANOS = 1_000L;
  /** See {@link #gatherLimit}. */
  private static final int MAX_GATHER = 64;

  final int index;
  private final Host host;
  final OwnerContext context;
  private final TimerWheel wheel;
  private final MpmcRing<Connection> timerRequests = new MpmcRing<>(4096);
  private final ConcurrentLinkedQueue<Connection> timerOverflow = new ConcurrentLinkedQueue<>();
  private final ArrayDeque<Connection> due = new ArrayDeque<>();
  private final Consumer<TimerNode> onExpiry = node -> due.add((Connection) node.owner());
  private final List<Device> devices = new ArrayList<>();
  private final List<Integer> queues = new ArrayList<>();
  private Device[] sourceDevices = new Device[0];
  private int[] sourceQueues = new int[0];
  /** Whether each source is the host's loopback device, whose packets may come from our own addresses. */
  private boolean[] sourceIsLoopback = new boolean[0];
  private int nextSource;
  /** The connection this worker is draining between steps, or null. */
  private Connection owning;
  /**
   * Connections a received packet gave this worker to own, not yet drained: ownership taken, the
   * packet processed, the flush (ACK, new data, events) still to come. See {@link #gather}.
   */
  private final ArrayDeque<Connection> gathered = new ArrayDeque<>();
  /** Packets taken in the burst now being gathered; 0 when none is. */
  private int gatheredPackets;
  /** The most packets a burst gathers before its connections are drained. */
  private final int gatherLimit;
  private long lastAdvance;
  private final long jitterNanos;
  private final long tickNanos;
  /** The configured spin after work ({@link HostConfig#idleSpinNanos}). */
  private final long maxSpinNanos;
  /**
   * The spin the next idle moment may take, at most {@link #maxSpinNanos}: halved after a spin that
   * found nothing, doubled when work follows the last within {@link #maxSpinNanos}.
   */
  private long spinNanos;
  /** When this worker last did work; it spins only within {@link #spinNanos} of it. */
  private long lastWorkNanos;
  private volatile boolean running;
  private Thread thread;

  Worker(int index, Host host, HostConfig config, long now) {
    this.index = index;
    this.host = host;
    this.context = new OwnerContext(host.drops(), this);
    this.wheel = new TimerWheel(config.timerTickNanos(), config.timerSlots(), now);
    this.lastAdvance = now;
    this.jitterNanos = config.faults().workerJitterNanos();
    this.tickNanos = config.timerTickNanos();
    this.maxSpinNanos = config.idleSpinNanos();
    this.spinNanos = maxSpinNanos;
    // A connection's later packets in a burst wait in its backlog: never more than it holds.
    this.gatherLimit = Math.min(MAX_GATHER, config.backlogLimit());
  }

  /**
   * Spins for a random time up to the injected jitter ({@link FaultInjection#workerJitterNanos}):
   * a slow core, on purpose.
   */
  private void jitter() {
    long until = System.nanoTime() + java.util.concurrent.ThreadLocalRandom.current().nextLong(jitterNanos + 1);
    while (System.nanoTime() - until < 0) {
      Thread.onSpinWait();
    }
  }

  /**
   * Set while the thread parks idle. A device's arrival unparks it only then: an unpark of a
   * running thread would cost the delivering thread for nothing.
   */
  private volatile boolean parked;

  /**
   * While {@link #parked}: when the worker wakes by itself (its clock's nanos). Written before
   * {@link #parked}, so a thread that sees {@code parked} sees the deadline of that park or a later
   * one. {@link #requestTimer} wakes the worker only for a deadline before it.
   */
  private volatile long parkedUntil = Long.MIN_VALUE;

  /**
   * Run by a device when a packet arrives on one of this worker's queues, and by {@link
   * #requestTimer}. The waker publishes its work first (a queue's offer, a ring's offer: both
   * atomic read-modify-writes), then reads {@link #parked}; the worker writes {@link #parked},
   * then looks for work once more before it parks. Of two such orderings one always sees the
   * other's write, so work is never left waiting for a parked worker.
   */
  private void wakeUp() {
    if (parked) {
      parked = false;
      LockSupport.unpark(thread);
    }
  }

  /**
   * {@link Steering#ADAPTIVE}'s arrival on one of this worker's queues. A running worker polls the
   * queue before it parks ({@link #wakeUp} says why none is missed), so it is left the packet; a
   * parked one sleeps on while the delivering thread receives it, unless another thread is
   * receiving that queue already: then the worker wakes to help.
   */
  private void arrivedAdaptive(InlineReceiver direct) {
    if (parked && !direct.receiveIfUnowned()) {
      wakeUp();
    }
  }

  /**
   * Adds a receive queue for this worker to drain; with {@code direct} (for {@link
   * Steering#ADAPTIVE}), its packets are received by the delivering thread while this worker is
   * parked. Before {@link #start} only.
   */
  void addSource(Device device, int queue, InlineReceiver direct) {
    device.onArrival(queue, direct == null ? this::wakeUp : () -> arrivedAdaptive(direct));
    devices.add(device);
    queues.add(queue);
    sourceDevices = devices.toArray(new Device[0]);
    sourceQueues = queues.stream().mapToInt(Integer::intValue).toArray();
    sourceIsLoopback = java.util.Arrays.copyOf(sourceIsLoopback, sourceDevices.length);
    sourceIsLoopback[sourceDevices.length - 1] = host.isLoopback(device);
  }

  // ------------------------------------------------------------------ one step

  /**
   * Does one unit of work: a step of the connection it owns, or one due timer, or one received
   * packet. Returns false if there was nothing to do.
   */
  boolean step(long now) {
    try {
      return stepUnguarded(now);
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
      // A throw outside any connection's processing (a connection contains its own: see
      // ConnectionDrain.contain) is a bug in Sluice too; it must not end the worker, or every
      // connection steered here would stall. The packet being handled is lost, as if dropped.
      host.workerFaulted(this, e);
      return true;
    }
  }

  private boolean stepUnguarded(long now) {
    if (owning != null) {
      // What the step sends to a peer that receives inline reaches it as one burst once the step
      // is done, as an application's drain's does (InlineReceiver): not one segment, and one
      // ACK per two, at a time.
      InlineReceiver.Scope scope = InlineReceiver.enterScope();
      try {
        if (!owning.runStep(context, now)) {
          owning = null;
        }
      } finally {
        // Tasks left for this thread's exit from the stack (StackExit) wait while it still owns a
        // connection, this one or one its burst gathered: a task that called into it would wait
        // for its owner, this thread.
        InlineReceiver.exitScope(scope, owning == null && gathered.isEmpty());
      }
      return true;
    }
    if (gatheredPackets == 0 && !gathered.isEmpty()) {
      owning = gathered.poll(); // the burst is over: drain what it gave us, one connection at a time
      return true;
    }
    if (takeTimerRequests(now)) {
      return true;
    }
    if (now - lastAdvance >= tickNanos) {
      lastAdvance = now;
      wheel.advance(now, onExpiry);
    }
    Connection expired = due.poll();
    if (expired != null) {
      onTimerExpired(expired, now);
      return true;
    }
    for (int tries = 0; tries < sourceDevices.length; tries++) {
      int i = nextSource;
      nextSource = i + 1 == sourceDevices.length ? 0 : i + 1;
      PacketBuffer packet = sourceDevices[i].poll(sourceQueues[i]);
      if (packet != null) {
        if (jitterNanos > 0) {
          jitter();
        }
        Connection owned = host.receive(packet, sourceIsLoopback[i], context, now);
        gather(owned);
        return true;
      }
    }
    if (gatheredPackets > 0) {
      gatheredPackets = 0; // the queues ran dry: the burst ends, and its connections drain next
      return true;
    }
    return false;
  }

  /**
   * Ends a received packet's step. The connection it gave us (if any) joins the burst, whose
   * connections drain only once the receive queues run dry or the burst reaches {@link
   * #gatherLimit} packets or connections; meanwhile the connection's later packets find it owned
   * and wait in its backlog, so one drain processes them all and then flushes once. For a bulk
   * receiver that is one ACK per burst instead of one per two full-sized segments, and for its
   * sender one transmit burst for a run of ACKs. This stretches RFC 5681 §4.2's "SHOULD ACK at
   * least every second full-sized segment" exactly as Linux does when GRO hands TCP one coalesced
   * segment per burst, and it keeps what GRO keeps: a segment that needs its own answer (out of
   * order, duplicate, a state change: {@link dev.sluice.tcp.TcpEngine#outputDue}) is drained at
   * once. Ownership held undrained is what a slow owner does anyway: other threads' work waits
   * in the backlog and the call stack, and the protocol misses none of it.
   */
  private void gather(Connection owned) {
    if (owned != null) {
      if (owned.drainDueNow()) {
        owning = owned; // a duplicate ACK, a state change: out before the next packet
      } else {
        gathered.add(owned);
      }
    }
    if (++gatheredPackets >= gatherLimit || gathered.size() >= gatherLimit) {
      gatheredPackets = 0;
    }
  }

  /** The earliest time the wheel may have work; a hint for how long to park. */
  long nextTimerHint() {
    return wheel.nextDeadlineHint();
  }

  boolean hasTimerRequests() {
    return !timerRequests.isEmpty() || !timerOverflow.isEmpty();
  }

  // ------------------------------------------------------------------ timers

  /** Any thread: the connection's deadline moved earlier than what the wheel holds. */
  void requestTimer(Connection connection, long deadline) {
    if (connection.markTimerRequestQueued()) {
      if (!timerRequests.offer(connection)) {
        timerOverflow.add(connection);
      }
      // A parked worker that wakes by itself no later than the deadline takes the request then:
      // waking it now would cost this thread a system call and the worker a context switch for
      // nothing (most deadlines asked for are retransmission timeouts, far off).
      if (parked && deadline < parkedUntil) {
        wakeUp();
      }
    }
  }

  private boolean takeTimerRequests(long now) {
    boolean any = false;
    Connection c;
    while ((c = timerRequests.poll()) != null || (c = timerOverflow.poll()) != null) {
      c.clearTimerRequestQueued();
      arm(c, now);
      any = true;
      if (owning != null) {
        break; // the connection fired and we own it: its drain comes first
      }
    }
    return any;
  }

  private void onTimerExpired(Connection c, long now) {
    c.wheelDeadline = Long.MAX_VALUE;
    arm(c, now);
  }

  /**
   * Brings the wheel in line with the connection's deadline, firing it if due. Writes
   * {@code wheelDeadline}, then re-reads {@code deadline}: the owner writes {@code deadline},
   * then reads {@code wheelDeadline}, so one of the two sees the other's change.
   */
  private void arm(Connection c, long now) {
    long d = c.engineDeadline;
    while (true) {
      if (d == Long.MAX_VALUE) {
        wheel.cancel(c);
        c.wheelDeadline = Long.MAX_VALUE;
        return;
      }
      if (d <= now) {
        wheel.cancel(c);
        c.wheelDeadline = Long.MAX_VALUE;
        if (c.timerFired()) {
          owning = c;
        }
        return;
      }
      wheel.schedule(c, d);
      c.wheelDeadline = d;
      long again = c.engineDeadline;
      if (again >= d) {
        return; // unchanged, or later: the wheel fires early and re-arms
      }
      d = again;
    }
  }

  // ------------------------------------------------------------------ the thread

  void start(String name) {
    running = true;
    thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
  }

  private void run() {
    Clock clock = host.clock();
    lastWorkNanos = clock.nanos();
    boolean spun = false;
    while (running) {
      // One clock read serves a burst of steps: a few microseconds of staleness is nothing to TCP's
      // timers, and reading the clock for every step would cost more than some steps do.
      long now = clock.nanos();
      // Busy or not: a host that is never idle still frees idle buffers, and lets go of the
      // connections that closed since they joined the housekeeping's list. Between connections,
      // though: the round drains connections with this worker's context, which one it owns
      // mid-drain may be using.
      if (owning == null && gathered.isEmpty()) {
        host.housekeeping().runIfDue(this);
      }
      if (burst(now)) {
        if (now - lastWorkNanos < maxSpinNanos) {
          // Work came within the longest spin of the last: found while spinning, or soon after a
          // park that a longer spin would have saved. Spin longer next time.
          spinNanos = Math.min(maxSpinNanos, Math.max(MIN_SPIN_NANOS, spinNanos * 2));
        }
        lastWorkNanos = now;
        spun = false;
        continue;
      }
      if (now - lastWorkNanos < spinNanos) {
        spun = true;
        Thread.onSpinWait();
        continue;
      }
      if (maxSpinNanos == Long.MAX_VALUE) {
        continue; // busy spin: never park
      }
      if (spun) {
        spinNanos /= 2; // a whole spin passed without work: spin less next time
        spun = false;
      }
      park(now);
    }
    // Finish any ownership in progress, so no connection is left owned by a dead thread.
    long now = clock.nanos();
    gatheredPackets = 0;
    while (owning != null || !gathered.isEmpty()) {
      step(now);
    }
  }

  /** Up to 64 steps; whether any of them found work. */
  private boolean burst(long now) {
    boolean worked = false;
    for (int i = 0; i < 64 && step(now); i++) {
      worked = true;
    }
    return worked;
  }

  /**
   * Parks until a packet arrives, another thread asks for an earlier timer, or the wheel's next
   * deadline (for worker 0, also the next housekeeping round), at most {@link #MAX_PARK_NANOS}.
   * See {@link #wakeUp} for why no arrival is missed.
   */
  private void park(long now) {
    long wakeAt = Math.min(wheel.nextDeadlineHint(), host.housekeeping().nextRunNanos(this));
    // The wheel advances once a tick (stepUnguarded): a deadline already due waits for that, and
    // waking before it would find nothing to do, again and again, spinning on the CPU the
    // application threads need.
    wakeAt = Math.max(wakeAt, lastAdvance + tickNanos);
    long parkNanos = wakeAt == Long.MAX_VALUE ? MAX_PARK_NANOS : Math.min(MAX_PARK_NANOS, wakeAt - now);
    parkedUntil = now + parkNanos;
    parked = true;
    // The burst below finds nothing the wheel must know before this park is over, or it returns
    // true: so parkedUntil, computed before it, still holds.
    if (burst(now) || hasTimerRequests()) {
      parked = false; // work came in while we were deciding
      lastWorkNanos = now;
      return;
    }
    if (parkNanos > 0) {
      LockSupport.parkNanos(this, parkNanos);
    }
    parked = false;
  }

  void stop() throws InterruptedException {
    running = false;
    if (thread != null) {
      LockSupport.unpark(thread);
      thread.join(10_000);
    }
  }
}
