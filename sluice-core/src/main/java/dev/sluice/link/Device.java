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

  /**
   * The longest TCP packet, IP header included, that {@link #transmitSegmented} takes; 0 when the
   * device cannot segment (the default). A TUN device with TSO says 65,535.
   */
  default int segmentationLimit() {
    return 0;
  }

  /**
   * Sends the large TCP segment in {@code buf[off, off + len)} to be cut into segments of {@code
   * segmentSize} payload bytes each (the last may be shorter), as TCP segmentation offload does.
   * Its TCP checksum field holds only the pseudo-header's sum, over the whole length; the device
   * completes each piece's. The device copies the packet before returning. Only for a device
   * whose {@link #segmentationLimit()} is positive; see {@link TcpCoalescer}, which builds them.
   *
   * @return true if the device took it; false if it was dropped (and counted)
   * @throws UnsupportedOperationException if the device cannot segment
   */
  default boolean transmitSegmented(byte[] buf, int off, int len, int segmentSize, long nowNanos) {
    throw new UnsupportedOperationException(name() + " does not segment TCP on transmit");
  }

  /** Drops at this device (MTU, full queue) and, once a stack reads from it, malformed packets. */
  DropCounters drops();

  /** Adds a tap that sees every packet sent and received here. */
  void addTap(PacketTap tap);

  /**
   * Asks the device to run {@code wakeUp} whenever a packet arrives on {@code queue}, after the
   * packet is in the queue. It runs on the thread that delivers the packet, and may do much: it
   * wakes the worker that drains the queue, or, when a host receives inline ({@code
   * Steering.INLINE}), runs the whole receive path, replies included. So call it holding no lock
   * that a transmission on this device or its peer could need. Optional for a device that is
   * driven by {@code Host.poll} (simulations, scripts); a started host's workers park until their
   * next timer and would see such a device's packets only then, up to a second later.
   */
  default void onArrival(int queue, Runnable wakeUp) { }
}
