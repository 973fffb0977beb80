package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST4;
import static dev.sluice.wire.TestPackets.SRC4;
import static dev.sluice.wire.TestPackets.fixIpv4Checksum;
import static dev.sluice.wire.TestPackets.ipv4;
import static dev.sluice.wire.TestPackets.ipv4Raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {
  private final Ipv4Packet ip = new Ipv4Packet();

  private static byte[] packet(Ipv4Builder builder, int payloadLength) {
    return ipv4Raw(builder, IpProtocol.UDP, TestPackets.bytes(payloadLength, payloadLength));
  }

  private static byte[] withOptions(int... options) {
    byte[] raw = new byte[options.length];
    for (int i = 0; i < options.length; i++) {
      raw[i] = (byte) options[i];
    }
    return packet(ipv4().options(raw, 0, raw.length), 8);
  }

  private DropReason wrapWithOptions(int... options) {
    byte[] buf = withOptions(options);
    return ip.wrap(buf, 0, buf.length);
  }

  // --- round trips

  @RepeatedTest(200)
  void builtHeader_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0x1B4_0000L + repetition.getCurrentRepetition(), r -> {
      int tos = Seeds.between(r, 0, 255);
      int id = Seeds.between(r, 0, 0xFFFF);
      boolean df = r.nextBoolean();
      int ttl = Seeds.between(r, 0, 255);
      int protocol = Seeds.between(r, 0, 255);
      int src = unicastSource(r);
      int dst = Seeds.anyInt(r);
      int payloadLength = Seeds.between(r, 0, 300);
      Ipv4Builder builder = new Ipv4Builder().typeOfService(tos).identification(id).dontFragment(df)
          .ttl(ttl).protocol(protocol).source(src).destination(dst);
      byte[] buf = new byte[20 + payloadLength];
      assertThat(builder.write(buf, 0, payloadLength)).isEqualTo(20);

      assertThat(ip.wrap(buf, 0, buf.length)).isNull();
      assertThat(ip.typeOfService()).isEqualTo(tos);
      assertThat(ip.identification()).isEqualTo(id);
      assertThat(ip.dontFragment()).isEqualTo(df);
      assertThat(ip.moreFragments()).isFalse();
      assertThat(ip.fragmentOffset()).isZero();
      assertThat(ip.isFragment()).isFalse();
      assertThat(ip.ttl()).isEqualTo(ttl);
      assertThat(ip.protocol()).isEqualTo(protocol);
      assertThat(ip.source()).isEqualTo(src);
      assertThat(ip.destination()).isEqualTo(dst);
      assertThat(ip.headerLength()).isEqualTo(20);
      assertThat(ip.totalLength()).isEqualTo(20 + payloadLength);
      assertThat(ip.payloadOffset()).isEqualTo(20);
      assertThat(ip.payloadLength()).isEqualTo(payloadLength);
      assertThat(ip.optionsLength()).isZero();
      assertThat(ip.headerChecksum()).isEqualTo(Bytes.u16(buf, 10));
      assertThat(ip.pseudoHeaderSum(payloadLength))
          .isEqualTo(Checksum.pseudoHeaderIpv4(src, dst, protocol, payloadLength));
    });
  }

  /** Any address that is neither multicast nor the limited broadcast. */
  private static int unicastSource(SplittableRandom r) {
    int a;
    do {
      a = Seeds.anyInt(r);
    } while ((a >>> 28) == 0xE || a == -1);
    return a;
  }

  @RepeatedTest(200)
  void fragmentFields_roundTrip_andAreValidatedByRfc791Rules(RepetitionInfo repetition) {
    Seeds.run(0x1B4_1000L + repetition.getCurrentRepetition(), r -> {
      // Half the cases near the 65535 limit, where the rule bites.
      int offset = 8 * (r.nextBoolean() ? Seeds.between(r, 0, 8191) : Seeds.between(r, 8170, 8191));
      boolean more = r.nextBoolean();
      int payloadLength = Seeds.between(r, 0, 100);
      byte[] buf = packet(ipv4().fragmentOffset(offset).moreFragments(more), payloadLength);
      // RFC 791 §3.2: non-final fragments carry multiples of 8; nothing may end past 65535 [4].
      boolean valid = offset + payloadLength <= 65_535 && !(more && payloadLength % 8 != 0);
      DropReason reason = ip.wrap(buf, 0, buf.length);
      if (!valid) {
        assertThat(reason).isEqualTo(DropReason.IPV4_BAD_FRAGMENT);
        return;
      }
      assertThat(reason).isNull();
      assertThat(ip.fragmentOffset()).isEqualTo(offset);
      assertThat(ip.moreFragments()).isEqualTo(more);
      assertThat(ip.isFragment()).isEqualTo(more || offset != 0);
    });
  }

  @Test
  void options_roundTripWithPaddingToAWordBoundary() {
    for (int nops = 0; nops <= 40; nops++) {
      byte[] raw = new byte[nops];
      Arrays.fill(raw, (byte) Ipv4Packet.OPTION_NOP);
      byte[] buf = packet(ipv4().options(raw, 0, nops), 12);
      int expectedHeader = 20 + ((nops + 3) & ~3);

      assertThat(ip.wrap(buf, 0, buf.length)).as("%d NOPs", nops).isNull();
      assertThat(ip.headerLength()).isEqualTo(expectedHeader);
      assertThat(ip.optionsOffset()).isEqualTo(20);
      assertThat(ip.optionsLength()).isEqualTo(expectedHeader - 20);
      assertThat(ip.payloadOffset()).isEqualTo(expectedHeader);
      assertThat(ip.payloadLength()).isEqualTo(12);
      assertThat(Arrays.copyOfRange(buf, 20, 20 + nops)).isEqualTo(raw);
    }
  }

  @Test
  void viewAtNonZeroOffset_readsFieldsRelativeToIt() {
    byte[] pkt = packet(ipv4().ttl(7), 10);
    byte[] buf = TestPackets.concat(new byte[33], pkt, new byte[5]);
    assertThat(ip.wrap(buf, 33, pkt.length)).isNull();
    assertThat(ip.offset()).isEqualTo(33);
    assertThat(ip.buffer()).isSameAs(buf);
    assertThat(ip.ttl()).isEqualTo(7);
    assertThat(ip.source()).isEqualTo(SRC4);
    assertThat(ip.destination()).isEqualTo(DST4);
    assertThat(ip.payloadOffset()).isEqualTo(53);
  }

  @Test
  void reusedView_forgetsThePreviousPacketsHeaderLength() {
    byte[] withOptions = withOptions(1, 1, 1, 1, 1, 1, 1, 1);
    byte[] plain = packet(ipv4(), 8);
    assertThat(ip.wrap(withOptions, 0, withOptions.length)).isNull();
    assertThat(ip.headerLength()).isEqualTo(28);
    assertThat(ip.wrap(plain, 0, plain.length)).isNull();
    assertThat(ip.headerLength()).isEqualTo(20);
    assertThat(ip.payloadLength()).isEqualTo(8);
  }

  @Test
  void builder_padsOptionsWithEndOfOptionList_evenOverADirtyBuffer() {
    byte[] buf = new byte[40];
    Arrays.fill(buf, (byte) 0xFF);
    byte[] routerAlertLike = {(byte) 148, 3, 0};
    int hl = ipv4().protocol(IpProtocol.UDP).options(routerAlertLike, 0, 3).write(buf, 0, 16);
    assertThat(hl).isEqualTo(24);
    assertThat(buf[23]).isEqualTo((byte) Ipv4Packet.OPTION_END);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    assertThat(ip.optionsLength()).isEqualTo(4);
  }

  @Test
  void builder_rejectsFragmentOffsetsThatAreNotMultiplesOfEight() {
    assertThatThrownBy(() -> new Ipv4Builder().fragmentOffset(12))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Ipv4Builder().fragmentOffset(65_536))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- truncation and lengths (hostile input 16)

  @Test
  void truncatedHeader_atEveryLengthBelowTwenty_isDropped() {
    byte[] buf = packet(ipv4(), 40);
    for (int length = 0; length < 20; length++) {
      assertThat(ip.wrap(buf, 0, length)).as("length %d", length).isEqualTo(DropReason.IP_TRUNCATED);
    }
  }

  @Test
  void frameLengthBeyondTheBuffer_isTruncatedNotRead() {
    byte[] buf = packet(ipv4(), 8);
    assertThat(ip.wrap(buf, 0, buf.length + 1)).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(ip.wrap(buf, 1, buf.length)).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(ip.wrap(buf, -1, 20)).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(ip.wrap(buf, 8, Integer.MAX_VALUE)).isEqualTo(DropReason.IP_TRUNCATED);
  }

  @Test
  void versionOtherThanFour_isDropped() {
    for (int version = 0; version < 16; version++) {
      if (version == 4) {
        continue;
      }
      byte[] buf = packet(ipv4(), 8);
      buf[0] = (byte) (version << 4 | 5);
      assertThat(ip.wrap(buf, 0, buf.length)).as("version %d", version)
          .isEqualTo(DropReason.IP_BAD_VERSION);
    }
  }

  @Test
  void ipv4HeaderLengthBelowFive_isDropped() {
    for (int ihl = 0; ihl < 5; ihl++) {
      byte[] buf = packet(ipv4(), 40);
      buf[0] = (byte) (0x40 | ihl);
      assertThat(ip.wrap(buf, 0, buf.length)).as("IHL %d", ihl)
          .isEqualTo(DropReason.IPV4_BAD_HEADER_LENGTH);
    }
  }

  @Test
  void ipv4HeaderLengthBeyondFrame_isDropped() {
    byte[] buf = packet(ipv4(), 20); // 40 bytes
    buf[0] = 0x4F; // 60-byte header
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_HEADER_LENGTH);
    byte[] bare = packet(ipv4(), 0);
    bare[0] = 0x46; // 24 bytes in a 20-byte frame
    assertThat(ip.wrap(bare, 0, bare.length)).isEqualTo(DropReason.IPV4_BAD_HEADER_LENGTH);
  }

  @Test
  void totalLengthBelowHeaderLength_isDropped() {
    for (int total : new int[] {0, 1, 19}) {
      byte[] buf = packet(ipv4(), 8);
      Bytes.put16(buf, 2, total);
      assertThat(ip.wrap(buf, 0, buf.length)).as("total %d", total)
          .isEqualTo(DropReason.IPV4_BAD_TOTAL_LENGTH);
    }
    byte[] withOptions = withOptions(1, 1, 1, 1);
    Bytes.put16(withOptions, 2, 23); // covers the fixed header, not the options
    assertThat(ip.wrap(withOptions, 0, withOptions.length))
        .isEqualTo(DropReason.IPV4_BAD_TOTAL_LENGTH);
  }

  @Test
  void totalLengthBeyondFrame_isDropped() {
    byte[] buf = packet(ipv4(), 8);
    assertThat(ip.wrap(buf, 0, buf.length - 1)).isEqualTo(DropReason.IPV4_BAD_TOTAL_LENGTH);
    Bytes.put16(buf, 2, 0xFFFF);
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_TOTAL_LENGTH);
  }

  @Test
  void linkPadding_isTrimmed_andPayloadLengthComesFromTheHeader() {
    // An 8-byte payload in a minimum Ethernet frame arrives with 18 bytes of padding.
    byte[] buf = TestPackets.padded(packet(ipv4(), 8), 18, 0xCC);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    assertThat(ip.totalLength()).isEqualTo(28);
    assertThat(ip.payloadLength()).isEqualTo(8);
  }

  // --- checksum (hostile input 17)

  @Test
  void badHeaderChecksum_isDropped() {
    byte[] buf = packet(ipv4(), 8);
    buf[11] ^= 0x01;
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_CHECKSUM);
    byte[] ttlChanged = packet(ipv4(), 8);
    ttlChanged[8]--; // a router that forgot to update the checksum
    assertThat(ip.wrap(ttlChanged, 0, ttlChanged.length)).isEqualTo(DropReason.IPV4_BAD_CHECKSUM);
  }

  @Test
  void checksumCoversTheOptions() {
    byte[] buf = withOptions(7, 7, 4, 0, 0, 0, 0);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    buf[25] ^= 0x10; // inside the Record Route data
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_CHECKSUM);
  }

  @RepeatedTest(100)
  void everySingleBitFlipInABareHeader_isCaughtWithTheRightReason(RepetitionInfo repetition) {
    Seeds.run(0x1B4_2000L + repetition.getCurrentRepetition(), r -> {
      // A header with no payload: any change to IHL or Total Length makes it overrun the frame or
      // fall short of 20 bytes, so every flip has one predictable reason.
      byte[] buf = new byte[20];
      new Ipv4Builder().identification(Seeds.between(r, 0, 0xFFFF)).ttl(Seeds.between(r, 0, 255))
          .typeOfService(Seeds.between(r, 0, 255)).dontFragment(r.nextBoolean())
          .protocol(IpProtocol.TCP).source(SRC4).destination(Seeds.anyInt(r)).write(buf, 0, 0);
      for (int bit = 0; bit < 160; bit++) {
        DropReason expected;
        if (bit < 4) {
          expected = DropReason.IP_BAD_VERSION;
        } else if (bit < 8) {
          expected = DropReason.IPV4_BAD_HEADER_LENGTH;
        } else if (bit >= 16 && bit < 32) {
          expected = DropReason.IPV4_BAD_TOTAL_LENGTH;
        } else {
          expected = DropReason.IPV4_BAD_CHECKSUM;
        }
        byte[] flipped = TestPackets.flipBit(buf, bit);
        assertThat(ip.wrap(flipped, 0, 20)).as("bit %d", bit).isEqualTo(expected);
      }
    });
  }

  @RepeatedTest(50)
  void singleBitFlipOutsideTheLengthFields_isABadChecksumEvenWithPayloadAndOptions(
      RepetitionInfo repetition) {
    Seeds.run(0x1B4_3000L + repetition.getCurrentRepetition(), r -> {
      int optionBytes = Seeds.between(r, 0, 40);
      byte[] nops = new byte[optionBytes];
      Arrays.fill(nops, (byte) Ipv4Packet.OPTION_NOP);
      byte[] buf = packet(ipv4().options(nops, 0, optionBytes).ttl(Seeds.between(r, 0, 255)),
          Seeds.between(r, 0, 200));
      int headerBits = (buf[0] & 0x0F) * 32;
      for (int bit = 0; bit < headerBits; bit++) {
        // The Version/IHL octet and Total Length are checked before the checksum.
        if (bit < 8 || (bit >= 16 && bit < 32)) {
          continue;
        }
        byte[] flipped = TestPackets.flipBit(buf, bit);
        assertThat(ip.wrap(flipped, 0, flipped.length)).as("bit %d", bit)
            .isEqualTo(DropReason.IPV4_BAD_CHECKSUM);
      }
    });
  }

  // --- options (hostile input 31, RFC 791 §3.1)

  @Test
  void ipv4OptionWithLengthZeroOrOne_isDropped() {
    assertThat(wrapWithOptions(7, 0, 0, 0)).isEqualTo(DropReason.IPV4_BAD_OPTION);
    assertThat(wrapWithOptions(7, 1, 0, 0)).isEqualTo(DropReason.IPV4_BAD_OPTION);
    // Also when hidden behind NOPs.
    assertThat(wrapWithOptions(1, 1, 0x44, 0)).isEqualTo(DropReason.IPV4_BAD_OPTION);
  }

  @Test
  void ipv4OptionRunningPastTheHeader_isDropped() {
    assertThat(wrapWithOptions(7, 9, 4, 0)).isEqualTo(DropReason.IPV4_BAD_OPTION);
    assertThat(wrapWithOptions(1, 1, 7, 3)).isEqualTo(DropReason.IPV4_BAD_OPTION);
  }

  @Test
  void ipv4OptionKindInTheLastByteWithoutALength_isDropped() {
    assertThat(wrapWithOptions(1, 1, 1, 7)).isEqualTo(DropReason.IPV4_BAD_OPTION);
  }

  @Test
  void looseAndStrictSourceRoutes_areDropped() {
    int[] route = {0, 7, 4, 192, 0, 2, 99, 1};
    // RFC 791 §3.1: LSRR is type 131, SSRR type 137.
    for (int type : new int[] {131, 137}) {
      route[0] = type;
      assertThat(wrapWithOptions(route)).as("type %d", type)
          .isEqualTo(DropReason.IPV4_SOURCE_ROUTED);
      int[] afterNop = {1, type, 7, 4, 192, 0, 2, 99};
      assertThat(wrapWithOptions(afterNop)).as("type %d after NOP", type)
          .isEqualTo(DropReason.IPV4_SOURCE_ROUTED);
    }
  }

  @Test
  void nopOptions_areSkipped() {
    assertThat(wrapWithOptions(1, 1, 1, 1, 1, 1, 1, 1)).isNull();
    assertThat(wrapWithOptions(1, 7, 7, 4, 0, 0, 0, 0)).isNull();
  }

  @Test
  void endOfOptions_stopsTheWalk_soPaddingAfterItIsNeverParsed() {
    // What follows End of Option List is padding, even if it looks like a source route.
    assertThat(wrapWithOptions(0, 131, 0, 0)).isNull();
    assertThat(wrapWithOptions(1, 0, 7, 0)).isNull();
  }

  @Test
  void wellFormedOptions_areAccepted() {
    // Record Route (RFC 791), Router Alert (RFC 2113).
    assertThat(wrapWithOptions(7, 7, 4, 0, 0, 0, 0)).isNull();
    assertThat(wrapWithOptions(148, 4, 0, 0)).isNull();
    assertThat(ip.optionsLength()).isEqualTo(4);
  }

  // --- fragments (hostile input 4)

  @Test
  void firstFragment_isRecognisedByMoreFragments() {
    byte[] buf = packet(ipv4().moreFragments(true), 16);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    assertThat(ip.isFragment()).isTrue();
    assertThat(ip.moreFragments()).isTrue();
    assertThat(ip.fragmentOffset()).isZero();
  }

  @Test
  void lastFragment_isRecognisedByItsOffset() {
    byte[] buf = packet(ipv4().fragmentOffset(1480), 13);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    assertThat(ip.isFragment()).isTrue();
    assertThat(ip.moreFragments()).isFalse();
    assertThat(ip.fragmentOffset()).isEqualTo(1480);
  }

  @Test
  void dontFragmentAlone_isNotAFragment() {
    byte[] buf = packet(ipv4().dontFragment(true), 13);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    assertThat(ip.dontFragment()).isTrue();
    assertThat(ip.isFragment()).isFalse();
  }

  @Test
  void fragmentEndingPast65535_isDropped() {
    byte[] over = packet(ipv4().fragmentOffset(65_528), 8);
    assertThat(ip.wrap(over, 0, over.length)).isEqualTo(DropReason.IPV4_BAD_FRAGMENT);
    byte[] atLimit = packet(ipv4().fragmentOffset(65_520), 15);
    assertThat(ip.wrap(atLimit, 0, atLimit.length)).isNull();
    byte[] oneOver = packet(ipv4().fragmentOffset(65_520), 16);
    assertThat(ip.wrap(oneOver, 0, oneOver.length)).isEqualTo(DropReason.IPV4_BAD_FRAGMENT);
  }

  @Test
  void nonFinalFragmentNotAMultipleOfEight_isDropped() {
    byte[] buf = packet(ipv4().moreFragments(true).fragmentOffset(8), 12);
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_FRAGMENT);
  }

  // --- source address (RFC 1122 §3.2.1.3)

  @Test
  void multicastSource_isDropped() {
    for (int first = 224; first <= 239; first++) {
      byte[] buf = packet(ipv4().source(first << 24 | 0x010203), 8);
      assertThat(ip.wrap(buf, 0, buf.length)).as("%d.1.2.3", first)
          .isEqualTo(DropReason.IPV4_BAD_SOURCE);
    }
  }

  @Test
  void limitedBroadcastSource_isDropped() {
    byte[] buf = packet(ipv4().source(IpAddresses.parseIpv4("255.255.255.255")), 8);
    assertThat(ip.wrap(buf, 0, buf.length)).isEqualTo(DropReason.IPV4_BAD_SOURCE);
  }

  @Test
  void unicastSourceNextToTheMulticastRange_isAccepted() {
    byte[] buf = packet(ipv4().source(IpAddresses.parseIpv4("223.255.255.255")), 8);
    assertThat(ip.wrap(buf, 0, buf.length)).isNull();
    byte[] multicastDestination =
        packet(ipv4().destination(IpAddresses.parseIpv4("224.0.0.251")), 8);
    assertThat(ip.wrap(multicastDestination, 0, multicastDestination.length)).isNull();
  }

  // --- robustness

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0x1B4_4000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 100);
        // Half the time make it at least claim to be IPv4 with a valid checksum, so that the
        // option walk and the fragment checks see hostile bytes too.
        if (buf.length >= 20 && r.nextBoolean()) {
          buf[0] = (byte) (0x40 | (buf[0] & 0x0F));
          if ((buf[0] & 0x0F) * 4 <= buf.length) {
            fixIpv4Checksum(buf, 0);
          }
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 120) : buf.length - off;
        if (ip.wrap(buf, off, length) == null) {
          assertThat(ip.payloadOffset() + ip.payloadLength()).isLessThanOrEqualTo(off + length);
        }
      }
    });
  }

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryOptionsWithAValidChecksum(RepetitionInfo repetition) {
    Seeds.run(0x1B4_5000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 20; i++) {
        byte[] options = Seeds.bytes(r, 40);
        if (r.nextBoolean()) {
          // Mostly known types and small lengths, so that walks get long.
          for (int j = 0; j < options.length; j++) {
            options[j] = (byte) (j % 2 == 0 ? new int[] {0, 1, 7, 68, 131, 137, 148}[r.nextInt(7)]
                : r.nextInt(12));
          }
        }
        byte[] buf = packet(ipv4().options(options, 0, options.length), Seeds.between(r, 0, 40));
        assertThat(ip.wrap(buf, 0, buf.length))
            .isIn(null, DropReason.IPV4_BAD_OPTION, DropReason.IPV4_SOURCE_ROUTED);
      }
    });
  }
}
