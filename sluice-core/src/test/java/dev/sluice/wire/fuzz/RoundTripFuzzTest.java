package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import java.util.Arrays;

/**
 * Parse, rebuild, parse again: any TCP packet (over IPv4, or IPv6) that the decoder accepts is
 * rebuilt with {@link Ipv4Builder} or {@link Ipv6Builder} and {@link TcpBuilder} from the parsed
 * fields alone, and the rebuilt packet must decode to the same fields and the same bytes.
 *
 * <p>This ties the parsers to the builders: a field that the view misreads, or that the builder
 * writes to the wrong place, shows up as a difference. Options are rebuilt with the typed builder
 * methods from the parsed values (raw only when a kind repeats, since the view keeps the last).
 * Input: control byte (repair as for the decoder), then the IP packet.
 */
class RoundTripFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void tcpOverIp(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] packet = FuzzSupport.tail(data, 1);
    if (control.repair()) {
      FuzzSupport.repairIp(packet, 0, packet.length);
    }
    PacketDecoder first = new PacketDecoder(new DropCounters());
    if (first.decodeIp(packet, 0, packet.length) != null || first.protocol() != IpProtocol.TCP
        || first.isFragment()) {
      return;
    }
    TcpSegment tcp = first.tcp();
    byte[] out = new byte[packet.length];
    int ipHeaderLength;
    int total;
    int pseudo;
    TcpBuilder tb = tcpBuilder(tcp, packet);
    check(tb.headerLength() == tcp.headerLength(), "rebuilt TCP header length " + tb.headerLength()
        + " != " + tcp.headerLength());
    int tcpLength = tcp.length();
    if (first.ipVersion() == 4) {
      Ipv4Packet ip = first.ipv4();
      Ipv4Builder ib = new Ipv4Builder()
          .typeOfService(ip.typeOfService())
          .identification(ip.identification())
          .dontFragment(ip.dontFragment())
          .ttl(ip.ttl())
          .protocol(ip.protocol())
          .source(ip.source())
          .destination(ip.destination())
          .options(packet, ip.optionsOffset(), ip.optionsLength());
      ipHeaderLength = ib.headerLength();
      check(ipHeaderLength == ip.headerLength(), "rebuilt IPv4 header length");
      total = ipHeaderLength + tcpLength;
      pseudo = ib.pseudoHeaderSum(tcpLength);
      System.arraycopy(packet, tcp.payloadOffset(), out, ipHeaderLength + tcp.headerLength(), tcp.payloadLength());
      tb.write(out, ipHeaderLength, tcp.payloadLength(), pseudo);
      ib.write(out, 0, tcpLength);
    } else {
      Ipv6Packet ip = first.ipv6();
      int ext = ip.extensionHeadersLength();
      if (ext % 8 != 0 || ext > 256) {
        return; // AH can make the chain a multiple of 4 only; the builder takes whole 8-byte units.
      }
      Ipv6Builder ib = new Ipv6Builder()
          .trafficClass(ip.trafficClass())
          .flowLabel(ip.flowLabel())
          .hopLimit(ip.hopLimit())
          .protocol(ip.upperLayerProtocol())
          .source(ip.sourceHigh(), ip.sourceLow())
          .destination(ip.destinationHigh(), ip.destinationLow());
      if (ext > 0) {
        ib.extensionHeaders(ip.nextHeader(), packet, Ipv6Packet.HEADER_LENGTH, ext);
      }
      ipHeaderLength = ib.headerLength();
      total = ipHeaderLength + tcpLength;
      pseudo = ib.pseudoHeaderSum(tcpLength);
      System.arraycopy(packet, tcp.payloadOffset(), out, ipHeaderLength + tcp.headerLength(), tcp.payloadLength());
      tb.write(out, ipHeaderLength, tcp.payloadLength(), pseudo);
      ib.write(out, 0, tcpLength);
    }

    PacketDecoder second = new PacketDecoder(new DropCounters());
    DropReason again = second.decodeIp(out, 0, total);
    check(again == null, "rebuilt packet dropped: " + again + "\n  original: "
        + FuzzSupport.hex(packet, 0, packet.length) + "\n  rebuilt:  " + FuzzSupport.hex(out, 0, total));
    if (first.ipVersion() == 4) {
      check(Arrays.equals(Invariants.ipv4Fields(first.ipv4(), false), Invariants.ipv4Fields(second.ipv4(), false)),
          "IPv4 fields differ after a rebuild");
    } else {
      check(Arrays.equals(Invariants.ipv6Fields(first.ipv6()), Invariants.ipv6Fields(second.ipv6())),
          "IPv6 fields differ after a rebuild");
    }
    long[] before = Invariants.tcpFields(tcp, false);
    long[] after = Invariants.tcpFields(second.tcp(), false);
    check(Arrays.equals(before, after), "TCP fields differ after a rebuild\n  parsed:  "
        + Arrays.toString(before) + "\n  rebuilt: " + Arrays.toString(after));

    // Byte for byte, except what the builders may legitimately write differently.
    byte[] expected = Arrays.copyOf(packet, total);
    byte[] actual = out.clone();
    mask(expected, actual, ipHeaderLength + 16, 2); // 0x0000 and 0xFFFF both check out
    if (first.ipVersion() == 4) {
      mask(expected, actual, 10, 2);
      expected[6] &= 0x7F; // the reserved flag (RFC 791): the builder always writes 0
    }
    check(Arrays.equals(expected, 0, total, actual, 0, total), "rebuilt bytes differ\n  original: "
        + FuzzSupport.hex(expected, 0, total) + "\n  rebuilt:  " + FuzzSupport.hex(actual, 0, total));
  }

  /** A builder holding the parsed segment's fields and options, in the order they appeared. */
  private static TcpBuilder tcpBuilder(TcpSegment s, byte[] buf) {
    TcpOptions o = s.options();
    TcpBuilder b = new TcpBuilder()
        .sourcePort(s.sourcePort())
        .destinationPort(s.destinationPort())
        .sequenceNumber(s.sequenceNumber())
        .acknowledgmentNumber(s.acknowledgmentNumber())
        .flags(s.flags())
        .reservedBits(s.reservedBits())
        .window(s.window())
        .urgentPointer(s.urgentPointer());
    int start = s.optionsOffset();
    int n = s.optionsLength();
    int[] seen = new int[256];
    for (int k = 0; k < o.layoutCount(); k++) {
      seen[o.layoutKind(k)]++;
    }
    for (int k = 0; k < o.layoutCount(); k++) {
      int kind = o.layoutKind(k);
      int at = o.layoutOffset(k);
      if (kind == TcpOptions.KIND_END) {
        b.endOfOptions();
        // Bytes after End are padding and may hold anything; carry them over as they were.
        b.rawOption(buf, start + at + 1, n - at - 1);
        break;
      }
      if (kind == TcpOptions.KIND_NOP) {
        b.nop();
        continue;
      }
      int len = Bytes.u8(buf, start + at + 1);
      if (seen[kind] > 1) {
        b.rawOption(buf, start + at, len);
        continue;
      }
      switch (kind) {
        case TcpOptions.KIND_MSS -> b.mss(o.mss());
        case TcpOptions.KIND_WINDOW_SCALE -> b.windowScale(o.windowScale());
        case TcpOptions.KIND_SACK_PERMITTED -> b.sackPermitted();
        case TcpOptions.KIND_TIMESTAMPS -> b.timestamps(o.tsVal(), o.tsEcr());
        case TcpOptions.KIND_SACK -> {
          int[] edges = new int[2 * o.sackBlockCount()];
          for (int i = 0; i < o.sackBlockCount(); i++) {
            edges[2 * i] = o.sackLeft(i);
            edges[2 * i + 1] = o.sackRight(i);
          }
          b.sack(o.sackBlockCount(), edges);
        }
        default -> b.rawOption(buf, start + at, len);
      }
    }
    return b;
  }

  private static void mask(byte[] a, byte[] b, int at, int len) {
    for (int i = at; i < at + len; i++) {
      a[i] = 0;
      b[i] = 0;
    }
  }
}
