package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link BareAck}: which received packets count as bare ACKs, after which a reader does not busy-poll. */
class BareAckTest {
  private static final int FIN = 0x01;
  private static final int SYN = 0x02;
  private static final int RST = 0x04;
  private static final int PSH = 0x08;
  private static final int ACK = 0x10;

  /** An IPv4 TCP segment: 20-byte IP header, a TCP header of {@code tcpHeader} bytes, {@code data} bytes. */
  private static byte[] ipv4(int flags, int tcpHeader, int data) {
    byte[] p = new byte[20 + tcpHeader + data];
    p[0] = 0x45;
    p[2] = (byte) (p.length >>> 8);
    p[3] = (byte) p.length;
    p[6] = 0x40; // DF
    p[9] = 6;
    p[20 + 12] = (byte) (tcpHeader / 4 << 4);
    p[20 + 13] = (byte) flags;
    return p;
  }

  private static byte[] ipv6(int flags, int tcpHeader, int data) {
    byte[] p = new byte[40 + tcpHeader + data];
    p[0] = 0x60;
    p[4] = (byte) ((tcpHeader + data) >>> 8);
    p[5] = (byte) (tcpHeader + data);
    p[6] = 6;
    p[40 + 12] = (byte) (tcpHeader / 4 << 4);
    p[40 + 13] = (byte) flags;
    return p;
  }

  @Test
  void anAckWithoutData_withOrWithoutOptions_isBare_inEitherFamily() {
    assertThat(BareAck.is(ipv4(ACK, 20, 0), 40)).isTrue();
    assertThat(BareAck.is(ipv4(ACK, 32, 0), 52)).as("with timestamps").isTrue();
    assertThat(BareAck.is(ipv6(ACK, 32, 0), 72)).isTrue();
    assertThat(BareAck.is(ipv4(ACK | PSH, 20, 0), 40)).as("PSH carries nothing").isTrue();
  }

  @Test
  void dataSynFinRstAndAcklessSegments_areNot() {
    assertThat(BareAck.is(ipv4(ACK | PSH, 32, 64), 116)).as("a request").isFalse();
    assertThat(BareAck.is(ipv6(ACK, 32, 1), 73)).as("one byte").isFalse();
    for (int flags : new int[] {SYN, SYN | ACK, FIN | ACK, RST, RST | ACK, 0}) {
      assertThat(BareAck.is(ipv4(flags, 20, 0), 40)).as("flags 0x%02x", flags).isFalse();
      assertThat(BareAck.is(ipv6(flags, 20, 0), 60)).as("flags 0x%02x", flags).isFalse();
    }
  }

  @Test
  void otherProtocolsFragmentsTruncatedAndGarbage_areNot() {
    byte[] udp = ipv4(ACK, 20, 0);
    udp[9] = 17;
    assertThat(BareAck.is(udp, 40)).isFalse();
    byte[] fragment = ipv4(ACK, 20, 0);
    fragment[6] = 0x20; // more fragments
    assertThat(BareAck.is(fragment, 40)).isFalse();
    assertThat(BareAck.is(ipv4(ACK, 20, 0), 39)).as("cut short").isFalse();
    byte[] lying = ipv4(ACK, 20, 0);
    lying[3] = 41; // an IP length past what arrived
    assertThat(BareAck.is(lying, 40)).isFalse();
    assertThat(BareAck.is(new byte[0], 0)).isFalse();
    assertThat(BareAck.is(new byte[] {0x15, 0, 0}, 3)).as("no IP version").isFalse();
  }
}
