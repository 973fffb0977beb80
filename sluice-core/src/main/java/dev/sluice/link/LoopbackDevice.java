package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;

/**
 * A host's loopback interface, {@code lo}: every packet transmitted is received again, on the
 * device's one receive queue, and nothing ever leaves the host (RFC 1122 §3.2.1.3 (g) and
 * §3.3.4.2: a host's datagrams to itself, and anything to 127/8 or {@code ::1}, are delivered
 * inside it). The stack routes packets for its own addresses here.
 *
 * <p>Buffers come from a {@link PacketPool} of {@value #BUFFER_BYTES}-byte buffers, made on the
 * first transmission so that a host that never talks to itself pays nothing for it. TCP segments
 * fit them (the stack's TCP MTU is far below); a rarer, larger packet (a big UDP datagram: the MTU
 * is {@value #MTU}, like Linux's {@code lo}) gets a buffer of its own. When the queue or the pool is
 * full the packet is dropped and counted ({@link DropReason#RX_QUEUE_FULL}), as a full backlog
 * drops on Linux's {@code lo}; TCP retransmits.
 *
 * <p><b>Threads.</b> Any thread may transmit, and the packet is queued on that thread; the
 * workers draining the queue are woken through {@link #onArrival}, as for every device. Queue and
 * pool are lock-free rings; taps are an array replaced, never changed in place.
 */
public final class LoopbackDevice implements Device {
  /** The largest IP packet; Linux's {@code lo} has 65536, IPv4 cannot carry more than this. */
  public static final int MTU = 65_535;
  /** Pooled buffer size: a TCP segment at the default MTU of 1500 with room to spare. */
  static final int BUFFER_BYTES = 2_048;
  /** Packets the queue holds, and pooled buffers (queued plus held by the stack). */
  static final int QUEUE_CAPACITY = 512;

  private final MpmcRing<PacketBuffer> queue = new MpmcRing<>(QUEUE_CAPACITY);
  private final ArrivalHooks arrivals = new ArrivalHooks(1);
  private final DropCounters drops = new DropCounters();
  private final PacketTaps taps = new PacketTaps();
  /** Made on first use; see the class comment. */
  private volatile PacketPool pool;

  /** An empty loopback device; its buffers are made on its first packet. */
  public LoopbackDevice() {}

  @Override
  public String name() {
    return "lo";
  }

  @Override
  public int mtu() {
    return MTU;
  }

  @Override
  public int receiveQueueCount() {
    return 1;
  }

  @Override
  public PacketBuffer poll(int queue) {
    return this.queue.poll();
  }

  @Override
  public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
    if (len > MTU) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return false;
    }
    tap(Direction.OUTBOUND, buf, off, len, nowNanos);
    PacketBuffer packet;
    if (len <= BUFFER_BYTES) {
      packet = pool().acquire();
      if (packet == null) {
        drops.increment(DropReason.RX_QUEUE_FULL); // every buffer is queued or held by the stack
        return false;
      }
      packet.set(buf, off, len);
    } else {
      packet = PacketBuffer.copyOf(buf, off, len);
    }
    packet.timeNanos = nowNanos;
    tap(Direction.INBOUND, packet.data(), 0, len, nowNanos);
    if (!queue.offer(packet)) {
      drops.increment(DropReason.RX_QUEUE_FULL);
      packet.release();
      return false;
    }
    arrivals.arrived(0);
    return true;
  }

  private PacketPool pool() {
    PacketPool p = pool;
    if (p == null) {
      synchronized (this) {
        p = pool;
        if (p == null) {
          pool = p = new PacketPool(QUEUE_CAPACITY, BUFFER_BYTES);
        }
      }
    }
    return p;
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
    return "lo";
  }
}
