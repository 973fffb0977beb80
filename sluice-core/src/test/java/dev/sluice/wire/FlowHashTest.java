package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.ipv4;
import static dev.sluice.wire.TestPackets.ipv4Tcp;
import static dev.sluice.wire.TestPackets.ipv4Udp;
import static dev.sluice.wire.TestPackets.ipv6;
import static dev.sluice.wire.TestPackets.ipv6Tcp;
import static dev.sluice.wire.TestPackets.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class FlowHashTest {

  private static int hash(byte[] packet) {
    return FlowHash.of(packet, 0, packet.length);
  }

  @RepeatedTest(200)
  void packetsOfOneFlow_hashAlike_whateverElseDiffers(RepetitionInfo repetition) {
    Seeds.run(0xF1_0000L + repetition.getCurrentRepetition(), r -> {
      int src = Seeds.anyInt(r);
      int dst = Seeds.anyInt(r);
      int srcPort = Seeds.between(r, 1, 0xFFFF);
      int dstPort = Seeds.between(r, 1, 0xFFFF);
      int seq = Seeds.anyInt(r);
      byte[] first = ipv4Tcp(ipv4().source(src).destination(dst),
          tcp().sourcePort(srcPort).destinationPort(dstPort), new byte[0]);
      // Same addresses and ports; TTL, identification, flags, sequence, options and data differ.
      byte[] later = ipv4Tcp(
          ipv4().source(src).destination(dst).ttl(Seeds.between(r, 0, 255))
              .identification(Seeds.between(r, 0, 0xFFFF)),
          tcp().sourcePort(srcPort).destinationPort(dstPort).sequenceNumber(seq)
              .flags(TcpFlags.PSH).timestamps(seq, 1),
          Seeds.bytes(r, 40));
      assertThat(hash(later)).isEqualTo(hash(first));
    });
  }

  @Test
  void differentPorts_hashDifferently() {
    byte[] a = ipv4Tcp(ipv4(), tcp().sourcePort(40_000), new byte[0]);
    byte[] b = ipv4Tcp(ipv4(), tcp().sourcePort(40_001), new byte[0]);
    byte[] c = ipv4Tcp(ipv4(), tcp().destinationPort(443), new byte[0]);
    assertThat(Set.of(hash(a), hash(b), hash(c))).hasSize(3);
    byte[] v6a = ipv6Tcp(ipv6(), tcp().sourcePort(40_000), new byte[0]);
    byte[] v6b = ipv6Tcp(ipv6(), tcp().sourcePort(40_001), new byte[0]);
    assertThat(hash(v6a)).isNotEqualTo(hash(v6b));
  }

  @Test
  void differentAddresses_hashDifferently() {
    byte[] a = ipv4Tcp(ipv4(), tcp(), new byte[0]);
    byte[] b = ipv4Tcp(ipv4().source(TestPackets.SRC4 + 1), tcp(), new byte[0]);
    assertThat(hash(a)).isNotEqualTo(hash(b));
    byte[] v6a = ipv6Tcp(ipv6(), tcp(), new byte[0]);
    byte[] v6b = ipv6Tcp(ipv6().destination(TestPackets.DST6[0], TestPackets.DST6[1] + 1), tcp(),
        new byte[0]);
    assertThat(hash(v6a)).isNotEqualTo(hash(v6b));
  }

  @Test
  void udpPorts_areHashedToo() {
    byte[] a = ipv4Udp(ipv4(), new UdpBuilder().sourcePort(1000).destinationPort(53), new byte[4]);
    byte[] b = ipv4Udp(ipv4(), new UdpBuilder().sourcePort(1001).destinationPort(53), new byte[4]);
    assertThat(hash(a)).isNotEqualTo(hash(b));
  }

  @Test
  void fragmentsOfOneDatagram_hashAlike_becauseOnlyTheFirstHasPorts() {
    // A later fragment carries data where the ports would be; all pieces must land on one worker.
    byte[] first = TestPackets.ipv4Raw(ipv4().moreFragments(true), IpProtocol.TCP, TestPackets.bytes(16, 1));
    byte[] middle = TestPackets.ipv4Raw(ipv4().moreFragments(true).fragmentOffset(16), IpProtocol.TCP,
        TestPackets.bytes(16, 2));
    byte[] last = TestPackets.ipv4Raw(ipv4().fragmentOffset(32), IpProtocol.TCP, TestPackets.bytes(5, 3));
    assertThat(hash(middle)).isEqualTo(hash(first));
    assertThat(hash(last)).isEqualTo(hash(first));
    // The unfragmented packet with those bytes does use its ports.
    byte[] whole = TestPackets.ipv4Raw(ipv4(), IpProtocol.TCP, TestPackets.bytes(16, 1));
    assertThat(hash(whole)).isNotEqualTo(hash(first));
  }

  @Test
  void unportedProtocols_hashOnAddressesOnly() {
    byte[] a = TestPackets.ipv4Raw(ipv4(), IpProtocol.ICMP, TestPackets.bytes(8, 1));
    byte[] b = TestPackets.ipv4Raw(ipv4(), IpProtocol.ICMP, TestPackets.bytes(8, 2));
    assertThat(hash(a)).isEqualTo(hash(b));
  }

  @Test
  void hashOfAPacketInsideALargerBuffer_dependsOnlyOnThePacket() {
    byte[] packet = ipv4Tcp(ipv4(), tcp(), new byte[10]);
    byte[] buf = TestPackets.concat(TestPackets.bytes(14, 9), packet, TestPackets.bytes(6, 10));
    assertThat(FlowHash.of(buf, 14, packet.length)).isEqualTo(hash(packet));
  }

  @Test
  void tooShortOrNotIp_hashesToZero() {
    byte[] v4 = ipv4Tcp(ipv4(), tcp(), new byte[0]);
    byte[] v6 = ipv6Tcp(ipv6(), tcp(), new byte[0]);
    assertThat(FlowHash.of(v4, 0, 0)).isZero();
    assertThat(FlowHash.of(v4, 0, 19)).isZero();
    assertThat(FlowHash.of(v6, 0, 39)).isZero();
    assertThat(FlowHash.of(v4, 0, v4.length + 1)).isZero();
    assertThat(FlowHash.of(v4, -1, 20)).isZero();
    byte[] notIp = v4.clone();
    notIp[0] = 0x55;
    assertThat(hash(notIp)).isZero();
    assertThat(hash(v4)).isNotZero();
  }

  @Test
  void headerWithoutRoomForPorts_stillHashesItsAddresses() {
    byte[] v4 = ipv4Tcp(ipv4(), tcp(), new byte[0]);
    int addressesOnly = FlowHash.of(v4, 0, 20);
    assertThat(addressesOnly).isNotZero().isNotEqualTo(hash(v4));
    byte[] v6 = ipv6Tcp(ipv6(), tcp(), new byte[0]);
    assertThat(FlowHash.of(v6, 0, 40)).isNotZero().isNotEqualTo(hash(v6));
  }

  @Test
  void manyFlows_spreadEvenlyOverWorkers() {
    // Receive-side scaling is only useful if flows spread: 16 buckets, 16k random flows.
    Random random = new Random(5);
    int[] buckets = new int[16];
    Set<Integer> distinct = new HashSet<>();
    for (int i = 0; i < 16_384; i++) {
      byte[] p = ipv4Tcp(ipv4().source(random.nextInt()).destination(TestPackets.DST4),
          tcp().sourcePort(1 + random.nextInt(65_535)).destinationPort(443), new byte[0]);
      int h = hash(p);
      distinct.add(h);
      buckets[h & 15]++;
    }
    for (int count : buckets) {
      assertThat(count).isBetween(1024 - 200, 1024 + 200); // ~6 standard deviations
    }
    assertThat(distinct.size()).isGreaterThan(16_300);
  }

  @RepeatedTest(50)
  void neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0xF1_1000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 80);
        if (buf.length > 0 && r.nextInt(4) != 0) {
          // Mostly IPv4 or IPv6 with a ported protocol, so the deeper reads are reached.
          boolean v6 = r.nextBoolean();
          buf[0] = (byte) ((v6 ? 0x60 : 0x40) | (buf[0] & 0x0F));
          if (v6 && buf.length > 6) {
            buf[6] = IpProtocol.TCP;
          } else if (!v6 && buf.length > 9) {
            buf[9] = IpProtocol.UDP;
            buf[6] = 0;
            buf[7] = 0;
          }
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 100) : buf.length - off;
        int h = FlowHash.of(buf, off, length);
        assertThat(FlowHash.of(buf, off, length)).isEqualTo(h);
      }
    });
  }
}
