package dev.sluice.stack;

import static dev.sluice.stack.FragmentPackets.SRC4;
import static dev.sluice.stack.FragmentPackets.SRC6;
import static dev.sluice.stack.FragmentPackets.fragment;
import static dev.sluice.stack.FragmentPackets.packets;
import static dev.sluice.stack.FragmentPackets.randomCut;
import static dev.sluice.stack.FragmentPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stack.FragmentPackets.Spec;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.PacketDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Seeded properties of {@link FragmentReassembler} under hostile input (hostile input 4). The seed
 * in every message replays a failure.
 *
 * <ul>
 *   <li>A flood of random fragments (random keys, offsets, lengths, flags, ECN, headers, truncated
 *       frames) never throws, never holds more than the byte and datagram bounds, and every packet it
 *       hands back has a consistent header; a legitimate datagram sent in one burst during the flood
 *       still completes intact.
 *   <li>A datagram that receives one overlapping fragment is never delivered, whatever the order.
 * </ul>
 */
class FragmentReassemblerFloodTest {
  private static final int STEPS = 4000;
  private static final int[] PROTOCOLS = {IpProtocol.UDP, IpProtocol.TCP, IpProtocol.ICMP,
      IpProtocol.IPV6_NO_NEXT_HEADER};

  @RepeatedTest(60)
  void hostileFlood_staysWithinBoundsAndNeverThrows(RepetitionInfo repetition) {
    long seed = 0xF100_D000L + repetition.getCurrentRepetition();
    new Flood(seed).run();
  }

  private static final class Flood {
    private final long seed;
    private final String context;
    private final SplittableRandom random;
    private final int maxBytes;
    private final int maxDatagrams;
    private final long timeout;
    private final int idRange;
    private final int span;
    private final DropCounters drops = new DropCounters();
    private final FragmentReassembler reassembler;
    private final byte[] out = new byte[FragmentReassembler.MAX_REASSEMBLED_LENGTH];
    private final byte[] junk;
    private final PacketDecoder decoder = new PacketDecoder(new DropCounters());
    private final Ipv4Packet ipv4 = new Ipv4Packet();
    private long now;
    private int legitimateId;

    Flood(long seed) {
      this.seed = seed;
      this.context = "seed 0x" + Long.toHexString(seed);
      this.random = new SplittableRandom(seed);
      this.maxBytes = new int[] {4096, 16_384, 200_000, FragmentReassembler.DEFAULT_MAX_BYTES}[random.nextInt(4)];
      this.maxDatagrams = new int[] {1, 3, 64, 1024}[random.nextInt(4)];
      this.timeout = new long[] {1_000_000L, 50_000_000L, FragmentReassembler.DEFAULT_TIMEOUT_NANOS}[random.nextInt(3)];
      this.idRange = new int[] {1, 4, 64, 1 << 16}[random.nextInt(4)];
      this.span = new int[] {64, 256, 4096, 65_536}[random.nextInt(4)];
      this.reassembler = new FragmentReassembler(drops, timeout, maxBytes, maxDatagrams);
      this.junk = FragmentPackets.data(65_536, random);
      this.now = random.nextLong(); // any clock origin, including one about to wrap
    }

    void run() {
      for (int step = 0; step < STEPS; step++) {
        String where = context + ", step " + step;
        if (random.nextInt(4) == 0) {
          now += random.nextLong(timeout / 4 + 1);
        }
        if (random.nextInt(50) == 0) {
          reassembler.expire(now);
        }
        if (random.nextInt(100) == 0) {
          legitimateBurst(where);
        }
        Spec spec = hostileSpec();
        byte[] packet = fragment(spec, junk, SRC4 + 1 + random.nextInt(3), SRC6[1] + 1 + random.nextInt(3));
        int len = random.nextInt(20) == 0 ? random.nextInt(packet.length + 1) : packet.length;
        int n = reassembler.offer(packet, 0, len, now, out);
        assertThat(n).as(where).isBetween(-1, FragmentReassembler.MAX_REASSEMBLED_LENGTH);
        if (n > 0) {
          checkHeader(n, where);
        }
        assertThat(reassembler.bytesHeld()).as(where).isLessThanOrEqualTo(maxBytes);
        assertThat(reassembler.datagramsHeld()).as(where).isLessThanOrEqualTo(maxDatagrams);
        if (step % 64 == 0) {
          reassembler.checkInvariants();
        }
      }
      reassembler.checkInvariants();
      reassembler.expire(now + timeout);
      assertThat(reassembler.bytesHeld()).as(context).isZero();
      assertThat(reassembler.datagramsHeld()).as(context).isZero();
    }

    private Spec hostileSpec() {
      boolean v6 = random.nextBoolean();
      // Offsets within [0, span): a small span makes duplicates, overlaps and completions common.
      int offset = random.nextInt(6) == 0
          ? 65_528 - 8 * random.nextInt(16) // near the end: Ping of Death
          : 8 * random.nextInt(span / 8);
      int length = switch (random.nextInt(6)) {
        case 0 -> random.nextInt(17); // empty, odd, tiny
        case 1 -> random.nextInt(9000);
        default -> 8 * random.nextInt(1, Math.max(2, span / 16));
      };
      boolean more = random.nextInt(3) != 0;
      if (offset == 0 && !more) {
        more = true; // still a fragment
      }
      Spec spec = new Spec(v6, random.nextInt(idRange), PROTOCOLS[random.nextInt(PROTOCOLS.length)],
          offset, length, more, random.nextInt(4), false);
      return random.nextInt(4) == 0 ? spec.withExtraHeader() : spec;
    }

    /** A well-formed header whose length field matches what was handed back. */
    private void checkHeader(int n, String where) {
      int version = Bytes.u8(out, 0) >>> 4;
      if (version == 4) {
        assertThat(ipv4.wrap(out, 0, n)).as(where).isNull();
        assertThat(ipv4.totalLength()).as(where).isEqualTo(n);
        assertThat(ipv4.isFragment()).as(where).isFalse();
      } else {
        assertThat(version).as(where).isEqualTo(6);
        assertThat(Bytes.u16(out, 4) + 40).as(where).isEqualTo(n);
        decoder.decodeIp(out, 0, n); // may refuse the random contents, must not throw
        assertThat(decoder.isFragment()).as(where).isFalse();
      }
    }

    /**
     * A real datagram from another source, all its fragments at one instant: neither the flood's
     * datagrams nor its memory may stop it (eviction takes the oldest, never the one growing).
     */
    private void legitimateBurst(String where) {
      boolean v6 = random.nextBoolean();
      int length = random.nextInt(Math.min(3000, maxBytes / 2 - 200));
      byte[] data = FragmentPackets.data(length, random);
      List<Spec> specs = randomCut(v6, 0x7000_0000 + legitimateId++, IpProtocol.UDP, length + 8, random);
      if (specs.size() == 1) {
        return;
      }
      List<byte[]> packets = packets(specs, udp(v6, data));
      Collections.shuffle(packets, new Random(seed + legitimateId));
      for (int i = 0; i < packets.size() - 1; i++) {
        byte[] p = packets.get(i);
        assertThat(reassembler.offer(p, 0, p.length, now, out)).as("%s: legitimate %d", where, i).isZero();
      }
      byte[] last = packets.getLast();
      int n = reassembler.offer(last, 0, last.length, now, out);
      assertThat(n).as("%s: legitimate datagram completes", where).isPositive();
      assertThat(decoder.decodeIp(out, 0, n)).as(where).isNull();
      assertThat(Arrays.copyOfRange(out, decoder.udp().payloadOffset(),
          decoder.udp().payloadOffset() + decoder.udp().payloadLength())).as(where).isEqualTo(data);
    }
  }

  /**
   * RFC 5722 §4: a fragment that overlaps one already held, arriving in any position before the
   * datagram is complete, stops its delivery; it and every fragment before and after it are dropped
   * and counted. (A forged fragment that arrives before the real one it overlaps, and happens to
   * complete the datagram, is indistinguishable from the real thing: no reassembler can refuse it.)
   */
  @RepeatedTest(300)
  void overlappingFragment_preventsDeliveryInAnyOrder(RepetitionInfo repetition) {
    long seed = 0x0E71_A900L + repetition.getCurrentRepetition();
    String context = "seed 0x" + Long.toHexString(seed);
    SplittableRandom random = new SplittableRandom(seed);
    boolean v6 = random.nextBoolean();
    int total = 8 + random.nextInt(16, 12_000);
    byte[] payload = udp(v6, FragmentPackets.data(total - 8, random));
    int id = random.nextInt();
    List<Spec> specs = new ArrayList<>(randomCut(v6, id, IpProtocol.UDP, total, random));
    if (random.nextBoolean()) {
      Collections.shuffle(specs, new Random(seed));
    }
    // The intruder overlaps the fragment at order position `victim`, which is not the last to come,
    // and is never an exact duplicate of any fragment.
    int victim = random.nextInt(specs.size() - 1);
    Spec held = specs.get(victim);
    Spec intruder;
    do {
      int start = Math.max(0, held.offset() - 8 * random.nextInt(4)) + 8 * random.nextInt((held.length() + 7) / 8);
      int length = 8 * random.nextInt(1, 200);
      boolean more = start == 0 || random.nextBoolean();
      intruder = new Spec(v6, id, IpProtocol.UDP, start, length, more);
    } while (isPiece(specs, intruder) || intruder.offset() + intruder.length() <= held.offset()
        || intruder.offset() >= held.offset() + held.length());
    List<byte[]> packets = new ArrayList<>(packets(specs, payload));
    byte[] forged = FragmentPackets.data(total + 1600, random);
    packets.add(random.nextInt(victim + 1, packets.size()), fragment(intruder, forged));
    if (random.nextBoolean()) {
      int copied = random.nextInt(packets.size()); // a later copy of some packet: the network's duplicate
      packets.add(random.nextInt(copied + 1, packets.size() + 1), packets.get(copied));
    }
    DropCounters drops = new DropCounters();
    FragmentReassembler reassembler = new FragmentReassembler(drops);
    byte[] out = new byte[FragmentReassembler.MAX_REASSEMBLED_LENGTH];
    for (int i = 0; i < packets.size(); i++) {
      byte[] p = packets.get(i);
      assertThat(reassembler.offer(p, 0, p.length, 0, out)).as("%s: packet %d of %d", context, i, packets.size())
          .isLessThanOrEqualTo(0);
    }
    reassembler.checkInvariants();
    assertThat(reassembler.bytesHeld()).as(context).isZero();
    assertThat(drops.total()).as("%s: every packet is dropped and counted", context).isEqualTo(packets.size());
  }

  private static boolean isPiece(List<Spec> specs, Spec candidate) {
    for (Spec s : specs) {
      if (s.offset() == candidate.offset() && s.length() == candidate.length()) {
        return true;
      }
    }
    return false;
  }
}
