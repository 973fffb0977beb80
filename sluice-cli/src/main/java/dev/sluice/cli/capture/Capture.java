package dev.sluice.cli.capture;

import java.util.List;
import java.util.Set;

/**
 * Everything read from one capture file.
 *
 * @param format "pcap" or "pcapng"
 * @param linkTypes the link types of the interfaces that carried packets
 * @param packets the IP packets, in file order
 * @param records every packet record in the file, IP or not
 * @param notIp records that carry no IP packet (ARP, LLDP, an unsupported link type)
 * @param malformed records that could not be read (cut short, impossible lengths, an unknown
 *     interface); the reader skips them, or stops at the first one it cannot step over
 * @param firstTimeNanos the timestamp of the first record, IP or not; 0 for an empty capture
 * @param lastTimeNanos the timestamp of the last record
 * @param end where reading stopped before the end of the file, or null if it read the whole file
 */
public record Capture(String format, Set<Integer> linkTypes, List<CapturedPacket> packets, long records, long notIp,
    long malformed, long firstTimeNanos, long lastTimeNanos, EarlyEnd end) {

  /**
   * Where a capture could not be read any further: everything before {@code offset} was read.
   *
   * @param offset the byte offset (in the decompressed capture, for a gzip one) of the record or
   *     block that could not be read
   * @param recordsRead the packet records read before it
   * @param cutShort true if that record runs past the end of the file (the capture was truncated,
   *     say by a copy that stopped or a capture still being written); false if its length is
   *     impossible (the file is corrupt there)
   */
  public record EarlyEnd(long offset, long recordsRead, boolean cutShort) {
    /** One line for a warning: where the capture ends and why. */
    public String describe() {
      String records = recordsRead + " record" + (recordsRead == 1 ? "" : "s");
      return (cutShort ? "the capture is cut short: it ends inside the record at byte " + offset
          : "the capture cannot be read past byte " + offset + ", whose record has an impossible length")
          + "; the " + records + " before it were analysed";
    }
  }
}
