package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST6;
import static dev.sluice.wire.TestPackets.SRC6;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class IcmpMessageTest {
  private final IcmpMessage icmp = new IcmpMessage();

  private static int pseudo6(int length) {
    return Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1], IpProtocol.ICMPV6, length);
  }

  private static byte[] messageV4(IcmpBuilder builder, byte[] body) {
    byte[] buf = new byte[8 + body.length];
    System.arraycopy(body, 0, buf, 8, body.length);
    assertThat(builder.writeV4(buf, 0, body.length)).isEqualTo(8);
    return buf;
  }

  private static byte[] messageV6(IcmpBuilder builder, byte[] body) {
    byte[] buf = new byte[8 + body.length];
    System.arraycopy(body, 0, buf, 8, body.length);
    assertThat(builder.writeV6(buf, 0, body.length, pseudo6(buf.length))).isEqualTo(8);
    return buf;
  }

  private DropReason wrapV4(byte[] buf) {
    return icmp.wrapV4(buf, 0, buf.length);
  }

  private DropReason wrapV6(byte[] buf) {
    return icmp.wrapV6(buf, 0, buf.length, pseudo6(buf.length));
  }

  /** The start of an offending packet, as an error message quotes it (RFC 792, RFC 4443 §3.1). */
  private static byte[] quotedTcpPacket() {
    byte[] packet = TestPackets.ipv4Tcp(TestPackets.ipv4(), TestPackets.tcp(), new byte[100]);
    return Arrays.copyOf(packet, 28);
  }

  // --- echo

  @RepeatedTest(200)
  void echoV4_roundTrips(RepetitionInfo repetition) {
    Seeds.run(0x1C4_0000L + repetition.getCurrentRepetition(), r -> {
      int type = r.nextBoolean() ? IcmpType.V4_ECHO_REQUEST : IcmpType.V4_ECHO_REPLY;
      int id = Seeds.between(r, 0, 0xFFFF);
      int sequence = Seeds.between(r, 0, 0xFFFF);
      byte[] data = Seeds.bytes(r, 200);
      byte[] buf = messageV4(new IcmpBuilder().echo(type, id, sequence), data);

      assertThat(wrapV4(buf)).isNull();
      assertThat(icmp.isIpv6()).isFalse();
      assertThat(icmp.type()).isEqualTo(type);
      assertThat(icmp.code()).isZero();
      assertThat(icmp.echoIdentifier()).isEqualTo(id);
      assertThat(icmp.echoSequence()).isEqualTo(sequence);
      assertThat(icmp.restOfHeader()).isEqualTo(id << 16 | sequence);
      assertThat(icmp.isError()).isFalse();
      assertThat(icmp.reportedMtu()).isZero();
      assertThat(icmp.length()).isEqualTo(8 + data.length);
      assertThat(icmp.bodyOffset()).isEqualTo(8);
      assertThat(icmp.bodyLength()).isEqualTo(data.length);
      assertThat(Arrays.copyOfRange(buf, 8, buf.length)).isEqualTo(data);
      assertThat(icmp.checksum()).isEqualTo(Bytes.u16(buf, 2));
    });
  }

  @RepeatedTest(200)
  void echoV6_roundTrips(RepetitionInfo repetition) {
    Seeds.run(0x1C6_0000L + repetition.getCurrentRepetition(), r -> {
      int type = r.nextBoolean() ? IcmpType.V6_ECHO_REQUEST : IcmpType.V6_ECHO_REPLY;
      int id = Seeds.between(r, 0, 0xFFFF);
      int sequence = Seeds.between(r, 0, 0xFFFF);
      byte[] data = Seeds.bytes(r, 200);
      byte[] buf = messageV6(new IcmpBuilder().echo(type, id, sequence), data);

      assertThat(wrapV6(buf)).isNull();
      assertThat(icmp.isIpv6()).isTrue();
      assertThat(icmp.type()).isEqualTo(type);
      assertThat(icmp.echoIdentifier()).isEqualTo(id);
      assertThat(icmp.echoSequence()).isEqualTo(sequence);
      assertThat(icmp.isError()).isFalse();
      assertThat(icmp.reportedMtu()).isZero();
      assertThat(icmp.bodyLength()).isEqualTo(data.length);
    });
  }

  @Test
  void messageAtNonZeroOffset_readsRelativeToIt() {
    byte[] m = messageV4(new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 9, 10), new byte[4]);
    byte[] buf = TestPackets.concat(new byte[20], m);
    assertThat(icmp.wrapV4(buf, 20, m.length)).isNull();
    assertThat(icmp.offset()).isEqualTo(20);
    assertThat(icmp.buffer()).isSameAs(buf);
    assertThat(icmp.echoIdentifier()).isEqualTo(9);
    assertThat(icmp.bodyOffset()).isEqualTo(28);
  }

  // --- errors

  @Test
  void destinationUnreachableV4_quotesTheOffendingPacket() {
    byte[] quoted = quotedTcpPacket();
    byte[] buf = messageV4(new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE)
        .code(IcmpType.V4_CODE_PORT_UNREACHABLE), quoted);
    assertThat(wrapV4(buf)).isNull();
    assertThat(icmp.type()).isEqualTo(3);
    assertThat(icmp.code()).isEqualTo(3);
    assertThat(icmp.isError()).isTrue();
    assertThat(icmp.reportedMtu()).isZero();
    assertThat(Arrays.copyOfRange(buf, icmp.bodyOffset(), icmp.bodyOffset() + icmp.bodyLength()))
        .isEqualTo(quoted);
  }

  @Test
  void destinationUnreachableV6_isAnErrorWithoutAnMtu() {
    byte[] buf = messageV6(new IcmpBuilder().type(IcmpType.V6_DESTINATION_UNREACHABLE)
        .code(IcmpType.V6_CODE_PORT_UNREACHABLE).restOfHeader(1500), new byte[48]);
    assertThat(wrapV6(buf)).isNull();
    assertThat(icmp.isError()).isTrue();
    assertThat(icmp.code()).isEqualTo(4);
    assertThat(icmp.reportedMtu()).isZero();
  }

  @RepeatedTest(100)
  void fragmentationNeeded_reportsTheNextHopMtuFromTheLow16Bits(RepetitionInfo repetition) {
    Seeds.run(0x1C4_1000L + repetition.getCurrentRepetition(), r -> {
      int mtu = Seeds.between(r, 0, 0xFFFF);
      int unused = Seeds.between(r, 0, 0xFFFF);
      // RFC 1191 §4: the high 16 bits are unused and must not leak into the MTU.
      byte[] buf = messageV4(new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE)
          .code(IcmpType.V4_CODE_FRAGMENTATION_NEEDED).restOfHeader(unused << 16 | mtu),
          quotedTcpPacket());
      assertThat(wrapV4(buf)).isNull();
      assertThat(icmp.isError()).isTrue();
      assertThat(icmp.reportedMtu()).isEqualTo(mtu);
    });
  }

  @Test
  void otherDestinationUnreachableCodes_reportNoMtu() {
    byte[] buf = messageV4(new IcmpBuilder().type(IcmpType.V4_DESTINATION_UNREACHABLE)
        .code(IcmpType.V4_CODE_PROTOCOL_UNREACHABLE).restOfHeader(576), quotedTcpPacket());
    assertThat(wrapV4(buf)).isNull();
    assertThat(icmp.reportedMtu()).isZero();
  }

  @RepeatedTest(100)
  void packetTooBig_reportsAll32BitsOfTheMtu(RepetitionInfo repetition) {
    Seeds.run(0x1C6_1000L + repetition.getCurrentRepetition(), r -> {
      int mtu = Seeds.anyInt(r);
      // RFC 4443 §3.2: the MTU field is a full 32-bit unsigned value.
      byte[] buf = messageV6(
          new IcmpBuilder().type(IcmpType.V6_PACKET_TOO_BIG).code(0).restOfHeader(mtu), new byte[48]);
      assertThat(wrapV6(buf)).isNull();
      assertThat(icmp.isError()).isTrue();
      assertThat(icmp.reportedMtu()).isEqualTo(Integer.toUnsignedLong(mtu)).isNotNegative();
    });
  }

  @Test
  void timeExceeded_isAnErrorInBothFamilies() {
    byte[] v4 = messageV4(new IcmpBuilder().type(IcmpType.V4_TIME_EXCEEDED).code(0), quotedTcpPacket());
    assertThat(wrapV4(v4)).isNull();
    assertThat(icmp.type()).isEqualTo(11);
    assertThat(icmp.isError()).isTrue();
    assertThat(icmp.reportedMtu()).isZero();
    byte[] v6 = messageV6(new IcmpBuilder().type(IcmpType.V6_TIME_EXCEEDED).code(1), new byte[48]);
    assertThat(wrapV6(v6)).isNull();
    assertThat(icmp.type()).isEqualTo(3);
    assertThat(icmp.code()).isEqualTo(1);
    assertThat(icmp.isError()).isTrue();
    assertThat(icmp.reportedMtu()).isZero();
  }

  @Test
  void errorClassification_followsEachFamilysRules() {
    // ICMPv6: types below 128 are errors (RFC 4443 §2.1).
    assertThat(IcmpType.isError(true, 127)).isTrue();
    assertThat(IcmpType.isError(true, IcmpType.V6_NEIGHBOR_SOLICITATION)).isFalse();
    // ICMPv4 (RFC 792): unreachable, source quench, redirect, time exceeded, parameter problem.
    for (int type = 0; type < 256; type++) {
      boolean expected = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
      assertThat(IcmpType.isError(false, type)).as("type %d", type).isEqualTo(expected);
    }
  }

  // --- malformed

  @Test
  void truncatedMessage_atEveryLengthBelowEight_isDropped() {
    byte[] buf = messageV4(new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 1, 1), new byte[8]);
    for (int length = 0; length < 8; length++) {
      assertThat(icmp.wrapV4(buf, 0, length)).as("v4 length %d", length).isEqualTo(DropReason.ICMP_TRUNCATED);
      assertThat(icmp.wrapV6(buf, 0, length, pseudo6(length))).as("v6 length %d", length)
          .isEqualTo(DropReason.ICMP_TRUNCATED);
    }
    assertThat(icmp.wrapV4(buf, 0, buf.length + 1)).isEqualTo(DropReason.ICMP_TRUNCATED);
    assertThat(icmp.wrapV4(buf, -2, 8)).isEqualTo(DropReason.ICMP_TRUNCATED);
    assertThat(icmp.wrapV4(buf, 3, Integer.MAX_VALUE)).isEqualTo(DropReason.ICMP_TRUNCATED);
  }

  @Test
  void badChecksum_isDropped() {
    byte[] v4 = messageV4(new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 1, 1), new byte[8]);
    v4[12] ^= 1;
    assertThat(wrapV4(v4)).isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
    byte[] v6 = messageV6(new IcmpBuilder().echo(IcmpType.V6_ECHO_REQUEST, 1, 1), new byte[8]);
    v6[0] ^= 1; // 128 -> 129: a request turned into a reply
    assertThat(wrapV6(v6)).isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
  }

  @Test
  void icmpv6ChecksumCoversThePseudoHeader_andIcmpv4DoesNot() {
    // RFC 4443 §2.3 adds the pseudo-header; RFC 792 sums the message alone.
    byte[] v6 = messageV6(new IcmpBuilder().echo(IcmpType.V6_ECHO_REQUEST, 1, 1), new byte[8]);
    int otherDestination = Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1] + 1,
        IpProtocol.ICMPV6, v6.length);
    assertThat(icmp.wrapV6(v6, 0, v6.length, otherDestination)).isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
    assertThat(icmp.wrapV4(v6, 0, v6.length)).isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
    byte[] v4 = messageV4(new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, 1, 1), new byte[8]);
    assertThat(icmp.wrapV6(v4, 0, v4.length, pseudo6(v4.length))).isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
  }

  @RepeatedTest(100)
  void everySingleBitFlip_isCaught(RepetitionInfo repetition) {
    Seeds.run(0x1C4_2000L + repetition.getCurrentRepetition(), r -> {
      IcmpBuilder builder = new IcmpBuilder().type(Seeds.between(r, 0, 255))
          .code(Seeds.between(r, 0, 255)).restOfHeader(Seeds.anyInt(r));
      boolean v6 = r.nextBoolean();
      byte[] body = Seeds.bytes(r, 64);
      byte[] buf = v6 ? messageV6(builder, body) : messageV4(builder, body);
      for (int bit = 0; bit < buf.length * 8; bit++) {
        byte[] flipped = TestPackets.flipBit(buf, bit);
        assertThat(v6 ? wrapV6(flipped) : wrapV4(flipped)).as("bit %d", bit)
            .isEqualTo(DropReason.ICMP_BAD_CHECKSUM);
      }
    });
  }

  // --- robustness

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0x1C4_3000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 64);
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 60) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : buf.length - off;
        boolean v6 = r.nextBoolean();
        // A sum that makes random bytes check out now and then, so the accessors run too.
        int sum = Checksum.finish(Bytes.inBounds(buf, off, length) ? Checksum.sum(buf, off, length) : 0);
        DropReason reason = v6 ? icmp.wrapV6(buf, off, length, sum) : icmp.wrapV4(buf, off, length);
        if (reason == null) {
          icmp.type();
          icmp.code();
          icmp.restOfHeader();
          assertThat(icmp.reportedMtu()).isNotNegative();
          assertThat(icmp.bodyOffset() + icmp.bodyLength()).isEqualTo(off + length);
        }
      }
    });
  }
}
