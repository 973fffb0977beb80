package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ArpPacketTest {
  private static final long MAC_A = 0x02_00_00_00_00_01L;
  private final ArpPacket arp = new ArpPacket();

  private static byte[] request() {
    byte[] buf = new byte[28];
    new ArpBuilder().operation(ArpPacket.OPERATION_REQUEST).sender(MAC_A, TestPackets.SRC4)
        .target(0, TestPackets.DST4).write(buf, 0);
    return buf;
  }

  @RepeatedTest(200)
  void builtPacket_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0xA4_0000L + repetition.getCurrentRepetition(), r -> {
      int operation = Seeds.between(r, 0, 0xFFFF);
      long senderMac = Seeds.mac(r);
      int senderIp = Seeds.anyInt(r);
      long targetMac = Seeds.mac(r);
      int targetIp = Seeds.anyInt(r);
      byte[] buf = new byte[28];
      int written = new ArpBuilder().operation(operation).sender(senderMac, senderIp)
          .target(targetMac, targetIp).write(buf, 0);
      assertThat(written).isEqualTo(ArpPacket.LENGTH);

      assertThat(arp.wrap(buf, 0, buf.length)).isNull();
      assertThat(arp.operation()).isEqualTo(operation);
      assertThat(arp.senderHardwareAddress()).isEqualTo(senderMac);
      assertThat(arp.senderProtocolAddress()).isEqualTo(senderIp);
      assertThat(arp.targetHardwareAddress()).isEqualTo(targetMac);
      assertThat(arp.targetProtocolAddress()).isEqualTo(targetIp);
    });
  }

  @Test
  void request_hasTheRfc826FixedFields() {
    byte[] buf = request();
    // Hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4, operation 1.
    assertThat(Bytes.u16(buf, 0)).isEqualTo(1);
    assertThat(Bytes.u16(buf, 2)).isEqualTo(0x0800);
    assertThat(buf[4]).isEqualTo((byte) 6);
    assertThat(buf[5]).isEqualTo((byte) 4);
    assertThat(arp.wrap(buf, 0, buf.length)).isNull();
    assertThat(arp.operation()).isEqualTo(ArpPacket.OPERATION_REQUEST);
  }

  @Test
  void ethernetPadding_isAccepted() {
    // ARP in a minimum-size Ethernet frame arrives with 18 bytes of padding.
    byte[] buf = TestPackets.padded(request(), 18, 0);
    byte[] atOffset = TestPackets.concat(new byte[14], buf);
    assertThat(arp.wrap(atOffset, 14, buf.length)).isNull();
    assertThat(arp.senderProtocolAddress()).isEqualTo(TestPackets.SRC4);
    assertThat(arp.targetProtocolAddress()).isEqualTo(TestPackets.DST4);
  }

  @Test
  void truncatedPacket_atEveryLengthBelow28_isDropped() {
    byte[] buf = request();
    for (int length = 0; length < 28; length++) {
      assertThat(arp.wrap(buf, 0, length)).as("length %d", length).isEqualTo(DropReason.ARP_TRUNCATED);
    }
    assertThat(arp.wrap(buf, 1, 28)).isEqualTo(DropReason.ARP_TRUNCATED);
    assertThat(arp.wrap(buf, -1, 28)).isEqualTo(DropReason.ARP_TRUNCATED);
    assertThat(arp.wrap(buf, 4, Integer.MAX_VALUE)).isEqualTo(DropReason.ARP_TRUNCATED);
  }

  @Test
  void arpForOtherHardwareOrProtocols_isUnsupported() {
    int[][] edits = {
        {0, 0, 6},            // hardware type IEEE 802 networks
        {2, 0x86, 0xDD},      // protocol IPv6
        {4, 8},               // 8-byte hardware addresses
        {5, 16}};             // 16-byte protocol addresses
    for (int[] edit : edits) {
      byte[] buf = request();
      for (int i = 1; i < edit.length; i++) {
        buf[edit[0] + i - 1] = (byte) edit[i];
      }
      assertThat(arp.wrap(buf, 0, buf.length)).as("edit at %d", edit[0])
          .isEqualTo(DropReason.ARP_UNSUPPORTED);
    }
  }

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0xA4_1000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 48);
        if (buf.length >= 6 && r.nextBoolean()) {
          System.arraycopy(request(), 0, buf, 0, 6); // get past the type checks more often
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 40) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 60) : buf.length - off;
        if (arp.wrap(buf, off, length) == null) {
          arp.operation();
          arp.senderHardwareAddress();
          arp.targetProtocolAddress();
          assertThat(length).isGreaterThanOrEqualTo(ArpPacket.LENGTH);
        }
      }
    });
  }
}
