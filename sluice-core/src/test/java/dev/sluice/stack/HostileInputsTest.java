package dev.sluice.stack;

import static dev.sluice.stack.HostileWire.HOST4;
import static dev.sluice.stack.HostileWire.HOST6;
import static dev.sluice.stack.HostileWire.MS;
import static dev.sluice.stack.HostileWire.PEER4;
import static dev.sluice.stack.HostileWire.PEER6;
import static dev.sluice.stack.HostileWire.S;
import static dev.sluice.stack.HostileWire.tcp;
import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.CWR;
import static dev.sluice.wire.TcpFlags.ECE;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.PSH;
import static dev.sluice.wire.TcpFlags.RST;
import static dev.sluice.wire.TcpFlags.SYN;
import static dev.sluice.wire.TcpFlags.URG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stack.HostileWire.Out;
import dev.sluice.stack.HostileWire.Peer;
import dev.sluice.tcp.EngineInternals;
import dev.sluice.tcp.ReceiveBuffer;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.UdpBuilder;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One test (or more) per row of shared/hostile-inputs.md, each sending the input to a live
 * {@link Host} through a simulated device and asserting the row's behaviour, the drop counted
 * with its reason, and a bound on the memory it can make the host hold. The workers run on the
 * test's thread ({@link HostileWire#settle}), so an exception out of a worker fails the test, and
 * a loop that never ends trips {@link HostileWire#settleUntil}'s round limit or the timeout.
 * Tests are named {@code rowNN_whatItChecks}.
 */
@Timeout(30)
class HostileInputsTest {
  private static final TcpConfig DEFAULT = TcpConfig.defaults();

  private static ReceiveBuffer receiveBuffer(Peer p) {
    return EngineInternals.receiveBuffer(p.engine());
  }

  private static long tcpDrops(HostileWire w, DropReason reason) {
    return w.host.tcpTotals().drops().getOrDefault(reason, 0L);
  }

  private static long hostDrops(HostileWire w, DropReason reason) {
    return w.host.hostDrops().getOrDefault(reason, 0L);
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static byte[] readAll(Connection c, int expected) throws IOException {
    byte[] buf = new byte[expected + 64];
    int total = 0;
    while (total < expected) {
      int n = c.readNow(buf, total, buf.length - total);
      if (n <= 0) {
        break;
      }
      total += n;
    }
    return Arrays.copyOf(buf, total);
  }

  private static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Runtime rt = Runtime.getRuntime();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory()); // the module does not read java.management
    }
    return used;
  }

  // ------------------------------------------------------------------ row 1: SACK abuse

  @Test
  void row01_invalidAndSplittingSackBlocks_areIgnoredAndTheScoreboardStaysCapped() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    Connection c = p.connection;
    byte[] data = bytes(12_000, 1);
    c.write(data, 0, data.length, 0);
    w.settle();
    int una = p.hostSeq;
    assertThat(w.tcpSent().stream().mapToInt(o -> o.seq() + o.payload()).max().orElseThrow() - una)
        .as("data in flight").isGreaterThan(8_000);
    // SND.NXT once all is sent: the initial window may hold back the tail, which a tail loss
    // probe (RFC 8985 §7.3) then sends as new data, so the highest byte sent so far is not it.
    int nxt = una + data.length;
    long retransmitsBefore = c.stats().retransmittedSegments();

    // Blocks with left >= right, beyond SND.NXT, and below SND.UNA (not first): all ignored.
    int[][] invalid = {{una + 100, una + 100}, {una + 200, una + 100}, {nxt, nxt + 100}, {nxt - 10, nxt + 10},
        {una - 5000, una - 4000}};
    for (int i = 0; i < 10; i++) {
      for (int[] block : invalid) {
        int[] edges = {una + 1, una + 2, block[0], block[1]}; // first block valid so the second is not a D-SACK
        w.inject(tcp(false, p.port, 80, p.seq, una, ACK, 65_535, new byte[0],
            b -> b.nop().nop().sack(1, new int[] {block[0], block[1]})));
        w.inject(tcp(false, p.port, 80, p.seq, una, ACK, 65_535, new byte[0], b -> b.nop().nop().sack(2, edges)));
      }
    }
    assertThat(EngineInternals.scoreboardRanges(p.engine())).as("a scoreboard exists").isNotNegative();
    assertThat(EngineInternals.scoreboardInvalidBlocks(p.engine())).as("invalid blocks seen and ignored").isGreaterThanOrEqualTo(40);
    assertThat(p.connection.stats().get(TcpCounter.SACK_BLOCKS_IGNORED)).as("and counted where users see it")
        .isEqualTo(EngineInternals.scoreboardInvalidBlocks(p.engine()));
    assertThat(EngineInternals.scoreboardRanges(p.engine())).as("only the valid 1-byte block is SACKed").isEqualTo(1);

    // Blocks crafted to split the retransmit queue into 1-byte pieces: 2,000 ACKs of 4 blocks each.
    for (int i = 0; i < 2_000; i++) {
      int base = una + 4 + 8 * (i % 1000);
      int[] edges = {base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7};
      w.injectQuietly(tcp(false, p.port, 80, p.seq, una, ACK, 65_535, new byte[0], b -> b.nop().nop().sack(4, edges)));
      if (i % 100 == 0) {
        w.settle();
      }
    }
    w.settle();
    assertThat(EngineInternals.scoreboardRanges(p.engine())).as("scoreboard ranges").isLessThanOrEqualTo(DEFAULT.maxOutOfOrderRanges());
    assertThat(EngineInternals.sentSegments(p.engine())).as("RACK's records, split by the blocks (RFC 8985)")
        .isLessThanOrEqualTo(12_000 / 536 + 1 + dev.sluice.tcp.EngineInternals.MAX_SENT_SEGMENT_SPLITS);
    assertThat(c.state()).isEqualTo(TcpState.ESTABLISHED);

    // Every byte still arrives: the peer acknowledges what it gets until nothing is outstanding.
    for (int round = 0; round < 200 && c.info().sendQueue() > 0; round++) {
      int top = w.tcpSent().stream().mapToInt(o -> o.seq() + o.payload()).max().orElseThrow();
      w.inject(tcp(false, p.port, 80, p.seq, top, ACK, 65_535, new byte[0], null));
      w.settleUntil(w.clock[0] + 50 * MS);
    }
    assertThat(c.info().sendQueue()).isZero();
    assertThat(c.stats().bytesAcked()).isEqualTo(data.length);
    assertThat(c.stats().retransmittedSegments()).isGreaterThanOrEqualTo(retransmitsBefore);
  }

  // ------------------------------------------------------------------ row 2: tiny MSS

  @Test
  void row02_tinyPeerMss_isClampedToTheFloor_andSegmentsAreNeverSmaller() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    Peer p = w.open(l, false, 40_001, false, b -> b.mss(48));
    assertThat(p.connection.info().mss()).isEqualTo(536);
    p.connection.write(new byte[3000], 0, 3000, 0);
    w.settle();
    List<Out> data = w.tcpSent().stream().filter(o -> o.payload() > 0).toList();
    assertThat(data).isNotEmpty().allSatisfy(o -> assertThat(o.payload()).isEqualTo(536));

    TcpConfig floor64 = DEFAULT.toBuilder().buildWith(b -> b.minPeerMss = 64);
    Listener l2 = w.host.listen(81, 8, floor64);
    Peer q = w.open(l2, false, 40_002, false, b -> b.mss(1));
    assertThat(q.connection.info().mss()).isEqualTo(64);
    assertThatThrownBy(() -> DEFAULT.toBuilder().buildWith(b -> b.minPeerMss = 63))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ row 3: SegmentSmack

  @Test
  void row03_floodOfTinyOutOfOrderSegments_isCappedCountedAndCoalesced() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    int base = p.seq;
    // 5,000 one-byte segments, each opening a new hole: offsets 2, 4, 6, ...
    for (int k = 1; k <= 5_000; k++) {
      w.injectQuietly(p.segment(base + 2 * k, p.hostSeq, ACK, 65_535, new byte[] {(byte) (2 * k)}));
      if (k % 250 == 0) {
        w.settle();
        ReceiveBuffer rb = receiveBuffer(p);
        assertThat(rb.outOfOrder().rangeCount()).isLessThanOrEqualTo(DEFAULT.maxOutOfOrderRanges());
        assertThat(rb.outOfOrderBytes()).isLessThanOrEqualTo(rb.window());
      }
    }
    w.settle();
    ReceiveBuffer rb = receiveBuffer(p);
    int cap = DEFAULT.maxOutOfOrderRanges();
    assertThat(rb.outOfOrder().rangeCount()).isEqualTo(cap);
    assertThat(p.connection.stats().drops(DropReason.TCP_REASSEMBLY_FULL)).as("dropped above the cap")
        .isEqualTo(5_000 - cap);

    // Adjacent arrivals coalesce: the odd offsets join the 64 ranges into one.
    for (int k = 1; k < 2 * cap; k += 2) {
      w.injectQuietly(p.segment(base + 2 + k, p.hostSeq, ACK, 65_535, new byte[] {(byte) (2 + k)}));
    }
    w.settle();
    assertThat(rb.outOfOrder().rangeCount()).isEqualTo(1);
    // Fill the gap at RCV.NXT: every held byte becomes readable, once, in order.
    w.inject(p.segment(base, p.hostSeq, ACK | PSH, 65_535, new byte[] {0, 1}));
    int expected = 2 * cap + 2; // offsets 0 .. 2 * cap + 1
    byte[] got = readAll(p.connection, expected);
    assertThat(got).hasSize(expected);
    for (int i = 0; i < got.length; i++) {
      assertThat(got[i]).as("byte %d", i).isEqualTo((byte) i);
    }
    assertThat(p.connection.stats().bytesReceived()).isEqualTo(expected);
    assertThat(rb.outOfOrder().rangeCount()).isZero();

    // Beyond the window: not stored at all.
    w.inject(p.segment(base + 10_000_000, p.hostSeq, ACK, 65_535, new byte[100]));
    assertThat(p.connection.stats().drops(DropReason.TCP_OUT_OF_WINDOW)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ row 4: fragments

  @Test
  void row04_fragmentEndingPast65535_isRejected_andOverlapsDropTheDatagram_ipv4AndIpv6() throws IOException {
    HostileWire w = new HostileWire();
    w.host.addInterface(w.link.b(), "198.19.0.2/15");
    w.host.addInterface(w.link.b(), "2001:2:0:ffff::2/48");
    UdpEndpoint socket = w.host.bindUdp(53, 16);
    byte[] filler = FragmentPackets.udp(false, new byte[64]);
    // Offset 65,528 + 16 bytes = 65,544 > 65,535 (the Ping of Death shape).
    w.inject(FragmentPackets.fragment(new FragmentPackets.Spec(false, 900, IpProtocol.UDP, 65_528, 16, false), filler));
    assertThat(hostDrops(w, DropReason.IPV4_BAD_FRAGMENT)).isEqualTo(1);
    assertThat(w.host.fragmentBytesHeld()).isZero();

    for (boolean v6 : new boolean[] {false, true}) {
      byte[] transport = FragmentPackets.udp(v6, bytes(2000, 4));
      for (FragmentPackets.Spec spec : List.of(new FragmentPackets.Spec(v6, 901, IpProtocol.UDP, 0, 1000, true),
          new FragmentPackets.Spec(v6, 901, IpProtocol.UDP, 992, 1016, false))) {
        w.inject(FragmentPackets.fragment(spec, transport));
      }
    }
    assertThat(hostDrops(w, DropReason.FRAGMENT_OVERLAP)).as("RFC 5722: both datagrams dropped").isEqualTo(4);
    assertThat(w.host.fragmentBytesHeld()).as("no byte of an overlapped datagram is kept").isZero();
    // Each overlapped datagram leaves an empty entry (so its later fragments are dropped too, RFC
    // 5722 §4); the reassembly timeout reclaims it.
    assertThat(w.host.fragmentDatagramsHeld()).isLessThanOrEqualTo(2);
    assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[4000], 4000), 10 * MS))
        .isInstanceOf(SocketTimeoutException.class);
    w.clock[0] += FragmentReassembler.DEFAULT_TIMEOUT_NANOS + 2 * S;
    w.host.housekeeping().runIfDue(w.host.workers()[0]);
    assertThat(w.host.fragmentDatagramsHeld()).isZero();
    // The flood watermarks and the timeout are asserted on a live host by HostFragmentTest.
  }

  // ------------------------------------------------------------------ row 5: IPv6 extension chains

  private static byte[] ipv6Syn(byte[] extensions, int first) {
    byte[] syn = tcp(true, 40_005, 80, 1000, 0, SYN, 65_535, new byte[0], b -> b.mss(1440));
    byte[] segment = Arrays.copyOfRange(syn, 40, syn.length);
    Ipv6Builder ip = new Ipv6Builder().protocol(IpProtocol.TCP).hopLimit(64).source(PEER6[0], PEER6[1])
        .destination(HOST6[0], HOST6[1]);
    if (extensions.length > 0) {
      ip.extensionHeaders(first, extensions, 0, extensions.length);
    }
    byte[] p = new byte[ip.headerLength() + segment.length];
    int hl = ip.write(p, 0, segment.length);
    System.arraycopy(segment, 0, p, hl, segment.length);
    return p;
  }

  /** {@code n} Destination Options headers of 8 bytes (PadN), chained, the last naming {@code last}. */
  private static byte[] destinationOptions(int n, int last) {
    byte[] h = new byte[8 * n];
    for (int i = 0; i < n; i++) {
      h[8 * i] = (byte) (i == n - 1 ? last : IpProtocol.IPV6_DESTINATION_OPTIONS);
      h[8 * i + 2] = 1; // PadN
      h[8 * i + 3] = 4;
    }
    return h;
  }

  @Test
  void row05_longLoopingOrWrappingExtensionChains_areDroppedAndCounted() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    int dst = IpProtocol.IPV6_DESTINATION_OPTIONS;
    // Control: a short chain reaches TCP.
    w.inject(ipv6Syn(destinationOptions(2, IpProtocol.TCP), dst));
    assertThat(w.tcpSent()).hasSize(1);
    w.sent.clear();

    // Longer than the cap (a chain that "loops": every header names another of its kind).
    w.inject(ipv6Syn(destinationOptions(12, IpProtocol.TCP), dst));
    w.inject(ipv6Syn(destinationOptions(30, dst), dst)); // never reaches an upper layer
    assertThat(hostDrops(w, DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG) + hostDrops(w, DropReason.IPV6_EXTENSION_TRUNCATED))
        .isEqualTo(2);
    assertThat(hostDrops(w, DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG)).isGreaterThanOrEqualTo(1);
    // A header length that would run far past the packet (255 -> 2,048 bytes).
    byte[] wrap = destinationOptions(1, IpProtocol.TCP);
    wrap[1] = (byte) 255;
    w.inject(ipv6Syn(wrap, dst));
    assertThat(hostDrops(w, DropReason.IPV6_EXTENSION_TRUNCATED)).isGreaterThanOrEqualTo(1);
    // Hop-by-Hop after another header.
    byte[] hbh = destinationOptions(2, IpProtocol.TCP);
    hbh[0] = (byte) IpProtocol.HOP_BY_HOP;
    w.inject(ipv6Syn(hbh, dst));
    assertThat(hostDrops(w, DropReason.IPV6_HOP_BY_HOP_NOT_FIRST)).isEqualTo(1);
    assertThat(w.tcpSent()).as("no reply to any of them").isEmpty();
    assertThat(w.host.connectionCount()).isEqualTo(1); // the control's half-open connection only
  }

  // ------------------------------------------------------------------ row 6: RFC 5961 §3

  @Test
  void row06_rstInWindowNotAtRcvNxt_getsAChallengeAck_outsideIsDropped_exactResets() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    w.sent.clear();
    w.inject(p.segment(p.seq + 100, 0, RST, 0, new byte[0]));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> {
      assertThat(o.flags()).isEqualTo(ACK);
      assertThat(o.ack()).isEqualTo(p.seq);
    });
    assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(p.connection.stats().drops(DropReason.TCP_RST_NOT_EXACT)).isEqualTo(1);
    assertThat(p.connection.stats().challengeAcks()).isEqualTo(1);

    w.sent.clear();
    w.inject(p.segment(p.seq + 10_000_000, 0, RST, 0, new byte[0]));
    assertThat(w.tcpSent()).as("silently dropped").isEmpty();
    assertThat(p.connection.stats().drops(DropReason.TCP_RST_OUT_OF_WINDOW)).isEqualTo(1);
    assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);

    w.inject(p.segment(p.seq, 0, RST, 0, new byte[0]));
    assertThat(p.connection.failure()).isEqualTo(TcpEvent.RESET);
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.host.tcpTotals().counters().get(TcpCounter.RESETS_RECEIVED)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ row 7: RFC 5961 §4

  @Test
  void row07_synOnASynchronizedConnection_getsAChallengeAck_neverAReset() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    for (int seq : new int[] {p.seq, p.seq + 1000, p.seq - 1, p.seq + 50_000_000}) {
      w.sent.clear();
      w.inject(p.segment(seq, 0, SYN, 65_535, new byte[0]));
      assertThat(w.tcpSent()).singleElement().satisfies(o -> {
        assertThat(o.flags()).isEqualTo(ACK);
        assertThat(o.ack()).isEqualTo(p.seq);
      });
      assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
    }
    // In CLOSE-WAIT too.
    w.inject(p.segment(p.seq, p.hostSeq, FIN | ACK, 65_535, new byte[0]));
    p.seq++;
    w.sent.clear();
    w.inject(p.segment(p.seq, 0, SYN, 65_535, new byte[0]));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> assertThat(o.has(RST)).isFalse());
    assertThat(p.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
    assertThat(p.connection.stats().drops(DropReason.TCP_SYN_SYNCHRONIZED)).isEqualTo(3);
    assertThat(p.connection.stats().resetsSent()).isZero();
  }

  // ------------------------------------------------------------------ row 8: RFC 5961 §5

  @Test
  void row08_dataWithAnUnacceptableAck_isDroppedAndAcked_anAcceptableOldAckIsTaken() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    w.sent.clear();
    // SND.UNA - MAX.SND.WND - 1000: blind injection.
    w.inject(p.segment(p.seq, p.hostSeq - 65_535 - 1000, ACK | PSH, 65_535, "evil".getBytes()));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> assertThat(o.ack()).isEqualTo(p.seq));
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(p.connection.stats().drops(DropReason.TCP_ACK_NOT_ACCEPTABLE)).isEqualTo(1);
    // Within [SND.UNA - MAX.SND.WND, SND.NXT]: accepted.
    w.inject(p.segment(p.seq, p.hostSeq - 1000, ACK | PSH, 65_535, "good".getBytes()));
    assertThat(readAll(p.connection, 4)).isEqualTo("good".getBytes());
  }

  // ------------------------------------------------------------------ row 9: challenge-ACK rate limit

  @Test
  void row09_challengeAcks_areRateLimitedPerConnection_withNoSharedBudget() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    Peer a = w.open(l, false, 40_010, false, null);
    Peer b = w.open(l, false, 40_011, false, null);
    w.sent.clear();
    for (int i = 0; i < 100; i++) {
      w.injectQuietly(a.segment(a.seq + 1 + i, 0, RST, 0, new byte[0]));
    }
    w.settle();
    int limit = DEFAULT.challengeAcksPerSecond();
    assertThat(w.tcpSent()).hasSize(limit);
    assertThat(a.connection.stats().drops(DropReason.TCP_CHALLENGE_ACK_LIMITED)).isEqualTo(100 - limit);
    // Connection b's budget is its own: an attacker cannot learn of a's limit through it.
    w.sent.clear();
    w.inject(b.segment(b.seq + 5, 0, SYN, 65_535, new byte[0]));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> assertThat(o.dstPort()).isEqualTo(b.port));
    assertThat(b.connection.stats().drops(DropReason.TCP_CHALLENGE_ACK_LIMITED)).isZero();
    // A second later, a's budget is back.
    w.clock[0] += S;
    w.sent.clear();
    w.inject(a.segment(a.seq + 7, 0, RST, 0, new byte[0]));
    assertThat(w.tcpSent()).hasSize(1);
    assertThat(a.connection.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  // ------------------------------------------------------------------ row 10: SYN flood

  @Test
  void row10_sustainedSpoofedSynFlood_costsNoState_andALegitimateClientStillConnects() throws IOException {
    HostileWire w = new HostileWire();
    int cap = 64;
    Listener l = w.host.listen(80, cap);
    SplittableRandom r = new SplittableRandom(10);
    long heapBefore = usedHeapAfterGc();
    int next = 0;
    // 1,000 spoofed SYNs a second for five seconds, from addresses that never answer: the first
    // `cap` make half-open connections (which keep retransmitting their SYN-ACKs for minutes), the
    // rest are answered with SYN cookies and leave nothing behind.
    for (int second = 0; second < 5; second++) {
      for (int i = 0; i < 1000; i++, next++) {
        int src = (HOST4 & 0xFFFF_FF00) | (3 + next % 250); // each (address, port) once
        w.injectQuietly(HostileWire.tcpFrom(false, src, null, 1024 + next / 250, 80, r.nextInt(), 0, SYN,
            65_535, new byte[0], b -> b.mss(1460)));
      }
      w.settleUntil(w.clock[0] + S);
      assertThat(w.host.connectionCount()).isLessThanOrEqualTo(cap);
    }
    long heapGrowth = usedHeapAfterGc() - heapBefore;
    assertThat(w.host.connectionCount()).isEqualTo(cap);
    assertThat(w.host.tcpTotals().get(TcpCounter.SYN_COOKIES_SENT)).isEqualTo(5000 - cap);
    assertThat(heapGrowth).as("heap held by the flood").isLessThan(16L << 20);

    // While the flood's half-open connections fill the cap, a real client connects through a
    // cookie, and its data flows.
    Peer legit = w.open(l, false, 40_100, false, null);
    assertThat(legit.connection.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(w.host.tcpTotals().get(TcpCounter.SYN_COOKIES_RECEIVED)).isEqualTo(1);
    legit.send(new byte[] {1, 2, 3});
    byte[] got = new byte[3];
    assertThat(legit.connection.read(got, 0, 3, S)).isEqualTo(3);
    assertThat(got).containsExactly(1, 2, 3);

    // A blind ACK without a valid cookie makes nothing: it is counted and answered with a RST.
    int before = w.host.connectionCount();
    w.inject(HostileWire.tcp(false, 40_101, 80, 5000, 0x1234_5678, ACK, 65_535, new byte[0], null));
    assertThat(w.host.connectionCount()).isEqualTo(before);
    assertThat(w.host.tcpTotals().get(TcpCounter.SYN_COOKIES_FAILED)).isEqualTo(1);
    assertThat(w.lastTcp().has(RST)).isTrue();
  }

  // ------------------------------------------------------------------ rows 11, 12: ICMP

  /** An ICMPv4 destination unreachable from a router, quoting our segment with sequence {@code seq}. */
  private static byte[] icmp4(Peer p, int code, int mtu, int seq) {
    byte[] quote = new byte[28];
    new Ipv4Builder().protocol(IpProtocol.TCP).ttl(64).source(HOST4).destination(PEER4).write(quote, 0, 20);
    Bytes.put16(quote, 20, p.hostPort);
    Bytes.put16(quote, 22, p.port);
    Bytes.put32(quote, 24, seq);
    byte[] packet = new byte[20 + 8 + 28];
    System.arraycopy(quote, 0, packet, 28, 28);
    new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE).code(code).restOfHeader(mtu).writeV4(packet, 20, 28);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(PEER4).destination(HOST4).write(packet, 0, 36);
    return packet;
  }

  private static byte[] packetTooBig6(Peer p, int mtu, int seq) {
    byte[] quote = new byte[48];
    new Ipv6Builder().protocol(IpProtocol.TCP).hopLimit(64).source(HOST6[0], HOST6[1])
        .destination(PEER6[0], PEER6[1]).write(quote, 0, 20);
    Bytes.put16(quote, 40, p.hostPort);
    Bytes.put16(quote, 42, p.port);
    Bytes.put32(quote, 44, seq);
    byte[] packet = new byte[40 + 8 + 48];
    System.arraycopy(quote, 0, packet, 48, 48);
    new IcmpBuilder().type(IcmpType.V6_PACKET_TOO_BIG).code(0).restOfHeader(mtu).writeV6(packet, 40, 48,
        Checksum.pseudoHeaderIpv6(PEER6[0], PEER6[1], HOST6[0], HOST6[1], IpProtocol.ICMPV6, 56));
    new Ipv6Builder().protocol(IpProtocol.ICMPV6).hopLimit(64).source(PEER6[0], PEER6[1])
        .destination(HOST6[0], HOST6[1]).write(packet, 0, 56);
    return packet;
  }

  @Test
  void row11_forgedIcmpErrors_actOnlyForAQuoteInsideTheSendWindow_andHardErrorsAreSoft() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    Connection c = p.connection;
    c.write(new byte[4000], 0, 4000, 0);
    w.settle();
    int mss = c.info().mss();
    w.inject(icmp4(p, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 1000, p.hostSeq + 1_000_000));
    w.inject(icmp4(p, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 1000, p.hostSeq - 1));
    assertThat(c.stats().drops(DropReason.ICMP_QUOTE_OUT_OF_WINDOW)).isEqualTo(2);
    assertThat(c.info().mss()).isEqualTo(mss);
    w.inject(icmp4(p, IcmpType.V4_CODE_PORT_UNREACHABLE, 0, p.hostSeq));
    w.inject(icmp4(p, IcmpType.V4_CODE_PROTOCOL_UNREACHABLE, 0, p.hostSeq));
    assertThat(c.stats().drops(DropReason.ICMP_SOFT_ERROR)).isEqualTo(2);
    assertThat(c.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(c.failure()).isNull();
    // Control: a genuine quote is acted on.
    w.inject(icmp4(p, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 1000, p.hostSeq));
    assertThat(c.info().mss()).isEqualTo(1000 - 40);
  }

  @Test
  void row12_tinyMtuInFragNeededOrPacketTooBig_isIgnored_andTheMssNeverReachesZero() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    Peer p4 = w.open(l, false, 40_012, false, null);
    Peer p6 = w.open(l, true, 40_013, false, null);
    p4.connection.write(new byte[100], 0, 100, 0);
    p6.connection.write(new byte[100], 0, 100, 0);
    w.settle();
    int mss4 = p4.connection.info().mss();
    int mss6 = p6.connection.info().mss();
    for (int mtu : new int[] {0, 1, 68, 575}) {
      w.inject(icmp4(p4, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, mtu, p4.hostSeq));
    }
    for (int mtu : new int[] {0, 68, 576, 1279}) {
      w.inject(packetTooBig6(p6, mtu, p6.hostSeq));
    }
    assertThat(p4.connection.stats().drops(DropReason.ICMP_MTU_TOO_SMALL)).isEqualTo(4);
    assertThat(p6.connection.stats().drops(DropReason.ICMP_MTU_TOO_SMALL)).isEqualTo(4);
    assertThat(p4.connection.info().mss()).isEqualTo(mss4);
    assertThat(p6.connection.info().mss()).isEqualTo(mss6);
    w.inject(icmp4(p4, IcmpType.V4_CODE_FRAGMENTATION_NEEDED, 576, p4.hostSeq));
    w.inject(packetTooBig6(p6, 1280, p6.hostSeq));
    assertThat(p4.connection.info().mss()).isEqualTo(536);
    assertThat(p6.connection.info().mss()).isEqualTo(1220);
  }

  // ------------------------------------------------------------------ rows 13-15: TCP header

  @Test
  void row13_optionWithLengthZeroOrOne_dropsTheSegmentWithoutLooping() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    byte[][] raws = {{2, 0, 0, 0}, {2, 1, 0, 0}, {99, 0, 0, 0}, {99, 1, 0, 0}, {1, 1, 1, 0x1E, 0, 0, 0, 0}};
    for (byte[] raw : raws) {
      w.inject(tcp(false, 40_020, 80, 5, 0, SYN, 65_535, new byte[0], b -> b.rawOption(raw, 0, raw.length)));
    }
    assertThat(hostDrops(w, DropReason.TCP_BAD_OPTION_LENGTH)).isEqualTo(raws.length);
    assertThat(w.sent).isEmpty();
    assertThat(w.host.connectionCount()).isZero();
  }

  @Test
  void row14_optionsPastTheHeaderOrWithWrongLengths_areDroppedOnAListenerAndAConnection() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    byte[] past = {2, 8, 5, (byte) 0xB4}; // MSS claiming 8 bytes with 4 left
    byte[] ts8 = {8, 8, 0, 0, 0, 1, 0, 0}; // timestamps must be 10
    byte[] sack11 = {5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; // SACK must be 2 + 8n
    byte[] wscale4 = {3, 4, 7, 0};
    for (byte[] raw : new byte[][] {past, ts8, sack11, wscale4}) {
      w.inject(tcp(false, 40_021, 80, 5, 0, SYN, 65_535, new byte[0], b -> b.rawOption(raw, 0, raw.length)));
    }
    assertThat(w.sent).isEmpty();
    Peer p = w.open(l, false, 40_022, false, null);
    for (byte[] raw : new byte[][] {past, ts8, sack11}) {
      w.inject(tcp(false, p.port, 80, p.seq, p.hostSeq, ACK | PSH, 65_535, "x".getBytes(),
          b -> b.rawOption(raw, 0, raw.length)));
    }
    assertThat(p.connection.info().receiveQueue()).as("no byte of a malformed segment").isZero();
    assertThat(hostDrops(w, DropReason.TCP_OPTION_PAST_HEADER)).isEqualTo(2);
    assertThat(hostDrops(w, DropReason.TCP_BAD_OPTION_LENGTH)).isEqualTo(5);
  }

  @Test
  void row15_dataOffsetBelowFiveOrBeyondTheSegment_isDroppedSilentlyAndCounted() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    for (int dataOffset : new int[] {0, 4, 6, 15}) {
      byte[] syn = tcp(false, 40_023, 80, 5, 0, SYN, 65_535, new byte[0], null); // 20-byte header
      syn[20 + 12] = (byte) (dataOffset << 4);
      HostileWire.refreshTcpChecksum4(syn);
      w.inject(syn);
    }
    assertThat(hostDrops(w, DropReason.TCP_BAD_DATA_OFFSET)).isEqualTo(4);
    assertThat(w.sent).as("silently: not even a RST").isEmpty();
    assertThat(w.host.connectionCount()).isZero();
  }

  // ------------------------------------------------------------------ row 16: IP lengths

  @Test
  void row16_badIhlOrTotalLength_isDropped_linkPaddingIsTrimmed() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    byte[] syn = tcp(false, 40_024, 80, 5, 0, SYN, 65_535, new byte[0], b -> b.mss(1460));
    byte[] ihl4 = syn.clone();
    ihl4[0] = 0x44;
    HostileWire.refreshIpChecksum(ihl4);
    byte[] longer = syn.clone();
    Bytes.put16(longer, 2, syn.length + 100);
    HostileWire.refreshIpChecksum(longer);
    byte[] shorterThanHeader = syn.clone();
    Bytes.put16(shorterThanHeader, 2, 16);
    HostileWire.refreshIpChecksum(shorterThanHeader);
    w.inject(ihl4);
    w.inject(longer);
    w.inject(shorterThanHeader);
    assertThat(hostDrops(w, DropReason.IPV4_BAD_HEADER_LENGTH)).isEqualTo(1);
    assertThat(hostDrops(w, DropReason.IPV4_BAD_TOTAL_LENGTH)).isEqualTo(2);
    assertThat(w.sent).isEmpty();

    // Ethernet-style padding after a valid packet is not TCP data.
    Peer p = w.open(l, false, 40_025, false, null);
    byte[] data = p.segment(p.seq, p.hostSeq, ACK | PSH, 65_535, "abc".getBytes());
    w.inject(Arrays.copyOf(data, data.length + 17));
    assertThat(readAll(p.connection, 3)).isEqualTo("abc".getBytes());
    assertThat(p.connection.stats().bytesReceived()).isEqualTo(3);
    assertThat(w.lastTcp().ack()).isEqualTo(p.seq + 3);
  }

  // ------------------------------------------------------------------ row 17: checksums

  @Test
  void row17_badChecksums_areDroppedBeforeAnyStateChange_withNoReply() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    UdpEndpoint socket = w.host.bindUdp(53, 8);
    byte[] synBadTcp = tcp(false, 40_026, 80, 5, 0, SYN, 65_535, new byte[0], b -> b.mss(1460));
    synBadTcp[20 + 16] ^= 0x01;
    byte[] synBadIp = tcp(false, 40_027, 80, 5, 0, SYN, 65_535, new byte[0], b -> b.mss(1460));
    synBadIp[10] ^= 0x01;
    byte[] udp = new byte[20 + 8 + 4];
    new Ipv4Builder().protocol(IpProtocol.UDP).ttl(64).source(PEER4).destination(HOST4).write(udp, 0, 12);
    new UdpBuilder().sourcePort(5353).destinationPort(53).write(udp, 20, 4,
        Checksum.pseudoHeaderIpv4(PEER4, HOST4, IpProtocol.UDP, 0));
    udp[26] ^= 0x01;
    byte[] echo = new byte[20 + 8 + 4];
    new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 7, 1).writeV4(echo, 20, 4);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(PEER4).destination(HOST4).write(echo, 0, 12);
    echo[22] ^= 0x01;
    for (byte[] packet : new byte[][] {synBadTcp, synBadIp, udp, echo}) {
      w.inject(packet);
    }
    assertThat(hostDrops(w, DropReason.TCP_BAD_CHECKSUM)).isEqualTo(1);
    assertThat(hostDrops(w, DropReason.IPV4_BAD_CHECKSUM)).isEqualTo(1);
    assertThat(hostDrops(w, DropReason.UDP_BAD_CHECKSUM)).isEqualTo(1);
    assertThat(hostDrops(w, DropReason.ICMP_BAD_CHECKSUM)).isEqualTo(1);
    assertThat(w.sent).as("no reply to any").isEmpty();
    assertThat(w.host.connectionCount()).isZero();
    assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[64], 64), 10 * MS))
        .isInstanceOf(SocketTimeoutException.class);

    // On a connection: a corrupted RST or data segment changes nothing.
    Peer p = w.open(l, false, 40_028, false, null);
    w.sent.clear();
    byte[] rst = p.segment(p.seq, 0, RST, 0, new byte[0]);
    rst[20 + 17] ^= 0x01;
    byte[] data = p.segment(p.seq, p.hostSeq, ACK | PSH, 65_535, "zzz".getBytes());
    data[data.length - 1] ^= 0x01;
    w.inject(rst);
    w.inject(data);
    assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(w.sent).isEmpty();
    assertThat(hostDrops(w, DropReason.TCP_BAD_CHECKSUM)).isEqualTo(3);
  }

  // ------------------------------------------------------------------ row 18: LAND

  @Test
  void row18_landSyn_fromOurOwnAddressAndPort_isDroppedAsAMartian_andCounted() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    byte[] land = HostileWire.tcpFrom(false, HOST4, null, 80, 80, 0x1234_5678, 0, SYN, 65_535, new byte[0],
        b -> b.mss(1460));
    w.inject(land);
    w.settleUntil(w.clock[0] + 600 * S);
    // Our own address as a source on the wire is a martian (RFC 1122 §3.2.1.3): no connection, no
    // reply that a reflecting path could bring back.
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.tcpSent()).isEmpty();
    assertThat(hostDrops(w, DropReason.IPV4_BAD_SOURCE)).isEqualTo(1);
  }

  @Test
  void row18_landSyn_withEverythingReflectedBack_neverLoops() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    w.inject(HostileWire.tcpFrom(false, HOST4, null, 80, 80, 0x1234_5678, 0, SYN, 65_535, new byte[0],
        b -> b.mss(1460)));
    int reflected = 0;
    for (int round = 0; round < 1_000 && !w.sent.isEmpty(); round++) {
      List<byte[]> out;
      synchronized (w.sent) {
        out = new ArrayList<>(w.sent);
        w.sent.clear();
      }
      for (byte[] packet : out) {
        if (Bytes.i32(packet, 16) == HOST4) {
          w.injectQuietly(packet); // the path sends the host's packets to itself back to it
          reflected++;
        }
      }
      w.settleUntil(w.clock[0] + 10 * S);
    }
    assertThat(reflected).as("packets the host sent to itself and got back").isZero();
    assertThat(w.sent).as("the host is quiet").isEmpty();
  }

  // ------------------------------------------------------------------ row 19: flag combinations

  @Test
  void row19_synFin_synRst_noFlags_allFlags_haveDefinedHandling_withNoAckWar() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 64);
    int all = FIN | SYN | RST | PSH | ACK | URG | ECE | CWR;
    int[] combos = {SYN | FIN, SYN | RST, 0, all};
    // To a listener (LISTEN).
    int port = 41_000;
    for (int flags : combos) {
      int before = w.sent.size();
      w.inject(tcp(false, port++, 80, 1000, 0, flags, 65_535, new byte[0], null));
      assertThat(w.sent.size() - before).as("at most one reply to flags %s", flags).isLessThanOrEqualTo(1);
    }
    // SYN|FIN is taken as a SYN (RFC 9293: the FIN waits until the handshake completes); the others
    // make no connection; the flagless segment is dropped (a listener answers only what has SYN or
    // ACK, §3.10.7.2 fourth), the RST-bearing ones get nothing.
    assertThat(w.host.connectionCount()).isEqualTo(1);
    assertThat(tcpDrops(w, DropReason.TCP_LISTEN_NO_SYN)).isEqualTo(1);
    assertThat(tcpDrops(w, DropReason.TCP_NO_CONNECTION)).isEqualTo(2);
    // To an established connection, in window but not at RCV.NXT.
    Peer p = w.open(l, false, 40_029, false, null);
    for (int flags : combos) {
      int before = w.sent.size();
      w.inject(p.segment(p.seq + 10, p.hostSeq, flags, 65_535, new byte[0]));
      assertThat(w.sent.size() - before).isLessThanOrEqualTo(1);
      assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
    }
    // Then nothing more on the connection: no ACK answered by an ACK answered by an ACK. (The
    // SYN|FIN half-open connection retransmits its SYN-ACK meanwhile, a bounded number of times.)
    w.sent.clear();
    w.settleUntil(w.clock[0] + 10 * S);
    assertThat(w.tcpSent().stream().filter(o -> o.dstPort() == p.port)).isEmpty();
    assertThat(p.connection.stats().resetsSent()).isZero();
  }

  // ------------------------------------------------------------------ row 20: zero window forever

  @Test
  void row20_zeroWindowForever_isProbedWithBackoff_andTheUserTimeoutReclaimsIt() throws IOException {
    TcpConfig uto = DEFAULT.toBuilder().buildWith(b -> b.userTimeoutNanos = 30 * S);
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8, uto);
    Peer p = w.open(l, false, 40_030, false, null);
    w.inject(p.segment(p.seq, p.hostSeq, ACK, 0, new byte[0])); // window closes
    p.connection.write(new byte[10_000], 0, 10_000, 0);
    w.sent.clear();
    List<Long> probeTimes = new ArrayList<>();
    long start = w.clock[0];
    for (int i = 0; i < 200 && !p.connection.isClosed(); i++) {
      w.settleUntil(w.clock[0] + 500 * MS);
      List<Out> out = w.tcpSent();
      w.sent.clear();
      for (Out o : out) {
        if (o.has(RST)) {
          continue;
        }
        probeTimes.add(w.clock[0]);
        w.injectQuietly(p.segment(p.seq, p.hostSeq, ACK, 0, new byte[0])); // still zero
      }
    }
    assertThat(p.connection.failure()).isEqualTo(TcpEvent.TIMED_OUT);
    assertThat(w.clock[0] - start).isBetween(30 * S, 32 * S);
    assertThat(probeTimes.size()).as("probes").isBetween(3, 10);
    for (int i = 2; i < probeTimes.size(); i++) {
      assertThat(probeTimes.get(i) - probeTimes.get(i - 1)).as("backoff")
          .isGreaterThanOrEqualTo(probeTimes.get(i - 1) - probeTimes.get(i - 2) - MS);
    }
    assertThat(w.host.connectionCount()).isZero();
    assertThat(w.host.tcpTotals().counters().get(TcpCounter.TIMEOUTS)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ row 21: PAWS

  @Test
  void row21_staleTimestamp_isDroppedWithAnAck_rstIsExempt_andTsRecentIsForgottenAfter24Days() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    Peer p = w.open(l, false, 40_031, true, null);
    p.tsVal = 5_000;
    p.send("new".getBytes());
    assertThat(readAll(p.connection, 3)).isEqualTo("new".getBytes());
    w.sent.clear();
    p.tsVal = 4_000;
    w.inject(p.segment(p.seq, p.hostSeq, ACK | PSH, 65_535, "old".getBytes()));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> assertThat(o.ack()).isEqualTo(p.seq));
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(p.connection.stats().drops(DropReason.TCP_PAWS_REJECTED)).isEqualTo(1);

    // 25 days later an old TSval is accepted: TS.Recent is no longer valid (RFC 7323 §5.5).
    w.clock[0] += 25L * 24 * 3600 * S;
    w.inject(p.segment(p.seq, p.hostSeq, ACK | PSH, 65_535, "late".getBytes()));
    assertThat(readAll(p.connection, 4)).isEqualTo("late".getBytes());
    p.seq += 4;
    w.settleUntil(w.clock[0] + 100 * MS); // the delayed ACK: Last.ACK.sent reaches the peer's SND.NXT

    // Wrap: each step is less than 2^31 ahead, so each TSval is newer modulo 2^32, up to 0x10.
    // Each waits for the delayed ACK, so that TS.Recent follows (RFC 7323 §4.3: only a segment at
    // or below Last.ACK.sent updates it).
    for (int ts : new int[] {0x7000_0000, 0xE000_0000, 0xFFFF_FFF0, 0x10}) {
      p.tsVal = ts;
      p.send("w".getBytes());
      w.settleUntil(w.clock[0] + 100 * MS);
    }
    assertThat(readAll(p.connection, 4)).isEqualTo("wwww".getBytes());
    assertThat(p.connection.stats().drops(DropReason.TCP_PAWS_REJECTED)).isEqualTo(1);

    // A RST carrying an old timestamp still resets at RCV.NXT.
    byte[] rst = tcp(false, p.port, 80, p.seq, 0, RST, 0, new byte[0], b -> b.nop().nop().timestamps(1, 0));
    w.inject(rst);
    assertThat(p.connection.failure()).isEqualTo(TcpEvent.RESET);
  }

  // ------------------------------------------------------------------ row 22: sequence wrap

  @Test
  void row22_sequenceNumbersAcrossTheWrap_outOfOrder_deliverEveryByteOnce() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    assertThat(Integer.toUnsignedLong(p.seq)).as("the peer starts just below 2^32").isGreaterThan(0xFFFF_FE00L);
    byte[] data = bytes(600, 22);
    int base = p.seq;
    int[] order = {2, 0, 1};
    for (int i : order) {
      w.inject(p.segment(base + 200 * i, p.hostSeq, ACK, 65_535, Arrays.copyOfRange(data, 200 * i, 200 * i + 200)));
    }
    assertThat(readAll(p.connection, 600)).isEqualTo(data);
    assertThat(w.lastTcp().ack()).as("ACK past the wrap").isEqualTo(base + 600);
    assertThat(Integer.compareUnsigned(base + 600, base)).as("the stream crossed 2^32").isLessThan(0);
    // A retransmission from before the wrap is a duplicate, not new data.
    w.inject(p.segment(base, p.hostSeq, ACK, 65_535, Arrays.copyOfRange(data, 0, 200)));
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(p.connection.stats().bytesReceived()).isEqualTo(600);
  }

  // ------------------------------------------------------------------ row 23: RFC 1337

  @Test
  void row23_rstInTimeWait_isIgnored_andTimeWaitStillEnds() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    p.connection.close();
    w.settle();
    Out fin = w.lastTcp();
    assertThat(fin.has(FIN)).isTrue();
    p.hostSeq = fin.seq() + 1;
    w.inject(p.segment(p.seq, p.hostSeq, FIN | ACK, 65_535, new byte[0]));
    p.seq++;
    assertThat(p.connection.state()).isEqualTo(TcpState.TIME_WAIT);
    w.sent.clear();
    w.inject(p.segment(p.seq, 0, RST, 0, new byte[0]));
    w.inject(p.segment(p.seq + 5, 0, RST, 0, new byte[0]));
    assertThat(p.connection.state()).isEqualTo(TcpState.TIME_WAIT);
    assertThat(p.connection.stats().drops(DropReason.TCP_RST_IN_TIME_WAIT)).isEqualTo(2);
    assertThat(w.sent).isEmpty();
    w.settleUntil(w.clock[0] + 2 * DEFAULT.mslNanos() + 2 * S);
    assertThat(w.host.connectionCount()).isZero();
  }

  // ------------------------------------------------------------------ row 24: overlapping segments

  @Test
  void row24_overlapsCarryingDifferentBytes_firstReceivedWins_eachByteDeliveredOnce() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    byte[] a = new byte[10];
    Arrays.fill(a, (byte) 'A');
    byte[] b = new byte[30];
    Arrays.fill(b, (byte) 'B');
    byte[] c = new byte[40];
    Arrays.fill(c, (byte) 'C');
    w.inject(p.segment(p.seq + 20, p.hostSeq, ACK, 65_535, a)); // [20, 30) out of order
    w.inject(p.segment(p.seq, p.hostSeq, ACK, 65_535, b)); // [0, 30): its [20, 30) loses
    w.inject(p.segment(p.seq + 10, p.hostSeq, ACK, 65_535, c)); // [10, 50): only [30, 50) is new
    byte[] got = readAll(p.connection, 50);
    assertThat(new String(got)).isEqualTo("B".repeat(20) + "A".repeat(10) + "C".repeat(20));
    w.inject(p.segment(p.seq, p.hostSeq, ACK, 65_535, c)); // all old now
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(p.connection.stats().bytesReceived()).isEqualTo(50);
  }

  // ------------------------------------------------------------------ row 25: urgent pointer

  @Test
  void row25_urgentPointerZeroOrBeyondTheData_isOrdinaryData() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    int offset = 0;
    for (int urgent : new int[] {0, 1, 65_535}) {
      byte[] payload = ("u" + urgent).getBytes();
      w.inject(tcp(false, p.port, 80, p.seq + offset, p.hostSeq, ACK | URG | PSH, 65_535, payload,
          null).clone());
      offset += payload.length;
    }
    // The builder writes urgent pointer 0; set it by hand for the other two cases.
    byte[] seg = p.segment(p.seq + offset, p.hostSeq, ACK | URG, 65_535, "zz".getBytes());
    Bytes.put16(seg, 20 + 18, 0xFFFF);
    HostileWire.refreshTcpChecksum4(seg);
    w.inject(seg);
    offset += 2;
    assertThat(new String(readAll(p.connection, offset))).isEqualTo("u0u1u65535zz");
    assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  // ------------------------------------------------------------------ row 26: FIN out of order

  @Test
  void row26_finBeforeItsData_isActedOnOnlyWhenRcvNxtReachesIt() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    byte[] data = bytes(300, 26);
    w.inject(p.segment(p.seq + 300, p.hostSeq, FIN | ACK, 65_535, new byte[0]));
    for (int i : new int[] {2, 1}) {
      w.inject(p.segment(p.seq + 100 * i, p.hostSeq, ACK, 65_535, Arrays.copyOfRange(data, 100 * i, 100 * i + 100)));
      assertThat(p.connection.endOfStreamDelivered()).isFalse();
      assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
      assertThat(w.lastTcp().ack()).as("the FIN is not acknowledged yet").isEqualTo(p.seq);
    }
    w.inject(p.segment(p.seq, p.hostSeq, ACK, 65_535, Arrays.copyOfRange(data, 0, 100)));
    assertThat(w.lastTcp().ack()).isEqualTo(p.seq + 301);
    assertThat(p.connection.state()).isEqualTo(TcpState.CLOSE_WAIT);
    byte[] buf = new byte[400];
    int n = p.connection.readNow(buf, 0, 400);
    assertThat(Arrays.copyOf(buf, n)).isEqualTo(data);
    assertThat(p.connection.readNow(buf, 0, 400)).isEqualTo(-1);
    assertThat(p.connection.readNow(buf, 0, 400)).isEqualTo(-1);
    // A second FIN (a retransmission) changes nothing.
    w.inject(p.segment(p.seq + 300, p.hostSeq, FIN | ACK, 65_535, new byte[0]));
    assertThat(p.connection.stats().bytesReceived()).isEqualTo(300);
    // The multi-core race (FIN on one worker, data on another) is DeterministicSimulationTest's.
  }

  // ------------------------------------------------------------------ row 27: ACK beyond SND.NXT

  @Test
  void row27_ackBeyondSndNxt_isAnsweredWithAnAckAndDropped() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    w.sent.clear();
    w.inject(p.segment(p.seq, p.hostSeq + 5000, ACK | PSH, 65_535, "nope".getBytes()));
    assertThat(w.tcpSent()).singleElement().satisfies(o -> {
      assertThat(o.flags()).isEqualTo(ACK);
      assertThat(o.ack()).isEqualTo(p.seq);
      assertThat(o.seq()).isEqualTo(p.hostSeq);
    });
    assertThat(p.connection.info().receiveQueue()).isZero();
    assertThat(p.connection.stats().drops(DropReason.TCP_ACK_NOT_ACCEPTABLE)).isEqualTo(1);
    assertThat(p.connection.state()).isEqualTo(TcpState.ESTABLISHED);
  }

  // ------------------------------------------------------------------ row 28: lost FIN, vanished peer

  @Test
  void row28_vanishedPeer_finRetransmissionsFinWait2KeepaliveAndUserTimeout_allEnd() throws IOException {
    TcpConfig keepalive = DEFAULT.toBuilder().buildWith(b -> {
      b.keepAliveIdleNanos = 10 * S;
      b.keepAliveIntervalNanos = S;
      b.keepAliveProbes = 3;
    });
    TcpConfig uto = DEFAULT.toBuilder().buildWith(b -> b.userTimeoutNanos = 5 * S);
    HostileWire w = new HostileWire();
    Peer finLost = w.open(w.host.listen(80, 8), false, 40_040, false, null);
    Peer finWait2 = w.open(w.host.listen(81, 8), false, 40_041, false, null);
    Peer silent = w.open(w.host.listen(82, 8, keepalive), false, 40_042, false, null);
    Peer unacked = w.open(w.host.listen(83, 8, uto), false, 40_043, false, null);
    long start = w.clock[0];
    finLost.connection.close();
    finWait2.connection.close();
    unacked.connection.write(new byte[100], 0, 100, 0);
    w.settle();
    Out fin = w.tcpSent().stream().filter(o -> o.dstPort() == finWait2.port && o.has(FIN)).findFirst().orElseThrow();
    w.inject(finWait2.segment(finWait2.seq, fin.seq() + 1, ACK, 65_535, new byte[0]));
    assertThat(finWait2.connection.state()).isEqualTo(TcpState.FIN_WAIT_2);

    w.settleUntil(start + 20 * S);
    assertThat(unacked.connection.failure()).as("user timeout").isEqualTo(TcpEvent.TIMED_OUT);
    assertThat(silent.connection.failure()).as("keepalive").isEqualTo(TcpEvent.TIMED_OUT);
    w.settleUntil(start + 70 * S);
    assertThat(finWait2.connection.failure()).as("FIN-WAIT-2 timeout").isEqualTo(TcpEvent.TIMED_OUT);
    w.settleUntil(start + 3600 * S);
    assertThat(finLost.connection.isClosed()).as("FIN retransmissions are bounded").isTrue();
    long fins = w.tcpSent().stream().filter(o -> o.dstPort() == finLost.port && o.has(FIN)).count();
    assertThat(fins).isEqualTo(1 + DEFAULT.maxRetransmits());
    assertThat(w.host.connectionCount()).isZero();
  }

  // ------------------------------------------------------------------ row 29: LAST-ACK forever

  /**
   * Row 29 behind a zero window: the peer sends its FIN with window 0 and answers every probe
   * with window 0, so our FIN waits behind unsent data and no retransmission timer runs. The
   * probes are bounded once the application has closed, as retransmissions are.
   */
  @Test
  void row29_lastAckBehindAZeroWindowForever_stillEnds() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    w.inject(p.segment(p.seq, p.hostSeq, FIN | ACK, 0, new byte[0])); // FIN, and the window closes
    p.seq++;
    p.connection.write(new byte[1000], 0, 1000, 0);
    p.connection.close();
    w.settle();
    assertThat(p.connection.state()).isEqualTo(TcpState.LAST_ACK);
    long start = w.clock[0];
    while (w.clock[0] - start < 4 * 3600 * S && !p.connection.isClosed()) {
      w.sent.clear();
      w.settleUntil(w.clock[0] + 10 * S);
      for (Out o : w.tcpSent()) {
        if (!o.has(RST)) {
          w.injectQuietly(p.segment(p.seq, p.hostSeq, ACK, 0, new byte[0])); // still zero
        }
      }
    }
    assertThat(p.connection.isClosed()).as("LAST-ACK ended within four hours").isTrue();
    assertThat(p.connection.failure()).isEqualTo(TcpEvent.TIMED_OUT);
  }


  @Test
  void row29_peerThatNeverAcksOurFinInLastAck_isBounded_andEveryOtherStateHasATimer() throws IOException {
    HostileWire w = new HostileWire();
    Peer p = w.open(80, DEFAULT);
    w.inject(p.segment(p.seq, p.hostSeq, FIN | ACK, 65_535, new byte[0]));
    p.seq++;
    p.connection.close();
    w.settle();
    assertThat(p.connection.state()).isEqualTo(TcpState.LAST_ACK);
    long start = w.clock[0];
    w.settleUntil(start + 3600 * S);
    assertThat(p.connection.isClosed()).isTrue();
    assertThat(p.connection.failure()).isEqualTo(TcpEvent.TIMED_OUT);
    assertThat(w.host.connectionCount()).isZero();

    // SYN-RECEIVED: a SYN whose handshake never completes (SYN-ACK retransmissions are bounded).
    w.inject(tcp(false, 40_050, 80, 77, 0, SYN, 65_535, new byte[0], b -> b.mss(1460)));
    assertThat(w.host.connectionCount()).isEqualTo(1);
    w.settleUntil(w.clock[0] + 600 * S);
    assertThat(w.host.connectionCount()).isZero();
    // CLOSING: both FINs crossed and ours is never acknowledged.
    Peer q = w.open(w.host.listen(81, 8), false, 40_051, false, null);
    q.connection.close();
    w.settle();
    w.inject(q.segment(q.seq, q.hostSeq, FIN | ACK, 65_535, new byte[0]));
    assertThat(q.connection.state()).isEqualTo(TcpState.CLOSING);
    w.settleUntil(w.clock[0] + 3600 * S);
    assertThat(q.connection.isClosed()).isTrue();
    // FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT: rows 28 and 23. CLOSE-WAIT waits for the application
    // by design (see docs/hostile-inputs.md).
  }

  // ------------------------------------------------------------------ row 30: window scale > 14

  @Test
  void row30_windowScaleAbove14_isClampedTo14() throws IOException {
    HostileWire w = new HostileWire();
    Listener l = w.host.listen(80, 8);
    byte[] ws15 = {3, 3, 15};
    Peer p = w.open(l, false, 40_060, false, b -> b.mss(1460).rawOption(ws15, 0, 3));
    w.inject(p.segment(p.seq, p.hostSeq, ACK, 1, new byte[0]));
    assertThat(p.engine().sendWindow()).isEqualTo(1L << 14);
    Peer q = w.open(l, false, 40_061, false, b -> b.mss(1460).windowScale(255));
    w.inject(q.segment(q.seq, q.hostSeq, ACK, 3, new byte[0]));
    assertThat(q.engine().sendWindow()).isEqualTo(3L << 14);
  }

  // ------------------------------------------------------------------ row 31: IPv4 options

  private static byte[] synWithIpOptions(byte[] options) {
    byte[] segment = Arrays.copyOfRange(tcp(false, 40_070, 80, 9, 0, SYN, 65_535, new byte[0], b -> b.mss(1460)),
        20, 44);
    Ipv4Builder ip = new Ipv4Builder().protocol(IpProtocol.TCP).ttl(64).source(PEER4).destination(HOST4)
        .options(options, 0, options.length);
    byte[] p = new byte[ip.headerLength() + segment.length];
    int hl = ip.write(p, 0, segment.length);
    System.arraycopy(segment, 0, p, hl, segment.length);
    return p;
  }

  @Test
  void row31_sourceRoutedOrMalformedIpv4Options_areDroppedAndCounted() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 8);
    byte[] lsrr = {(byte) 0x83, 7, 4, (byte) 198, 18, 0, 9, 0};
    byte[] ssrr = {(byte) 0x89, 7, 4, (byte) 198, 18, 0, 9, 0};
    byte[] lengthZero = {7, 0, 0, 0};
    byte[] lengthOne = {7, 1, 0, 0};
    byte[] pastHeader = {7, 39, 4, 0};
    for (byte[] o : new byte[][] {lsrr, ssrr, lengthZero, lengthOne, pastHeader}) {
      w.inject(synWithIpOptions(o));
    }
    assertThat(hostDrops(w, DropReason.IPV4_SOURCE_ROUTED)).isEqualTo(2);
    assertThat(hostDrops(w, DropReason.IPV4_BAD_OPTION)).isEqualTo(3);
    assertThat(w.sent).isEmpty();
    // Control: a harmless option (No Operation padding) does not stop the SYN.
    w.inject(synWithIpOptions(new byte[] {1, 1, 1, 0}));
    assertThat(w.tcpSent()).hasSize(1);
  }

  // ------------------------------------------------------------------ row 32: connection flood

  @Test
  void row32_oneHundredThousandHalfOpenPeers_areCappedPerListener_withBoundedHeap() throws IOException {
    HostileWire w = new HostileWire();
    w.host.listen(80, 100);
    w.host.listen(81, 100);
    long heapBefore = usedHeapAfterGc();
    SplittableRandom r = new SplittableRandom(32);
    int flood = 100_000;
    for (int i = 0; i < flood; i++) {
      int src = (HOST4 & 0xFFFF_FF00) | (3 + i % 250); // each (address, port) once
      w.injectQuietly(HostileWire.tcpFrom(false, src, null, 1024 + i / 250, 80 + (i & 1), r.nextInt(), 0, SYN,
          65_535, new byte[0], null));
      if (i % 2000 == 1999) {
        w.settle();
      }
    }
    w.settle();
    assertThat(w.host.connectionCount()).isEqualTo(200);
    // Beyond the caps, SYNs are answered with cookies, which keep nothing (row 10).
    assertThat(w.host.tcpTotals().get(TcpCounter.SYN_COOKIES_SENT)).isEqualTo(flood - 200);
    long perConnection = (usedHeapAfterGc() - heapBefore) / 200;
    assertThat(perConnection).as("bytes per half-open connection").isLessThan(64 * 1024);
    // Idle established connections cost <= 1 KB each: IdleFootprintTest.
  }

  @Test
  void row32_thePerStackCap_boundsConnectionsAcrossListeners_andConnect() throws IOException {
    HostileWire w = new HostileWire(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.maxConnections = 150;
    }));
    w.host.listen(80, 100);
    w.host.listen(81, 100);
    SplittableRandom r = new SplittableRandom(33);
    for (int i = 0; i < 1_000; i++) {
      int src = (HOST4 & 0xFFFF_FF00) | (3 + i % 250);
      w.injectQuietly(HostileWire.tcpFrom(false, src, null, 1024 + i / 250, 80 + (i & 1), r.nextInt(), 0, SYN,
          65_535, new byte[0], null));
    }
    w.settle();
    assertThat(w.host.connectionCount()).isEqualTo(150);
    assertThat(tcpDrops(w, DropReason.HOST_CONNECTION_LIMIT)).isEqualTo(1_000 - 150);
    assertThatThrownBy(() -> w.host.connect(new java.net.InetSocketAddress(
        java.net.InetAddress.ofLiteral("198.18.0.1"), 9)))
        .isInstanceOf(java.net.SocketException.class)
        .hasMessageContaining("Too many connections: this host keeps at most 150 (HostConfig.maxConnections)");
  }
}
