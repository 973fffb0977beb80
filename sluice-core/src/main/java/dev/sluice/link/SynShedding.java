package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;

/**
 * Which received packets a device's reader drops first when its receive queue fills: bare SYNs
 * (SYN without ACK, the opening of a new connection), once the queue is three quarters full. The
 * last quarter is kept for packets of connections that exist or are completing their handshake
 * (ACKs that return a SYN cookie, requests, data), so that a SYN flood, which arrives faster than
 * the workers answer it, cannot crowd them out: without this, a full queue drops every packet
 * alike, and a client that got through the handshake loses its request and its ACKs to the
 * flood. Why a quarter: connections send far fewer packets than a flood, and the SYNs' three
 * quarters keep the workers fed through a pause of the reader (of a queue of 512, SYNs may take
 * 384, and 128 are kept). A SYN shed here costs its sender one retransmission, as a SYN that
 * Linux drops because its accept queue is full does (tcp_conn_request); nothing of a connection
 * is lost. Counted as {@link dev.sluice.wire.DropReason#RX_SYN_SHED}.
 *
 * <p>The test reads the IP and TCP headers in place and trusts nothing: a packet too short to
 * hold them, a fragment, or IPv6 with extension headers before TCP is not a bare SYN (it goes on
 * to the stack, which judges it). Stateless and thread-safe.
 */
final class SynShedding {
  private static final int TCP = 6;
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;

  private SynShedding() {}

  /** True if {@code packet} should be shed rather than offered to {@code queue}. */
  static boolean shed(byte[] packet, int length, MpmcRing<?> queue) {
    // The SYN test first: it reads bytes already in this thread's cache, while the queue's size
    // reads counters that the consuming worker writes.
    return isBareSyn(packet, length) && 4 * queue.size() >= 3 * queue.capacity();
  }

  /** True if the IP packet in {@code packet[0, length)} is a TCP segment with SYN set and ACK clear. */
  static boolean isBareSyn(byte[] packet, int length) {
    if (length < 1) {
      return false;
    }
    int tcp;
    int version = (packet[0] & 0xF0) >>> 4;
    if (version == 4) {
      int headerLength = (packet[0] & 0x0F) * 4;
      if (length < 20 || packet[9] != TCP || headerLength < 20) {
        return false;
      }
      if (((packet[6] & 0x1F) | packet[7]) != 0) {
        return false; // a fragment other than the first: no TCP header here
      }
      tcp = headerLength;
    } else if (version == 6) {
      if (length < 40 || packet[6] != TCP) {
        return false;
      }
      tcp = 40;
    } else {
      return false;
    }
    if (length < tcp + 20) {
      return false;
    }
    return (packet[tcp + 13] & (SYN | ACK)) == SYN;
  }
}
