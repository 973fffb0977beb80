package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.FlowHash;

/**
 * One end of a {@link SimulatedLink}: a multi-queue device whose receive queue for each packet is
 * chosen by a flow hash, as receive-side scaling does on a NIC.
 *
 * <p>Threads: any thread may transmit; each receive queue is a lock-free ring that any thread may
 * poll. Taps are kept in an array that is replaced, never mutated, so calling them needs no lock.
 */
public final class SimulatedInterface implements Device {
  private final String name;
  private final int mtu;
  private final MpmcRing<PacketBuffer>[] queues;
  private final DropCounters drops = new DropCounters();
  private final PacketTaps taps = new PacketTaps();
  private final ArrivalHooks arrivals;
  private SimulatedLink.Channel outgoing;

  @SuppressWarnings("unchecked")
  SimulatedInterface(String name, int mtu, int receiveQueues, int queueCapacity) {
    this.name = name;
    this.mtu = mtu;
    this.queues = new MpmcRing[receiveQueues];
    this.arrivals = new ArrivalHooks(receiveQueues);
    for (int i = 0; i < receiveQueues; i++) {
      queues[i] = new MpmcRing<>(queueCapacity);
    }
  }

  void connect(SimulatedLink.Channel outgoing) {
    this.outgoing = outgoing;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receiveQueueCount() {
    return queues.length;
  }

  @Override
  public PacketBuffer poll(int queue) {
    return queues[queue].poll();
  }

  /**
   * Packets waiting in {@code queue}.
   *
   * @param queue the receive queue
   * @return how many packets wait there
   */
  public int queued(int queue) {
    return queues[queue].size();
  }

  @Override
  public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
    if (len > mtu) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return false;
    }
    tap(Direction.OUTBOUND, buf, off, len, nowNanos);
    outgoing.send(buf, off, len, nowNanos);
    return true;
  }

  /**
   * Called by the link when a packet arrives; takes ownership of {@code packet}.
   *
   * @return true if it was queued, false if its receive queue was full (dropped and counted)
   */
  boolean deliver(PacketBuffer packet) {
    int queue = enqueue(packet);
    if (queue < 0) {
      return false;
    }
    arrivals.arrived(queue);
    return true;
  }

  /**
   * The first half of {@link #deliver}, for a link that delivers under its lock: queues the packet
   * and returns its queue, or -1 if the queue was full (dropped and counted). The caller runs
   * {@link #arrived} once it holds no lock (see {@link Device#onArrival}).
   */
  int enqueue(PacketBuffer packet) {
    tap(Direction.INBOUND, packet.data(), 0, packet.length(), packet.timeNanos);
    int queue = Math.floorMod(FlowHash.of(packet.data(), 0, packet.length()), queues.length);
    if (!queues[queue].offer(packet)) {
      drops.increment(DropReason.RX_QUEUE_FULL);
      packet.release();
      return -1;
    }
    return queue;
  }

  /**
   * The second half of {@link #deliver}: runs the arrival hooks of every queue in {@code queues}
   * (bit q for queue q; the last bit stands for all queues from 63 on).
   */
  void arrived(long queues) {
    for (long left = queues; left != 0; left &= left - 1) {
      int q = Long.numberOfTrailingZeros(left);
      if (q < 63) {
        arrivals.arrived(q);
      } else {
        for (int rest = 63; rest < this.queues.length; rest++) {
          arrivals.arrived(rest);
        }
      }
    }
  }

  /** The bit {@link #arrived} takes for {@code queue}. */
  static long queueBit(int queue) {
    return 1L << Math.min(queue, 63);
  }

  @Override
  public void onArrival(int queue, Runnable wakeUp) {
    arrivals.add(queue, wakeUp);
  }

  private void tap(Direction direction, byte[] buf, int off, int len, long timeNanos) {
    taps.tap(this, direction, buf, off, len, timeNanos);
  }

  @Override
  public DropCounters drops() {
    return drops;
  }

  @Override
  public void addTap(PacketTap tap) {
    taps.add(tap);
  }

  @Override
  public String toString() {
    return name;
  }
}
