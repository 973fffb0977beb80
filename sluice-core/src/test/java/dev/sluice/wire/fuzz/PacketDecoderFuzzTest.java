package dev.sluice.wire.fuzz;

import static dev.sluice.wire.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.wire.ArpPacket;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.EthernetFrame;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpSegment;
import dev.sluice.wire.UdpDatagram;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import dev.sluice.wire.fuzz.FuzzSupport.Region;
import java.util.Arrays;

/**
 * Fuzzes {@link PacketDecoder#decodeIp} and {@link PacketDecoder#decodeEthernet}. Input: the
 * control byte, then the packet or frame; with repair set every checksum that can be located is
 * recomputed, so the fuzzer reaches the transport parsers.
 *
 * <p>Each input is decoded twice: alone by a fresh decoder, and placed in a larger buffer by a
 * decoder that has seen every earlier input. Both must agree. Beyond the views' own invariants the
 * targets check what only the decoder does: that it counts a drop exactly once, that it hands each
 * layer the length the layer below validated (never the frame's), and that its verdict is the one
 * the views give when composed by hand.
 */
class PacketDecoderFuzzTest {
  private static final DropCounters REUSED_DROPS = new DropCounters();
  private static final PacketDecoder REUSED = new PacketDecoder(REUSED_DROPS);

  @FuzzTest(maxDuration = "60s")
  void decodeIp(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] packet = FuzzSupport.tail(data, 1);
    if (control.repair()) {
      FuzzSupport.repairIp(packet, 0, packet.length);
    }
    Region alone = FuzzSupport.alone(packet);
    Region placed = FuzzSupport.placed(packet, control);

    DropCounters freshDrops = new DropCounters();
    PacketDecoder fresh = new PacketDecoder(freshDrops);
    DropReason a = fresh.decodeIp(alone.buf(), alone.off(), alone.len());
    FuzzSupport.checkCounted(new long[DropReason.values().length], FuzzSupport.counts(freshDrops), a);
    check(a == expectedIp(alone.buf(), alone.off(), alone.len()),
        "decodeIp says " + a + ", the views composed by hand say " + expectedIp(alone.buf(), alone.off(), alone.len()));

    long[] before = FuzzSupport.counts(REUSED_DROPS);
    DropReason b = REUSED.decodeIp(placed.buf(), placed.off(), placed.len());
    FuzzSupport.checkCounted(before, FuzzSupport.counts(REUSED_DROPS), b);

    FuzzSupport.checkSame("decodeIp", a, b, outcome(fresh, alone, a), outcome(REUSED, placed, b));
    // PacketDecoder#ipVersion: "0 otherwise (ARP, other EtherTypes, drops)".
    check(a == null || fresh.ipVersion() == 0,
        "ipVersion " + fresh.ipVersion() + " after a drop (" + a + ")");
    if (a == null) {
      checkAccepted(fresh, alone);
      checkAccepted(REUSED, placed);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void decodeEthernet(byte[] data) {
    if (data.length < 1) {
      return;
    }
    Control control = Control.of(data);
    byte[] frame = FuzzSupport.tail(data, 1);
    if (control.repair()) {
      FuzzSupport.repairEthernet(frame, 0, frame.length);
    }
    Region alone = FuzzSupport.alone(frame);
    Region placed = FuzzSupport.placed(frame, control);

    DropCounters freshDrops = new DropCounters();
    PacketDecoder fresh = new PacketDecoder(freshDrops);
    DropReason a = fresh.decodeEthernet(alone.buf(), alone.off(), alone.len());
    FuzzSupport.checkCounted(new long[DropReason.values().length], FuzzSupport.counts(freshDrops), a);
    check(a == expectedEthernet(alone.buf(), alone.off(), alone.len()), "decodeEthernet says " + a
        + ", the views composed by hand say " + expectedEthernet(alone.buf(), alone.off(), alone.len()));

    long[] before = FuzzSupport.counts(REUSED_DROPS);
    DropReason b = REUSED.decodeEthernet(placed.buf(), placed.off(), placed.len());
    FuzzSupport.checkCounted(before, FuzzSupport.counts(REUSED_DROPS), b);

    long[] outcomeA = outcome(fresh, alone, a);
    long[] outcomeB = outcome(REUSED, placed, b);
    if (a == null) {
      outcomeA = append(outcomeA, fresh.etherType(), fresh.ethernet().payloadOffset() - alone.off());
      outcomeB = append(outcomeB, REUSED.etherType(), REUSED.ethernet().payloadOffset() - placed.off());
    }
    FuzzSupport.checkSame("decodeEthernet", a, b, outcomeA, outcomeB);
    if (a == null) {
      checkAcceptedFrame(fresh, alone);
      checkAcceptedFrame(REUSED, placed);
    }
  }

  // ---------------------------------------------------------------- expectations

  /** The verdict on an IP packet, from the views composed by hand with their documented inputs. */
  static DropReason expectedIp(byte[] buf, int off, int len) {
    if (len < 1) {
      return DropReason.IP_TRUNCATED;
    }
    int version = Bytes.u8(buf, off) >>> 4;
    if (version == 4) {
      Ipv4Packet ip = new Ipv4Packet();
      DropReason r = ip.wrap(buf, off, len);
      if (r != null || ip.isFragment()) {
        return r;
      }
      int tOff = ip.payloadOffset();
      int tLen = ip.payloadLength();
      int src = ip.source();
      int dst = ip.destination();
      return switch (ip.protocol()) {
        case IpProtocol.TCP -> new TcpSegment().wrap(buf, tOff, tLen, Checksum.pseudoHeaderIpv4(src, dst, IpProtocol.TCP, tLen));
        case IpProtocol.UDP -> new UdpDatagram().wrap(buf, tOff, tLen, Checksum.pseudoHeaderIpv4(src, dst, IpProtocol.UDP, 0), false);
        case IpProtocol.ICMP -> new IcmpMessage().wrapV4(buf, tOff, tLen);
        default -> null;
      };
    }
    if (version == 6) {
      Ipv6Packet ip = new Ipv6Packet();
      DropReason r = ip.wrap(buf, off, len);
      if (r != null || ip.isFragment()) {
        return r;
      }
      int tOff = ip.upperLayerOffset();
      int tLen = ip.upperLayerLength();
      long sh = ip.sourceHigh();
      long sl = ip.sourceLow();
      long dh = ip.destinationHigh();
      long dl = ip.destinationLow();
      return switch (ip.upperLayerProtocol()) {
        case IpProtocol.TCP -> new TcpSegment().wrap(buf, tOff, tLen, Checksum.pseudoHeaderIpv6(sh, sl, dh, dl, IpProtocol.TCP, tLen));
        case IpProtocol.UDP -> new UdpDatagram().wrap(buf, tOff, tLen, Checksum.pseudoHeaderIpv6(sh, sl, dh, dl, IpProtocol.UDP, 0), true);
        case IpProtocol.ICMPV6 -> new IcmpMessage().wrapV6(buf, tOff, tLen, Checksum.pseudoHeaderIpv6(sh, sl, dh, dl, IpProtocol.ICMPV6, tLen));
        default -> null;
      };
    }
    return DropReason.IP_BAD_VERSION;
  }

  static DropReason expectedEthernet(byte[] buf, int off, int len) {
    EthernetFrame frame = new EthernetFrame();
    DropReason r = frame.wrap(buf, off, len);
    if (r != null) {
      return r;
    }
    return switch (frame.etherType()) {
      case EthernetFrame.ETHERTYPE_IPV4, EthernetFrame.ETHERTYPE_IPV6 -> {
        int version = frame.etherType() == EthernetFrame.ETHERTYPE_IPV4 ? 4 : 6;
        // An IPv6 packet under the IPv4 EtherType, or the reverse, is not that protocol.
        if (frame.payloadLength() >= 1 && Bytes.u8(buf, frame.payloadOffset()) >>> 4 != version) {
          yield DropReason.IP_BAD_VERSION;
        }
        yield expectedIp(buf, frame.payloadOffset(), frame.payloadLength());
      }
      case EthernetFrame.ETHERTYPE_ARP -> new ArpPacket().wrap(buf, frame.payloadOffset(), frame.payloadLength());
      default -> null;
    };
  }

  // ---------------------------------------------------------------- invariants

  /** The decoder's state after a decode, with offsets relative to the packet. */
  private static long[] outcome(PacketDecoder d, Region r, DropReason reason) {
    if (reason != null) {
      return new long[0];
    }
    long[] head = {d.ipVersion(), d.protocol(), d.isFragment() ? 1 : 0, d.transportOffset() - r.off(), d.transportLength()};
    if (d.ipVersion() == 0) {
      return new long[] {0};
    }
    long[] ip = d.ipVersion() == 4 ? Invariants.ipv4Fields(d.ipv4(), true) : Invariants.ipv6Fields(d.ipv6());
    long[] transport = new long[0];
    if (!d.isFragment()) {
      transport = switch (d.protocol()) {
        case IpProtocol.TCP -> Invariants.tcpFields(d.tcp(), true);
        case IpProtocol.UDP -> Invariants.udpFields(d.udp());
        case IpProtocol.ICMP -> d.ipVersion() == 4 ? Invariants.icmpFields(d.icmp()) : transport;
        case IpProtocol.ICMPV6 -> d.ipVersion() == 6 ? Invariants.icmpFields(d.icmp()) : transport;
        default -> transport;
      };
    }
    return append(append(head, ip), transport);
  }

  /** An accepted IP packet: every layer's invariants, each over the region the layer below gave it. */
  private static void checkAccepted(PacketDecoder d, Region r) {
    int version = d.ipVersion();
    check(version == 4 || version == 6, "accepted IP packet with ipVersion " + version);
    check(version == Bytes.u8(r.buf(), r.off()) >>> 4, "ipVersion is not the header's");
    Region transport = new Region(r.buf(), d.transportOffset(), d.transportLength());
    check(r.contains(transport.off(), transport.len()), "transport region outside the packet");
    int pseudo;
    int pseudoWithoutLength;
    if (version == 4) {
      Ipv4Packet ip = d.ipv4();
      Invariants.ipv4(ip, r);
      check(d.protocol() == ip.protocol() && d.isFragment() == ip.isFragment(), "decoder protocol or fragment");
      // Hostile input 16: the transport length comes from Total Length, never from the frame.
      check(transport.off() == ip.payloadOffset() && transport.len() == ip.payloadLength(),
          "transport region is not the IPv4 payload");
      pseudo = Checksum.pseudoHeaderIpv4(ip.source(), ip.destination(), ip.protocol(), transport.len());
      pseudoWithoutLength = Checksum.pseudoHeaderIpv4(ip.source(), ip.destination(), ip.protocol(), 0);
    } else {
      Ipv6Packet ip = d.ipv6();
      Invariants.ipv6(ip, r);
      check(d.protocol() == ip.upperLayerProtocol() && d.isFragment() == ip.isFragment(), "decoder protocol or fragment");
      check(transport.off() == ip.upperLayerOffset() && transport.len() == ip.upperLayerLength(),
          "transport region is not the IPv6 upper layer");
      pseudo = Checksum.pseudoHeaderIpv6(ip.sourceHigh(), ip.sourceLow(), ip.destinationHigh(),
          ip.destinationLow(), ip.upperLayerProtocol(), transport.len());
      pseudoWithoutLength = Checksum.pseudoHeaderIpv6(ip.sourceHigh(), ip.sourceLow(), ip.destinationHigh(),
          ip.destinationLow(), ip.upperLayerProtocol(), 0);
    }
    if (d.isFragment()) {
      return;
    }
    switch (d.protocol()) {
      case IpProtocol.TCP -> Invariants.tcp(d.tcp(), transport, pseudo);
      case IpProtocol.UDP -> Invariants.udp(d.udp(), transport, pseudoWithoutLength, version == 6);
      case IpProtocol.ICMP -> {
        if (version == 4) {
          Invariants.icmp(d.icmp(), transport, false, 0);
        }
      }
      case IpProtocol.ICMPV6 -> {
        if (version == 6) {
          Invariants.icmp(d.icmp(), transport, true, pseudo);
        }
      }
      default -> {
        // A protocol Sluice does not parse: accepted as is.
      }
    }
  }

  private static void checkAcceptedFrame(PacketDecoder d, Region r) {
    EthernetFrame frame = d.ethernet();
    check(frame.headerLength() == 14 || frame.headerLength() == 18, "Ethernet header length");
    check(r.contains(frame.payloadOffset(), frame.payloadLength())
        && frame.payloadOffset() + frame.payloadLength() == r.end(), "Ethernet payload outside the frame");
    check(d.etherType() == frame.etherType(), "decoder EtherType");
    Region payload = new Region(r.buf(), frame.payloadOffset(), frame.payloadLength());
    switch (d.etherType()) {
      case EthernetFrame.ETHERTYPE_IPV4, EthernetFrame.ETHERTYPE_IPV6 -> {
        // The EtherType says which IP the payload is; a version nibble that disagrees is not it.
        check(d.ipVersion() == (d.etherType() == EthernetFrame.ETHERTYPE_IPV4 ? 4 : 6),
            "EtherType " + Integer.toHexString(d.etherType()) + " accepted with IPv" + d.ipVersion() + " inside");
        checkAccepted(d, payload);
      }
      case EthernetFrame.ETHERTYPE_ARP -> check(d.ipVersion() == 0 && payload.len() >= ArpPacket.LENGTH, "ARP");
      default -> check(d.ipVersion() == 0, "other EtherType decoded as IP");
    }
  }

  private static long[] append(long[] a, long... b) {
    long[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
