package dev.sluice.link;

import java.util.Arrays;

/**
 * A device's {@link PacketTap}s: a copy-on-write array, because taps are added rarely (a capture
 * starting) and called for every packet. {@link #add} synchronizes on this object; {@link #tap}
 * reads the array once and takes no lock, so a tap added meanwhile sees the next packet.
 */
final class PacketTaps {
  private static final PacketTap[] NONE = {};

  private volatile PacketTap[] taps = NONE;

  synchronized void add(PacketTap tap) {
    PacketTap[] next = Arrays.copyOf(taps, taps.length + 1);
    next[taps.length] = java.util.Objects.requireNonNull(tap, "tap");
    taps = next;
  }

  /** Whether any tap is attached, for a device that must prepare what it shows them. */
  boolean any() {
    return taps.length > 0;
  }

  /** Shows one packet of {@code device} to every tap. */
  void tap(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos) {
    for (PacketTap tap : taps) {
      tap.onPacket(device, direction, buf, off, len, timeNanos);
    }
  }
}
