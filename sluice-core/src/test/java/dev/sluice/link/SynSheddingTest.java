package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.internal.MpmcRing;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link SynShedding}: which packets count as bare SYNs, and when a queue is crowded enough to shed them. */
class SynSheddingTest {
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;

  /** An IPv4 TCP segment with {@code flags}, a 20-byte IP header and a 20-byte TCP header. */
  private static byte[] ipv4Tcp(int flags) {
    byte[] p = new byte[40];
    p[0] = 0x45;
    p[9] = 6;
    p[20 + 13] = (byte) flags;
    return p;
  }

  private static byte[] ipv6Tcp(int flags) {
    byte[] p = new byte[60];
    p[0] = 0x60;
    p[6] = 6;
    p[40 + 13] = (byte) flags;
    return p;
  }

  @Test
  void aSynWithoutAck_isABareSyn_inEitherFamily_whateverOtherFlagsItCarries() {
    assertThat(SynShedding.isBareSyn(ipv4Tcp(SYN), 40)).isTrue();
    assertThat(SynShedding.isBareSyn(ipv6Tcp(SYN), 60)).isTrue();
    assertThat(SynShedding.isBareSyn(ipv4Tcp(SYN | 0x01 | 0x08), 40)).as("SYN+FIN+PSH").isTrue();
  }

  @Test
  void synAckAckDataAndRst_areNot() {
    for (int flags : new int[] {SYN | ACK, ACK, ACK | 0x08, 0x04, 0x01, 0}) {
      assertThat(SynShedding.isBareSyn(ipv4Tcp(flags), 40)).as("flags 0x%02x", flags).isFalse();
      assertThat(SynShedding.isBareSyn(ipv6Tcp(flags), 60)).as("flags 0x%02x", flags).isFalse();
    }
  }

  @Test
  void optionsInTheIpv4Header_moveTheTcpHeader() {
    byte[] p = new byte[44];
    p[0] = 0x46; // 24-byte header
    p[9] = 6;
    p[24 + 13] = SYN;
    assertThat(SynShedding.isBareSyn(p, 44)).isTrue();
    assertThat(SynShedding.isBareSyn(p, 43)).as("TCP header cut short").isFalse();
  }

  @Test
  void truncatedFragmentedOtherProtocolsAndGarbage_areNot() {
    assertThat(SynShedding.isBareSyn(ipv4Tcp(SYN), 39)).isFalse();
    assertThat(SynShedding.isBareSyn(ipv4Tcp(SYN), 0)).isFalse();
    assertThat(SynShedding.isBareSyn(ipv6Tcp(SYN), 59)).isFalse();
    byte[] later = ipv4Tcp(SYN);
    later[7] = 1; // fragment offset 8: what sits where the TCP header would is payload
    assertThat(SynShedding.isBareSyn(later, 40)).isFalse();
    byte[] first = ipv4Tcp(SYN);
    first[6] = 0x20; // more fragments, offset 0: the first fragment holds the TCP header
    assertThat(SynShedding.isBareSyn(first, 40)).isTrue();
    byte[] udp = ipv4Tcp(SYN);
    udp[9] = 17;
    assertThat(SynShedding.isBareSyn(udp, 40)).isFalse();
    byte[] hopByHop = ipv6Tcp(SYN);
    hopByHop[6] = 0; // an extension header first: left to the stack to judge
    assertThat(SynShedding.isBareSyn(hopByHop, 60)).isFalse();
    byte[] badIhl = ipv4Tcp(SYN);
    badIhl[0] = 0x44;
    assertThat(SynShedding.isBareSyn(badIhl, 40)).isFalse();
    byte[] noise = new byte[60];
    Arrays.fill(noise, (byte) 0x7F);
    assertThat(SynShedding.isBareSyn(noise, 60)).as("version 7").isFalse();
  }

  @Test
  void synsAreShedFromThreeQuartersFullOn_andOtherPacketsNever() {
    MpmcRing<Object> ring = new MpmcRing<>(8);
    byte[] syn = ipv4Tcp(SYN);
    byte[] ack = ipv4Tcp(ACK);
    for (int i = 0; i < 5; i++) {
      ring.offer(i);
    }
    assertThat(SynShedding.shed(syn, 40, ring)).as("5 of 8").isFalse();
    ring.offer(5);
    assertThat(SynShedding.shed(syn, 40, ring)).as("6 of 8").isTrue();
    assertThat(SynShedding.shed(ack, 40, ring)).isFalse();
    while (ring.offer(0)) {
      // fill it
    }
    assertThat(SynShedding.shed(ack, 40, ring)).as("full: the ring itself refuses it").isFalse();
  }
}
