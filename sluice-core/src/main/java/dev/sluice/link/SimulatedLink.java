package dev.sluice.link;

import java.util.SplittableRandom;

/**
 * A point-to-point link between two {@link SimulatedInterface}s, with independent seeded
 * {@link Impairments} in each direction.
 *
 * <p><b>Locking.</b> Each direction ({@link Channel}) has one monitor. It guards the random
 * generator, the in-flight heap, the serialisation clock and the counters, so the impairment
 * decisions are a function of the seed and of the order of transmissions alone. Deliveries happen
 * under that monitor too, which keeps packets due at the same instant in transmission order. The
 * only thing called under it is the receiving interface's delivery (taps, then a lock-free ring
 * offer); a tap must never call back into a link, so lock order is always channel, then tap.
 */
public final class SimulatedLink {
  /**
   * How a link is built.
   *
   * @param mtu the largest packet either end will transmit
   * @param receiveQueues receive queues per interface (as a multi-queue NIC has)
   * @param queueCapacity packets each receive queue holds before it drops
   * @param buffers packet buffers per direction: bounds the memory of packets in flight and queued
   * @param aToB impairments from the first interface to the second
   * @param bToA impairments from the second to the first
   */
  public record Config(int mtu, int receiveQueues, int queueCapacity, int buffers,
      Impairments aToB, Impairments bToA) {
    public static final int DEFAULT_MTU = 1500;

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if the MTU is outside 68 to 65535, or a count is not
     *     positive
     */
    public Config {
      if (mtu < 68 || mtu > 65_535) {
        throw new IllegalArgumentException("MTU must be in [68, 65535] (RFC 791): " + mtu);
      }
      if (receiveQueues < 1 || queueCapacity < 1 || buffers < 1) {
        throw new IllegalArgumentException("queues, queue capacity and buffers must be positive");
      }
    }

    /**
     * MTU 1500, one receive queue of 1024 packets, 4096 buffers a direction, no impairments.
     *
     * @return the default configuration
     */
    public static Config defaults() {
      return new Config(DEFAULT_MTU, 1, 1024, 4096, Impairments.NONE, Impairments.NONE);
    }

    /**
     * This configuration with another MTU.
     *
     * @param mtu the largest packet either end will transmit, 68 to 65535
     * @return the new configuration
     */
    public Config withMtu(int mtu) {
      return new Config(mtu, receiveQueues, queueCapacity, buffers, aToB, bToA);
    }

    /**
     * This configuration with another number of receive queues per interface.
     *
     * @param queues receive queues per interface, at least 1
     * @return the new configuration
     */
    public Config withReceiveQueues(int queues) {
      return new Config(mtu, queues, queueCapacity, buffers, aToB, bToA);
    }

    /**
     * This configuration with another receive queue capacity.
     *
     * @param capacity packets each receive queue holds before it drops, at least 1
     * @return the new configuration
     */
    public Config withQueueCapacity(int capacity) {
      return new Config(mtu, receiveQueues, capacity, buffers, aToB, bToA);
    }

    /**
     * This configuration with another number of packet buffers per direction.
     *
     * @param buffers packet buffers per direction, at least 1
     * @return the new configuration
     */
    public Config withBuffers(int buffers) {
      return new Config(mtu, receiveQueues, queueCapacity, buffers, aToB, bToA);
    }

    /**
     * This configuration with the same impairments in both directions.
     *
     * @param both what the link does to packets each way
     * @return the new configuration
     */
    public Config withImpairments(Impairments both) {
      return new Config(mtu, receiveQueues, queueCapacity, buffers, both, both);
    }

    /**
     * This configuration with impairments for each direction.
     *
     * @param aToB what the link does to packets from the first interface to the second
     * @param bToA what it does to packets from the second to the first
     * @return the new configuration
     */
    public Config withImpairments(Impairments aToB, Impairments bToA) {
      return new Config(mtu, receiveQueues, queueCapacity, buffers, aToB, bToA);
    }
  }

  private final SimulatedInterface a;
  private final SimulatedInterface b;
  private final Channel aToB;
  private final Channel bToA;

  /** {@code onHeld} runs, on the sender's thread, each time a packet is held back for later delivery. */
  SimulatedLink(String nameA, String nameB, Config config, long seedAToB, long seedBToA, Runnable onHeld) {
    a = new SimulatedInterface(nameA, config.mtu(), config.receiveQueues(), config.queueCapacity());
    b = new SimulatedInterface(nameB, config.mtu(), config.receiveQueues(), config.queueCapacity());
    aToB = new Channel(config.aToB(), seedAToB, new PacketPool(config.buffers(), config.mtu()), b, onHeld);
    bToA = new Channel(config.bToA(), seedBToA, new PacketPool(config.buffers(), config.mtu()), a, onHeld);
    a.connect(aToB);
    b.connect(bToA);
  }

  /**
   * The first interface, named {@code nameA} when the link was made.
   *
   * @return the first end of the link
   */
  public SimulatedInterface a() {
    return a;
  }

  /**
   * The second interface.
   *
   * @return the second end of the link
   */
  public SimulatedInterface b() {
    return b;
  }

  /** What the a-to-b direction did: for this package's tests (nothing outside {@code link} reads it). */
  ChannelStats statsAToB() {
    return aToB.stats();
  }

  /** What the b-to-a direction did. */
  ChannelStats statsBToA() {
    return bToA.stats();
  }

  /**
   * Changes the impairments of both directions from now on (for example to heal a partition).
   * Thread-safe; packets already in flight keep their fate.
   *
   * @param aToB the new impairments from the first interface to the second
   * @param bToA the new impairments from the second to the first
   */
  public void impair(Impairments aToB, Impairments bToA) {
    this.aToB.impair(aToB);
    this.bToA.impair(bToA);
  }

  /**
   * Delivers every packet due at or before {@code nowNanos}, in both directions.
   *
   * @param nowNanos the driving clock's time
   */
  public void deliverDue(long nowNanos) {
    aToB.deliverDue(nowNanos);
    bToA.deliverDue(nowNanos);
  }

  /**
   * When the next packet in flight is due.
   *
   * @return nanoseconds on the driving clock, or {@link Long#MAX_VALUE} if none is in flight
   */
  public long nextDueNanos() {
    return Math.min(aToB.nextDueNanos(), bToA.nextDueNanos());
  }

  /**
   * Packets in flight in both directions.
   *
   * @return the number of packets held by the link
   */
  public int inFlight() {
    return aToB.inFlight() + bToA.inFlight();
  }

  /**
   * The bytes of packet buffers the link's two pools have made so far. A pool makes its buffers
   * as traffic first needs them ({@link PacketPool}), up to {@link Config#buffers()} each, so this
   * grows with the largest burst the link has carried, not with the connections over it.
   *
   * @return buffers made in both directions, times the MTU
   */
  public long packetBufferBytes() {
    return (long) aToB.pool.made() * aToB.pool.bufferCapacity() + (long) bToA.pool.made() * bToA.pool.bufferCapacity();
  }

  /** One direction of the link. See the class comment for its locking rule. */
  static final class Channel {
    private final SplittableRandom random;
    private final PacketPool pool;
    private final SimulatedInterface destination;
    private final TimedQueue inFlight = new TimedQueue();
    private final Runnable onHeld;
    /** Read without the lock by {@link #send}'s pass-through check; written under it. */
    private volatile Impairments impairments;
    /** {@code inFlight}'s size, for the same check: written under the lock. */
    private volatile int held;
    // The pass-through path's counts: it takes no lock, so they are adders.
    private final java.util.concurrent.atomic.LongAdder passedThrough = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder passedDelivered = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder passedExhausted = new java.util.concurrent.atomic.LongAdder();
    private long serialisationFreeAt = Long.MIN_VALUE;
    private long nextOrder;
    private long sent;
    private long delivered;
    private long lost;
    private long duplicated;
    private long corrupted;
    private long reordered;
    private long bufferExhausted;

    Channel(Impairments impairments, long seed, PacketPool pool, SimulatedInterface destination, Runnable onHeld) {
      this.onHeld = onHeld;
      this.impairments = impairments;
      this.random = new SplittableRandom(seed);
      this.pool = pool;
      this.destination = destination;
    }

    synchronized void impair(Impairments impairments) {
      this.impairments = impairments;
    }

    /**
     * Sends one packet. An unimpaired channel with nothing held back is a wire: the packet goes
     * straight to the destination's receive queue on the sender's thread, without this channel's
     * lock or its timed queue (which would only hand it on at once), so the senders of one
     * direction (an application's thread, the workers' ACKs) do not contend. Order is kept: the
     * pass-through is taken only while no packet is held in the timed queue, and one sender's
     * packets reach the queue in the order it sent them.
     */
    void send(byte[] buf, int off, int len, long nowNanos) {
      if (held == 0 && impairments.equals(Impairments.NONE)) {
        passedThrough.increment();
        PacketBuffer packet = pool.acquire();
        if (packet == null) {
          passedExhausted.increment();
          return;
        }
        packet.set(buf, off, len);
        packet.timeNanos = nowNanos;
        if (destination.deliver(packet)) {
          passedDelivered.increment();
        }
        return;
      }
      long arrivedQueues = sendImpaired(buf, off, len, nowNanos);
      if (held > 0) {
        onHeld.run();
      }
      destination.arrived(arrivedQueues); // with the lock released: see Device.onArrival
    }

    /** Returns the queues that packets reached, for {@link SimulatedInterface#arrived}. */
    private synchronized long sendImpaired(byte[] buf, int off, int len, long nowNanos) {
      sent++;
      Impairments imp = impairments;
      if (imp.loss() > 0 && random.nextDouble() < imp.loss()) {
        lost++;
        return 0;
      }
      long departure = nowNanos;
      if (imp.bitsPerSecond() > 0) {
        long start = Math.max(nowNanos, serialisationFreeAt);
        long transmission = Math.ceilDiv(len * 8L * 1_000_000_000L, imp.bitsPerSecond());
        serialisationFreeAt = start + transmission;
        departure = serialisationFreeAt;
      }
      int copies = imp.duplicate() > 0 && random.nextDouble() < imp.duplicate() ? 2 : 1;
      for (int copy = 0; copy < copies; copy++) {
        if (copy == 1) {
          duplicated++;
        }
        PacketBuffer packet = pool.acquire();
        if (packet == null) {
          bufferExhausted++;
          continue;
        }
        packet.set(buf, off, len);
        if (imp.corrupt() > 0 && random.nextDouble() < imp.corrupt()) {
          int bit = random.nextInt(len * 8);
          packet.data()[bit >>> 3] ^= (byte) (1 << (bit & 7));
          corrupted++;
        }
        long jitter = imp.jitterNanos() > 0 ? random.nextLong(imp.jitterNanos() + 1) : 0;
        long reorderHold = imp.reorder() > 0 && random.nextDouble() < imp.reorder() ? imp.reorderDelayNanos() : 0;
        if (reorderHold > 0) {
          reordered++;
        }
        packet.timeNanos = departure + imp.delayNanos() + jitter + reorderHold;
        packet.order = nextOrder++;
        inFlight.add(packet);
        held = inFlight.size(); // the field: send's pass-through must not overtake this packet
      }
      return queueDue(nowNanos);
    }

    /** Delivers every packet due: queued in order under the lock, announced once it is released. */
    void deliverDue(long nowNanos) {
      destination.arrived(queueDue(nowNanos));
    }

    /** Returns the queues that packets reached, for {@link SimulatedInterface#arrived}. */
    private synchronized long queueDue(long nowNanos) {
      long queues = 0;
      PacketBuffer next;
      while ((next = inFlight.peek()) != null && next.timeNanos <= nowNanos) {
        inFlight.poll();
        held = inFlight.size();
        int queue = destination.enqueue(next);
        if (queue >= 0) {
          delivered++; // ChannelStats: reached the receive queue, not dropped there as full
          queues |= SimulatedInterface.queueBit(queue);
        }
      }
      return queues;
    }

    synchronized long nextDueNanos() {
      PacketBuffer next = inFlight.peek();
      return next == null ? Long.MAX_VALUE : next.timeNanos;
    }

    synchronized int inFlight() {
      return inFlight.size();
    }

    synchronized ChannelStats stats() {
      return new ChannelStats(sent + passedThrough.sum(), delivered + passedDelivered.sum(), lost, duplicated,
          corrupted, reordered, bufferExhausted + passedExhausted.sum());
    }
  }
}
