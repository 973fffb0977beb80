package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {
  private static final long MAC_A = 0x02_00_5E_10_20_30L;
  private static final long MAC_B = 0xFF_FF_FF_FF_FF_FFL;

  private final EthernetFrame frame = new EthernetFrame();

  private static byte[] frame(EthernetBuilder builder, int payloadLength) {
    return TestPackets.ethernet(builder, TestPackets.bytes(payloadLength, payloadLength));
  }

  @RepeatedTest(200)
  void builtFrame_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0xE7_0000L + repetition.getCurrentRepetition(), r -> {
      long dst = Seeds.mac(r);
      long src = Seeds.mac(r);
      int etherType = etherType(r);
      int tag = r.nextBoolean() ? -1 : Seeds.between(r, 0, 0xFFFF);
      int payload = Seeds.between(r, 0, 100);
      EthernetBuilder builder =
          new EthernetBuilder().destination(dst).source(src).etherType(etherType).vlanTag(tag);
      byte[] buf = frame(builder, payload);
      int header = tag < 0 ? 14 : 18;
      assertThat(builder.headerLength()).isEqualTo(header);

      assertThat(frame.wrap(buf, 0, buf.length)).isNull();
      assertThat(frame.destination()).isEqualTo(dst);
      assertThat(frame.source()).isEqualTo(src);
      assertThat(frame.etherType()).isEqualTo(etherType);
      assertThat(frame.vlanTag()).isEqualTo(tag);
      assertThat(frame.headerLength()).isEqualTo(header);
      assertThat(frame.payloadOffset()).isEqualTo(header);
      assertThat(frame.payloadLength()).isEqualTo(payload);
    });
  }

  /** Any EtherType but the VLAN TPID, which would be read as a tag. */
  private static int etherType(SplittableRandom r) {
    int[] common = {EthernetFrame.ETHERTYPE_IPV4, EthernetFrame.ETHERTYPE_IPV6, EthernetFrame.ETHERTYPE_ARP};
    int t;
    do {
      t = r.nextBoolean() ? common[r.nextInt(3)] : Seeds.between(r, 0, 0xFFFF);
    } while (t == EthernetFrame.ETHERTYPE_VLAN);
    return t;
  }

  @Test
  void vlanTaggedFrame_exposesTheInnerEtherType() {
    // IEEE 802.1Q: TPID 0x8100, then priority 5, VLAN 100, then the real EtherType.
    byte[] buf = frame(new EthernetBuilder().destination(MAC_B).source(MAC_A)
        .etherType(EthernetFrame.ETHERTYPE_IPV6).vlanTag(5 << 13 | 100), 40);
    assertThat(Bytes.u16(buf, 12)).isEqualTo(EthernetFrame.ETHERTYPE_VLAN);
    assertThat(frame.wrap(buf, 0, buf.length)).isNull();
    assertThat(frame.vlanTag()).isEqualTo(5 << 13 | 100);
    assertThat(frame.etherType()).isEqualTo(EthernetFrame.ETHERTYPE_IPV6);
    assertThat(frame.payloadOffset()).isEqualTo(18);
    assertThat(frame.payloadLength()).isEqualTo(40);
  }

  @Test
  void untaggedFrame_hasNoVlanTag() {
    byte[] buf = frame(new EthernetBuilder().destination(MAC_B).source(MAC_A)
        .etherType(EthernetFrame.ETHERTYPE_ARP), 28);
    assertThat(frame.wrap(buf, 0, buf.length)).isNull();
    assertThat(frame.vlanTag()).isEqualTo(-1);
    assertThat(frame.destination()).isEqualTo(MAC_B);
    assertThat(frame.source()).isEqualTo(MAC_A);
  }

  @Test
  void frameAtNonZeroOffset_readsRelativeToIt() {
    byte[] f = frame(new EthernetBuilder().source(MAC_A).etherType(EthernetFrame.ETHERTYPE_IPV4), 20);
    byte[] buf = TestPackets.concat(new byte[10], f);
    assertThat(frame.wrap(buf, 10, f.length)).isNull();
    assertThat(frame.source()).isEqualTo(MAC_A);
    assertThat(frame.payloadOffset()).isEqualTo(24);
  }

  @Test
  void reusedView_forgetsThePreviousTag() {
    byte[] tagged = frame(new EthernetBuilder().etherType(EthernetFrame.ETHERTYPE_IPV4).vlanTag(7), 20);
    byte[] plain = frame(new EthernetBuilder().etherType(EthernetFrame.ETHERTYPE_IPV4), 20);
    assertThat(frame.wrap(tagged, 0, tagged.length)).isNull();
    assertThat(frame.wrap(plain, 0, plain.length)).isNull();
    assertThat(frame.vlanTag()).isEqualTo(-1);
    assertThat(frame.headerLength()).isEqualTo(14);
  }

  @Test
  void truncatedHeader_atEveryLengthBelowFourteen_isDropped() {
    byte[] buf = frame(new EthernetBuilder().etherType(EthernetFrame.ETHERTYPE_IPV4), 10);
    for (int length = 0; length < 14; length++) {
      assertThat(frame.wrap(buf, 0, length)).as("length %d", length).isEqualTo(DropReason.ETHERNET_TRUNCATED);
    }
    assertThat(frame.wrap(buf, 0, buf.length + 1)).isEqualTo(DropReason.ETHERNET_TRUNCATED);
    assertThat(frame.wrap(buf, -1, 14)).isEqualTo(DropReason.ETHERNET_TRUNCATED);
    assertThat(frame.wrap(buf, 2, Integer.MAX_VALUE)).isEqualTo(DropReason.ETHERNET_TRUNCATED);
  }

  @Test
  void vlanTagCutShort_isDropped() {
    byte[] buf = frame(new EthernetBuilder().etherType(EthernetFrame.ETHERTYPE_IPV4).vlanTag(1), 0);
    for (int length = 14; length < 18; length++) {
      assertThat(frame.wrap(buf, 0, length)).as("length %d", length).isEqualTo(DropReason.ETHERNET_TRUNCATED);
    }
    assertThat(frame.wrap(buf, 0, 18)).isNull();
    assertThat(frame.payloadLength()).isZero();
  }

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0xE7_1000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 40);
        if (buf.length >= 14 && r.nextBoolean()) {
          Bytes.put16(buf, 12, EthernetFrame.ETHERTYPE_VLAN);
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 40) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 50) : buf.length - off;
        if (frame.wrap(buf, off, length) == null) {
          frame.destination();
          frame.source();
          frame.etherType();
          frame.vlanTag();
          assertThat(frame.payloadLength()).isNotNegative();
          assertThat(frame.payloadOffset() + frame.payloadLength()).isEqualTo(off + length);
        }
      }
    });
  }
}
