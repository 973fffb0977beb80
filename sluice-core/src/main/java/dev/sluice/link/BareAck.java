package dev.sluice.link;

import dev.sluice.wire.Bytes;

/**
 * Whether a received packet is a bare TCP acknowledgment: no data and no SYN, FIN or RST (a pure
 * ACK or a window update). A device's reader busy-polls ({@link TunDevice#busyPoll}) only after a
 * burst that held something else: data, a datagram or an echo request usually draws an answer,
 * and the next request follows the answer; bare ACKs are what a peer sends while it receives a
 * bulk transfer, and polling through those takes the CPU from the thread that moves the transfer
 * (measured: a gateway's download 18% slower with the readers polling after every burst, in
 * docs/benchmarks/gateway.md).
 *
 * <p>The headers are found as {@link GsoSegmenter#tcpHeaders} finds them, which trusts nothing: a
 * packet too short to hold them, a fragment, IPv4 with options or IPv6 with extension headers
 * before TCP is not a bare ACK (a reader then polls, which costs only CPU). Stateless and
 * thread-safe.
 */
final class BareAck {
  private static final int SYN_FIN_RST = 0x07;
  private static final int ACK = 0x10;

  private BareAck() {}

  /** True if the IP packet in {@code packet[0, length)} is a TCP segment with ACK, no data and no SYN, FIN or RST. */
  static boolean is(byte[] packet, int length) {
    int headers = GsoSegmenter.tcpHeaders(packet, 0, length); // -1 unless plain TCP, not a fragment
    if (headers < 0) {
      return false;
    }
    boolean v4 = (packet[0] & 0xF0) == 0x40;
    int ipLength = v4 ? Bytes.u16(packet, 2) : 40 + Bytes.u16(packet, 4);
    int flags = packet[(v4 ? 20 : 40) + 13] & 0xFF;
    return (flags & ACK) != 0 && (flags & SYN_FIN_RST) == 0 && ipLength == headers;
  }
}
