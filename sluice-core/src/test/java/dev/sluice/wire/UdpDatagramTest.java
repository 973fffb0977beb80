package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST4;
import static dev.sluice.wire.TestPackets.DST6;
import static dev.sluice.wire.TestPackets.SRC4;
import static dev.sluice.wire.TestPackets.SRC6;
import static dev.sluice.wire.TestPackets.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class UdpDatagramTest {
  private final UdpDatagram udp = new UdpDatagram();

  private static int pseudo(boolean v6, int length) {
    return v6
        ? Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1], IpProtocol.UDP, length)
        : Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.UDP, length);
  }

  private static byte[] datagram(UdpBuilder builder, byte[] payload, boolean v6) {
    byte[] buf = new byte[8 + payload.length];
    System.arraycopy(payload, 0, buf, 8, payload.length);
    // The builder, like the view, takes the pseudo-header sum without a length.
    assertThat(builder.write(buf, 0, payload.length, pseudo(v6, 0))).isEqualTo(8);
    return buf;
  }

  private DropReason wrap(byte[] buf, int ipPayloadLength, boolean v6) {
    // The IP layer passes its pseudo-header sum for a length of 0; UDP adds its own Length.
    return udp.wrap(buf, 0, ipPayloadLength, pseudo(v6, 0), v6);
  }

  // --- round trips

  @RepeatedTest(200)
  void builtDatagram_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0x0D9_0000L + repetition.getCurrentRepetition(), r -> {
      int srcPort = Seeds.between(r, 0, 0xFFFF);
      int dstPort = Seeds.between(r, 1, 0xFFFF);
      byte[] payload = Seeds.bytes(r, 300);
      boolean v6 = r.nextBoolean();
      byte[] buf = datagram(new UdpBuilder().sourcePort(srcPort).destinationPort(dstPort), payload, v6);

      assertThat(wrap(buf, buf.length, v6)).isNull();
      assertThat(udp.sourcePort()).isEqualTo(srcPort);
      assertThat(udp.destinationPort()).isEqualTo(dstPort);
      assertThat(udp.length()).isEqualTo(8 + payload.length);
      assertThat(udp.payloadOffset()).isEqualTo(8);
      assertThat(udp.payloadLength()).isEqualTo(payload.length);
      assertThat(udp.checksum()).isEqualTo(Bytes.u16(buf, 6)).isNotZero();
      assertThat(udp.buffer()).isSameAs(buf);
      assertThat(udp.offset()).isZero();
    });
  }

  @Test
  void computedChecksumOfZero_isSentAsAllOnes_andAccepted() {
    // RFC 768: a computed zero is sent as 0xFFFF, since zero means "no checksum".
    for (boolean v6 : new boolean[] {false, true}) {
      byte[] probe = datagram(udp(), new byte[2], v6);
      int needed = Bytes.u16(probe, 6); // the word that cancels the rest of the sum
      byte[] payload = new byte[2];
      Bytes.put16(payload, 0, needed);
      byte[] buf = datagram(udp(), payload, v6);
      assertThat(Checksum.finish(Checksum.add(pseudo(v6, 10), Checksum.sum(withZeroChecksum(buf), 0, 10))))
          .as("v6 %s: the computed checksum", v6).isZero();
      assertThat(Bytes.u16(buf, 6)).isEqualTo(0xFFFF);
      assertThat(wrap(buf, buf.length, v6)).isNull();
    }
  }

  private static byte[] withZeroChecksum(byte[] buf) {
    byte[] copy = buf.clone();
    Bytes.put16(copy, 6, 0);
    return copy;
  }

  @Test
  void datagramAtNonZeroOffset_readsRelativeToIt() {
    byte[] d = datagram(udp().sourcePort(7), TestPackets.bytes(5, 3), false);
    byte[] buf = TestPackets.concat(new byte[28], d);
    assertThat(udp.wrap(buf, 28, d.length, pseudo(false, 0), false)).isNull();
    assertThat(udp.sourcePort()).isEqualTo(7);
    assertThat(udp.payloadOffset()).isEqualTo(36);
  }

  // --- lengths

  @Test
  void truncatedHeader_atEveryLengthBelowEight_isDropped() {
    byte[] buf = datagram(udp(), new byte[4], false);
    for (int length = 0; length < 8; length++) {
      assertThat(wrap(buf, length, false)).as("length %d", length).isEqualTo(DropReason.UDP_TRUNCATED);
    }
    assertThat(wrap(buf, buf.length + 1, false)).isEqualTo(DropReason.UDP_TRUNCATED);
    assertThat(udp.wrap(buf, -1, 8, 0, false)).isEqualTo(DropReason.UDP_TRUNCATED);
    assertThat(udp.wrap(buf, 4, Integer.MAX_VALUE, 0, false)).isEqualTo(DropReason.UDP_TRUNCATED);
  }

  @Test
  void udpLengthFieldBelowEight_isDropped() {
    for (int length = 0; length < 8; length++) {
      byte[] buf = datagram(udp(), new byte[4], false);
      Bytes.put16(buf, 4, length);
      assertThat(wrap(buf, buf.length, false)).as("length %d", length).isEqualTo(DropReason.UDP_BAD_LENGTH);
    }
  }

  @Test
  void udpLengthFieldBeyondTheIpPayload_isDropped() {
    byte[] buf = datagram(udp(), new byte[4], false);
    assertThat(wrap(buf, buf.length - 1, false)).isEqualTo(DropReason.UDP_BAD_LENGTH);
    Bytes.put16(buf, 4, 0xFFFF);
    assertThat(wrap(buf, buf.length, false)).isEqualTo(DropReason.UDP_BAD_LENGTH);
  }

  @Test
  void udpLengthBelowTheIpPayload_isTrimmedToTheUdpLength() {
    // The checksum covers the UDP length only; the extra bytes are padding and are not summed.
    for (boolean v6 : new boolean[] {false, true}) {
      byte[] buf = TestPackets.padded(datagram(udp(), TestPackets.bytes(10, 4), v6), 6, 0x77);
      assertThat(wrap(buf, buf.length, v6)).isNull();
      assertThat(udp.length()).isEqualTo(18);
      assertThat(udp.payloadLength()).isEqualTo(10);
    }
  }

  // --- checksum (hostile input 17)

  @Test
  void zeroChecksum_isAcceptedOverIpv4() {
    // RFC 768: an all-zero checksum means the sender computed none.
    byte[] buf = withZeroChecksum(datagram(udp(), TestPackets.bytes(12, 5), false));
    buf[10] ^= 0x01; // nothing checks the data, by design
    assertThat(wrap(buf, buf.length, false)).isNull();
  }

  @Test
  void zeroChecksum_isDroppedOverIpv6() {
    // RFC 8200 §8.1: UDP over IPv6 must carry a checksum.
    byte[] buf = withZeroChecksum(datagram(udp(), TestPackets.bytes(12, 5), true));
    assertThat(wrap(buf, buf.length, true)).isEqualTo(DropReason.UDP_MISSING_CHECKSUM);
  }

  @Test
  void badChecksum_isDropped() {
    for (boolean v6 : new boolean[] {false, true}) {
      byte[] buf = datagram(udp(), TestPackets.bytes(12, 5), v6);
      buf[15] ^= 0x40;
      assertThat(wrap(buf, buf.length, v6)).isEqualTo(DropReason.UDP_BAD_CHECKSUM);
    }
  }

  @Test
  void checksumCoversThePseudoHeader() {
    byte[] buf = datagram(udp(), TestPackets.bytes(12, 5), false);
    int wrongSource = Checksum.pseudoHeaderIpv4(SRC4 ^ 0x100, DST4, IpProtocol.UDP, 0);
    assertThat(udp.wrap(buf, 0, buf.length, wrongSource, false)).isEqualTo(DropReason.UDP_BAD_CHECKSUM);
    // A v6 datagram checked against the v4 pseudo-header.
    byte[] v6 = datagram(udp(), TestPackets.bytes(12, 5), true);
    assertThat(udp.wrap(v6, 0, v6.length, pseudo(false, 0), false)).isEqualTo(DropReason.UDP_BAD_CHECKSUM);
  }

  @RepeatedTest(100)
  void everySingleBitFlipOutsideTheLengthField_isCaught(RepetitionInfo repetition) {
    Seeds.run(0x0D9_1000L + repetition.getCurrentRepetition(), r -> {
      boolean v6 = r.nextBoolean();
      byte[] buf = datagram(udp().sourcePort(Seeds.between(r, 0, 0xFFFF)), Seeds.bytes(r, 64), v6);
      for (int bit = 0; bit < buf.length * 8; bit++) {
        if (bit >= 32 && bit < 48) {
          continue; // the Length field: see the test below
        }
        byte[] flipped = TestPackets.flipBit(buf, bit);
        DropReason reason = wrap(flipped, flipped.length, v6);
        if (Bytes.u16(flipped, 6) == 0) {
          // The flip turned the checksum into "none": legal over IPv4, refused over IPv6.
          assertThat(reason).as("bit %d", bit).isEqualTo(v6 ? DropReason.UDP_MISSING_CHECKSUM : null);
        } else {
          assertThat(reason).as("bit %d", bit).isEqualTo(DropReason.UDP_BAD_CHECKSUM);
        }
      }
    });
  }

  @Test
  void everySingleBitFlipInTheLengthField_isCaught() {
    for (boolean v6 : new boolean[] {false, true}) {
      byte[] buf = datagram(udp(), TestPackets.bytes(40, 6), v6);
      for (int bit = 32; bit < 48; bit++) {
        byte[] flipped = TestPackets.flipBit(buf, bit);
        int length = Bytes.u16(flipped, 4);
        DropReason expected = length < 8 || length > buf.length
            ? DropReason.UDP_BAD_LENGTH : DropReason.UDP_BAD_CHECKSUM;
        assertThat(wrap(flipped, flipped.length, v6)).as("v6 %s bit %d", v6, bit).isEqualTo(expected);
      }
    }
  }

  // --- ports

  @Test
  void udpDestinationPortZero_isDropped() {
    byte[] buf = datagram(udp().destinationPort(0), new byte[4], false);
    assertThat(wrap(buf, buf.length, false)).isEqualTo(DropReason.UDP_BAD_PORT);
  }

  @Test
  void udpSourcePortZero_isAccepted() {
    // RFC 768: the source port is optional, zero when unused.
    byte[] buf = datagram(udp().sourcePort(0), new byte[4], false);
    assertThat(wrap(buf, buf.length, false)).isNull();
    assertThat(udp.sourcePort()).isZero();
  }

  @Test
  void builder_refusesDatagramsLongerThan65535() {
    assertThatThrownBy(() -> udp().write(new byte[70_000], 0, 65_528, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- robustness

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0x0D9_2000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 64);
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 60) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : buf.length - off;
        if (udp.wrap(buf, off, length, Seeds.between(r, 0, 0xFFFF), r.nextBoolean()) == null) {
          assertThat(udp.payloadOffset() + udp.payloadLength()).isLessThanOrEqualTo(off + length);
        }
      }
    });
  }
}
