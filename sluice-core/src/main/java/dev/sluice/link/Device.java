package dev.sluice.link;

import dev.sluice.wire.DropCounters;

/**
 * A network device that carries raw IP packets (no link-layer header), like a TUN device. It has
 * one or more receive queues, as a multi-queue NIC does; each queue is drained by one receive
 * worker at a time, but any thread may transmit.
 *
 * <p>Time is always an argument, in nanoseconds on the caller's clock: real in production,
 * virtual in a simulation.
 */
public interface Device {
  String name();

  /** The largest IP packet the device carries. */
  int mtu();

  int receiveQueueCount();

  /**
   * The next received packet on {@code queue}, or {@code null} if there is none. The caller owns
   * the returned buffer and must {@link PacketBuffer#release()} it.
   */
  PacketBuffer poll(int queue);

  /**
   * Sends the IP packet in {@code buf[off, off + len)}. The device copies it before returning.
   *
   * @return true if the device took it; false if it was dropped (and counted in {@link #drops()})
   */
  boolean transmit(byte[] buf, int off, int len, long nowNanos);

  /** Drops at this device (MTU, full queue) and, once a stack reads from it, malformed packets. */
  DropCounters drops();

  /** Adds a tap that sees every packet sent and received here. */
  void addTap(PacketTap tap);

  /**
   * Asks the device to run {@code wakeUp} whenever a packet arrives on {@code queue}, so that a
   * receive worker can park while idle and still answer at once. Optional: a device that cannot
   * tell ignores it, and its workers notice arrivals at their next idle timeout instead. {@code
   * wakeUp} runs on the thread that delivers the packet and must be quick.
   */
  default void onArrival(int queue, Runnable wakeUp) { }
}
