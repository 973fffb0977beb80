package dev.sluice.link;

/**
 * Whether a received packet is a bare TCP acknowledgment: no data and no SYN, FIN or RST (a pure
 * ACK or a window update). A device's reader busy-polls ({@link TunDevice#busyPoll}) only after a
 * burst that held something else: data, a datagram or an echo request usually draws an answer,
 * and the next request follows the answer; bare ACKs are what a peer sends while it receives a
 * bulk transfer, and polling through those takes the CPU from the thread that moves the transfer
 * (measured: a gateway's download 18% slower with the readers polling after every burst, in
 * docs/benchmarks/gateway.md).
 *
 * <p>The test reads the IP and TCP headers in place and trusts nothing, as {@link SynShedding}
 * does: a packet too short to hold them, a fragment, or IPv6 with extension headers before TCP
 * is not a bare ACK. Stateless and thread-safe.
 */
final class BareAck {
  private static final int TCP = 6;
  private static final int SYN_FIN_RST = 0x07;
  private static final int ACK = 0x10;

  private BareAck() {}

  /** True if the IP packet in {@code packet[0, length)} is a TCP segment with ACK, no data and no SYN, FIN or RST. */
  static boolean is(byte[] packet, int length) {
    if (length < 1) {
      return false;
    }
    int tcp;
    int ipLength;
    int version = (packet[0] & 0xF0) >>> 4;
    if (version == 4) {
      tcp = (packet[0] & 0x0F) * 4;
      if (length < 20 || packet[9] != TCP || tcp < 20 || ((packet[6] & 0x3F) | packet[7]) != 0) {
        return false; // not TCP, or a fragment (more fragments, or an offset)
      }
      ipLength = ((packet[2] & 0xFF) << 8) | (packet[3] & 0xFF);
    } else if (version == 6) {
      if (length < 40 || packet[6] != TCP) {
        return false;
      }
      tcp = 40;
      ipLength = 40 + (((packet[4] & 0xFF) << 8) | (packet[5] & 0xFF));
    } else {
      return false;
    }
    if (length < tcp + 20 || ipLength > length) {
      return false;
    }
    int flags = packet[tcp + 13] & 0xFF;
    int dataOffset = ((packet[tcp + 12] & 0xF0) >>> 4) * 4;
    return (flags & ACK) != 0 && (flags & SYN_FIN_RST) == 0 && ipLength == tcp + dataOffset;
  }
}
