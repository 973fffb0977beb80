package dev.sluice.stack;

import dev.sluice.wire.Checksum;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.UdpBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fragments for the reassembler's tests, made with the production builders: first a whole
 * transport datagram with a valid checksum (the IP payload), then IP packets that each carry a
 * slice of it, with whatever fragment fields a test asks for.
 */
final class FragmentPackets {
  // Test traffic uses the benchmarking ranges (RFC 2544 198.18.0.0/15, RFC 5180 2001:2::/48).
  static final int SRC4 = IpAddresses.parseIpv4("198.18.0.1");
  static final int DST4 = IpAddresses.parseIpv4("198.19.0.2");
  static final long[] SRC6 = IpAddresses.parseIpv6("2001:2::1");
  static final long[] DST6 = IpAddresses.parseIpv6("2001:2:0:ffff::2");

  /** Hop-by-Hop Options with one PadN option: a per-fragment header (RFC 8200 §4.5). */
  static final byte[] HOP_BY_HOP_PADN = {0, 0, 1, 4, 0, 0, 0, 0};

  private FragmentPackets() {}

  static byte[] data(int length, SplittableRandom random) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  /** UDP header and data with the checksum for SRC4 to DST4 (or SRC6 to DST6). */
  static byte[] udp(boolean v6, byte[] data) {
    byte[] buf = new byte[8 + data.length];
    System.arraycopy(data, 0, buf, 8, data.length);
    int pseudo = v6
        ? Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1], IpProtocol.UDP, 0)
        : Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.UDP, 0);
    new UdpBuilder().sourcePort(5353).destinationPort(53).write(buf, 0, data.length, pseudo);
    return buf;
  }

  /** An ICMP (or ICMPv6) echo request carrying {@code data}. */
  static byte[] echo(boolean v6, byte[] data) {
    byte[] buf = new byte[8 + data.length];
    System.arraycopy(data, 0, buf, 8, data.length);
    IcmpBuilder icmp = new IcmpBuilder();
    if (v6) {
      icmp.echo(IcmpType.V6_ECHO_REQUEST, 7, 1).writeV6(buf, 0, data.length, Checksum.pseudoHeaderIpv6(
          SRC6[0], SRC6[1], DST6[0], DST6[1], IpProtocol.ICMPV6, buf.length));
    } else {
      icmp.echo(IcmpType.V4_ECHO_REQUEST, 7, 1).writeV4(buf, 0, data.length);
    }
    return buf;
  }

  /** One fragment's description; {@code ecn} goes into the low two bits of TOS / traffic class. */
  record Spec(boolean v6, int id, int protocol, int offset, int length, boolean more, int ecn,
      boolean extraHeader) {
    Spec(boolean v6, int id, int protocol, int offset, int length, boolean more) {
      this(v6, id, protocol, offset, length, more, 0, false);
    }

    Spec withEcn(int codepoint) {
      return new Spec(v6, id, protocol, offset, length, more, codepoint, extraHeader);
    }

    /** IPv4: four NOP options in the header; IPv6: a Hop-by-Hop header before the Fragment header. */
    Spec withExtraHeader() {
      return new Spec(v6, id, protocol, offset, length, more, ecn, true);
    }
  }

  /**
   * The fragment packet for {@code spec}: bytes {@code [offset, offset + length)} of {@code
   * payload}, zero-padded where the payload is shorter (hostile tests ask for slices past it).
   */
  static byte[] fragment(Spec spec, byte[] payload) {
    return fragment(spec, payload, SRC4, SRC6[1]);
  }

  static byte[] fragment(Spec spec, byte[] payload, int source4, long source6Low) {
    byte[] slice = new byte[spec.length];
    int available = Math.max(0, Math.min(spec.length, payload.length - spec.offset));
    System.arraycopy(payload, Math.min(spec.offset, payload.length), slice, 0, available);
    if (spec.v6) {
      byte[] fragmentHeader = {(byte) spec.protocol, 0, (byte) (spec.offset >>> 8),
          (byte) (spec.offset & 0xF8 | (spec.more ? 1 : 0)), (byte) (spec.id >>> 24),
          (byte) (spec.id >>> 16), (byte) (spec.id >>> 8), (byte) spec.id};
      Ipv6Builder ip = new Ipv6Builder().source(SRC6[0], source6Low).destination(DST6[0], DST6[1])
          .trafficClass(spec.ecn & 3).protocol(spec.protocol);
      if (spec.extraHeader) {
        byte[] headers = new byte[16];
        System.arraycopy(HOP_BY_HOP_PADN, 0, headers, 0, 8);
        headers[0] = IpProtocol.IPV6_FRAGMENT;
        System.arraycopy(fragmentHeader, 0, headers, 8, 8);
        ip.extensionHeaders(IpProtocol.HOP_BY_HOP, headers, 0, 16);
      } else {
        ip.extensionHeaders(IpProtocol.IPV6_FRAGMENT, fragmentHeader, 0, 8);
      }
      byte[] packet = new byte[ip.headerLength() + slice.length];
      int hl = ip.write(packet, 0, slice.length);
      System.arraycopy(slice, 0, packet, hl, slice.length);
      return packet;
    }
    Ipv4Builder ip = new Ipv4Builder().source(source4).destination(DST4).identification(spec.id)
        .protocol(spec.protocol).typeOfService(spec.ecn & 3).moreFragments(spec.more)
        .fragmentOffset(spec.offset);
    if (spec.extraHeader) {
      ip.options(new byte[] {1, 1, 1, 1}, 0, 4);
    }
    byte[] packet = new byte[ip.headerLength() + slice.length];
    int hl = ip.write(packet, 0, slice.length);
    System.arraycopy(slice, 0, packet, hl, slice.length);
    return packet;
  }

  /** Cuts {@code total} bytes into fragments of {@code size} (a multiple of 8) and a last one. */
  static List<Spec> cut(boolean v6, int id, int protocol, int total, int size) {
    List<Spec> specs = new ArrayList<>();
    int offset = 0;
    do {
      int length = Math.min(size, total - offset);
      specs.add(new Spec(v6, id, protocol, offset, length, offset + length < total));
      offset += length;
    } while (offset < total);
    return specs;
  }

  /**
   * Cuts {@code total} bytes at random multiples of 8: at most 100 fragments, and at least two
   * unless {@code total} is 8 or less.
   */
  static List<Spec> randomCut(boolean v6, int id, int protocol, int total, SplittableRandom random) {
    int minSize = Math.max(8, (total / 100 + 7) & ~7);
    List<Spec> specs = new ArrayList<>();
    int offset = 0;
    do {
      int size = minSize + 8 * random.nextInt(1 + 1472 / 8);
      if (offset == 0) {
        size = Math.min(size, Math.max(8, (total - 1) & ~7));
      }
      int length = Math.min(size, total - offset);
      specs.add(new Spec(v6, id, protocol, offset, length, offset + length < total));
      offset += length;
    } while (offset < total);
    return specs;
  }

  static List<byte[]> packets(List<Spec> specs, byte[] payload) {
    List<byte[]> packets = new ArrayList<>();
    for (Spec spec : specs) {
      packets.add(fragment(spec, payload));
    }
    return packets;
  }
}
