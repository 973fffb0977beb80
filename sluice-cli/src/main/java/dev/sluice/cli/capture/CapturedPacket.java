package dev.sluice.cli.capture;

/**
 * One packet read from a capture, with its link-layer header already stripped: {@code data} starts
 * at the IP header.
 *
 * @param record 1-based position of the record in the file, as Wireshark numbers frames
 * @param timeNanos the capture timestamp in nanoseconds since the Unix epoch
 * @param data the captured bytes from the IP header on; fewer than {@code originalLength} when
 *     the capture's snapshot length cut the packet short
 * @param originalLength the length the IP packet had on the wire
 * @param linkType the LINKTYPE_ value of the interface it was captured on
 */
public record CapturedPacket(long record, long timeNanos, byte[] data, int originalLength, int linkType) {
  /** True when the snapshot length cut this packet short. */
  public boolean truncated() {
    return data.length < originalLength;
  }
}
