package dev.sluice.cli.doctor;

import dev.sluice.cli.capture.CapturedPacket;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns captured IP packets into {@link TcpPacket}s with sluice-core's wire views, leniently where
 * a capture needs it and strictly everywhere else.
 *
 * <p>The views validate a whole packet: the IP total length against the frame and the TCP
 * checksum over the data. Captures break both on purpose: tcpdump's snapshot length keeps only
 * the first bytes of a packet, and a capture taken on the sending host holds checksums the NIC
 * was to fill in (checksum offload). So:
 * <ul>
 *   <li>a packet the snapshot length cut short is padded with zeros to the length it had on the
 *       wire before {@link Ipv4Packet} or {@link Ipv6Packet} sees it; the IPv4 header checksum,
 *       options and lengths are still checked, as is the IPv6 extension-header chain, as far as
 *       it was captured;
 *   <li>the TCP header alone (it must have been captured whole) is handed to {@link TcpSegment}
 *       with its checksum recomputed, so the view checks the data offset, the ports and every
 *       option strictly, but not the checksum, which the capture cannot vouch for;
 *   <li>the data length comes from the IP header, never from what was captured.
 * </ul>
 * IP fragments and non-TCP packets are counted and skipped; so are packets the views refuse,
 * under the view's {@link DropReason}.
 */
public final class TcpPacketParser {
  private final Ipv4Packet ipv4 = new Ipv4Packet();
  private final Ipv6Packet ipv6 = new Ipv6Packet();
  private final TcpSegment tcp = new TcpSegment();
  private final Map<String, Long> malformed = new TreeMap<>();
  private long notTcp;

  /** The TCP packet in {@code packet}, or {@code null} if it holds none (counted either way). */
  public TcpPacket parse(CapturedPacket packet) {
    byte[] data = packet.data();
    if (data.length < 1) {
      return malformed(DropReason.IP_TRUNCATED.name());
    }
    int version = (data[0] & 0xFF) >>> 4;
    return switch (version) {
      case 4 -> parseIpv4(packet);
      case 6 -> parseIpv6(packet);
      default -> malformed(DropReason.IP_BAD_VERSION.name());
    };
  }

  private TcpPacket parseIpv4(CapturedPacket packet) {
    byte[] data = packet.data();
    if (data.length < Ipv4Packet.MIN_HEADER_LENGTH) {
      return malformed(DropReason.IP_TRUNCATED.name());
    }
    byte[] buf = padded(packet, Bytes.u16(data, 2));
    DropReason reason = ipv4.wrap(buf, 0, buf.length);
    if (reason != null) {
      return malformed(reason.name());
    }
    if (ipv4.protocol() != IpProtocol.TCP || ipv4.isFragment()) {
      notTcp++; // a fragment's TCP header, if any, is in the first piece only; not reassembled here
      return null;
    }
    String source = IpAddresses.formatIpv4(ipv4.source());
    String destination = IpAddresses.formatIpv4(ipv4.destination());
    int pseudo = ipv4.pseudoHeaderSum(0);
    return parseTcp(packet, ipv4.payloadOffset(), ipv4.payloadLength(), source, destination, pseudo);
  }

  private TcpPacket parseIpv6(CapturedPacket packet) {
    byte[] data = packet.data();
    if (data.length < Ipv6Packet.HEADER_LENGTH) {
      return malformed(DropReason.IP_TRUNCATED.name());
    }
    byte[] buf = padded(packet, Ipv6Packet.HEADER_LENGTH + Bytes.u16(data, 4));
    DropReason reason = ipv6.wrap(buf, 0, buf.length);
    if (reason != null) {
      return malformed(reason.name());
    }
    if (ipv6.upperLayerProtocol() != IpProtocol.TCP || ipv6.isFragment()) {
      notTcp++;
      return null;
    }
    String source = IpAddresses.formatIpv6(ipv6.sourceHigh(), ipv6.sourceLow());
    String destination = IpAddresses.formatIpv6(ipv6.destinationHigh(), ipv6.destinationLow());
    int pseudo = Checksum.pseudoHeaderIpv6(ipv6.sourceHigh(), ipv6.sourceLow(), ipv6.destinationHigh(),
        ipv6.destinationLow(), IpProtocol.TCP, 0);
    return parseTcp(packet, ipv6.upperLayerOffset(), ipv6.upperLayerLength(), source, destination, pseudo);
  }

  /**
   * The captured bytes, padded with zeros up to the IP packet's own length when the snapshot length
   * explains the shortfall (the packet was that long on the wire). A packet whose IP length exceeds
   * even its wire length is left as it is, and the view refuses it.
   */
  private static byte[] padded(CapturedPacket packet, int ipLength) {
    byte[] data = packet.data();
    if (ipLength > data.length && ipLength <= packet.originalLength()) {
      return Arrays.copyOf(data, ipLength);
    }
    return data;
  }

  /**
   * @param pseudoWithoutLength the pseudo-header sum with a length of 0; the header's own length is
   *     added here, as the one's complement sum allows (RFC 1071 §2)
   */
  private TcpPacket parseTcp(CapturedPacket packet, int offset, int length, String source, String destination,
      int pseudoWithoutLength) {
    int captured = packet.data().length - offset;
    if (length < TcpSegment.MIN_HEADER_LENGTH || captured < TcpSegment.MIN_HEADER_LENGTH) {
      return malformed(DropReason.TCP_TRUNCATED.name());
    }
    byte[] src = packet.data();
    int headerLength = ((src[offset + 12] & 0xFF) >>> 4) * 4;
    if (headerLength < TcpSegment.MIN_HEADER_LENGTH || headerLength > length) {
      return malformed(DropReason.TCP_BAD_DATA_OFFSET.name());
    }
    if (headerLength > captured) {
      return malformed("TCP_HEADER_NOT_CAPTURED");
    }
    byte[] header = Arrays.copyOfRange(src, offset, offset + headerLength);
    int pseudo = Checksum.add(pseudoWithoutLength, headerLength);
    Bytes.put16(header, 16, 0);
    Bytes.put16(header, 16, Checksum.finish(Checksum.add(pseudo, Checksum.sum(header, 0, headerLength))));
    DropReason reason = tcp.wrap(header, 0, headerLength, pseudo);
    if (reason != null) {
      return malformed(reason.name());
    }
    TcpOptions options = tcp.options();
    int[] sack = new int[options.sackBlockCount() * 2];
    for (int b = 0; b < options.sackBlockCount(); b++) {
      sack[2 * b] = options.sackLeft(b);
      sack[2 * b + 1] = options.sackRight(b);
    }
    return new TcpPacket(packet.record(), packet.timeNanos(), new Endpoint(source, tcp.sourcePort()),
        new Endpoint(destination, tcp.destinationPort()), tcp.sequenceNumber(), tcp.acknowledgmentNumber(),
        tcp.flags(), tcp.window(), length - headerLength, options.windowScale(), sack);
  }

  private TcpPacket malformed(String reason) {
    malformed.merge(reason, 1L, Long::sum);
    return null;
  }

  /** IP packets that carried something other than TCP, or a fragment. */
  public long notTcp() {
    return notTcp;
  }

  /** Packets refused, by reason (a {@link DropReason} name, or TCP_HEADER_NOT_CAPTURED). */
  public Map<String, Long> malformed() {
    return malformed;
  }

  public long malformedCount() {
    return malformed.values().stream().mapToLong(Long::longValue).sum();
  }
}
