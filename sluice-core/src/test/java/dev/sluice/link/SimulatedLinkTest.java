package dev.sluice.link;

import static dev.sluice.link.TestPackets.HOST_A;
import static dev.sluice.link.TestPackets.HOST_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.FlowHash;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpFlags;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives simulated links with a virtual clock: {@code transmit(..., now)}, then
 * {@link SimulatedNetwork#advance} to whatever {@link SimulatedNetwork#nextDueNanos} says.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SimulatedLinkTest {
  private static final long MS = 1_000_000L;
  private static final long US = 1_000L;

  /** A packet taken off a receive queue: its bytes, arrival time and queue. */
  record Received(byte[] bytes, long timeNanos, int queue) {
    int tag() {
      return TestPackets.udpTag(bytes);
    }
  }

  private static List<Received> drain(SimulatedInterface device) {
    List<Received> out = new ArrayList<>();
    for (int q = 0; q < device.receiveQueueCount(); q++) {
      PacketBuffer packet;
      while ((packet = device.poll(q)) != null) {
        out.add(new Received(TestPackets.bytes(packet), packet.timeNanos(), q));
        packet.release();
      }
    }
    return out;
  }

  private static void runUntilIdle(SimulatedNetwork network) {
    long due;
    while ((due = network.nextDueNanos()) != Long.MAX_VALUE) {
      network.advance(due);
    }
  }

  private static byte[] udp(int tag, int length) {
    return TestPackets.udp4(HOST_A, HOST_B, 40_000, 53, tag, length);
  }

  private static boolean send(SimulatedInterface from, byte[] packet, long now) {
    return from.transmit(packet, 0, packet.length, now);
  }

  @Test
  void noImpairments_deliverEveryPacketInOrderWithTheSameBytesAtTheSendTime() {
    SimulatedNetwork network = new SimulatedNetwork(1);
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults());
    List<byte[]> sentAToB = new ArrayList<>();
    List<byte[]> sentBToA = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] packet = udp(i, 32 + (i * 37) % 1469);
      sentAToB.add(packet);
      assertThat(send(link.a(), packet, i * US)).isTrue();
      if (i % 4 == 0) {
        byte[] reply = TestPackets.udp4(HOST_B, HOST_A, 53, 40_000, 10_000 + i, 100);
        sentBToA.add(reply);
        assertThat(send(link.b(), reply, i * US)).isTrue();
      }
    }

    assertThat(network.nextDueNanos()).as("nothing left in flight").isEqualTo(Long.MAX_VALUE);
    List<Received> atB = drain(link.b());
    List<Received> atA = drain(link.a());

    assertThat(atB).hasSize(200);
    PacketDecoder decoder = new PacketDecoder(new DropCounters());
    for (int i = 0; i < 200; i++) {
      assertThat(atB.get(i).bytes()).as("packet %d", i).isEqualTo(sentAToB.get(i));
      assertThat(atB.get(i).timeNanos()).isEqualTo(i * US);
      assertThat(decoder.decodeIp(atB.get(i).bytes(), 0, atB.get(i).bytes().length)).isNull();
    }
    assertThat(atA).extracting(Received::bytes).containsExactlyElementsOf(sentBToA);
    assertThat(link.statsAToB()).isEqualTo(new ChannelStats(200, 200, 0, 0, 0, 0, 0));
    assertThat(link.statsBToA()).isEqualTo(new ChannelStats(50, 50, 0, 0, 0, 0, 0));
    assertThat(link.a().drops().total()).isZero();
    assertThat(link.b().drops().total()).isZero();
  }

  @Test
  void packetLargerThanTheMtu_isDroppedAndCountedAsLinkMtuExceeded() {
    SimulatedNetwork network = new SimulatedNetwork(1);
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults().withMtu(576));
    List<Integer> tapped = new ArrayList<>();
    link.a().addTap((device, direction, buf, off, len, time) -> tapped.add(len));

    assertThat(send(link.a(), udp(1, 577), 0)).isFalse();
    assertThat(send(link.a(), udp(2, 576), 0)).isTrue();

    assertThat(link.a().drops().get(DropReason.LINK_MTU_EXCEEDED)).isEqualTo(1);
    assertThat(link.a().drops().total()).isEqualTo(1);
    assertThat(link.statsAToB().sent()).as("the link never saw the oversized packet").isEqualTo(1);
    assertThat(tapped).as("a capture does not see it either").containsExactly(576);
    assertThat(drain(link.b())).extracting(Received::tag).containsExactly(2);
  }

  @Test
  void loss_overTwentyThousandPackets_isWithinStatisticalBoundsOfItsProbability() {
    SimulatedNetwork network = new SimulatedNetwork(11);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withLoss(0.1), Impairments.NONE));
    List<Received> received = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      send(link.a(), udp(i, 64), i * US);
      received.addAll(drain(link.b()));
    }

    ChannelStats stats = link.statsAToB();
    assertThat(stats.sent()).isEqualTo(20_000);
    // 0.1 +- 0.015: binomial standard deviation is 42 packets, so 300 is a 7-sigma bound.
    assertThat(stats.lost()).isBetween(1_700L, 2_300L);
    assertThat(stats.delivered()).isEqualTo(20_000 - stats.lost());
    assertThat(received).hasSize((int) stats.delivered());
    int previous = -1;
    for (Received r : received) {
      assertThat(r.tag()).as("survivors keep their order, no copies").isGreaterThan(previous);
      previous = r.tag();
      assertThat(r.bytes()).isEqualTo(udp(r.tag(), 64));
    }
    assertThat(link.statsBToA()).isEqualTo(new ChannelStats(0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void duplication_overTwentyThousandPackets_isWithinBoundsAndCopiesAreByteIdentical() {
    SimulatedNetwork network = new SimulatedNetwork(12);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withDuplicate(0.1), Impairments.NONE));
    List<Received> received = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      send(link.a(), udp(i, 64 + i % 100), i * US);
      received.addAll(drain(link.b()));
    }

    ChannelStats stats = link.statsAToB();
    assertThat(stats.duplicated()).isBetween(1_700L, 2_300L);
    assertThat(stats.delivered()).isEqualTo(20_000 + stats.duplicated());
    assertThat(received).hasSize(20_000 + (int) stats.duplicated());
    Map<Integer, Integer> copies = new HashMap<>();
    for (int i = 0; i < received.size(); i++) {
      Received r = received.get(i);
      assertThat(r.bytes()).isEqualTo(udp(r.tag(), 64 + r.tag() % 100));
      if (copies.merge(r.tag(), 1, Integer::sum) == 2) {
        Received original = received.get(i - 1);
        assertThat(original.tag()).as("the copy follows its original").isEqualTo(r.tag());
        assertThat(r.bytes()).isEqualTo(original.bytes());
        assertThat(r.timeNanos()).isEqualTo(original.timeNanos());
      }
    }
    assertThat(copies).hasSize(20_000);
    assertThat(copies.values()).allMatch(n -> n == 1 || n == 2);
    assertThat(copies.values().stream().filter(n -> n == 2).count()).isEqualTo(stats.duplicated());
  }

  @Test
  void corruption_flipsExactlyOneBit_andTheDecoderCatchesAndCountsEveryCorruptedPacket() {
    SimulatedNetwork network = new SimulatedNetwork(13);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withCorrupt(0.2), Impairments.NONE));
    DropCounters decoderDrops = new DropCounters();
    PacketDecoder decoder = new PacketDecoder(decoderDrops);
    int flipped = 0;
    int intact = 0;
    for (int i = 0; i < 5_000; i++) {
      byte[] sent = TestPackets.tcp4(HOST_A, HOST_B, 40_000 + i % 7, 443, TcpFlags.ACK | TcpFlags.PSH,
          1_000 * i, 77, i, 16 + i % 200);
      send(link.a(), sent, i * US);
      List<Received> got = drain(link.b());
      assertThat(got).hasSize(1);
      byte[] bytes = got.getFirst().bytes();
      assertThat(bytes).hasSameSizeAs(sent);
      int differingBits = 0;
      for (int j = 0; j < sent.length; j++) {
        differingBits += Integer.bitCount((sent[j] ^ bytes[j]) & 0xFF);
      }
      DropReason verdict = decoder.decodeIp(bytes, 0, bytes.length);
      if (differingBits == 0) {
        intact++;
        assertThat(verdict).as("intact packet %d", i).isNull();
      } else {
        flipped++;
        assertThat(differingBits).as("packet %d", i).isEqualTo(1);
        assertThat(verdict).as("corrupted packet %d must be rejected", i).isNotNull();
      }
    }

    ChannelStats stats = link.statsAToB();
    assertThat(stats.corrupted()).isEqualTo(flipped);
    // 0.2 * 5000 = 1000, standard deviation 28.
    assertThat(stats.corrupted()).isBetween(850L, 1_150L);
    assertThat(intact + flipped).isEqualTo(5_000);
    assertThat(decoderDrops.total()).isEqualTo(flipped);
    Set<DropReason> headerOrChecksum = EnumSet.of(DropReason.IP_BAD_VERSION, DropReason.IPV4_BAD_HEADER_LENGTH,
        DropReason.IPV4_BAD_TOTAL_LENGTH, DropReason.IPV4_BAD_CHECKSUM, DropReason.IPV6_BAD_PAYLOAD_LENGTH,
        DropReason.TCP_BAD_DATA_OFFSET, DropReason.TCP_BAD_CHECKSUM);
    assertThat(decoderDrops.snapshot().keySet()).isSubsetOf(headerOrChecksum)
        .contains(DropReason.IPV4_BAD_CHECKSUM, DropReason.TCP_BAD_CHECKSUM);
  }

  @Test
  void fixedDelay_deliversNothingBeforeSendTimePlusDelayAndEverythingAtIt() {
    SimulatedNetwork network = new SimulatedNetwork(14);
    long delay = 5 * MS;
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withDelay(delay)));
    for (int i = 0; i < 10; i++) {
      send(link.a(), udp(i, 80), i * 100 * US);
      assertThat(link.b().queued(0)).isZero();
    }
    assertThat(link.inFlight()).isEqualTo(10);
    assertThat(network.nextDueNanos()).isEqualTo(delay);

    List<Received> received = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long due = i * 100 * US + delay;
      assertThat(network.nextDueNanos()).isEqualTo(due);
      network.advance(due - 1);
      assertThat(drain(link.b())).as("one nanosecond early").isEmpty();
      network.advance(due);
      List<Received> now = drain(link.b());
      assertThat(now).hasSize(1);
      assertThat(now.getFirst().tag()).isEqualTo(i);
      assertThat(now.getFirst().timeNanos()).isEqualTo(due);
      received.addAll(now);
    }
    assertThat(network.nextDueNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(link.statsAToB().delivered()).isEqualTo(10);
  }

  @Test
  void jitter_reordersPackets_butEachArrivesExactlyOnceWithinItsWindow() {
    SimulatedNetwork network = new SimulatedNetwork(15);
    long delay = 1 * MS;
    long jitter = 2 * MS;
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withDelay(delay).withJitter(jitter)));
    List<Received> received = new ArrayList<>();
    int packets = 1_000;
    for (int i = 0; i < packets; i++) {
      long now = i * 10 * US;
      network.advance(now);
      received.addAll(drain(link.b()));
      send(link.a(), udp(i, 100), now);
    }
    runUntilIdle(network);
    received.addAll(drain(link.b()));

    assertThat(received).hasSize(packets);
    assertThat(received).extracting(Received::tag).doesNotHaveDuplicates();
    int inversions = 0;
    for (int i = 0; i < received.size(); i++) {
      Received r = received.get(i);
      long sentAt = r.tag() * 10 * US;
      assertThat(r.timeNanos()).as("packet %d", r.tag()).isBetween(sentAt + delay, sentAt + delay + jitter);
      if (i > 0) {
        assertThat(r.timeNanos()).as("delivered in arrival-time order")
            .isGreaterThanOrEqualTo(received.get(i - 1).timeNanos());
        if (r.tag() < received.get(i - 1).tag()) {
          inversions++;
        }
      }
    }
    assertThat(inversions).as("jitter of 2 ms over 10 us spacing reorders").isGreaterThan(0);
  }

  @Test
  void reorderRate_holdsBackThatFractionOfPackets_whichLaterOnesOvertake() {
    SimulatedNetwork network = new SimulatedNetwork(17);
    long delay = 1 * MS;
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withDelay(delay).withReorder(0.05, 3 * MS)));
    List<Received> received = new ArrayList<>();
    int packets = 20_000;
    for (int i = 0; i < packets; i++) {
      long now = i * 100 * US;
      network.advance(now);
      received.addAll(drain(link.b()));
      send(link.a(), udp(i, 100), now);
    }
    runUntilIdle(network);
    received.addAll(drain(link.b()));

    assertThat(received).hasSize(packets);
    assertThat(received).extracting(Received::tag).doesNotHaveDuplicates();
    long held = link.statsAToB().reordered();
    assertThat(held).isBetween(800L, 1200L); // 5% of 20,000, within 4.6 sigma
    long late = received.stream().filter(r -> r.timeNanos() == r.tag() * 100 * US + delay + 3 * MS).count();
    assertThat(late).isEqualTo(held);
    int overtaken = 0;
    for (int i = 1; i < received.size(); i++) {
      if (received.get(i).tag() < received.get(i - 1).tag()) {
        overtaken++;
      }
    }
    // Each held packet is overtaken by those sent in the next 3 ms; two held packets close together
    // stay in order between themselves, so adjacent inversions count the runs of held packets.
    assertThat(overtaken).isBetween((int) (held * 0.9), (int) held);
  }

  @Test
  void bandwidth_oneMegabitPerSecond_spacesHundredPacketsOf1250BytesTenMillisecondsApart() {
    SimulatedNetwork network = new SimulatedNetwork(16);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withBandwidth(1_000_000)));
    for (int i = 0; i < 100; i++) {
      assertThat(send(link.a(), udp(i, 1250), 0)).isTrue();
    }

    List<Long> arrivals = new ArrayList<>();
    long due;
    while ((due = network.nextDueNanos()) != Long.MAX_VALUE) {
      network.advance(due);
      for (Received r : drain(link.b())) {
        assertThat(r.tag()).isEqualTo(arrivals.size());
        arrivals.add(r.timeNanos());
      }
    }

    assertThat(arrivals).hasSize(100);
    for (int i = 0; i < 100; i++) {
      assertThat(arrivals.get(i)).as("packet %d", i).isEqualTo((i + 1) * 10 * MS);
    }
    assertThat(arrivals.getLast()).as("1 s of virtual time").isEqualTo(1_000 * MS);
  }

  @Test
  void bandwidth_idleLink_doesNotDelayALaterPacketBeyondItsOwnSerialisation() {
    SimulatedNetwork network = new SimulatedNetwork(17);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE.withBandwidth(1_000_000).withDelay(MS)));
    send(link.a(), udp(0, 1250), 0);
    send(link.a(), udp(1, 1250), 50 * MS);
    runUntilIdle(network);

    assertThat(drain(link.b())).extracting(Received::timeNanos).containsExactly(11 * MS, 61 * MS);
  }

  @Test
  void receiveQueues_keepEachFlowInOneQueue_andSpreadManyFlowsOverAllQueues() {
    SimulatedNetwork network = new SimulatedNetwork(18);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withReceiveQueues(4).withQueueCapacity(1024));

    for (int i = 0; i < 200; i++) {
      send(link.a(), TestPackets.udp4(HOST_A, HOST_B, 40_000, 53, i, 40 + i), i * US);
    }
    List<Received> oneFlow = drain(link.b());
    assertThat(oneFlow).hasSize(200);
    int flowQueue = oneFlow.getFirst().queue();
    assertThat(oneFlow).allMatch(r -> r.queue() == flowQueue);
    byte[] first = oneFlow.getFirst().bytes();
    assertThat(flowQueue).isEqualTo(Math.floorMod(FlowHash.of(first, 0, first.length), 4));

    Map<Integer, Integer> queueOfPort = new HashMap<>();
    int[] perQueue = new int[4];
    for (int round = 0; round < 2; round++) {
      for (int flow = 0; flow < 256; flow++) {
        send(link.a(), TestPackets.udp4(HOST_A, HOST_B, 41_000 + flow, 53, round * 1_000 + flow, 64 + round), 0);
      }
      for (Received r : drain(link.b())) {
        int port = ByteBuffer.wrap(r.bytes(), TestPackets.IPV4_HEADER, 2).getShort() & 0xFFFF;
        assertThat(r.queue()).isEqualTo(Math.floorMod(FlowHash.of(r.bytes(), 0, r.bytes().length), 4));
        Integer before = queueOfPort.putIfAbsent(port, r.queue());
        if (before != null) {
          assertThat(r.queue()).as("flow from port %d in round %d", port, round).isEqualTo(before);
        }
        if (round == 0) {
          perQueue[r.queue()]++;
        }
      }
    }
    assertThat(queueOfPort).hasSize(256);
    // 256 flows over 4 queues: 64 each expected, standard deviation about 7.
    for (int q = 0; q < 4; q++) {
      assertThat(perQueue[q]).as("queue %d", q).isBetween(32, 96);
    }
  }

  @Test
  void fullReceiveQueue_dropsAndCountsAndReleasesBuffer() {
    SimulatedNetwork network = new SimulatedNetwork(19);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withQueueCapacity(4).withBuffers(16));
    for (int i = 0; i < 10; i++) {
      assertThat(send(link.a(), udp(i, 100), i)).isTrue();
    }

    assertThat(link.b().drops().get(DropReason.RX_QUEUE_FULL)).isEqualTo(6);
    assertThat(link.b().queued(0)).isEqualTo(4);
    assertThat(link.statsAToB()).isEqualTo(new ChannelStats(10, 4, 0, 0, 0, 0, 0));

    PacketBuffer head = link.b().poll(0);
    PacketPool pool = head.pool();
    assertThat(pool.size()).isEqualTo(16);
    assertThat(pool.available()).as("the six dropped buffers went back").isEqualTo(12);
    assertThat(TestPackets.udpTag(TestPackets.bytes(head))).isZero();
    head.release();
    assertThat(drain(link.b())).extracting(Received::tag).containsExactly(1, 2, 3);
    assertThat(pool.available()).isEqualTo(pool.size());

    assertThat(send(link.a(), udp(10, 100), 20)).isTrue();
    assertThat(drain(link.b())).extracting(Received::tag).containsExactly(10);
    assertThat(pool.available()).isEqualTo(pool.size());
  }

  @Test
  void packetBufferBytes_growWithTheLargestBurstCarried_notWithThePacketsCarried() {
    SimulatedNetwork network = new SimulatedNetwork(21);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withMtu(1500).withBuffers(1_024).withImpairments(Impairments.NONE.withDelay(MS)));
    assertThat(link.packetBufferBytes()).as("a new link has made no buffer").isZero();

    for (int i = 0; i < 5; i++) {
      send(link.a(), udp(i, 100), 0); // five in flight at once, one way
    }
    send(link.b(), udp(9, 100), 0);
    assertThat(link.packetBufferBytes()).isEqualTo(6 * 1500L);

    runUntilIdle(network);
    assertThat(drain(link.b())).hasSize(5);
    assertThat(drain(link.a())).hasSize(1);
    for (int round = 0; round < 20; round++) {
      send(link.a(), udp(100 + round, 100), (2 + round) * MS);
      runUntilIdle(network);
      assertThat(drain(link.b())).hasSize(1);
    }
    assertThat(link.packetBufferBytes()).as("twenty more packets, one at a time: the buffers made are reused")
        .isEqualTo(6 * 1500L);
  }

  @Test
  void bufferExhaustion_dropsCopiesAndIsCountedInChannelStats() {
    SimulatedNetwork network = new SimulatedNetwork(20);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withBuffers(4).withImpairments(Impairments.NONE.withDelay(MS)));
    for (int i = 0; i < 10; i++) {
      assertThat(send(link.a(), udp(i, 100), 0)).as("the device took it").isTrue();
    }

    assertThat(link.inFlight()).isEqualTo(4);
    assertThat(link.statsAToB()).isEqualTo(new ChannelStats(10, 0, 0, 0, 0, 0, 6));
    runUntilIdle(network);
    PacketBuffer first = link.b().poll(0);
    PacketPool pool = first.pool();
    first.release();
    assertThat(drain(link.b())).extracting(Received::tag).containsExactly(1, 2, 3);
    assertThat(pool.exhaustedCount()).isEqualTo(6);
    assertThat(pool.available()).isEqualTo(4);

    for (int i = 0; i < 4; i++) {
      send(link.a(), udp(100 + i, 100), 2 * MS);
    }
    assertThat(link.statsAToB()).isEqualTo(new ChannelStats(14, 4, 0, 0, 0, 0, 6));
    runUntilIdle(network);
    assertThat(drain(link.b())).extracting(Received::tag).containsExactly(100, 101, 102, 103);
  }

  // --- determinism

  /** What a scenario produced: the SHA-256 of its packet trace, and the links' counters. */
  record Outcome(String traceSha256, List<ChannelStats> stats, int inversions) {}

  @Test
  void sameSeed_givesAnIdenticalTrace_andADifferentSeedADifferentOne() {
    Outcome first = runScenario(0x5EED);
    Outcome second = runScenario(0x5EED);
    Outcome other = runScenario(0x5EED + 1);

    assertThat(second).isEqualTo(first);
    assertThat(other.traceSha256()).isNotEqualTo(first.traceSha256());
    // The scenario must actually exercise every impairment, or equal hashes would prove little.
    for (ChannelStats stats : first.stats()) {
      assertThat(stats.lost()).isPositive();
      assertThat(stats.duplicated()).isPositive();
      assertThat(stats.corrupted()).isPositive();
    }
    assertThat(first.inversions()).isPositive();
  }

  /**
   * Two links, four flows each way on each, every impairment on, transmissions interleaved both
   * ways on one virtual clock. A tap on every interface hashes (interface, direction, time,
   * bytes); the receivers also hash what they poll, by queue.
   */
  private static Outcome runScenario(long seed) {
    MessageDigest sha = sha256();
    SimulatedNetwork network = new SimulatedNetwork(seed);
    Impairments impairments = new Impairments(0.05, 0.05, 0.05, 2 * MS, MS, 20_000_000);
    SimulatedLink.Config config = SimulatedLink.Config.defaults().withReceiveQueues(2)
        .withImpairments(impairments, impairments.withLoss(0.08).withJitter(3 * MS));
    SimulatedLink ab = network.connect("a", "b", config);
    SimulatedLink cd = network.connect("c", "d", config);
    List<SimulatedInterface> devices = List.of(ab.a(), ab.b(), cd.a(), cd.b());
    PacketTap trace = (device, direction, buf, off, len, time) -> {
      sha.update(device.name().getBytes());
      sha.update((byte) direction.ordinal());
      sha.update(ByteBuffer.allocate(12).putLong(time).putInt(len).array());
      sha.update(buf, off, len);
    };
    devices.forEach(d -> d.addTap(trace));
    int[] lastTag = new int[4];
    int[] inversions = {0};
    for (int step = 0; step < 3_000; step++) {
      long now = step * 25 * US;
      network.advance(now);
      int flow = step % 4;
      send(ab.a(), TestPackets.udp4(HOST_A, HOST_B, 5_000 + flow, 53, step, 60 + step % 300), now);
      if (step % 3 != 0) {
        send(ab.b(), TestPackets.tcp4(HOST_B, HOST_A, 443, 6_000 + flow, TcpFlags.ACK, step, 1, step, step % 64), now);
      }
      send(cd.a(), TestPackets.udp4(HOST_B, HOST_A, 7_000 + flow, 9, step, 200), now + step % 7);
      if (step % 2 == 0) {
        send(cd.b(), TestPackets.udp4(HOST_A, HOST_B, 9, 7_000 + flow, step, 1_400), now + 3);
      }
      pollAll(devices, sha, lastTag, inversions);
    }
    runUntilIdle(network);
    pollAll(devices, sha, lastTag, inversions);
    List<ChannelStats> stats = List.of(ab.statsAToB(), ab.statsBToA(), cd.statsAToB(), cd.statsBToA());
    for (ChannelStats s : stats) {
      sha.update(s.toString().getBytes());
    }
    return new Outcome(HexFormat.of().formatHex(sha.digest()), stats, inversions[0]);
  }

  private static void pollAll(List<SimulatedInterface> devices, MessageDigest sha, int[] lastTag, int[] inversions) {
    for (int d = 0; d < devices.size(); d++) {
      for (Received r : drain(devices.get(d))) {
        sha.update((byte) (d * 16 + r.queue()));
        sha.update(r.bytes());
        if (d == 1) { // b receives one UDP stream from a: count reorderings
          int tag = r.tag();
          if (tag < lastTag[d]) {
            inversions[0]++;
          }
          lastTag[d] = tag;
        }
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
