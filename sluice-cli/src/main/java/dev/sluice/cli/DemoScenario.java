package dev.sluice.cli;

import dev.sluice.link.Device;
import dev.sluice.link.Impairments;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PcapngWriter;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpMessage;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.UdpBuilder;
import dev.sluice.wire.UdpDatagram;
import java.util.BitSet;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * The foundation demo: two virtual hosts on a seeded, impaired simulated link. Host A sends
 * numbered UDP datagrams with a verifiable payload and ICMP echo requests; host B decodes every
 * packet with the full validating decoder, checks every payload byte, and answers the echoes.
 *
 * <p>It shows what the ground floor guarantees: every corrupted packet is caught by a checksum
 * and counted with its reason, every datagram that arrives is byte-exact, and loss, duplication
 * and reordering are visible and accounted for. Everything runs on a virtual clock from one
 * thread, so a seed replays exactly.
 */
final class DemoScenario {
  static final int HOST_A = 0xC612_0001; // 198.18.0.1
  static final int HOST_B = 0xC612_0002; // 198.18.0.2
  static final int UDP_PORT = 9;
  private static final long SEND_INTERVAL_NANOS = 100_000; // 10,000 datagrams per virtual second
  private static final int HEADER_BYTES = 20 + 8;
  private static final int SEQUENCE_BYTES = 12; // sequence number, then send time

  record Settings(int datagrams, int echoEvery, double loss, double duplicate, double corrupt,
      long delayNanos, long jitterNanos, long bitsPerSecond, long seed) {}

  record Report(long seed, int datagramsSent, int datagramsReceived, int duplicates, int reordered,
      long lostOnLink, long corruptedOnLink, long corruptionCaught, long undetectedCorruption,
      int echoesSent, int echoesAnswered, double rttMinMs, double rttAvgMs, double rttMaxMs,
      long virtualNanos, Map<DropReason, Long> dropsAtB, Map<DropReason, Long> dropsAtA) {}

  private final Settings settings;
  private final SimulatedNetwork network;
  private final SimulatedLink link;
  private final Device a;
  private final Device b;
  private final PacketDecoder decoderA = new PacketDecoder(new DropCounters());
  private final PacketDecoder decoderB = new PacketDecoder(new DropCounters());
  private final Ipv4Builder ip = new Ipv4Builder();
  private final UdpBuilder udp = new UdpBuilder();
  private final IcmpBuilder icmp = new IcmpBuilder();
  private final byte[] frame = new byte[1500];
  private final byte[] reply = new byte[1500];
  private final SplittableRandom sizes;
  private final BitSet seen = new BitSet();
  private int received;
  private int duplicates;
  private int reordered;
  private int highestSeen = -1;
  private long undetectedCorruption;
  private int echoesSent;
  private int echoesAnswered;
  private long rttSum;
  private long rttMin = Long.MAX_VALUE;
  private long rttMax;
  private int ipId;

  DemoScenario(Settings settings) {
    this.settings = settings;
    this.network = new SimulatedNetwork(settings.seed());
    Impairments impairments = new Impairments(settings.loss(), settings.duplicate(),
        settings.corrupt(), settings.delayNanos(), settings.jitterNanos(), settings.bitsPerSecond());
    this.link = network.connect("hostA-eth0", "hostB-eth0",
        SimulatedLink.Config.defaults().withReceiveQueues(2).withImpairments(impairments));
    this.a = link.a();
    this.b = link.b();
    this.sizes = new SplittableRandom(settings.seed() ^ 0x5EED);
  }

  /** Taps both interfaces into {@code capture}. */
  void capture(PcapngWriter capture) {
    capture.attach(a);
    capture.attach(b);
  }

  /** Runs to completion; {@code progress} hears the number of datagrams sent so far. */
  Report run(IntConsumer progress) {
    long now = 0;
    int sent = 0;
    long nextSend = 0;
    while (true) {
      if (sent < settings.datagrams() && nextSend <= now) {
        sendDatagram(sent, now);
        if (settings.echoEvery() > 0 && sent % settings.echoEvery() == 0) {
          sendEcho(sent / settings.echoEvery(), now);
        }
        sent++;
        nextSend += SEND_INTERVAL_NANOS;
        if (sent % 1000 == 0 || sent == settings.datagrams()) {
          progress.accept(sent);
        }
      }
      network.advance(now);
      drainHostB(now);
      drainHostA(now);
      long nextDelivery = network.nextDueNanos();
      long next = sent < settings.datagrams() ? Math.min(nextSend, nextDelivery) : nextDelivery;
      if (next == Long.MAX_VALUE) {
        break; // nothing left to send and nothing in flight
      }
      now = Math.max(now, next);
    }
    return report(sent, now);
  }

  private void sendDatagram(int sequence, long now) {
    int payload = SEQUENCE_BYTES + sizes.nextInt(1400 - SEQUENCE_BYTES);
    int at = HEADER_BYTES;
    Bytes.put32(frame, at, sequence);
    Bytes.put64(frame, at + 4, now);
    fillPattern(frame, at + SEQUENCE_BYTES, payload - SEQUENCE_BYTES, sequence);
    ip.protocol(IpProtocol.UDP).source(HOST_A).destination(HOST_B).identification(ipId++);
    ip.write(frame, 0, 8 + payload);
    udp.sourcePort(40_000).destinationPort(UDP_PORT)
        .write(frame, 20, payload, ip.pseudoHeaderSum(0));
    a.transmit(frame, 0, HEADER_BYTES + payload, now);
  }

  private void sendEcho(int sequence, long now) {
    Bytes.put64(frame, 28, now);
    ip.protocol(IpProtocol.ICMP).source(HOST_A).destination(HOST_B).identification(ipId++);
    ip.write(frame, 0, 16);
    icmp.echo(IcmpType.V4_ECHO_REQUEST, 0x51CE, sequence).writeV4(frame, 20, 8);
    a.transmit(frame, 0, 36, now);
    echoesSent++;
  }

  private void drainHostB(long now) {
    for (int q = 0; q < b.receiveQueueCount(); q++) {
      PacketBuffer packet;
      while ((packet = b.poll(q)) != null) {
        try {
          if (decoderB.decodeIp(packet.data(), 0, packet.length()) != null) {
            continue; // dropped and counted by reason
          }
          if (decoderB.protocol() == IpProtocol.UDP) {
            checkDatagram(decoderB.udp());
          } else if (decoderB.protocol() == IpProtocol.ICMP
              && decoderB.icmp().type() == IcmpType.V4_ECHO_REQUEST) {
            answerEcho(decoderB.icmp(), now);
          }
        } finally {
          packet.release();
        }
      }
    }
  }

  private void checkDatagram(UdpDatagram datagram) {
    byte[] data = datagram.buffer();
    int at = datagram.payloadOffset();
    int length = datagram.payloadLength();
    if (length < SEQUENCE_BYTES) {
      undetectedCorruption++;
      return;
    }
    int sequence = Bytes.i32(data, at);
    if (sequence < 0 || sequence >= settings.datagrams()
        || !matchesPattern(data, at + SEQUENCE_BYTES, length - SEQUENCE_BYTES, sequence)) {
      undetectedCorruption++; // a checksum missed a corruption: must never happen
      return;
    }
    if (seen.get(sequence)) {
      duplicates++;
      return;
    }
    seen.set(sequence);
    received++;
    if (sequence < highestSeen) {
      reordered++;
    }
    highestSeen = Math.max(highestSeen, sequence);
  }

  private void answerEcho(IcmpMessage request, long now) {
    System.arraycopy(request.buffer(), request.bodyOffset(), reply, 28, request.bodyLength());
    ip.protocol(IpProtocol.ICMP).source(HOST_B).destination(HOST_A).identification(ipId++);
    ip.write(reply, 0, 8 + request.bodyLength());
    icmp.echo(IcmpType.V4_ECHO_REPLY, request.echoIdentifier(), request.echoSequence())
        .writeV4(reply, 20, request.bodyLength());
    b.transmit(reply, 0, 28 + request.bodyLength(), now);
  }

  private void drainHostA(long now) {
    for (int q = 0; q < a.receiveQueueCount(); q++) {
      PacketBuffer packet;
      while ((packet = a.poll(q)) != null) {
        try {
          if (decoderA.decodeIp(packet.data(), 0, packet.length()) == null
              && decoderA.protocol() == IpProtocol.ICMP
              && decoderA.icmp().type() == IcmpType.V4_ECHO_REPLY
              && decoderA.icmp().bodyLength() >= 8) {
            long rtt = now - Bytes.i64(decoderA.icmp().buffer(), decoderA.icmp().bodyOffset());
            echoesAnswered++;
            rttSum += rtt;
            rttMin = Math.min(rttMin, rtt);
            rttMax = Math.max(rttMax, rtt);
          }
        } finally {
          packet.release();
        }
      }
    }
  }

  private Report report(int sent, long now) {
    long lost = link.statsAToB().lost() + link.statsBToA().lost();
    long corrupted = link.statsAToB().corrupted() + link.statsBToA().corrupted();
    long caught = checksumDrops(decoderA.drops()) + checksumDrops(decoderB.drops());
    double avg = echoesAnswered == 0 ? 0 : rttSum / (double) echoesAnswered / 1e6;
    return new Report(settings.seed(), sent, received, duplicates, reordered, lost, corrupted,
        caught, undetectedCorruption, echoesSent, echoesAnswered,
        echoesAnswered == 0 ? 0 : rttMin / 1e6, avg, rttMax / 1e6, now,
        decoderB.drops().snapshot(), decoderA.drops().snapshot());
  }

  /** Drops that a corrupted packet can cause: any header or checksum check. */
  private static long checksumDrops(DropCounters drops) {
    return drops.total() - drops.get(DropReason.RX_QUEUE_FULL) - drops.get(DropReason.LINK_MTU_EXCEEDED);
  }

  static void fillPattern(byte[] buf, int off, int len, int sequence) {
    for (int i = 0; i < len; i++) {
      buf[off + i] = (byte) (sequence * 31 + i * 7);
    }
  }

  static boolean matchesPattern(byte[] buf, int off, int len, int sequence) {
    for (int i = 0; i < len; i++) {
      if (buf[off + i] != (byte) (sequence * 31 + i * 7)) {
        return false;
      }
    }
    return true;
  }
}
