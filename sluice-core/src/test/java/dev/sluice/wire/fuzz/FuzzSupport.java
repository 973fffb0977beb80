package dev.sluice.wire.fuzz;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.EthernetFrame;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv6Packet;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Shared plumbing of the fuzz targets: the input format, placing a packet inside a larger buffer,
 * repairing checksums, and small assertion helpers.
 *
 * <p><b>Input format.</b> Every target reads one control byte first, then its own bytes:
 * <pre>
 *   bit 0     repair: recompute checksums (and for IPv6 the payload length) before parsing
 *   bits 1-3  prefix: foreign bytes placed before the packet (0-7), so offsets are never 0
 *   bits 4-6  suffix: foreign bytes placed after it (0-7), so the buffer is longer than the region
 *   bit 7     target-specific (UDP: the datagram came over IPv6)
 * </pre>
 * Repair exists because random bytes almost never carry a valid checksum, and every view checks
 * the checksum before anything else: without it the fuzzer would spend its time in front of the
 * first {@code if}. Prefix and suffix exist because a view that mixes absolute and relative offsets,
 * or reads past its region, still passes when the packet sits alone at offset 0 of an exact-size
 * array; each target therefore parses the packet twice, alone and placed, and demands the same
 * answer.
 */
final class FuzzSupport {
  /** Filler outside the region: unlikely to look like a valid field if a view reads it. */
  static final byte FOREIGN = (byte) 0xA5;

  private FuzzSupport() {}

  /** The decoded control byte. */
  record Control(boolean repair, int prefix, int suffix, boolean extra) {
    static Control of(byte[] data) {
      int c = data[0] & 0xFF;
      return new Control((c & 1) != 0, (c >>> 1) & 7, (c >>> 4) & 7, (c & 0x80) != 0);
    }

    /** The control byte for these settings (used by the seed generator). */
    static byte encode(boolean repair, int prefix, int suffix, boolean extra) {
      return (byte) ((repair ? 1 : 0) | (prefix & 7) << 1 | (suffix & 7) << 4 | (extra ? 0x80 : 0));
    }
  }

  /** A region of a buffer: what every {@code wrap} takes. */
  record Region(byte[] buf, int off, int len) {
    int end() {
      return off + len;
    }

    /** True if {@code [offset, offset + length)} lies inside this region. */
    boolean contains(int offset, int length) {
      return length >= 0 && offset >= off && offset + length <= off + len;
    }
  }

  /** The bytes of {@code data} from {@code from} on, as an exact-size array. */
  static byte[] tail(byte[] data, int from) {
    return from >= data.length ? new byte[0] : Arrays.copyOfRange(data, from, data.length);
  }

  /** {@code packet} alone, at offset 0 of an array of exactly its length. */
  static Region alone(byte[] packet) {
    return new Region(packet.clone(), 0, packet.length);
  }

  /** {@code packet} copied into a larger array, with foreign bytes before and after it. */
  static Region placed(byte[] packet, Control control) {
    byte[] buf = new byte[control.prefix() + packet.length + control.suffix()];
    Arrays.fill(buf, FOREIGN);
    System.arraycopy(packet, 0, buf, control.prefix(), packet.length);
    return new Region(buf, control.prefix(), packet.length);
  }

  // ---------------------------------------------------------------- checks

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  /** A drop reason must belong to the layer that reported it (its name starts with a prefix). */
  static void checkFamily(DropReason reason, String... prefixes) {
    for (String prefix : prefixes) {
      if (reason.name().startsWith(prefix)) {
        return;
      }
    }
    throw new AssertionError("drop reason " + reason + " is not one of " + Arrays.toString(prefixes));
  }

  /** Both parses of one packet must agree: the reason, and every field relative to the offset. */
  static void checkSame(String what, DropReason a, DropReason b, long[] snapA, long[] snapB) {
    if (a != b) {
      throw new AssertionError(what + ": the packet alone gives " + a + " but placed gives " + b);
    }
    if (!Arrays.equals(snapA, snapB)) {
      throw new AssertionError(what + ": fields differ\n  alone:  " + Arrays.toString(snapA)
          + "\n  placed: " + Arrays.toString(snapB));
    }
  }

  static String hex(byte[] buf, int off, int len) {
    return HexFormat.of().formatHex(buf, off, off + len);
  }

  // ---------------------------------------------------------------- drop counters

  static long[] counts(DropCounters drops) {
    DropReason[] all = DropReason.values();
    long[] counts = new long[all.length];
    for (int i = 0; i < all.length; i++) {
      counts[i] = drops.get(all[i]);
    }
    return counts;
  }

  /** A drop counts exactly one reason exactly once; an accepted packet counts nothing. */
  static void checkCounted(long[] before, long[] after, DropReason reason) {
    for (int i = 0; i < before.length; i++) {
      long expected = before[i] + (reason != null && reason.ordinal() == i ? 1 : 0);
      if (after[i] != expected) {
        throw new AssertionError("counter " + DropReason.values()[i] + " went from " + before[i]
            + " to " + after[i] + " for a decode that returned " + reason);
      }
    }
  }

  // ---------------------------------------------------------------- checksums

  /** RFC 1071 the slow way: big-endian 16-bit words, end-around carry; a reference for Checksum.sum. */
  static int referenceSum(byte[] buf, int off, int len) {
    long sum = 0;
    int i = 0;
    for (; i + 1 < len; i += 2) {
      sum += ((buf[off + i] & 0xFF) << 8) | (buf[off + i + 1] & 0xFF);
    }
    if (i < len) {
      sum += (buf[off + i] & 0xFF) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) sum;
  }

  /** Writes the checksum field at {@code field} so that the region checks out. */
  static void fillChecksum(byte[] buf, int off, int len, int field, int pseudoHeaderSum) {
    Bytes.put16(buf, field, 0);
    Bytes.put16(buf, field, Checksum.finish(Checksum.add(pseudoHeaderSum, Checksum.sum(buf, off, len))));
  }

  /** Repairs the IPv4 header checksum if the header lies inside the region; returns its length or -1. */
  static int repairIpv4Header(byte[] buf, int off, int len) {
    if (len < 20 || (Bytes.u8(buf, off) >>> 4) != 4) {
      return -1;
    }
    int hl = (Bytes.u8(buf, off) & 0x0F) * 4;
    if (hl < 20 || hl > len) {
      return -1;
    }
    fillChecksum(buf, off, hl, off + 10, 0);
    return hl;
  }

  /**
   * Repairs every checksum of a raw IP packet that can be located: the IPv4 header's and the
   * transport's (TCP, UDP, ICMP, ICMPv6). For IPv6 the payload length is also set to the region's,
   * since a random one is almost always wrong.
   */
  static void repairIp(byte[] buf, int off, int len) {
    if (len < 1) {
      return;
    }
    int version = Bytes.u8(buf, off) >>> 4;
    if (version == 4) {
      int hl = repairIpv4Header(buf, off, len);
      if (hl < 0) {
        return;
      }
      int total = Bytes.u16(buf, off + 2);
      if (total < hl || total > len) {
        return;
      }
      int src = Bytes.i32(buf, off + 12);
      int dst = Bytes.i32(buf, off + 16);
      int protocol = Bytes.u8(buf, off + 9);
      int tLen = total - hl;
      boolean firstFragment = (Bytes.u16(buf, off + 6) & 0x1FFF) == 0;
      if (firstFragment) {
        repairTransport(buf, off + hl, tLen, protocol, false,
            Checksum.pseudoHeaderIpv4(src, dst, protocol, tLen), Checksum.pseudoHeaderIpv4(src, dst, protocol, 0));
      }
      // The transport checksum is outside the IPv4 header checksum, so the order does not matter.
    } else if (version == 6 && len >= Ipv6Packet.HEADER_LENGTH) {
      Bytes.put16(buf, off + 4, Math.min(len - Ipv6Packet.HEADER_LENGTH, 0xFFFF));
      Ipv6Packet ip = new Ipv6Packet();
      if (ip.wrap(buf, off, len) == null && !ip.isFragment()) {
        int tLen = ip.upperLayerLength();
        repairTransport(buf, ip.upperLayerOffset(), tLen, ip.upperLayerProtocol(), true,
            ip.pseudoHeaderSum(tLen), ip.pseudoHeaderSum(0));
      }
    }
  }

  /** Repairs the checksums of an Ethernet frame's IP payload. */
  static void repairEthernet(byte[] buf, int off, int len) {
    EthernetFrame frame = new EthernetFrame();
    if (frame.wrap(buf, off, len) != null) {
      return;
    }
    int type = frame.etherType();
    if (type == EthernetFrame.ETHERTYPE_IPV4 || type == EthernetFrame.ETHERTYPE_IPV6) {
      repairIp(buf, frame.payloadOffset(), frame.payloadLength());
    }
  }

  private static void repairTransport(byte[] buf, int off, int len, int protocol, boolean ipv6,
      int pseudoWithLength, int pseudoWithoutLength) {
    switch (protocol) {
      case IpProtocol.TCP -> repairTcp(buf, off, len, pseudoWithLength);
      case IpProtocol.UDP -> repairUdp(buf, off, len, pseudoWithoutLength);
      case IpProtocol.ICMP -> {
        if (!ipv6) {
          repairIcmp(buf, off, len, 0);
        }
      }
      case IpProtocol.ICMPV6 -> {
        if (ipv6) {
          repairIcmp(buf, off, len, pseudoWithLength);
        }
      }
      default -> {
        // Nothing Sluice checks.
      }
    }
  }

  static void repairTcp(byte[] buf, int off, int len, int pseudoHeaderSum) {
    if (len >= 20) {
      fillChecksum(buf, off, len, off + 16, pseudoHeaderSum);
    }
  }

  /** UDP sums only its own Length bytes, and sends a computed zero as 0xFFFF (RFC 768). */
  static void repairUdp(byte[] buf, int off, int len, int pseudoHeaderSumWithoutLength) {
    if (len < 8) {
      return;
    }
    int udpLength = Bytes.u16(buf, off + 4);
    if (udpLength < 8 || udpLength > len) {
      return;
    }
    Bytes.put16(buf, off + 6, 0);
    int sum = Checksum.add(Checksum.add(pseudoHeaderSumWithoutLength, udpLength),
        Checksum.sum(buf, off, udpLength));
    int checksum = Checksum.finish(sum);
    Bytes.put16(buf, off + 6, checksum == 0 ? 0xFFFF : checksum);
  }

  static void repairIcmp(byte[] buf, int off, int len, int pseudoHeaderSum) {
    if (len >= 8) {
      fillChecksum(buf, off, len, off + 2, pseudoHeaderSum);
    }
  }
}
