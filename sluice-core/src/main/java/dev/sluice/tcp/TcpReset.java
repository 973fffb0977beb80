package dev.sluice.tcp;

import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;

/**
 * The reply to a segment that reaches no connection: RFC 9293 §3.10.7.1 (CLOSED state). A RST is
 * never answered, so two stacks can never exchange resets forever.
 */
public final class TcpReset {
  private final TcpBuilder builder = new TcpBuilder();

  /**
   * Writes the RST answering {@code segment} at {@code off} and returns its length, or 0 if the
   * segment was itself a RST. {@code reply} is the tuple seen from the answering side.
   */
  public int write(TcpSegment segment, TcpEndpoints reply, byte[] buf, int off) {
    if ((segment.flags() & TcpFlags.RST) != 0) {
      return 0;
    }
    builder.clearOptions().sourcePort(reply.localPort()).destinationPort(reply.remotePort())
        .window(0).urgentPointer(0);
    if ((segment.flags() & TcpFlags.ACK) != 0) {
      // <SEQ=SEG.ACK><CTL=RST>
      builder.sequenceNumber(segment.acknowledgmentNumber()).acknowledgmentNumber(0).flags(TcpFlags.RST);
    } else {
      // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
      builder.sequenceNumber(0)
          .acknowledgmentNumber(segment.sequenceNumber() + segment.sequenceLength())
          .flags(TcpFlags.RST | TcpFlags.ACK);
    }
    return builder.write(buf, off, 0, reply.outgoingPseudoHeaderSum(TcpSegment.MIN_HEADER_LENGTH));
  }
}
