package dev.sluice.cli.drill;

import dev.sluice.wire.TcpFlags;
import java.util.List;

/**
 * An outbound line larger than one segment ({@code > P. 1:10001(10000)}): Linux sends such TSO
 * super-segments, which its NIC cuts into MSS-sized ones, and packetdrill, sniffing before the
 * NIC, sees them whole. Sluice has no TSO, so in lenient mode the line matches a run of segments
 * the stack sent back to back that together cover it, as packetdrill itself does without {@code
 * --strict_segments}: each begins where the previous one ended, all carry the same ACK, and only
 * the last may carry FIN (PSH is ignored leniently anyway).
 */
final class SuperSegment {
  private SuperSegment() {}

  /**
   * Whether {@code next} continues the run {@code run} (not empty): contiguous, same ports and
   * ACK, no SYN/RST, and nothing after a FIN.
   */
  static boolean continues(List<SentSegment> run, SentSegment next) {
    SentSegment last = run.getLast();
    int stop = TcpFlags.SYN | TcpFlags.RST;
    return next.sourcePort() == last.sourcePort() && next.destinationPort() == last.destinationPort()
        && next.seq() == ((last.seq() + last.payloadLength()) & 0xFFFF_FFFFL) && next.ack() == last.ack()
        && (last.flags() & TcpFlags.FIN) == 0 && (next.flags() & stop) == 0 && next.payloadLength() > 0;
  }

  /** The run as one segment: the first one's header and options, the last one's flags and window. */
  static SentSegment merge(List<SentSegment> run) {
    SentSegment first = run.getFirst();
    SentSegment last = run.getLast();
    int length = 0;
    int flags = 0;
    for (SentSegment s : run) {
      length += s.payloadLength();
      flags |= s.flags();
    }
    flags = (flags & ~TcpFlags.FIN) | (last.flags() & TcpFlags.FIN);
    return new SentSegment(first.timeNanos(), first.ipv6(), first.sourceLow(), first.destinationLow(),
        first.sourcePort(), first.destinationPort(), first.seq(), first.ack(), flags, last.window(), first.urgent(),
        length, first.options());
  }

  /** The run for a message: {@code 1:1001(1000)+1001:2001(1000)}. */
  static String describe(List<SentSegment> run, Flow flow) {
    StringBuilder b = new StringBuilder();
    for (SentSegment s : run) {
      b.append(b.isEmpty() ? "" : "+").append(PacketMatcher.range(flow.relativeLocal(s.seq()), s.payloadLength()));
    }
    return b.toString();
  }
}
