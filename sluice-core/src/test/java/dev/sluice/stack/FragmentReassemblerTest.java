package dev.sluice.stack;

import static dev.sluice.stack.FragmentPackets.cut;
import static dev.sluice.stack.FragmentPackets.echo;
import static dev.sluice.stack.FragmentPackets.fragment;
import static dev.sluice.stack.FragmentPackets.packets;
import static dev.sluice.stack.FragmentPackets.randomCut;
import static dev.sluice.stack.FragmentPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stack.FragmentPackets.Spec;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.PacketDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FragmentReassemblerTest {
  private static final long T0 = 1_000_000_000L;
  private static final long TIMEOUT = FragmentReassembler.DEFAULT_TIMEOUT_NANOS;

  private final DropCounters drops = new DropCounters();
  private final FragmentReassembler reassembler = new FragmentReassembler(drops);
  private final byte[] out = new byte[FragmentReassembler.MAX_REASSEMBLED_LENGTH];
  private final PacketDecoder decoder = new PacketDecoder(new DropCounters());

  private int offer(byte[] packet) {
    return offer(reassembler, packet, T0);
  }

  private int offer(FragmentReassembler r, byte[] packet, long now) {
    int n = r.offer(packet, 0, packet.length, now, out);
    r.checkInvariants();
    return n;
  }

  /** Offers all but the last packet (each must be held), then the last (which must complete). */
  private int offerAll(List<byte[]> packets, String context) {
    for (int i = 0; i < packets.size() - 1; i++) {
      assertThat(offer(packets.get(i))).as("%s: fragment %d is held", context, i).isZero();
    }
    int n = offer(packets.getLast());
    assertThat(n).as("%s: the last fragment completes the datagram", context).isPositive();
    return n;
  }

  /** Decodes out[0, n) and checks it is the UDP datagram carrying {@code data}. */
  private void assertUdp(int n, boolean v6, byte[] data, String context) {
    assertThat(decoder.decodeIp(out, 0, n)).as("%s: decoder verdict", context).isNull();
    assertThat(decoder.isFragment()).as(context).isFalse();
    assertThat(decoder.ipVersion()).as(context).isEqualTo(v6 ? 6 : 4);
    assertThat(decoder.protocol()).as(context).isEqualTo(IpProtocol.UDP);
    assertThat(Arrays.copyOfRange(out, decoder.udp().payloadOffset(),
        decoder.udp().payloadOffset() + decoder.udp().payloadLength()))
        .as("%s: payload", context).isEqualTo(data);
  }

  private void assertEmpty() {
    assertThat(reassembler.bytesHeld()).isZero();
    assertThat(reassembler.datagramsHeld()).isZero();
  }

  // ------------------------------------------------------------------ reassembly

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void inOrder_reassemblesAUdpDatagram(boolean v6) {
    byte[] data = FragmentPackets.data(4000, new SplittableRandom(1));
    int n = offerAll(packets(cut(v6, 0x4242, IpProtocol.UDP, 4008, 1480), udp(v6, data)), "in order");
    assertUdp(n, v6, data, "in order");
    assertThat(n).isEqualTo((v6 ? 40 : 20) + 4008);
    assertThat(drops.total()).isZero();
    assertEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void reversed_reassemblesAUdpDatagram(boolean v6) {
    byte[] data = FragmentPackets.data(3000, new SplittableRandom(2));
    List<byte[]> packets = packets(cut(v6, 7, IpProtocol.UDP, 3008, 512), udp(v6, data));
    Collections.reverse(packets);
    assertUdp(offerAll(packets, "reversed"), v6, data, "reversed");
    assertThat(drops.total()).isZero();
    assertEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void icmpEcho_reassembles(boolean v6) {
    byte[] data = FragmentPackets.data(2500, new SplittableRandom(3));
    int protocol = v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP;
    int n = offerAll(packets(cut(v6, 9, protocol, 2508, 1232), echo(v6, data)), "echo");
    assertThat(decoder.decodeIp(out, 0, n)).isNull();
    assertThat(decoder.protocol()).isEqualTo(protocol);
    assertThat(decoder.icmp().type()).isEqualTo(v6 ? IcmpType.V6_ECHO_REQUEST : IcmpType.V4_ECHO_REQUEST);
    assertThat(decoder.icmp().bodyLength()).isEqualTo(2500);
  }

  /** The largest datagrams: 65,535 bytes for IPv4, and a 65,535-byte payload for IPv6. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void largestDatagram_reassembles(boolean v6) {
    int total = v6 ? 65_535 : 65_535 - 20;
    byte[] data = FragmentPackets.data(total - 8, new SplittableRandom(4));
    List<byte[]> packets = packets(cut(v6, 11, IpProtocol.UDP, total, 1480), udp(v6, data));
    Collections.shuffle(packets, new Random(4));
    int n = offerAll(packets, "largest");
    assertThat(n).isEqualTo(v6 ? FragmentReassembler.MAX_REASSEMBLED_LENGTH : 65_535);
    assertUdp(n, v6, data, "largest");
    assertEmpty();
  }

  /** Seeded: random size, family, cut and order (in order, reversed or shuffled). */
  @RepeatedTest(300)
  void randomCutAndOrder_reassemblesExactly(RepetitionInfo repetition) {
    long seed = 0xF4A6_0000L + repetition.getCurrentRepetition();
    String context = "seed 0x" + Long.toHexString(seed);
    SplittableRandom random = new SplittableRandom(seed);
    boolean v6 = random.nextBoolean();
    int length = random.nextInt(8) == 0 ? random.nextInt(60_000, 65_400) : random.nextInt(0, 9000);
    byte[] data = FragmentPackets.data(length, random);
    List<Spec> specs = randomCut(v6, random.nextInt(), IpProtocol.UDP, length + 8, random);
    if (random.nextBoolean()) {
      specs.set(0, specs.getFirst().withExtraHeader()); // options / Hop-by-Hop in the first fragment
    }
    List<byte[]> packets = packets(specs, udp(v6, data));
    switch (random.nextInt(3)) {
      case 0 -> { }
      case 1 -> Collections.reverse(packets);
      default -> Collections.shuffle(packets, new Random(seed));
    }
    if (packets.size() == 1) {
      return; // one piece would not be a fragment
    }
    assertUdp(offerAll(packets, context), v6, data, context);
    assertThat(drops.total()).as(context).isZero();
    assertEmpty();
  }

  @Test
  void ipv4OptionsOfTheFirstFragment_areKept() {
    byte[] data = FragmentPackets.data(100, new SplittableRandom(5));
    List<Spec> specs = cut(false, 3, IpProtocol.UDP, 108, 64);
    specs.set(0, specs.getFirst().withExtraHeader());
    List<byte[]> packets = packets(specs, udp(false, data));
    Collections.reverse(packets);
    int n = offerAll(packets, "options");
    assertUdp(n, false, data, "options");
    assertThat(decoder.ipv4().headerLength()).isEqualTo(24);
    assertThat(decoder.ipv4().moreFragments()).isFalse();
    assertThat(decoder.ipv4().fragmentOffset()).isZero();
  }

  /** RFC 8200 §4.5: the per-fragment headers stay, with their Next Header rewritten. */
  @Test
  void ipv6PerFragmentHeaders_keepTheirPlaceAndTheFragmentHeaderGoes() {
    byte[] data = FragmentPackets.data(3000, new SplittableRandom(6));
    List<Spec> specs = new ArrayList<>();
    for (Spec s : cut(true, 0x0102_0304, IpProtocol.UDP, 3008, 1000)) {
      specs.add(s.withExtraHeader());
    }
    int n = offerAll(packets(specs, udp(true, data)), "hop-by-hop");
    assertUdp(n, true, data, "hop-by-hop");
    assertThat(n).isEqualTo(40 + 8 + 3008);
    assertThat(decoder.ipv6().extensionHeaderCount()).isEqualTo(1);
    assertThat(decoder.ipv6().nextHeader()).isEqualTo(IpProtocol.HOP_BY_HOP);
    assertThat(decoder.ipv6().fragmentHeaderOffset()).isEqualTo(-1);
  }

  /** RFC 8200 §4.5: only the offset-zero fragment's Next Header counts; the key has none. */
  @Test
  void ipv6NextHeaderOfLaterFragments_isIgnored() {
    byte[] data = FragmentPackets.data(2000, new SplittableRandom(7));
    byte[] payload = udp(true, data);
    List<byte[]> packets = new ArrayList<>();
    for (Spec s : cut(true, 5, IpProtocol.UDP, 2008, 1000)) {
      int nh = s.offset() == 0 ? IpProtocol.UDP : IpProtocol.IPV6_NO_NEXT_HEADER;
      packets.add(fragment(new Spec(true, 5, nh, s.offset(), s.length(), s.more()), payload));
    }
    assertUdp(offerAll(packets, "next header"), true, data, "next header");
  }

  @Test
  void interleavedDatagramsFromOneSource_bothComplete() {
    byte[] dataA = FragmentPackets.data(3000, new SplittableRandom(8));
    byte[] dataB = FragmentPackets.data(2000, new SplittableRandom(9));
    List<byte[]> a = packets(cut(false, 100, IpProtocol.UDP, 3008, 800), udp(false, dataA));
    List<byte[]> b = packets(cut(false, 101, IpProtocol.UDP, 2008, 800), udp(false, dataB));
    assertThat(offer(a.get(0))).isZero();
    assertThat(offer(b.get(0))).isZero();
    assertThat(offer(a.get(1))).isZero();
    assertThat(offer(b.get(1))).isZero();
    assertThat(offer(a.get(2))).isZero();
    int nb = offer(b.get(2));
    assertUdp(nb, false, dataB, "b");
    assertThat(reassembler.datagramsHeld()).isEqualTo(1);
    int na = offer(a.get(3));
    assertUdp(na, false, dataA, "a");
    assertEmpty();
  }

  /** RFC 791 §3.2: the protocol is part of the IPv4 key. */
  @Test
  void sameIdentificationOtherProtocol_isAnotherDatagram() {
    byte[] data = FragmentPackets.data(100, new SplittableRandom(10));
    List<byte[]> u = packets(cut(false, 1, IpProtocol.UDP, 108, 56), udp(false, data));
    List<byte[]> i = packets(cut(false, 1, IpProtocol.ICMP, 108, 56), echo(false, data));
    assertThat(offer(u.get(0))).isZero();
    assertThat(offer(i.get(0))).isZero();
    assertUdp(offer(u.get(1)), false, data, "udp");
    assertThat(offer(i.get(1))).isPositive();
    assertThat(drops.total()).isZero();
  }

  // ------------------------------------------------------------------ duplicates and overlaps

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void exactDuplicates_areDroppedAloneAndTheDatagramCompletes(boolean v6) {
    byte[] data = FragmentPackets.data(2000, new SplittableRandom(11));
    List<byte[]> p = packets(cut(v6, 12, IpProtocol.UDP, 2008, 512), udp(v6, data));
    assertThat(offer(p.get(0))).isZero();
    assertThat(offer(p.get(0))).isEqualTo(-1);
    assertThat(offer(p.get(3))).isZero();
    assertThat(offer(p.get(3))).isEqualTo(-1);
    assertThat(offer(p.get(1))).isZero();
    assertUdp(offer(p.get(2)), v6, data, "duplicates");
    assertThat(drops.get(DropReason.FRAGMENT_DUPLICATE)).isEqualTo(2);
    assertEmpty();
  }

  /** RFC 5722 §4 (and the IPv4 choice in the class comment): the whole datagram goes. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void overlap_dropsTheWholeDatagramAndItsLaterFragments(boolean v6) {
    byte[] payload = udp(v6, FragmentPackets.data(200, new SplittableRandom(12)));
    assertThat(offer(fragment(new Spec(v6, 13, IpProtocol.UDP, 0, 64, true), payload))).isZero();
    assertThat(offer(fragment(new Spec(v6, 13, IpProtocol.UDP, 64, 64, true), payload))).isZero();
    // Teardrop's shape: the next fragment starts inside one already held.
    assertThat(offer(fragment(new Spec(v6, 13, IpProtocol.UDP, 120, 88, false), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_OVERLAP)).isEqualTo(3);
    assertThat(reassembler.bytesHeld()).isZero();
    assertThat(reassembler.datagramsHeld()).as("the key is remembered").isEqualTo(1);
    // The fragment that would have completed the datagram is dropped too, later, in time.
    assertThat(offer(reassembler, fragment(new Spec(v6, 13, IpProtocol.UDP, 128, 80, false), payload),
        T0 + TIMEOUT - 1)).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_OVERLAP)).isEqualTo(4);
    // After the timeout the key is forgotten, and a clean retransmission reassembles.
    reassembler.expire(T0 + TIMEOUT);
    assertEmpty();
    List<byte[]> clean = packets(cut(v6, 13, IpProtocol.UDP, payload.length, 64), payload);
    for (int i = 0; i < clean.size() - 1; i++) {
      assertThat(offer(reassembler, clean.get(i), T0 + TIMEOUT)).isZero();
    }
    assertThat(offer(reassembler, clean.getLast(), T0 + TIMEOUT)).isPositive();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void fragmentInsideAnother_isAnOverlap(boolean v6) {
    byte[] payload = udp(v6, FragmentPackets.data(200, new SplittableRandom(13)));
    assertThat(offer(fragment(new Spec(v6, 14, IpProtocol.UDP, 0, 128, true), payload))).isZero();
    assertThat(offer(fragment(new Spec(v6, 14, IpProtocol.UDP, 32, 32, true), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_OVERLAP)).isEqualTo(2);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void twoDifferentLastFragments_dropTheDatagram(boolean v6) {
    byte[] payload = udp(v6, FragmentPackets.data(200, new SplittableRandom(14)));
    assertThat(offer(fragment(new Spec(v6, 15, IpProtocol.UDP, 64, 40, false), payload))).isZero();
    assertThat(offer(fragment(new Spec(v6, 15, IpProtocol.UDP, 104, 40, false), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_INCONSISTENT)).isEqualTo(2);
    assertThat(offer(fragment(new Spec(v6, 15, IpProtocol.UDP, 0, 64, true), payload))).isEqualTo(-1);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void dataPastTheEnd_dropsTheDatagram(boolean v6) {
    byte[] payload = udp(v6, FragmentPackets.data(200, new SplittableRandom(15)));
    assertThat(offer(fragment(new Spec(v6, 16, IpProtocol.UDP, 64, 40, false), payload))).isZero();
    assertThat(offer(fragment(new Spec(v6, 16, IpProtocol.UDP, 104, 16, true), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_INCONSISTENT)).isEqualTo(2);
    // And the reverse: an end below data already held.
    assertThat(offer(fragment(new Spec(v6, 17, IpProtocol.UDP, 64, 64, true), payload))).isZero();
    assertThat(offer(fragment(new Spec(v6, 17, IpProtocol.UDP, 8, 40, false), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_INCONSISTENT)).isEqualTo(4);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  // ------------------------------------------------------------------ lengths

  /**
   * Ping of Death: a fragment that the decoder accepts (offset + length = 65,528 fits) but whose
   * datagram would not fit an IPv4 total length with its 20-byte header.
   */
  @Test
  void ipv4DatagramPast65535_isDroppedWhole() {
    byte[] payload = udp(false, FragmentPackets.data(1472, new SplittableRandom(16)));
    assertThat(offer(fragment(new Spec(false, 18, IpProtocol.UDP, 0, 1480, true), payload))).isZero();
    byte[] tail = fragment(new Spec(false, 18, IpProtocol.UDP, 65_512, 16, false), payload);
    assertThat(decoder.decodeIp(tail, 0, tail.length)).as("the decoder passes it").isNull();
    assertThat(offer(tail)).isEqualTo(-1);
    assertThat(drops.get(DropReason.IPV4_BAD_FRAGMENT)).isEqualTo(2);
    assertThat(reassembler.bytesHeld()).isZero();
    assertThat(offer(fragment(new Spec(false, 18, IpProtocol.UDP, 1480, 1480, true), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.IPV4_BAD_FRAGMENT)).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void fragmentEndingPast65535_isDropped(boolean v6) {
    byte[] payload = new byte[0];
    byte[] pingOfDeath = fragment(new Spec(v6, 19, IpProtocol.ICMP, 65_528, 16, false), payload);
    assertThat(decoder.decodeIp(pingOfDeath, 0, pingOfDeath.length)).as("the decoder refuses it too").isNotNull();
    assertThat(offer(pingOfDeath)).isEqualTo(-1);
    assertThat(drops.get(v6 ? DropReason.IPV6_BAD_FRAGMENT : DropReason.IPV4_BAD_FRAGMENT)).isEqualTo(1);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  /** The IPv6 limit counts the per-fragment extension headers of the offset-zero fragment. */
  @Test
  void ipv6PayloadPast65535WithItsHeaders_isDroppedWhole() {
    byte[] payload = new byte[2000];
    assertThat(offer(fragment(new Spec(true, 20, IpProtocol.UDP, 65_528, 7, false), payload))).isZero();
    assertThat(offer(fragment(new Spec(true, 20, IpProtocol.UDP, 0, 1280, true).withExtraHeader(), payload)))
        .isEqualTo(-1);
    assertThat(drops.get(DropReason.IPV6_BAD_FRAGMENT)).isEqualTo(2);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  /** RFC 8200 §4.5: a non-last fragment that is not a multiple of 8 is discarded, alone. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void middleFragmentNotAMultipleOf8_isDroppedAlone(boolean v6) {
    byte[] data = FragmentPackets.data(300, new SplittableRandom(17));
    byte[] payload = udp(v6, data);
    assertThat(offer(fragment(new Spec(v6, 21, IpProtocol.UDP, 0, 100, true), payload))).isEqualTo(-1);
    assertThat(offer(fragment(new Spec(v6, 21, IpProtocol.UDP, 104, 0, true), payload)))
        .as("empty").isEqualTo(-1);
    assertThat(drops.get(v6 ? DropReason.IPV6_BAD_FRAGMENT : DropReason.IPV4_BAD_FRAGMENT)).isEqualTo(2);
    assertEmpty();
    assertUdp(offerAll(packets(cut(v6, 21, IpProtocol.UDP, 308, 104), payload), "after"), v6, data, "after");
  }

  @Test
  void malformedInput_isCountedNeverThrown() {
    byte[] packet = fragment(new Spec(false, 22, IpProtocol.UDP, 8, 16, true), new byte[64]);
    assertThat(reassembler.offer(packet, 0, 0, T0, out)).isEqualTo(-1);
    assertThat(reassembler.offer(packet, 0, 19, T0, out)).isEqualTo(-1);
    assertThat(reassembler.offer(packet, 0, 30, T0, out)).as("total length past the frame").isEqualTo(-1);
    assertThat(reassembler.offer(packet, 30, 30, T0, out)).as("out of the array").isEqualTo(-1);
    byte[] v6 = fragment(new Spec(true, 22, IpProtocol.UDP, 8, 16, true).withExtraHeader(), new byte[64]);
    assertThat(reassembler.offer(v6, 0, 50, T0, out)).as("payload past the frame").isEqualTo(-1);
    byte[] badVersion = packet.clone();
    badVersion[0] = 0x55;
    assertThat(reassembler.offer(badVersion, 0, badVersion.length, T0, out)).isEqualTo(-1);
    assertThat(drops.get(DropReason.IP_TRUNCATED)).isEqualTo(3);
    assertThat(drops.get(DropReason.IPV4_BAD_TOTAL_LENGTH)).isEqualTo(1);
    assertThat(drops.get(DropReason.IPV6_BAD_PAYLOAD_LENGTH)).isEqualTo(1);
    assertThat(drops.get(DropReason.IP_BAD_VERSION)).isEqualTo(1);
    assertEmpty();
  }

  @Test
  void callerBugs_throw() {
    byte[] whole = fragment(new Spec(false, 23, IpProtocol.UDP, 0, 16, false), new byte[16]);
    assertThatThrownBy(() -> reassembler.offer(whole, 0, whole.length, T0, out))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] whole6 = fragment(new Spec(true, 23, IpProtocol.UDP, 0, 16, false), new byte[16]);
    assertThatThrownBy(() -> reassembler.offer(whole6, 0, whole6.length, T0, out))
        .as("an atomic fragment is not a fragment").isInstanceOf(IllegalArgumentException.class);
    byte[] piece = fragment(new Spec(false, 23, IpProtocol.UDP, 0, 16, true), new byte[16]);
    assertThatThrownBy(() -> reassembler.offer(piece, 0, piece.length, T0, new byte[65_535]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ bounds

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void timeout_freesTheDatagram(boolean v6) {
    byte[] payload = udp(v6, FragmentPackets.data(3000, new SplittableRandom(18)));
    List<byte[]> p = packets(cut(v6, 24, IpProtocol.UDP, payload.length, 1000), payload);
    assertThat(offer(p.get(0))).isZero();
    assertThat(offer(reassembler, p.get(1), T0 + TIMEOUT / 2)).isZero();
    long held = reassembler.bytesHeld();
    assertThat(held).isGreaterThanOrEqualTo(2000);
    reassembler.expire(T0 + TIMEOUT - 1);
    assertThat(reassembler.bytesHeld()).isEqualTo(held);
    reassembler.expire(T0 + TIMEOUT);
    assertEmpty();
    assertThat(drops.get(DropReason.FRAGMENT_TIMEOUT)).isEqualTo(2);
    // The rest now starts a new datagram, which cannot complete.
    assertThat(offer(reassembler, p.get(2), T0 + TIMEOUT)).isZero();
    assertThat(offer(reassembler, p.get(3), T0 + TIMEOUT)).isZero();
  }

  @Test
  void offer_expiresWhatIsDue() {
    byte[] payload = new byte[64];
    assertThat(offer(fragment(new Spec(false, 25, IpProtocol.UDP, 0, 16, true), payload))).isZero();
    assertThat(offer(reassembler, fragment(new Spec(false, 26, IpProtocol.UDP, 0, 16, true), payload),
        T0 + TIMEOUT)).isZero();
    assertThat(reassembler.datagramsHeld()).isEqualTo(1);
    assertThat(drops.get(DropReason.FRAGMENT_TIMEOUT)).isEqualTo(1);
  }

  /** FragmentSmack: crossing the high watermark evicts the oldest down to the low one. */
  @Test
  void memoryWatermark_evictsTheOldestDatagrams() {
    int high = 16_384;
    int low = high - high / 4;
    FragmentReassembler small = new FragmentReassembler(drops, TIMEOUT, high, 64);
    byte[] payload = udp(false, FragmentPackets.data(1480, new SplittableRandom(19)));
    assertThat(offer(small, fragment(new Spec(false, 1, IpProtocol.UDP, 0, 1480, true), payload), T0 + 1))
        .isZero();
    long each = small.bytesHeld();
    assertThat(each).as("the 1,500 bytes of the fragment and its bookkeeping").isBetween(1500L, 1600L);
    int fit = (int) (high / each);
    for (int id = 2; id <= fit; id++) {
      assertThat(offer(small, fragment(new Spec(false, id, IpProtocol.UDP, 0, 1480, true), payload), T0 + id))
          .isZero();
    }
    assertThat(small.bytesHeld()).isEqualTo(fit * each);
    assertThat(drops.total()).isZero();
    // One more crosses the high watermark: the oldest go until the new total is under the low one.
    int next = fit + 1;
    assertThat(offer(small, fragment(new Spec(false, next, IpProtocol.UDP, 0, 1480, true), payload), T0 + next))
        .isZero();
    int evicted = 0;
    while ((fit - evicted + 1) * each > low) {
      evicted++;
    }
    assertThat(evicted).isGreaterThan(1);
    assertThat(drops.get(DropReason.FRAGMENT_MEMORY_PRESSURE)).isEqualTo(evicted);
    assertThat(small.bytesHeld()).isEqualTo((fit - evicted + 1) * each).isLessThanOrEqualTo(low);
    assertThat(small.datagramsHeld()).isEqualTo(fit - evicted + 1);
    // The newest completes; the oldest were evicted and their tails start over.
    assertThat(offer(small, fragment(new Spec(false, next, IpProtocol.UDP, 1480, 8, false), payload), T0 + next))
        .isPositive();
    assertThat(offer(small, fragment(new Spec(false, 1, IpProtocol.UDP, 1480, 8, false), payload), T0 + next))
        .isZero();
    assertThat(offer(small, fragment(new Spec(false, evicted, IpProtocol.UDP, 1480, 8, false), payload), T0 + next))
        .isZero();
    assertThat(offer(small, fragment(new Spec(false, evicted + 1, IpProtocol.UDP, 1480, 8, false), payload),
        T0 + next)).as("the oldest survivor").isPositive();
    assertThat(small.bytesHeld()).isLessThanOrEqualTo(high);
  }

  @Test
  void datagramTooLargeForTheWatermark_isDropped() {
    FragmentReassembler small = new FragmentReassembler(drops, TIMEOUT, 2_000, 64);
    byte[] payload = new byte[4000];
    assertThat(offer(small, fragment(new Spec(false, 27, IpProtocol.UDP, 0, 1480, true), payload), T0)).isZero();
    assertThat(offer(small, fragment(new Spec(false, 27, IpProtocol.UDP, 1480, 1480, true), payload), T0))
        .isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_MEMORY_PRESSURE)).isEqualTo(2);
    assertThat(small.bytesHeld()).isZero();
    assertThat(small.datagramsHeld()).isZero();
  }

  @Test
  void datagramCap_evictsTheOldest() {
    FragmentReassembler capped = new FragmentReassembler(drops, TIMEOUT, 1 << 20, 4);
    byte[] data = FragmentPackets.data(100, new SplittableRandom(20));
    byte[] payload = udp(false, data);
    for (int id = 1; id <= 5; id++) {
      assertThat(offer(capped, fragment(new Spec(false, id, IpProtocol.UDP, 0, 56, true), payload), T0 + id))
          .isZero();
      assertThat(capped.datagramsHeld()).isLessThanOrEqualTo(4);
    }
    assertThat(drops.get(DropReason.FRAGMENT_TABLE_FULL)).isEqualTo(1);
    for (int id = 5; id >= 2; id--) {
      int n = offer(capped, fragment(new Spec(false, id, IpProtocol.UDP, 56, 52, false), payload), T0 + 6);
      assertThat(n).as("id %d", id).isPositive();
      assertUdp(n, false, data, "id " + id);
    }
    assertThat(offer(capped, fragment(new Spec(false, 1, IpProtocol.UDP, 56, 52, false), payload), T0 + 6))
        .as("the evicted one starts over").isZero();
  }

  @Test
  void fragmentCapPerDatagram_dropsTheDatagram() {
    byte[] payload = new byte[8 * 200];
    int cap = FragmentReassembler.MAX_FRAGMENTS_PER_DATAGRAM;
    for (int i = 0; i < cap; i++) {
      assertThat(offer(fragment(new Spec(true, 28, IpProtocol.UDP, 8 * i, 8, true), payload))).isZero();
    }
    assertThat(offer(fragment(new Spec(true, 28, IpProtocol.UDP, 8 * cap, 8, true), payload))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_TOO_MANY)).isEqualTo(cap + 1);
    assertThat(reassembler.bytesHeld()).isZero();
  }

  /**
   * Buffers grow by doubling, so a datagram costs a small multiple of its size whatever its
   * fragment count, and dropping a fragment (a duplicate, or one of a datagram already dropped)
   * allocates nothing.
   */
  @Test
  void allocation_isPerDatagramNotPerFragment() {
    byte[] payload = udp(false, FragmentPackets.data(65_535 - 28, new SplittableRandom(24)));
    List<byte[]> p = packets(cut(false, 32, IpProtocol.UDP, payload.length, 1480), payload);
    for (int warm = 0; warm < 200; warm++) {
      offerAll(p, "warm-up");
    }
    long before = AllocatedBytes.now();
    offerAll(p, "measured");
    long allocated = AllocatedBytes.now() - before;
    assertThat(allocated).as("bytes allocated for one 64 KB datagram in %d fragments", p.size())
        .isLessThan(3L * 65_535);

    byte[] first = p.getFirst();
    byte[] overlapping = fragment(new Spec(false, 33, IpProtocol.UDP, 8, 1480, true), payload);
    byte[] held = fragment(new Spec(false, 33, IpProtocol.UDP, 0, 1480, true), payload);
    offer(first);
    offer(held);
    offer(overlapping); // datagram 33 is now remembered as dropped
    long results = 0;
    for (int round = 0; round < 3; round++) { // the first rounds warm up; the last is measured
      before = AllocatedBytes.now();
      for (int i = 0; i < 50_000; i++) {
        results += reassembler.offer(first, 0, first.length, T0, out);
        results += reassembler.offer(held, 0, held.length, T0, out);
      }
      allocated = AllocatedBytes.now() - before;
      if (round == 2) {
        assertThat(allocated).as("bytes allocated by 100,000 drops").isLessThan(1_024);
      }
    }
    assertThat(results).as("every one dropped").isEqualTo(-3 * 100_000);
  }

  // ------------------------------------------------------------------ ECN (RFC 3168 §5.3)

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void congestionExperiencedOnOneFragment_marksTheDatagram(boolean v6) {
    byte[] data = FragmentPackets.data(1000, new SplittableRandom(21));
    List<Spec> specs = new ArrayList<>();
    for (Spec s : cut(v6, 29, IpProtocol.UDP, 1008, 400)) {
      specs.add(s.withEcn(s.offset() == 400 ? 3 : 2));
    }
    int n = offerAll(packets(specs, udp(v6, data)), "ce");
    assertUdp(n, v6, data, "ce");
    int ecn = v6 ? decoder.ipv6().trafficClass() & 3 : decoder.ipv4().typeOfService() & 3;
    assertThat(ecn).isEqualTo(3);
  }

  @Test
  void congestionExperiencedWithNotEct_dropsTheDatagram() {
    List<Spec> specs = new ArrayList<>();
    for (Spec s : cut(false, 30, IpProtocol.UDP, 1008, 400)) {
      specs.add(s.withEcn(s.offset() == 400 ? 3 : 0));
    }
    List<byte[]> p = packets(specs, udp(false, new byte[1000]));
    assertThat(offer(p.get(0))).isZero();
    assertThat(offer(p.get(1))).isZero();
    assertThat(offer(p.get(2))).isEqualTo(-1);
    assertThat(drops.get(DropReason.FRAGMENT_INCONSISTENT)).isEqualTo(3);
    assertEmpty();
  }

  // ------------------------------------------------------------------ threads

  /**
   * Several workers offer the shuffled fragments of many datagrams, each datagram's fragments spread
   * over all of them: each datagram completes exactly once, intact.
   */
  @Test
  void concurrentWorkers_completeEveryDatagramOnce() throws InterruptedException {
    int datagrams = 300;
    int threads = 6;
    SplittableRandom random = new SplittableRandom(22);
    Map<Integer, byte[]> sent = new ConcurrentHashMap<>();
    List<byte[]> all = new ArrayList<>();
    for (int id = 0; id < datagrams; id++) {
      boolean v6 = (id & 1) == 0;
      byte[] data = FragmentPackets.data(random.nextInt(100, 4000), random);
      sent.put(id, data);
      all.addAll(packets(randomCut(v6, id, IpProtocol.UDP, data.length + 8, random), udp(v6, data)));
    }
    Collections.shuffle(all, new Random(22));
    AtomicInteger next = new AtomicInteger();
    Map<Integer, Integer> completed = new ConcurrentHashMap<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(Thread.ofPlatform().start(() -> {
        byte[] buffer = new byte[FragmentReassembler.MAX_REASSEMBLED_LENGTH];
        PacketDecoder own = new PacketDecoder(new DropCounters());
        try {
          start.await();
          for (int i; (i = next.getAndIncrement()) < all.size(); ) {
            byte[] packet = all.get(i);
            int n = reassembler.offer(packet, 0, packet.length, T0, buffer);
            if (n > 0) {
              assertThat(own.decodeIp(buffer, 0, n)).isNull();
              byte[] got = Arrays.copyOfRange(buffer, own.udp().payloadOffset(),
                  own.udp().payloadOffset() + own.udp().payloadLength());
              // The reassembled IPv6 header has no identification: match the datagram by its bytes.
              int match = -1;
              for (Map.Entry<Integer, byte[]> e : sent.entrySet()) {
                if (((e.getKey() & 1) == 0) == (own.ipVersion() == 6) && Arrays.equals(e.getValue(), got)) {
                  match = e.getKey();
                }
              }
              assertThat(match).isNotNegative();
              if (own.ipVersion() == 4) {
                assertThat(own.ipv4().identification()).isEqualTo(match);
              }
              completed.merge(match, 1, Integer::sum);
            } else {
              assertThat(n).isZero();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    start.countDown();
    for (Thread w : workers) {
      assertThat(w.join(java.time.Duration.ofSeconds(60))).isTrue();
    }
    assertThat(failures).isEmpty();
    assertThat(completed).hasSize(datagrams).allSatisfy((id, times) -> assertThat(times).isEqualTo(1));
    reassembler.checkInvariants();
    assertEmpty();
    assertThat(drops.total()).isZero();
  }

  @Test
  void reassembledIpv4Header_checksumVerifies() {
    byte[] payload = udp(false, FragmentPackets.data(500, new SplittableRandom(23)));
    List<byte[]> p = packets(cut(false, 31, IpProtocol.UDP, payload.length, 256), payload);
    int n = offerAll(p, "checksum");
    Ipv4Packet ip = new Ipv4Packet();
    assertThat(ip.wrap(out, 0, n)).isNull();
    assertThat(ip.totalLength()).isEqualTo(n);
    assertThat(ip.isFragment()).isFalse();
    assertThat(ip.identification()).isEqualTo(31);
  }
}
