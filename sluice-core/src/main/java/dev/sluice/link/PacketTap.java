package dev.sluice.link;

/**
 * Sees every packet that crosses an interface, like a capture point on a NIC. A tap must not keep
 * a reference to {@code buf} after it returns; it may be called from several threads at once.
 */
@FunctionalInterface
public interface PacketTap {
  /**
   * Called for each packet, on the thread that sends or receives it.
   *
   * @param device the interface the packet crossed
   * @param direction which way it crossed
   * @param buf the packet's bytes (an IP packet); valid only during the call
   * @param off where the packet starts in {@code buf}
   * @param len the packet's length
   * @param timeNanos when it crossed, on the clock of whoever drives the device
   */
  void onPacket(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos);
}
