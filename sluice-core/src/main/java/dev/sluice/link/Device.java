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
  /**
   * The device's name, as captures and error messages show it.
   *
   * @return the name, such as {@code tun0}
   */
  String name();

  /**
   * The largest IP packet the device carries.
   *
   * @return the MTU in bytes
   */
  int mtu();

  /**
   * How many receive queues the device has; {@link #poll} takes queue numbers below it.
   *
   * @return the number of receive queues, at least 1
   */
  int receiveQueueCount();

  /**
   * The next received packet on {@code queue}, or {@code null} if there is none. The caller owns
   * the returned buffer and must {@link PacketBuffer#release()} it. Never waits.
   *
   * @param queue the receive queue, from 0 to {@link #receiveQueueCount()} - 1
   * @return the packet, or null if the queue is empty
   */
  PacketBuffer poll(int queue);

  /**
   * Sends the IP packet in {@code buf[off, off + len)}. The device copies it before returning.
   * Never waits: a device that cannot take the packet now drops it.
   *
   * @param buf the packet's bytes
   * @param off where the packet starts in {@code buf}
   * @param len the packet's length
   * @param nowNanos the caller's clock, for timestamps and simulated delays
   * @return true if the device took it; false if it was dropped (and counted in {@link #drops()})
   */
  boolean transmit(byte[] buf, int off, int len, long nowNanos);

  /**
   * The longest TCP packet, IP header included, that {@link #transmitSegmented} takes; 0 when the
   * device cannot segment (the default). A TUN device with TSO says 65,535.
   *
   * @return the longest packet {@link #transmitSegmented} takes, or 0
   */
  default int segmentationLimit() {
    return 0;
  }

  /**
   * Sends the large TCP segment in {@code buf[off, off + len)} to be cut into segments of {@code
   * segmentSize} payload bytes each (the last may be shorter), as TCP segmentation offload does;
   * with {@code segmentSize} 0, sends it whole, as one packet. Its TCP checksum field holds only
   * the pseudo-header's sum, over the whole length; the device completes each piece's (a device
   * that segments completes checksums: Linux's TSO needs checksum offload too). The device
   * copies the packet before returning. Only for a device whose {@link #segmentationLimit()} is
   * positive; see {@link TcpCoalescer}, which builds them.
   *
   * @param buf the large segment's bytes, IP header first
   * @param off where it starts in {@code buf}
   * @param len its length, at most {@link #segmentationLimit()}
   * @param segmentSize the payload bytes of each piece, or 0 to send it whole
   * @param nowNanos the caller's clock
   * @return true if the device took it; false if it was dropped (and counted)
   * @throws UnsupportedOperationException if the device cannot segment
   */
  default boolean transmitSegmented(byte[] buf, int off, int len, int segmentSize, long nowNanos) {
    throw new UnsupportedOperationException(name() + " does not segment TCP on transmit");
  }

  /**
   * Drops at this device (MTU, full queue) and, once a stack reads from it, malformed packets.
   *
   * @return the device's drop counters, live
   */
  DropCounters drops();

  /**
   * Adds a tap that sees every packet sent and received here.
   *
   * @param tap the tap; it runs on the threads that send and receive
   */
  void addTap(PacketTap tap);

  /**
   * Asks the device to run {@code wakeUp} whenever a packet arrives on {@code queue}, after the
   * packet is in the queue. It runs on the thread that delivers the packet, and may do much: it
   * wakes the worker that drains the queue, or, when a host receives inline ({@code
   * Steering.INLINE}, and {@code Steering.ADAPTIVE} while the worker is parked: a stack's default),
   * runs the whole receive path, replies included. So call it holding no lock
   * that a transmission on this device or its peer could need. Optional for a device that is
   * driven by {@code Host.poll} (simulations, scripts); a started host's workers park until their
   * next timer and would see such a device's packets only then, up to a second later. A packet
   * queued before this is called announces nothing: a host takes such packets when it starts.
   *
   * @param queue the receive queue to watch
   * @param wakeUp what to run after each arrival
   */
  default void onArrival(int queue, Runnable wakeUp) { }
}
