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
        seg.payloadLength(), options(seg.buffer(), seg.optionsOffset(), seg.optionsLength()));
  }

  /** The options in wire order (RFC 9293 §3.1); the decoder has already validated their lengths. */
  private static List<TcpOptionSpec> options(byte[] b, int off, int len) {
    List<TcpOptionSpec> list = new ArrayList<>();
    int i = off;
    int end = off + len;
    while (i < end) {
      int kind = Bytes.u8(b, i);
      if (kind == TcpOptions.KIND_END) {
        list.add(new TcpOptionSpec.Eol());
        break; // what follows is padding
      }
      if (kind == TcpOptions.KIND_NOP) {
        list.add(new TcpOptionSpec.Nop());
        i++;
        continue;
      }
      int length = i + 1 < end ? Bytes.u8(b, i + 1) : 0;
      if (length < 2 || i + length > end) {
        list.add(new TcpOptionSpec.Unknown(kind, length));
        break;
      }
      list.add(switch (kind) {
        case TcpOptions.KIND_MSS -> new TcpOptionSpec.Mss(Bytes.u16(b, i + 2));
        case TcpOptions.KIND_WINDOW_SCALE -> new TcpOptionSpec.WindowScale(Bytes.u8(b, i + 2));
        case TcpOptions.KIND_SACK_PERMITTED -> new TcpOptionSpec.SackPermitted();
        case TcpOptions.KIND_TIMESTAMPS -> new TcpOptionSpec.Timestamp(Bytes.u32(b, i + 2),
            Bytes.u32(b, i + 6));
        case TcpOptions.KIND_SACK -> {
          long[] edges = new long[(length - 2) / 4];
          for (int e = 0; e < edges.length; e++) {
            edges[e] = Bytes.u32(b, i + 2 + 4 * e);
          }
          yield new TcpOptionSpec.Sack(edges);
        }
        default -> new TcpOptionSpec.Unknown(kind, length);
      });
      i += length;
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
