package dev.sluice.cli.doctor;

import dev.sluice.wire.TcpFlags;

/**
 * The TCP header fields of one captured packet, with the lengths taken from the IP header, so that
 * a packet cut short by the snapshot length still tells how much data it carried.
 *
 * @param record the record number in the capture (1-based)
 * @param timeNanos capture timestamp, nanoseconds since the Unix epoch
 * @param source sender
 * @param destination receiver
 * @param sequence SEG.SEQ as sent (unsigned 32-bit in an int)
 * @param acknowledgment SEG.ACK as sent; meaningful with {@link TcpFlags#ACK}
 * @param flags the eight control bits
 * @param window SEG.WND as sent, before window scaling
 * @param payloadLength data bytes, from the IP length (not from what was captured)
 * @param windowScale the window-scale option's shift, or -1 if absent (RFC 7323 §2)
 * @param sackBlocks SACK blocks as {left0, right0, left1, ...} (RFC 2018 §3); empty if none
 */
public record TcpPacket(long record, long timeNanos, Endpoint source, Endpoint destination, int sequence,
    int acknowledgment, int flags, int window, int payloadLength, int windowScale, int[] sackBlocks) {

  public boolean has(int flag) {
    return (flags & flag) != 0;
  }

  public boolean syn() {
    return has(TcpFlags.SYN);
  }

  public boolean fin() {
    return has(TcpFlags.FIN);
  }

  public boolean rst() {
    return has(TcpFlags.RST);
  }

  public boolean ack() {
    return has(TcpFlags.ACK);
  }

  /** SEG.LEN (RFC 9293 §3.3.1): data plus one for SYN and one for FIN. */
  public int sequenceLength() {
    return payloadLength + (syn() ? 1 : 0) + (fin() ? 1 : 0);
  }
}
