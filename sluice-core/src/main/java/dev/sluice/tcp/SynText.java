package dev.sluice.tcp;

import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;

/**
 * The text and FIN that came on the peer's SYN in a simultaneous open (RFC 9293 §3.5, Figure 8),
 * kept aside until the connection is ESTABLISHED, as §3.10.7.3 asks ("queue them for processing
 * after the ESTABLISHED state has been reached"). Rare enough that a copy is the simple answer.
 *
 * @param data the SYN's payload, at most the receive buffer's capacity
 * @param fin whether the SYN carried a FIN right after that payload
 */
record SynText(byte[] data, boolean fin) {

  /** The segment's text and FIN, or null if it carries neither. */
  static SynText of(TcpSegment syn, int capacity) {
    int length = Math.min(syn.payloadLength(), capacity);
    boolean fin = (syn.flags() & TcpFlags.FIN) != 0 && length == syn.payloadLength();
    if (length == 0 && !fin) {
      return null;
    }
    byte[] data = new byte[length];
    System.arraycopy(syn.buffer(), syn.payloadOffset(), data, 0, length);
    return new SynText(data, fin);
  }
}
