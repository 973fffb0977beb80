package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The receive half of TUN offloads without a device: reads made of a virtio header and a packet,
 * as the kernel would hand them over (or as a fake source might), cut into complete packets or
 * refused. Every packet it writes must pass the stack's own decoder, checksums included.
 */
class GsoSegmenterTest {
  private static final int MTU = 1500;
  private static final int MSS = 1448; // 1500 - 20 - 32 (timestamps)
  private static final int A = IpAddresses.parseIpv4("198.18.242.1");
  private static final int B = IpAddresses.parseIpv4("198.18.242.2");

  private final GsoSegmenter segmenter = new GsoSegmenter();
  private final PacketDecoder decoder = new PacketDecoder(new DropCounters());

  @Test
  void largeTcpv4SegmentIsCutIntoMssPiecesWithCompleteChecksums() {
    byte[] payload = pattern(5 * MSS + 100);
    TcpBuilder tcp = tcp(1_000_000, TcpFlags.ACK | TcpFlags.PSH | TcpFlags.FIN);
    byte[] large = partial(TestPackets.tcp4(A, B, tcp, payload), 20);
    byte[] read = read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, MSS, 20, 16, large);

    int count = segmenter.prepare(read, 0, read.length, MTU);

    assertThat(count).isEqualTo(6);
    assertThat(segmenter.segmenting()).isTrue();
    byte[] received = new byte[payload.length];
    byte[] piece = new byte[MTU];
    for (int i = 0; i < count; i++) {
      int length = segmenter.segment(i, piece);
      assertThat(length).isLessThanOrEqualTo(MTU);
      assertThat(decoder.decodeIp(piece, 0, length)).as("piece %d decodes, checksums included", i).isNull();
      assertThat(decoder.ipv4().identification()).isEqualTo(0x1234 + i);
      int seq = decoder.tcp().sequenceNumber();
      assertThat(seq).isEqualTo(1_000_000 + i * MSS);
      boolean last = i == count - 1;
      assertThat(decoder.tcp().flags())
          .isEqualTo(TcpFlags.ACK | (last ? TcpFlags.PSH | TcpFlags.FIN : 0));
      assertThat(decoder.tcp().payloadLength()).isEqualTo(last ? 100 : MSS);
      System.arraycopy(piece, decoder.tcp().payloadOffset(), received, seq - 1_000_000, decoder.tcp().payloadLength());
    }
    assertThat(received).isEqualTo(payload);
  }

  @Test
  void largeTcpv6SegmentIsCutWithPayloadLengthsAndChecksums() {
    byte[] payload = pattern(3 * 1000);
    TcpBuilder tcp = new TcpBuilder().sourcePort(80).destinationPort(40_000).sequenceNumber(-500)
        .acknowledgmentNumber(7).flags(TcpFlags.ACK | TcpFlags.CWR).window(1000);
    byte[] packet = tcp6(tcp, payload);
    byte[] read = read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6 | VirtioNetHeader.GSO_ECN, 1000, 40,
        16, partial(packet, 40));

    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isEqualTo(3);
    byte[] piece = new byte[MTU];
    for (int i = 0; i < 3; i++) {
      int length = segmenter.segment(i, piece);
      assertThat(decoder.decodeIp(piece, 0, length)).isNull();
      assertThat(decoder.tcp().sequenceNumber()).isEqualTo(-500 + i * 1000);
      assertThat(decoder.tcp().hasFlags(TcpFlags.CWR)).as("CWR on the first piece only").isEqualTo(i == 0);
      assertThat(Arrays.copyOfRange(piece, decoder.tcp().payloadOffset(), length))
          .isEqualTo(Arrays.copyOfRange(payload, i * 1000, (i + 1) * 1000));
    }
  }

  @Test
  void largeUdpSegmentBecomesWholeDatagrams() {
    byte[] payload = pattern(2500);
    byte[] packet = TestPackets.udp6(TestPackets.HOST_A6, TestPackets.HOST_B6, 5000, 6000, payload);
    byte[] read = read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_UDP_L4, 1200, 40, 6, packet);

    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isEqualTo(3);
    byte[] piece = new byte[MTU];
    int[] sizes = {1200, 1200, 100};
    for (int i = 0; i < 3; i++) {
      int length = segmenter.segment(i, piece);
      assertThat(decoder.decodeIp(piece, 0, length)).isNull();
      assertThat(decoder.udp().length()).isEqualTo(8 + sizes[i]);
      assertThat(Arrays.copyOfRange(piece, length - sizes[i], length))
          .isEqualTo(Arrays.copyOfRange(payload, i * 1200, i * 1200 + sizes[i]));
    }
  }

  @Test
  void partialChecksumOfAnOrdinaryPacketIsFilledIn() {
    byte[] packet = partial(TestPackets.tcp4(A, B, tcp(42, TcpFlags.ACK | TcpFlags.PSH), pattern(300)), 20);
    assertThat(decoder.decodeIp(packet, 0, packet.length)).as("unfinished: the stack would refuse it").isNotNull();
    byte[] read = read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 20, 16, packet);

    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isEqualTo(1);
    assertThat(segmenter.segmenting()).isFalse();
    byte[] out = new byte[MTU];
    int length = segmenter.segment(0, out);
    assertThat(length).isEqualTo(packet.length);
    assertThat(decoder.decodeIp(out, 0, length)).isNull();
  }

  @Test
  void packetTheKernelSaysNothingAboutIsPassedUnchangedForTheStackToVerify() {
    byte[] packet = TestPackets.tcp4(A, B, tcp(42, TcpFlags.ACK), pattern(300));
    packet[packet.length - 1] ^= 0x55; // corrupted on the way: the checksum no longer matches
    byte[] read = read(0, VirtioNetHeader.GSO_NONE, 0, 0, 0, packet);

    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isEqualTo(1);
    byte[] out = new byte[MTU];
    int length = segmenter.segment(0, out);
    assertThat(Arrays.copyOf(out, length)).isEqualTo(packet);
    assertThat(decoder.decodeIp(out, 0, length)).as("the stack still refuses it").isNotNull();
  }

  @Test
  void onlyTcpTheKernelBuiltOrVerified_isVouchedFor_andTheStackThenSkipsSummingIt() {
    byte[] tcp4 = partial(TestPackets.tcp4(A, B, tcp(42, TcpFlags.ACK), pattern(300)), 20);
    assertThat(knownGood(read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 20, 16, tcp4)))
        .as("CHECKSUM_PARTIAL at TCP's checksum field: the kernel's own TCP built it").isTrue();
    assertThat(knownGood(read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, MSS, 20, 16,
        partial(TestPackets.tcp4(A, B, tcp(42, TcpFlags.ACK), pattern(3 * MSS)), 20)))).isTrue();
    byte[] whole = TestPackets.tcp4(A, B, tcp(42, TcpFlags.ACK), pattern(300));
    assertThat(knownGood(read(VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_NONE, 0, 0, 0, whole)))
        .as("DATA_VALID: the kernel verified it").isTrue();
    assertThat(knownGood(read(0, VirtioNetHeader.GSO_NONE, 0, 0, 0, whole))).as("the kernel says nothing").isFalse();
    assertThat(knownGood(read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 20, 6, tcp4)))
        .as("a partial sum somewhere else than TCP's field").isFalse();
    byte[] udp = TestPackets.udp6(TestPackets.HOST_A6, TestPackets.HOST_B6, 5000, 6000, pattern(100));
    assertThat(knownGood(read(VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_NONE, 0, 0, 0, udp)))
        .as("not TCP").isFalse();

    // What the flag buys: the stack takes the segment without summing it (a corruption after the
    // device, which cannot happen in memory, would then pass: the kernel's receive path trusts
    // CHECKSUM_PARTIAL the same way).
    byte[] corrupted = whole.clone();
    corrupted[corrupted.length - 1] ^= 0x55;
    assertThat(decoder.decodeIp(corrupted, 0, corrupted.length)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
    assertThat(decoder.decodeIp(corrupted, 0, corrupted.length, true)).isNull();
    assertThat(decoder.decodeIp(corrupted, 0, corrupted.length)).as("the next packet is summed again")
        .isEqualTo(DropReason.TCP_BAD_CHECKSUM);
  }

  private boolean knownGood(byte[] read) {
    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isPositive();
    return segmenter.tcpChecksumKnownGood();
  }

  @Test
  void nonsenseHeadersAreRefusedNotThrown() {
    byte[] large = partial(TestPackets.tcp4(A, B, tcp(1, TcpFlags.ACK), pattern(3 * MSS)), 20);
    int tso4 = VirtioNetHeader.GSO_TCPV4;
    int csum = VirtioNetHeader.F_NEEDS_CSUM;
    assertRefused(read(csum, tso4, 0, 20, 16, large), "gso_size 0");
    assertRefused(read(csum, 0x17, MSS, 20, 16, large), "unknown gso_type");
    assertRefused(read(csum, VirtioNetHeader.GSO_UDP, MSS, 20, 16, large), "UFO, never offered");
    assertRefused(read(csum, tso4, MSS, 20 + large.length, 16, large), "csum_start beyond the packet");
    assertRefused(read(csum, tso4, MSS, 20, large.length, large), "csum_offset beyond the packet");
    assertRefused(read(csum, tso4, MSS, 3, 16, large), "csum_start inside the IP header");
    assertRefused(read(0x40 | csum, tso4, MSS, 20, 16, large), "unknown flag");
    assertRefused(read(0, tso4, MSS, 20, 16, large), "large segment with nothing said about its checksum");
    assertRefused(read(csum, VirtioNetHeader.GSO_TCPV6, MSS, 20, 16, large), "TCPV6 over an IPv4 packet");
    assertRefused(read(csum, VirtioNetHeader.GSO_UDP_L4, MSS, 20, 16, large), "UDP type over a TCP packet");
    assertRefused(read(csum, VirtioNetHeader.GSO_ECN, 0, 20, 16, large), "ECN without a TCP type");
    byte[] shortened = Arrays.copyOf(large, large.length - 7); // the IP total length now lies
    assertRefused(read(csum, tso4, MSS, 20, 16, shortened), "IP length disagrees with the read");
    byte[] syn = large.clone();
    syn[33] = (byte) (TcpFlags.SYN | TcpFlags.ACK);
    assertRefused(read(csum, tso4, MSS, 20, 16, syn), "a SYN is never segmented");
    assertRefused(new byte[VirtioNetHeader.LENGTH], "a header with no packet");
    byte[] random = pattern(2000);
    assertThat(segmenter.prepare(random, 0, random.length, MTU)).isNegative();
  }

  @Test
  void piecesOrPacketsBeyondTheMtuAreOversized() {
    byte[] large = partial(TestPackets.tcp4(A, B, tcp(1, TcpFlags.ACK), pattern(3 * 1600)), 20);
    byte[] read = read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 1600, 20, 16, large);
    assertThat(segmenter.prepare(read, 0, read.length, MTU)).isEqualTo(GsoSegmenter.OVERSIZED);
    byte[] plain = read(0, VirtioNetHeader.GSO_NONE, 0, 0, 0, TestPackets.tcp4(A, B, tcp(1, TcpFlags.ACK), pattern(1600)));
    assertThat(segmenter.prepare(plain, 0, plain.length, MTU)).isEqualTo(GsoSegmenter.OVERSIZED);
  }

  @Test
  void headerEncodesInHostOrderAndDecodesBack() {
    byte[] bytes = new byte[VirtioNetHeader.LENGTH];
    VirtioNetHeader.put(MemorySegment.ofArray(bytes), 1, 4, 60, 1428, 40, 16);
    assertThat(bytes).containsExactly(1, 4, 60, 0, (byte) 0x94, 0x05, 40, 0, 16, 0);
    VirtioNetHeader header = new VirtioNetHeader();
    header.read(bytes, 0);
    assertThat(header.toString())
        .isEqualTo("virtio_net_hdr[flags=1, gso_type=4, hdr_len=60, gso_size=1428, csum_start=40, csum_offset=16]");
  }

  /**
   * The TUN reader copies only a read's first {@link GsoSegmenter#JUDGED_BYTES} to the heap before
   * {@code prepare}, and an uncut packet goes straight to its buffer ({@code completeWhole}): for
   * valid reads and for thousands of seeded mutations of them (any byte of the first 130 changed),
   * judging the prefix gives the verdict, the cut and the checksum trust that judging the whole
   * read gives, and the packet written the direct way is the one {@code segment} writes. A byte
   * past the prefix that {@code prepare} read would show as a difference, since the prefix-only
   * copy holds garbage there.
   */
  @Test
  void judgingOnlyTheFirstBytes_givesWhatJudgingTheWholeReadGives() {
    byte[] v4 = partial(TestPackets.tcp4(A, B, tcp(7, TcpFlags.ACK), pattern(3 * MSS)), 20);
    byte[] v6 = tcp6(tcp(7, TcpFlags.ACK), pattern(2 * MSS));
    java.util.List<byte[]> reads = java.util.List.of(
        read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, MSS, 20, 16, v4),
        read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 20, 16,
            partial(TestPackets.tcp4(A, B, tcp(7, TcpFlags.ACK), pattern(1000)), 20)),
        read(VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_NONE, 0, 0, 0, v6),
        read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV6, MSS, 40, 16, partial(v6, 40)),
        read(0, VirtioNetHeader.GSO_NONE, 0, 0, 0, TestPackets.tcp4(A, B, tcp(7, TcpFlags.ACK), pattern(40))));
    java.util.SplittableRandom random = new java.util.SplittableRandom(115);
    GsoSegmenter whole = new GsoSegmenter();
    GsoSegmenter judged = new GsoSegmenter();
    int mtu = 65_535;
    for (int i = 0; i < 20_000; i++) {
      byte[] read = reads.get(i % reads.size()).clone();
      for (int m = i < reads.size() ? 0 : 1 + random.nextInt(3); m > 0; m--) {
        read[random.nextInt(Math.min(read.length, 130))] = (byte) random.nextInt(256);
      }
      byte[] prefix = new byte[read.length];
      java.util.Arrays.fill(prefix, (byte) 0x5A); // what the reader's array holds past the prefix: anything
      int copied = Math.min(read.length, GsoSegmenter.JUDGED_BYTES);
      System.arraycopy(read, 0, prefix, 0, copied);

      int count = whole.prepare(read, 0, read.length, mtu);
      assertThat(judged.prepare(prefix, 0, read.length, mtu)).as("read %d", i).isEqualTo(count);
      if (count < 0) {
        continue;
      }
      assertThat(judged.segmenting()).isEqualTo(whole.segmenting());
      assertThat(judged.tcpChecksumKnownGood()).isEqualTo(whole.tcpChecksumKnownGood());
      if (!whole.segmenting()) {
        byte[] viaSegment = new byte[read.length];
        int length = whole.segment(0, viaSegment);
        byte[] direct = new byte[read.length];
        System.arraycopy(read, judged.packetOffset(), direct, 0, judged.packetLength());
        assertThat(judged.completeWhole(direct)).isEqualTo(length);
        assertThat(direct).as("read %d written directly", i).isEqualTo(viaSegment);
      }
    }
  }

  /** A complete IPv6/TCP packet between 2001:2::1 and 2001:2::2. */
  private static byte[] tcp6(TcpBuilder tcp, byte[] payload) {
    long[] a = IpAddresses.parseIpv6("2001:2::1");
    long[] b = IpAddresses.parseIpv6("2001:2::2");
    Ipv6Builder ip = new Ipv6Builder().source(a[0], a[1]).destination(b[0], b[1]).protocol(IpProtocol.TCP);
    int tcpLength = tcp.headerLength() + payload.length;
    byte[] packet = new byte[40 + tcpLength];
    ip.write(packet, 0, tcpLength);
    System.arraycopy(payload, 0, packet, 40 + tcp.headerLength(), payload.length);
    tcp.write(packet, 40, payload.length, ip.pseudoHeaderSum(tcpLength));
    return packet;
  }

  private void assertRefused(byte[] read, String why) {
    assertThat(segmenter.prepare(read, 0, read.length, MTU)).as(why).isEqualTo(GsoSegmenter.MALFORMED);
  }

  private static TcpBuilder tcp(int seq, int flags) {
    return new TcpBuilder().sourcePort(40_000).destinationPort(80).sequenceNumber(seq).acknowledgmentNumber(99)
        .flags(flags).window(5000).nop().nop().timestamps(123, 456);
  }

  /**
   * The packet as a sender with checksum offload leaves it: the IPv4 identification 0x1234 and
   * the TCP or UDP checksum field holding only the pseudo-header's sum (CHECKSUM_PARTIAL).
   */
  static byte[] partial(byte[] packet, int ipHeader) {
    byte[] p = packet.clone();
    int l4 = p.length - ipHeader;
    int pseudo;
    if (ipHeader == 20) {
      Bytes.put16(p, 4, 0x1234);
      Bytes.put16(p, 10, 0);
      Bytes.put16(p, 10, Checksum.finish(Checksum.sum(p, 0, 20)));
      pseudo = Checksum.add(Checksum.sum(p, 12, 8), l4 + (p[9] & 0xFF));
    } else {
      pseudo = Checksum.add(Checksum.sum(p, 8, 32), l4 + (p[6] & 0xFF));
    }
    int at = ipHeader + ((p[ipHeader == 20 ? 9 : 6] & 0xFF) == IpProtocol.TCP ? 16 : 6);
    Bytes.put16(p, at, pseudo);
    return p;
  }

  /** A read: the virtio header, then the packet. */
  static byte[] read(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset, byte[] packet) {
    byte[] read = new byte[VirtioNetHeader.LENGTH + packet.length];
    VirtioNetHeader.put(MemorySegment.ofArray(read), flags, gsoType, 0, gsoSize, csumStart, csumOffset);
    System.arraycopy(packet, 0, read, VirtioNetHeader.LENGTH, packet.length);
    return read;
  }

  static byte[] pattern(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + (i >>> 8));
    }
    return bytes;
  }
}
