package dev.sluice.cli.drill;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP segment the stack sent, decoded and validated (checksums included) by the stack's own
 * {@link PacketDecoder}, with its options listed in wire order so that a script's option list can
 * be compared element by element.
 */
record SentSegment(long timeNanos, boolean ipv6, long sourceLow, long destinationLow, int sourcePort,
    int destinationPort, long seq, long ack, int flags, int window, int urgent, int payloadLength,
    List<TcpOptionSpec> options) {

  /** Decodes {@code packet}; throws with the decoder's reason if the stack sent something malformed. */
  static SentSegment decode(byte[] packet, long timeNanos) throws MalformedPacketException {
    PacketDecoder decoder = new PacketDecoder(new DropCounters());
    DropReason reason = decoder.decodeIp(packet, 0, packet.length);
    if (reason != null) {
      throw new MalformedPacketException("the stack sent a malformed packet: " + reason.description());
    }
    if (decoder.protocol() != IpProtocol.TCP) {
      throw new MalformedPacketException("the stack sent a non-TCP packet (protocol " + decoder.protocol() + ")");
    }
    boolean v6 = decoder.ipVersion() == 6;
    TcpSegment seg = decoder.tcp();
    return new SentSegment(timeNanos, v6,
        v6 ? decoder.ipv6().sourceLow() : Integer.toUnsignedLong(decoder.ipv4().source()),
        v6 ? decoder.ipv6().destinationLow() : Integer.toUnsignedLong(decoder.ipv4().destination()),
        seg.sourcePort(), seg.destinationPort(), Integer.toUnsignedLong(seg.sequenceNumber()),
        Integer.toUnsignedLong(seg.acknowledgmentNumber()), seg.flags(), seg.window(), seg.urgentPointer(),
        seg.payloadLength(), options(seg));
  }

  /**
   * The options in wire order (RFC 9293 §3.1), from what the decoder already parsed and validated:
   * {@link TcpOptions#layoutKind} keeps the order, the accessors the values.
   */
  private static List<TcpOptionSpec> options(TcpSegment seg) {
    TcpOptions o = seg.options();
    List<TcpOptionSpec> list = new ArrayList<>(o.layoutCount());
    for (int i = 0; i < o.layoutCount(); i++) {
      int kind = o.layoutKind(i);
      list.add(switch (kind) {
        case TcpOptions.KIND_END -> new TcpOptionSpec.Eol();
        case TcpOptions.KIND_NOP -> new TcpOptionSpec.Nop();
        case TcpOptions.KIND_MSS -> new TcpOptionSpec.Mss(o.mss());
        case TcpOptions.KIND_WINDOW_SCALE -> new TcpOptionSpec.WindowScale(o.windowScale());
        case TcpOptions.KIND_SACK_PERMITTED -> new TcpOptionSpec.SackPermitted();
        case TcpOptions.KIND_TIMESTAMPS -> new TcpOptionSpec.Timestamp(Integer.toUnsignedLong(o.tsVal()),
            Integer.toUnsignedLong(o.tsEcr()));
        case TcpOptions.KIND_SACK -> {
          long[] edges = new long[2 * o.sackBlockCount()];
          for (int b = 0; b < o.sackBlockCount(); b++) {
            edges[2 * b] = Integer.toUnsignedLong(o.sackLeft(b));
            edges[2 * b + 1] = Integer.toUnsignedLong(o.sackRight(b));
          }
          yield new TcpOptionSpec.Sack(edges);
        }
        default -> new TcpOptionSpec.Unknown(kind,
            Bytes.u8(seg.buffer(), seg.optionsOffset() + o.layoutOffset(i) + 1));
      });
    }
    return list;
  }

  /** Thrown for a packet the stack should never have sent. */
  static final class MalformedPacketException extends Exception {
    MalformedPacketException(String message) {
      super(message);
    }
  }
}
