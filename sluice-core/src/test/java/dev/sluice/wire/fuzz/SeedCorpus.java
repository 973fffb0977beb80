package dev.sluice.wire.fuzz;

import dev.sluice.wire.ArpBuilder;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.EthernetBuilder;
import dev.sluice.wire.EthernetFrame;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.Ipv6Packet;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.UdpBuilder;
import dev.sluice.wire.fuzz.FuzzSupport.Control;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Generates the committed seed corpus of the fuzz targets: packets built with the builders, valid
 * ones and malformed ones for each hostile-input rule, each in the input format of every target
 * that can take it (see {@link FuzzSupport}).
 *
 * <p>Regenerate after changing the input format or adding a case (from the repository root):
 * <pre>
 *   ./mvnw -q -pl sluice-core test-compile
 *   java -cp sluice-core/target/classes:sluice-core/target/test-classes \
 *       dev.sluice.wire.fuzz.SeedCorpus sluice-core/src/test/resources
 * </pre>
 * {@link SeedCorpusTest} fails while the committed files and this generator disagree.
 */
public final class SeedCorpus {
  static final String PACKAGE_DIR = "dev/sluice/wire/fuzz/";

  private static final int SRC4 = 0xC000_0201; // 192.0.2.1 (RFC 5737)
  private static final int DST4 = 0xC633_6402; // 198.51.100.2
  private static final long NET6 = 0x2001_0db8_0000_0000L; // 2001:db8::/32 (RFC 3849)
  private static final long MAC_A = 0x02_00_00_00_00_01L;
  private static final long MAC_B = 0x02_00_00_00_00_02L;
  private static final byte PLAIN = Control.encode(false, 0, 0, false);

  /** Relative path (under the resources root) to file contents, in a stable order. */
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  private SeedCorpus() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "sluice-core/src/test/resources");
    Map<String, byte[]> seeds = generate();
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Path file = root.resolve(PACKAGE_DIR + e.getKey());
      Files.createDirectories(file.getParent());
      Files.write(file, e.getValue());
    }
    System.out.println("wrote " + seeds.size() + " seeds under " + root.resolve(PACKAGE_DIR));
  }

  /** Every seed, keyed by {@code <Class>Inputs/<method>/<name>}. */
  static Map<String, byte[]> generate() {
    SeedCorpus c = new SeedCorpus();
    c.ipv4Packets();
    c.ipv6Packets();
    c.ethernetFrames();
    c.checksumInputs();
    return c.files;
  }

  // ---------------------------------------------------------------- IPv4

  private void ipv4Packets() {
    ip("ipv4-tcp-syn-options", v4Tcp(ipv4(), synOptions(), 0));
    ip("ipv4-tcp-ts-sack-1448", v4Tcp(ipv4(), dataOptions(3), 1448));
    ip("ipv4-tcp-sack4-no-ts", v4Tcp(ipv4(), tcp().nop().nop().sack(4, edges(4)), 100));
    ip("ipv4-tcp-unknown-option-and-end", v4Tcp(ipv4(),
        tcp().rawOption(new byte[] {30, 6, 1, 2, 3, 4}, 0, 6).nop().mss(1220).endOfOptions()
            .rawOption(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE}, 0, 3), 7));
    ip("ipv4-tcp-duplicate-mss", v4Tcp(ipv4(), tcp().mss(1460).mss(536), 0));
    ip("ipv4-tcp-40-nops", v4Tcp(ipv4(), nops(tcp(), 40), 1));
    ip("ipv4-tcp-syn-fin-urg", v4Tcp(ipv4(), tcp().flags(TcpFlags.SYN | TcpFlags.FIN | TcpFlags.URG).urgentPointer(65535), 3));
    ip("ipv4-udp", v4Udp(ipv4(), 32));
    ip("ipv4-icmp-echo", v4Icmp(ipv4(), new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 0x1234, 1), 56));
    ip("ipv4-icmp-frag-needed", v4Icmp(ipv4(), new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE)
        .code(IcmpType.V4_CODE_FRAGMENTATION_NEEDED).restOfHeader(1400), 28));
    ip("ipv4-router-alert-option", v4Tcp(ipv4().options(new byte[] {(byte) 148, 4, 0, 0}, 0, 4), dataOptions(1), 10));
    ip("ipv4-fragment-first", v4Raw(ipv4().moreFragments(true), IpProtocol.TCP, 24));
    ip("ipv4-fragment-last", v4Raw(ipv4().fragmentOffset(1480), IpProtocol.UDP, 13));
    ip("ipv4-other-protocol", v4Raw(ipv4(), 132, 12)); // SCTP: accepted, not parsed
    byte[] padded = v4Tcp(ipv4(), dataOptions(1), 6);
    ip("ipv4-link-padding", Arrays.copyOf(padded, padded.length + 10)); // hostile input 16

    byte[] base = v4Tcp(ipv4(), dataOptions(2), 20);
    ip("bad-ipv4-ihl4", patch(base, 0, 0x44));
    ip("bad-ipv4-ihl15", patch(v4Tcp(ipv4(), tcp(), 0), 0, 0x4F)); // 60-byte header in a 40-byte packet
    ip("bad-ipv4-total-short", fixHeader(patch16(base, 2, 19)));
    ip("bad-ipv4-total-long", fixHeader(patch16(base, 2, base.length + 1)));
    ip("bad-ipv4-checksum", patch(base, 10, Bytes.u8(base, 10) ^ 0x01));
    ip("bad-ipv4-lsrr", v4Tcp(ipv4().options(new byte[] {(byte) 131, 7, 4, 1, 2, 3, 4, 0}, 0, 8), tcp(), 0));
    ip("bad-ipv4-option-zero-length", v4Tcp(ipv4().options(new byte[] {1, 7, 0, 0}, 0, 4), tcp(), 0));
    ip("bad-ipv4-option-past-header", v4Tcp(ipv4().options(new byte[] {1, 68, 9, 0}, 0, 4), tcp(), 0));
    ip("bad-ipv4-fragment-overflow", v4Raw(ipv4().fragmentOffset(65528), IpProtocol.UDP, 16)); // teardrop
    ip("bad-ipv4-fragment-odd", v4Raw(ipv4().moreFragments(true), IpProtocol.UDP, 13));
    ip("bad-ipv4-multicast-source", v4Tcp(ipv4().source(0xE000_0001), tcp(), 0));
    ip("bad-ipv4-broadcast-source", v4Tcp(ipv4().source(-1), tcp(), 0));
    ip("bad-ip-truncated-19", Arrays.copyOf(base, 19));
    ip("bad-ip-version-5", patch(base, 0, 0x55));
    ip("bad-ip-one-byte", new byte[] {0x45});

    // TCP (hostile inputs 13-15): the options are written raw, so the checksum is still right.
    ip("bad-tcp-zero-length-option", v4Tcp(ipv4(), tcp().nop().rawOption(new byte[] {8, 0}, 0, 2), 0));
    ip("bad-tcp-option-length-1", v4Tcp(ipv4(), tcp().rawOption(new byte[] {30, 1}, 0, 2), 0));
    ip("bad-tcp-option-past-header", v4Tcp(ipv4(), tcp().nop().nop().rawOption(new byte[] {8, 10, 0, 0}, 0, 4), 0));
    ip("bad-tcp-kind-without-length", v4Tcp(ipv4(), tcp().nop().nop().nop().rawOption(new byte[] {2}, 0, 1), 0));
    ip("bad-tcp-mss-length-3", v4Tcp(ipv4(), tcp().rawOption(new byte[] {2, 3, 5, 0}, 0, 4), 0));
    ip("bad-tcp-sack-length-11", v4Tcp(ipv4(), tcp().rawOption(new byte[] {5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1}, 0, 12), 0));
    ip("bad-tcp-sack-zero-blocks", v4Tcp(ipv4(), tcp().nop().nop().rawOption(new byte[] {5, 2}, 0, 2), 0));
    ip("bad-tcp-timestamps-length-8", v4Tcp(ipv4(), tcp().rawOption(new byte[] {8, 8, 0, 0, 0, 1, 0, 0}, 0, 8), 0));
    byte[] syn = v4Tcp(ipv4(), synOptions(), 0);
    ip("bad-tcp-data-offset-4", fixTcp(patch(syn, 20 + 12, 0x40)));
    ip("bad-tcp-data-offset-beyond", fixTcp(patch(syn, 20 + 12, 0xF0)));
    ip("bad-tcp-truncated", fixHeader(patch16(Arrays.copyOf(syn, 39), 2, 39)));
    ip("bad-tcp-checksum", patch(syn, 20 + 16, Bytes.u8(syn, 36) ^ 0x80));
    ip("bad-tcp-port-zero", fixTcp(patch16(syn, 20 + 2, 0)));

    byte[] udp = v4Udp(ipv4(), 32);
    ip("ipv4-udp-no-checksum", patch16(udp, 20 + 6, 0));
    ip("bad-udp-length-long", fixUdp(patch16(udp, 20 + 4, 41 + 8)));
    ip("bad-udp-length-short", fixUdp(patch16(udp, 20 + 4, 7)));
    ip("bad-udp-checksum", patch(udp, 20 + 7, Bytes.u8(udp, 27) ^ 0x10));
    ip("bad-udp-port-zero", fixUdp(patch16(udp, 20 + 2, 0)));
    ip("bad-icmp-truncated", v4Raw(ipv4(), IpProtocol.ICMP, 7));
    ip("bad-icmp-checksum", patch(v4Icmp(ipv4(), new IcmpBuilder().echo(0, 1, 1), 8), 20 + 9, 0x55));
  }

  // ---------------------------------------------------------------- IPv6

  private void ipv6Packets() {
    ip("ipv6-tcp", v6Tcp(ipv6(), dataOptions(2), 64));
    ip("ipv6-tcp-syn", v6Tcp(ipv6(), synOptions(), 0));
    ip("ipv6-udp", v6Udp(ipv6(), 20));
    ip("ipv6-icmpv6-echo", v6Icmp(ipv6(), new IcmpBuilder().echo(IcmpType.V6_ECHO_REQUEST, 7, 9), 32));
    ip("ipv6-icmpv6-too-big", v6Icmp(ipv6(), new IcmpBuilder().type(IcmpType.V6_PACKET_TOO_BIG).restOfHeader(1280), 48));
    ip("ipv6-hbh-dest-routing-tcp", v6Tcp(ipv6().extensionHeaders(IpProtocol.HOP_BY_HOP, concat(
        hopByHop(IpProtocol.IPV6_DESTINATION_OPTIONS),
        destOptions(IpProtocol.IPV6_ROUTING),
        routing(IpProtocol.IPV6_FRAGMENT, 4, 0),
        fragment(IpProtocol.TCP, 0, false, 77)), 0, 32), dataOptions(1), 16));
    ip("ipv6-atomic-fragment-udp", v6Udp(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
        fragment(IpProtocol.UDP, 0, false, 5), 0, 8), 11));
    ip("ipv6-ah-tcp", v6Tcp(ipv6().extensionHeaders(IpProtocol.AH, ah(IpProtocol.TCP), 0, 24), tcp(), 0));
    ip("ipv6-fragment-first", v6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
        fragment(IpProtocol.TCP, 0, true, 99), 0, 8), IpProtocol.TCP, 32));
    ip("ipv6-fragment-last", v6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
        fragment(IpProtocol.TCP, 1232, false, 99), 0, 8), IpProtocol.TCP, 9));
    ip("ipv6-no-next-header", v6Raw(ipv6(), IpProtocol.IPV6_NO_NEXT_HEADER, 0));
    ip("ipv6-esp", v6Raw(ipv6(), IpProtocol.ESP, 24));
    ip("ipv6-chain-8", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS, destChain(8), 0, 64), tcp(), 0));

    ip("bad-ipv6-chain-9", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS, destChain(9), 0, 72), tcp(), 0));
    ip("bad-ipv6-chain-32", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS, destChain(32), 0, 256), tcp(), 0));
    ip("bad-ipv6-hbh-second", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS,
        concat(destOptions(IpProtocol.HOP_BY_HOP), hopByHop(IpProtocol.TCP)), 0, 16), tcp(), 0));
    ip("bad-ipv6-routing-type0", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_ROUTING, routing(IpProtocol.TCP, 0, 0), 0, 8), tcp(), 0));
    ip("bad-ipv6-routing-segments-left", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_ROUTING, routing(IpProtocol.TCP, 4, 1), 0, 8), tcp(), 0));
    ip("bad-ipv6-option-discard", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS,
        new byte[] {IpProtocol.TCP, 0, (byte) 0x80, 4, 0, 0, 0, 0}, 0, 8), tcp(), 0));
    ip("bad-ipv6-jumbo-option", v6Tcp(ipv6().extensionHeaders(IpProtocol.HOP_BY_HOP,
        new byte[] {IpProtocol.TCP, 0, (byte) 0xC2, 4, 0, 1, 0, 0}, 0, 8), tcp(), 0));
    ip("bad-ipv6-option-past-header", v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS,
        new byte[] {IpProtocol.TCP, 0, 1, 5, 0, 0, 0, 0}, 0, 8), tcp(), 0));
    byte[] longExt = v6Tcp(ipv6().extensionHeaders(IpProtocol.IPV6_DESTINATION_OPTIONS, destOptions(IpProtocol.TCP), 0, 8), tcp(), 0);
    ip("bad-ipv6-extension-truncated", patch(longExt, 41, 10)); // 88 bytes claimed, 28 there
    ip("bad-ipv6-fragment-odd", v6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
        fragment(IpProtocol.TCP, 0, true, 3), 0, 8), IpProtocol.TCP, 13));
    ip("bad-ipv6-fragment-overflow", v6Raw(ipv6().extensionHeaders(IpProtocol.IPV6_FRAGMENT,
        fragment(IpProtocol.TCP, 65528, false, 3), 0, 8), IpProtocol.TCP, 16));
    byte[] tcp6 = v6Tcp(ipv6(), dataOptions(2), 64);
    ip("bad-ipv6-payload-length-long", patch16(tcp6, 4, tcp6.length - 39));
    ip("bad-ipv6-truncated-39", Arrays.copyOf(tcp6, 39));
    ip("bad-ipv6-multicast-source", v6Tcp(ipv6().source(0xFF02_0000_0000_0000L, 1), tcp(), 0));
    byte[] udp6 = v6Udp(ipv6(), 20);
    ip("bad-udp-ipv6-no-checksum", patch16(udp6, 40 + 6, 0));
    ip("bad-tcp-ipv6-checksum", patch(tcp6, 40 + 17, Bytes.u8(tcp6, 57) ^ 1));
  }

  // ---------------------------------------------------------------- Ethernet

  private void ethernetFrames() {
    frame("ipv4-tcp", ethernet(EthernetFrame.ETHERTYPE_IPV4, -1, v4Tcp(ipv4(), dataOptions(3), 1448)));
    frame("ipv4-udp-vlan", ethernet(EthernetFrame.ETHERTYPE_IPV4, 0x2064, v4Udp(ipv4(), 18)));
    frame("ipv6-tcp", ethernet(EthernetFrame.ETHERTYPE_IPV6, -1, v6Tcp(ipv6(), synOptions(), 0)));
    frame("ipv6-icmpv6-vlan", ethernet(EthernetFrame.ETHERTYPE_IPV6, 7, v6Icmp(ipv6(), new IcmpBuilder().echo(IcmpType.V6_ECHO_REPLY, 1, 2), 8)));
    byte[] arp = new byte[28];
    new ArpBuilder().sender(MAC_A, SRC4).target(0, DST4).write(arp, 0);
    frame("arp-request", ethernet(EthernetFrame.ETHERTYPE_ARP, -1, arp));
    frame("lldp", ethernet(0x88CC, -1, new byte[] {2, 7, 4, 2, 0, 0, 0, 0, 1}));
    frame("ipv4-min-frame-padding", ethernet(EthernetFrame.ETHERTYPE_IPV4, -1, Arrays.copyOf(v4Tcp(ipv4(), tcp(), 0), 46)));
    frame("bad-arp-unsupported", ethernet(EthernetFrame.ETHERTYPE_ARP, -1, patch16(arp, 0, 6)));
    frame("bad-arp-truncated", ethernet(EthernetFrame.ETHERTYPE_ARP, -1, Arrays.copyOf(arp, 27)));
    frame("bad-ethernet-13", new byte[13]);
    frame("bad-vlan-truncated", Arrays.copyOf(ethernet(EthernetFrame.ETHERTYPE_IPV4, 5, new byte[0]), 17));
    frame("bad-ipv4-in-frame-checksum", ethernet(EthernetFrame.ETHERTYPE_IPV4, -1, patch(v4Tcp(ipv4(), tcp(), 0), 11, 0)));
    frame("bad-ipv6-in-ipv4-ethertype", ethernet(EthernetFrame.ETHERTYPE_IPV4, -1, v6Udp(ipv6(), 4)));
    frame("bad-ipv4-in-ipv6-ethertype", ethernet(EthernetFrame.ETHERTYPE_IPV6, -1, v4Udp(ipv4(), 4)));
  }

  private void checksumInputs() {
    for (int len : new int[] {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64}) {
      byte[] bytes = new byte[1 + len];
      bytes[0] = Control.encode(false, len % 8, 7 - len % 8, false);
      for (int i = 1; i < bytes.length; i++) {
        bytes[i] = (byte) (0xFF - i * 13);
      }
      put("ChecksumFuzzTestInputs/sum/len-" + len, bytes);
    }
    byte[] ones = new byte[1 + 40];
    Arrays.fill(ones, (byte) 0xFF);
    ones[0] = Control.encode(false, 3, 0, false);
    put("ChecksumFuzzTestInputs/sum/all-ones-odd-offset", ones);
  }

  // ---------------------------------------------------------------- fan-out to the targets

  /**
   * Files an IP packet under every target whose input it can be: the decoder and the round trip
   * take it whole; the IP view of its version takes it whole; if its IP layer accepts it, the
   * transport view takes its payload with the pseudo-header sum in front.
   */
  private void ip(String name, byte[] packet) {
    put("PacketDecoderFuzzTestInputs/decodeIp/" + name, withControl(PLAIN, packet));
    int version = packet.length == 0 ? 0 : Bytes.u8(packet, 0) >>> 4;
    if (version == 4) {
      put("Ipv4PacketFuzzTestInputs/wrap/" + name, withControl(PLAIN, packet));
    } else if (version == 6) {
      put("Ipv6PacketFuzzTestInputs/wrap/" + name, withControl(PLAIN, packet));
    }
    DropReason reason = new PacketDecoder(new DropCounters()).decodeIp(packet, 0, packet.length);
    if (name.startsWith("bad-") == (reason == null)) {
      throw new IllegalStateException(name + " decodes to " + reason);
    }
    // The transport seeds need the IP layer's verdict alone, so ask the IP views directly.
    int tOff;
    int tLen;
    int protocol;
    IntUnaryOperator pseudo;
    if (version == 4) {
      Ipv4Packet ip = new Ipv4Packet();
      if (ip.wrap(packet, 0, packet.length) != null || ip.isFragment()) {
        return;
      }
      tOff = ip.payloadOffset();
      tLen = ip.payloadLength();
      protocol = ip.protocol();
      pseudo = ip::pseudoHeaderSum;
    } else if (version == 6) {
      Ipv6Packet ip = new Ipv6Packet();
      if (ip.wrap(packet, 0, packet.length) != null || ip.isFragment()) {
        return;
      }
      tOff = ip.upperLayerOffset();
      tLen = ip.upperLayerLength();
      protocol = ip.upperLayerProtocol();
      pseudo = ip::pseudoHeaderSum;
    } else {
      return;
    }
    byte[] transport = Arrays.copyOfRange(packet, tOff, tOff + tLen);
    switch (protocol) {
      case IpProtocol.TCP -> {
        put("TcpSegmentFuzzTestInputs/wrap/" + name, withPseudo(PLAIN, pseudo.applyAsInt(tLen), transport));
        if (reason == null) {
          put("RoundTripFuzzTestInputs/tcpOverIp/" + name, withControl(PLAIN, packet));
        }
      }
      case IpProtocol.UDP -> put("UdpDatagramFuzzTestInputs/wrap/" + name,
          withPseudo(Control.encode(false, 0, 0, version == 6), pseudo.applyAsInt(0), transport));
      case IpProtocol.ICMP -> {
        if (version == 4) {
          put("IcmpMessageFuzzTestInputs/wrapV4/" + name, withControl(PLAIN, transport));
        }
      }
      case IpProtocol.ICMPV6 -> {
        if (version == 6) {
          put("IcmpMessageFuzzTestInputs/wrapV6/" + name, withPseudo(PLAIN, pseudo.applyAsInt(tLen), transport));
        }
      }
      default -> {
        // Not a transport Sluice parses.
      }
    }
  }

  private void frame(String name, byte[] frame) {
    put("PacketDecoderFuzzTestInputs/decodeEthernet/" + name, withControl(PLAIN, frame));
    DropReason reason = new PacketDecoder(new DropCounters()).decodeEthernet(frame, 0, frame.length);
    if (name.startsWith("bad-") == (reason == null)) {
      throw new IllegalStateException(name + " decodes to " + reason);
    }
  }

  private void put(String path, byte[] bytes) {
    if (files.put(path, bytes) != null) {
      throw new IllegalStateException("two seeds named " + path);
    }
  }

  private static byte[] withControl(byte control, byte[] body) {
    byte[] out = new byte[1 + body.length];
    out[0] = control;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  private static byte[] withPseudo(byte control, int pseudo, byte[] body) {
    byte[] out = new byte[3 + body.length];
    out[0] = control;
    Bytes.put16(out, 1, pseudo);
    System.arraycopy(body, 0, out, 3, body.length);
    return out;
  }

  // ---------------------------------------------------------------- packet building

  private static Ipv4Builder ipv4() {
    return new Ipv4Builder().source(SRC4).destination(DST4).identification(0x1c46).dontFragment(true).ttl(64);
  }

  private static Ipv6Builder ipv6() {
    return new Ipv6Builder().source(NET6, 1).destination(NET6, 2).flowLabel(0x12345).hopLimit(64);
  }

  private static TcpBuilder tcp() {
    return new TcpBuilder().sourcePort(49152).destinationPort(443).sequenceNumber(0x0badcafe)
        .acknowledgmentNumber(0x12345678).flags(TcpFlags.ACK | TcpFlags.PSH).window(502);
  }

  /** A Linux-style SYN: MSS, SACK-permitted, timestamps, NOP, window scale (20 bytes). */
  private static TcpBuilder synOptions() {
    return tcp().flags(TcpFlags.SYN).acknowledgmentNumber(0).window(64240)
        .mss(1460).sackPermitted().timestamps(0x01020304, 0).nop().windowScale(7);
  }

  /** A data segment: NOP NOP timestamps, then NOP NOP SACK with {@code blocks} blocks. */
  private static TcpBuilder dataOptions(int blocks) {
    return tcp().nop().nop().timestamps(0x11223344, 0x55667788).nop().nop().sack(blocks, edges(blocks));
  }

  private static int[] edges(int blocks) {
    int[] edges = new int[2 * blocks];
    for (int i = 0; i < blocks; i++) {
      edges[2 * i] = 0x0badcafe + 3000 * (i + 1);
      edges[2 * i + 1] = 0x0badcafe + 3000 * (i + 1) + 1448;
    }
    return edges;
  }

  private static TcpBuilder nops(TcpBuilder b, int n) {
    for (int i = 0; i < n; i++) {
      b.nop();
    }
    return b;
  }

  private static void fillPayload(byte[] buf, int off, int len) {
    for (int i = 0; i < len; i++) {
      buf[off + i] = (byte) (i * 7 + 1);
    }
  }

  private static byte[] tcpSegment(TcpBuilder tb, int payload, IntUnaryOperator pseudo) {
    byte[] s = new byte[tb.headerLength() + payload];
    fillPayload(s, tb.headerLength(), payload);
    tb.write(s, 0, payload, pseudo.applyAsInt(s.length));
    return s;
  }

  private static byte[] udpDatagram(int payload, IntUnaryOperator pseudo) {
    byte[] d = new byte[8 + payload];
    fillPayload(d, 8, payload);
    // UdpBuilder adds its own Length to the pseudo-header, as UdpDatagram.wrap does.
    new UdpBuilder().sourcePort(5353).destinationPort(53).write(d, 0, payload, pseudo.applyAsInt(0));
    return d;
  }

  private static byte[] icmpMessage(IcmpBuilder b, int body, boolean v6, IntUnaryOperator pseudo) {
    byte[] m = new byte[8 + body];
    fillPayload(m, 8, body);
    if (v6) {
      b.writeV6(m, 0, body, pseudo.applyAsInt(m.length));
    } else {
      b.writeV4(m, 0, body);
    }
    return m;
  }

  private static byte[] v4(Ipv4Builder ib, byte[] transport) {
    byte[] p = new byte[ib.headerLength() + transport.length];
    System.arraycopy(transport, 0, p, ib.headerLength(), transport.length);
    ib.write(p, 0, transport.length);
    return p;
  }

  private static byte[] v6(Ipv6Builder ib, byte[] upper) {
    byte[] p = new byte[ib.headerLength() + upper.length];
    System.arraycopy(upper, 0, p, ib.headerLength(), upper.length);
    ib.write(p, 0, upper.length);
    return p;
  }

  private static byte[] v4Tcp(Ipv4Builder ib, TcpBuilder tb, int payload) {
    ib.protocol(IpProtocol.TCP);
    return v4(ib, tcpSegment(tb, payload, ib::pseudoHeaderSum));
  }

  private static byte[] v4Udp(Ipv4Builder ib, int payload) {
    ib.protocol(IpProtocol.UDP);
    return v4(ib, udpDatagram(payload, ib::pseudoHeaderSum));
  }

  private static byte[] v4Icmp(Ipv4Builder ib, IcmpBuilder b, int body) {
    ib.protocol(IpProtocol.ICMP);
    return v4(ib, icmpMessage(b, body, false, ib::pseudoHeaderSum));
  }

  private static byte[] v4Raw(Ipv4Builder ib, int protocol, int length) {
    ib.protocol(protocol);
    byte[] data = new byte[length];
    fillPayload(data, 0, length);
    return v4(ib, data);
  }

  private static byte[] v6Tcp(Ipv6Builder ib, TcpBuilder tb, int payload) {
    ib.protocol(IpProtocol.TCP);
    return v6(ib, tcpSegment(tb, payload, ib::pseudoHeaderSum));
  }

  private static byte[] v6Udp(Ipv6Builder ib, int payload) {
    ib.protocol(IpProtocol.UDP);
    return v6(ib, udpDatagram(payload, ib::pseudoHeaderSum));
  }

  private static byte[] v6Icmp(Ipv6Builder ib, IcmpBuilder b, int body) {
    ib.protocol(IpProtocol.ICMPV6);
    return v6(ib, icmpMessage(b, body, true, ib::pseudoHeaderSum));
  }

  private static byte[] v6Raw(Ipv6Builder ib, int protocol, int length) {
    ib.protocol(protocol);
    byte[] data = new byte[length];
    fillPayload(data, 0, length);
    return v6(ib, data);
  }

  /** Hop-by-Hop: Router Alert (RFC 2711) and a PadN, eight bytes. */
  private static byte[] hopByHop(int next) {
    return new byte[] {(byte) next, 0, 5, 2, 0, 0, 1, 0};
  }

  /** Destination Options holding one PadN, eight bytes. */
  private static byte[] destOptions(int next) {
    return new byte[] {(byte) next, 0, 1, 4, 0, 0, 0, 0};
  }

  /** {@code n} Destination Options headers in a row, the last followed by TCP. */
  private static byte[] destChain(int n) {
    byte[] chain = new byte[8 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(destOptions(i == n - 1 ? IpProtocol.TCP : IpProtocol.IPV6_DESTINATION_OPTIONS), 0, chain, 8 * i, 8);
    }
    return chain;
  }

  private static byte[] routing(int next, int type, int segmentsLeft) {
    return new byte[] {(byte) next, 0, (byte) type, (byte) segmentsLeft, 0, 0, 0, 0};
  }

  private static byte[] fragment(int next, int offset, boolean more, int id) {
    byte[] f = new byte[8];
    f[0] = (byte) next;
    Bytes.put16(f, 2, (offset & 0xFFF8) | (more ? 1 : 0));
    Bytes.put32(f, 4, id);
    return f;
  }

  /** An Authentication Header with a 12-byte ICV: 24 bytes (RFC 4302 §2.2). */
  private static byte[] ah(int next) {
    byte[] a = new byte[24];
    a[0] = (byte) next;
    a[1] = 4;
    Bytes.put32(a, 4, 0x100);
    Bytes.put32(a, 8, 1);
    return a;
  }

  private static byte[] ethernet(int etherType, int vlan, byte[] payload) {
    EthernetBuilder eb = new EthernetBuilder().destination(MAC_B).source(MAC_A).etherType(etherType).vlanTag(vlan);
    byte[] f = new byte[eb.headerLength() + payload.length];
    eb.write(f, 0);
    System.arraycopy(payload, 0, f, eb.headerLength(), payload.length);
    return f;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int i = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }

  // ---------------------------------------------------------------- malformation

  private static byte[] patch(byte[] packet, int at, int value) {
    byte[] p = packet.clone();
    p[at] = (byte) value;
    return p;
  }

  private static byte[] patch16(byte[] packet, int at, int value) {
    byte[] p = packet.clone();
    Bytes.put16(p, at, value);
    return p;
  }

  /** Recomputes the IPv4 header checksum after a header field was changed on purpose. */
  private static byte[] fixHeader(byte[] p) {
    FuzzSupport.repairIpv4Header(p, 0, p.length);
    return p;
  }

  /** Recomputes the TCP checksum (over IPv4, 20-byte header) after a TCP field was changed. */
  private static byte[] fixTcp(byte[] p) {
    int len = Bytes.u16(p, 2) - 20;
    FuzzSupport.fillChecksum(p, 20, len, 20 + 16,
        Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.TCP, len));
    return p;
  }

  /** Recomputes the UDP checksum (over IPv4, 20-byte header) after a UDP field was changed. */
  private static byte[] fixUdp(byte[] p) {
    FuzzSupport.repairUdp(p, 20, p.length - 20, Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.UDP, 0));
    return p;
  }
}
