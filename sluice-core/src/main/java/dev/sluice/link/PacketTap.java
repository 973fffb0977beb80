package dev.sluice.link;

/**
 * Sees every packet that crosses an interface, like a capture point on a NIC. A tap must not keep
 * a reference to {@code buf} after it returns; it may be called from several threads at once.
 */
@FunctionalInterface
public interface PacketTap {
  void onPacket(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos);
}
