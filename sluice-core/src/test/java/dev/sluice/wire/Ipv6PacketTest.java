package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST6;
import static dev.sluice.wire.TestPackets.OPT_JUMBO;
import static dev.sluice.wire.TestPackets.OPT_PAD1;
import static dev.sluice.wire.TestPackets.OPT_PADN;
import static dev.sluice.wire.TestPackets.SRC6;
import static dev.sluice.wire.TestPackets.concat;
import static dev.sluice.wire.TestPackets.destinationOptionsChain;
import static dev.sluice.wire.TestPackets.fragmentHeader;
import static dev.sluice.wire.TestPackets.ipv6;
import static dev.sluice.wire.TestPackets.ipv6Raw;
import static dev.sluice.wire.TestPackets.optionsHeader;
import static dev.sluice.wire.TestPackets.routingHeader;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class Ipv6PacketTest {
  private static final int HOP_BY_HOP = IpProtocol.HOP_BY_HOP;
  private static final int DEST_OPTS = IpProtocol.IPV6_DESTINATION_OPTIONS;
  private static final int ROUTING = IpProtocol.IPV6_ROUTING;
  private static final int FRAGMENT = IpProtocol.IPV6_FRAGMENT;
  private static final int TCP = IpProtocol.TCP;
  private static final int NO_NEXT = IpProtocol.IPV6_NO_NEXT_HEADER;

  private final Ipv6Packet ip = new Ipv6Packet();

  /** A packet whose extension headers are {@code ext}, followed by {@code upper} bytes of data. */
  private static byte[] withExtensions(int first, byte[] ext, int upper) {
    return ipv6Raw(ipv6().extensionHeaders(first, ext, 0, ext.length), TCP,
        TestPackets.bytes(upper, 6));
  }

  private DropReason wrapAll(byte[] buf) {
    return ip.wrap(buf, 0, buf.length);
  }

  // --- round trips

  private static final int[] UPPER_LAYERS = {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.ICMPV6,
      IpProtocol.ESP, IpProtocol.IPV6_NO_NEXT_HEADER, 4, 41, 132, 253};

  @RepeatedTest(200)
  void builtHeader_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0x1B6_0000L + repetition.getCurrentRepetition(), r -> {
      int trafficClass = Seeds.between(r, 0, 255);
      int flowLabel = Seeds.between(r, 0, 0xF_FFFF);
      int hopLimit = Seeds.between(r, 0, 255);
      int protocol = UPPER_LAYERS[r.nextInt(UPPER_LAYERS.length)];
      long srcHi = Seeds.anyLong(r) & ~(1L << 57); // never ff00::/8, multicast
      long srcLo = Seeds.anyLong(r);
      long dstHi = Seeds.anyLong(r);
      long dstLo = Seeds.anyLong(r);
      int payloadLength = Seeds.between(r, 0, 300);
      Ipv6Builder builder = new Ipv6Builder().trafficClass(trafficClass).flowLabel(flowLabel)
          .hopLimit(hopLimit).protocol(protocol).source(srcHi, srcLo).destination(dstHi, dstLo);
      byte[] buf = new byte[40 + payloadLength];
      assertThat(builder.write(buf, 0, payloadLength)).isEqualTo(40);

      assertThat(ip.wrap(buf, 0, buf.length)).isNull();
      assertThat(ip.trafficClass()).isEqualTo(trafficClass);
      assertThat(ip.flowLabel()).isEqualTo(flowLabel);
      assertThat(ip.hopLimit()).isEqualTo(hopLimit);
      assertThat(ip.nextHeader()).isEqualTo(protocol);
      assertThat(ip.upperLayerProtocol()).isEqualTo(protocol);
      assertThat(ip.sourceHigh()).isEqualTo(srcHi);
      assertThat(ip.sourceLow()).isEqualTo(srcLo);
      assertThat(ip.destinationHigh()).isEqualTo(dstHi);
      assertThat(ip.destinationLow()).isEqualTo(dstLo);
      assertThat(ip.payloadLength()).isEqualTo(payloadLength);
      assertThat(ip.totalLength()).isEqualTo(40 + payloadLength);
      assertThat(ip.upperLayerOffset()).isEqualTo(40);
      assertThat(ip.upperLayerLength()).isEqualTo(payloadLength);
      assertThat(ip.extensionHeadersLength()).isZero();
      assertThat(ip.extensionHeaderCount()).isZero();
      assertThat(ip.isFragment()).isFalse();
      assertThat(ip.fragmentHeaderOffset()).isEqualTo(-1);
      assertThat(ip.pseudoHeaderSum(payloadLength)).isEqualTo(
          Checksum.pseudoHeaderIpv6(srcHi, srcLo, dstHi, dstLo, protocol, payloadLength));
    });
  }

  @Test
  void viewAtNonZeroOffset_readsFieldsRelativeToIt() {
    byte[] pkt = withExtensions(DEST_OPTS, optionsHeader(TCP), 20);
    byte[] buf = concat(new byte[14], pkt);
    assertThat(ip.wrap(buf, 14, pkt.length)).isNull();
    assertThat(ip.offset()).isEqualTo(14);
    assertThat(ip.buffer()).isSameAs(buf);
    assertThat(ip.sourceLow()).isEqualTo(SRC6[1]);
    assertThat(ip.destinationHigh()).isEqualTo(DST6[0]);
    assertThat(ip.upperLayerOffset()).isEqualTo(14 + 48);
    assertThat(ip.upperLayerLength()).isEqualTo(20);
  }

  // --- truncation and lengths

  @Test
  void truncatedHeader_atEveryLengthBelowForty_isDropped() {
    byte[] buf = ipv6Raw(ipv6(), TCP, new byte[20]);
    for (int length = 0; length < 40; length++) {
      assertThat(ip.wrap(buf, 0, length)).as("length %d", length).isEqualTo(DropReason.IP_TRUNCATED);
    }
    assertThat(ip.wrap(buf, 0, buf.length + 1)).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(ip.wrap(buf, -8, 40)).isEqualTo(DropReason.IP_TRUNCATED);
    assertThat(ip.wrap(buf, 4, Integer.MAX_VALUE)).isEqualTo(DropReason.IP_TRUNCATED);
  }

  @Test
  void versionOtherThanSix_isDropped() {
    for (int version = 0; version < 16; version++) {
      if (version == 6) {
        continue;
      }
      byte[] buf = ipv6Raw(ipv6(), TCP, new byte[20]);
      buf[0] = (byte) (version << 4);
      assertThat(wrapAll(buf)).as("version %d", version).isEqualTo(DropReason.IP_BAD_VERSION);
    }
  }

  @Test
  void payloadLengthBeyondFrame_isDropped() {
    byte[] buf = ipv6Raw(ipv6(), TCP, new byte[20]);
    assertThat(ip.wrap(buf, 0, buf.length - 1)).isEqualTo(DropReason.IPV6_BAD_PAYLOAD_LENGTH);
    Bytes.put16(buf, 4, 0xFFFF);
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_BAD_PAYLOAD_LENGTH);
  }

  @Test
  void linkPadding_isTrimmed_andLengthsComeFromTheHeader() {
    byte[] buf = TestPackets.padded(ipv6Raw(ipv6(), TCP, new byte[20]), 30, 0xEE);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.payloadLength()).isEqualTo(20);
    assertThat(ip.totalLength()).isEqualTo(60);
    assertThat(ip.upperLayerLength()).isEqualTo(20);
  }

  @Test
  void multicastSource_isDropped() {
    // RFC 4291 §2.7: multicast addresses must not be used as source addresses.
    byte[] buf = ipv6Raw(ipv6().source(0xFF02_0000_0000_0000L, 1), TCP, new byte[20]);
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_BAD_SOURCE);
    byte[] almost = ipv6Raw(ipv6().source(0xFE80_0000_0000_0000L, 1), TCP, new byte[20]);
    assertThat(wrapAll(almost)).isNull();
  }

  // --- extension-header chain (RFC 8200 §4, hostile input 5)

  @Test
  void destinationOptions_areWalkedToTheUpperLayer() {
    byte[] buf = withExtensions(DEST_OPTS, optionsHeader(TCP), 20);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.nextHeader()).isEqualTo(DEST_OPTS);
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
    assertThat(ip.extensionHeaderCount()).isEqualTo(1);
    assertThat(ip.extensionHeadersLength()).isEqualTo(8);
    assertThat(ip.upperLayerOffset()).isEqualTo(48);
    assertThat(ip.upperLayerLength()).isEqualTo(20);
    assertThat(ip.payloadLength()).isEqualTo(28);
    // The pseudo-header names the upper-layer protocol, not the first extension header.
    assertThat(ip.pseudoHeaderSum(20))
        .isEqualTo(Checksum.pseudoHeaderIpv6(SRC6[0], SRC6[1], DST6[0], DST6[1], TCP, 20));
  }

  @Test
  void recommendedOrder_isWalked() {
    // RFC 8200 §4.1: Hop-by-Hop, Destination Options, Routing, Fragment (atomic), Destination Options.
    byte[] ext = concat(optionsHeader(DEST_OPTS, 5, 2, 0, 0), optionsHeader(ROUTING),
        routingHeader(FRAGMENT, 4, 0), fragmentHeader(DEST_OPTS, 0, false, 7),
        optionsHeader(TCP, OPT_PADN, 2, 0, 0, OPT_PAD1));
    byte[] buf = withExtensions(HOP_BY_HOP, ext, 20);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.extensionHeaderCount()).isEqualTo(5);
    assertThat(ip.extensionHeadersLength()).isEqualTo(ext.length);
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
  }

  @Test
  void multiWordExtensionHeader_isSkippedByItsLength() {
    // Hdr Ext Len counts 8-octet units beyond the first (RFC 8200 §4.3).
    byte[] ext = optionsHeader(TCP, OPT_PADN, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assertThat(ext).hasSize(24);
    byte[] buf = withExtensions(DEST_OPTS, ext, 20);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.upperLayerOffset()).isEqualTo(64);
  }

  @Test
  void hopByHopNotFirst_isDropped() {
    byte[] ext = concat(optionsHeader(HOP_BY_HOP), optionsHeader(TCP));
    assertThat(wrapAll(withExtensions(DEST_OPTS, ext, 20)))
        .isEqualTo(DropReason.IPV6_HOP_BY_HOP_NOT_FIRST);
    byte[] afterAtomic = concat(fragmentHeader(HOP_BY_HOP, 0, false, 1), optionsHeader(TCP));
    assertThat(wrapAll(withExtensions(FRAGMENT, afterAtomic, 20)))
        .isEqualTo(DropReason.IPV6_HOP_BY_HOP_NOT_FIRST);
  }

  @Test
  void hopByHopFirst_isAccepted() {
    assertThat(wrapAll(withExtensions(HOP_BY_HOP, optionsHeader(TCP), 20))).isNull();
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
  }

  @Test
  void routingHeaderTypeZero_isDropped() {
    // RFC 5095 §3 deprecates Type 0, whatever Segments Left says.
    assertThat(wrapAll(withExtensions(ROUTING, routingHeader(TCP, 0, 0), 20)))
        .isEqualTo(DropReason.IPV6_DEPRECATED_ROUTING_HEADER);
    assertThat(wrapAll(withExtensions(ROUTING, routingHeader(TCP, 0, 3), 20)))
        .isEqualTo(DropReason.IPV6_DEPRECATED_ROUTING_HEADER);
  }

  @Test
  void routingHeaderWithSegmentsLeft_isDropped() {
    // RFC 8200 §4.4: with segments left, this host is not the final destination.
    assertThat(wrapAll(withExtensions(ROUTING, routingHeader(TCP, 4, 1), 20)))
        .isEqualTo(DropReason.IPV6_ROUTING_NOT_FINAL);
  }

  @Test
  void routingHeaderWithNoSegmentsLeft_isIgnored() {
    assertThat(wrapAll(withExtensions(ROUTING, routingHeader(TCP, 4, 0), 20))).isNull();
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
    assertThat(ip.upperLayerOffset()).isEqualTo(48);
  }

  @Test
  void extensionHeaderShorterThanEightBytes_isDropped() {
    // Payload Length leaves four bytes where a Destination Options header should be.
    byte[] buf = ipv6Raw(ipv6(), DEST_OPTS, new byte[] {(byte) TCP, 0, 1, 0});
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
    byte[] fragment = ipv6Raw(ipv6(), FRAGMENT, new byte[] {(byte) TCP, 0, 0, 0, 0, 0, 0});
    assertThat(wrapAll(fragment)).isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
  }

  @Test
  void extensionHeaderLengthRunningPastThePayload_isDropped() {
    byte[] ext = optionsHeader(TCP);
    ext[1] = 1; // claims 16 bytes, has 8 and no data after it
    byte[] buf = ipv6Raw(ipv6().extensionHeaders(DEST_OPTS, ext, 0, 8), TCP, new byte[0]);
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
    // The largest length, 2048 bytes, must not wrap or be trusted either.
    ext[1] = (byte) 0xFF;
    byte[] big = ipv6Raw(ipv6().extensionHeaders(DEST_OPTS, ext, 0, 8), TCP, new byte[100]);
    assertThat(wrapAll(big)).isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
  }

  @Test
  void extensionHeaderRunningIntoLinkPadding_isDropped() {
    // The header fits the frame but not Payload Length: padding is not part of the packet.
    byte[] ext = optionsHeader(TCP);
    ext[1] = 1;
    byte[] buf = TestPackets.padded(
        ipv6Raw(ipv6().extensionHeaders(DEST_OPTS, ext, 0, 8), TCP, new byte[0]), 16, 0);
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
  }

  @Test
  void chainOfEightHeaders_isAccepted() {
    byte[] buf = withExtensions(DEST_OPTS, destinationOptionsChain(8, TCP), 20);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.extensionHeaderCount()).isEqualTo(Ipv6Packet.MAX_EXTENSION_HEADERS).isEqualTo(8);
    assertThat(ip.upperLayerOffset()).isEqualTo(40 + 64);
  }

  @Test
  @Timeout(5)
  void chainOfNineOrMoreHeaders_isDropped() {
    for (int count = 9; count <= 30; count++) {
      byte[] buf = withExtensions(DEST_OPTS, destinationOptionsChain(count, TCP), 20);
      assertThat(wrapAll(buf)).as("%d headers", count)
          .isEqualTo(DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG);
    }
    // An atomic fragment header counts towards the cap too.
    byte[] ext = concat(destinationOptionsChain(8, FRAGMENT), fragmentHeader(TCP, 0, false, 1));
    assertThat(wrapAll(withExtensions(DEST_OPTS, ext, 20)))
        .isEqualTo(DropReason.IPV6_EXTENSION_CHAIN_TOO_LONG);
  }

  @Test
  void atomicFragment_isWalkedThrough() {
    // RFC 6946: offset 0 and M = 0 is processed as if there were no fragment header.
    byte[] buf = withExtensions(FRAGMENT, fragmentHeader(TCP, 0, false, 0xCAFE), 20);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.isFragment()).isFalse();
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
    assertThat(ip.upperLayerOffset()).isEqualTo(48);
    assertThat(ip.upperLayerLength()).isEqualTo(20);
    // The header is still reported, for whoever needs its identification.
    assertThat(ip.fragmentHeaderOffset()).isEqualTo(40);
    assertThat(ip.fragmentIdentification()).isEqualTo(0xCAFE);
  }

  @Test
  void realFragment_stopsTheWalk() {
    byte[] ext = concat(optionsHeader(FRAGMENT), fragmentHeader(TCP, 0, true, 0x12345678));
    byte[] buf = withExtensions(DEST_OPTS, ext, 24);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.isFragment()).isTrue();
    assertThat(ip.moreFragments()).isTrue();
    assertThat(ip.fragmentOffset()).isZero();
    assertThat(ip.fragmentIdentification()).isEqualTo(0x12345678);
    assertThat(ip.fragmentHeaderOffset()).isEqualTo(48);
    assertThat(ip.upperLayerProtocol()).isEqualTo(TCP);
    assertThat(ip.upperLayerOffset()).isEqualTo(56);
    assertThat(ip.upperLayerLength()).isEqualTo(24);
    assertThat(ip.extensionHeaderCount()).isEqualTo(2);
  }

  @Test
  void realFragment_doesNotParseTheBytesAfterIt() {
    // A later fragment's data can look like anything, including a forbidden header.
    byte[] garbage = concat(optionsHeader(TCP), new byte[16]);
    garbage[2] = (byte) OPT_JUMBO;
    byte[] ext = fragmentHeader(HOP_BY_HOP, 1448, false, 9);
    byte[] buf = ipv6Raw(ipv6().extensionHeaders(FRAGMENT, ext, 0, 8), TCP, garbage);
    assertThat(wrapAll(buf)).isNull();
    assertThat(ip.isFragment()).isTrue();
    assertThat(ip.moreFragments()).isFalse();
    assertThat(ip.fragmentOffset()).isEqualTo(1448);
    assertThat(ip.upperLayerProtocol()).isEqualTo(HOP_BY_HOP);
  }

  @Test
  void fragmentEndingPast65535_isDropped() {
    byte[] ext = fragmentHeader(TCP, 65_528, false, 1);
    assertThat(wrapAll(withExtensions(FRAGMENT, ext, 8))).isEqualTo(DropReason.IPV6_BAD_FRAGMENT);
    assertThat(wrapAll(withExtensions(FRAGMENT, ext, 7))).isNull();
  }

  @Test
  void nonFinalFragmentNotAMultipleOfEight_isDropped() {
    byte[] ext = fragmentHeader(TCP, 8, true, 1);
    assertThat(wrapAll(withExtensions(FRAGMENT, ext, 20))).isEqualTo(DropReason.IPV6_BAD_FRAGMENT);
    assertThat(wrapAll(withExtensions(FRAGMENT, ext, 24))).isNull();
  }

  @Test
  void authenticationHeader_isSkippedByItsOwnLengthUnit() {
    // RFC 4302 §2.2: Payload Len is in 4-octet units, minus 2. 4 means 24 bytes.
    byte[] ah = new byte[24];
    ah[0] = (byte) TCP;
    ah[1] = 4;
    assertThat(wrapAll(withExtensions(IpProtocol.AH, ah, 20))).isNull();
    assertThat(ip.upperLayerOffset()).isEqualTo(64);
    assertThat(ip.extensionHeaderCount()).isEqualTo(1);
    ah[1] = 10; // 48 bytes, past the payload
    assertThat(wrapAll(withExtensions(IpProtocol.AH, ah, 20)))
        .isEqualTo(DropReason.IPV6_EXTENSION_TRUNCATED);
  }

  @Test
  void noNextHeaderAndEsp_endTheChain() {
    assertThat(wrapAll(withExtensions(DEST_OPTS, optionsHeader(NO_NEXT), 12))).isNull();
    assertThat(ip.upperLayerProtocol()).isEqualTo(NO_NEXT);
    assertThat(wrapAll(withExtensions(DEST_OPTS, optionsHeader(IpProtocol.ESP), 12))).isNull();
    assertThat(ip.upperLayerProtocol()).isEqualTo(IpProtocol.ESP);
  }

  // --- options inside Hop-by-Hop and Destination Options (RFC 8200 §4.2)

  @Test
  void pad1AndPadN_areAccepted() {
    assertThat(wrapAll(withExtensions(DEST_OPTS,
        optionsHeader(TCP, OPT_PAD1, OPT_PAD1, OPT_PAD1, OPT_PAD1, OPT_PAD1, OPT_PAD1), 20))).isNull();
    assertThat(wrapAll(withExtensions(HOP_BY_HOP, optionsHeader(TCP, OPT_PADN, 4, 0, 0, 0, 0), 20)))
        .isNull();
  }

  @Test
  void unknownOptionWithSkipAction_isSkipped() {
    // Type 0x1E: high bits 00, "skip over this option".
    assertThat(wrapAll(withExtensions(DEST_OPTS, optionsHeader(TCP, 0x1E, 2, 9, 9), 20))).isNull();
  }

  @Test
  void unknownOptionWithDiscardAction_isDropped() {
    for (int type : new int[] {0x5E, 0x9E, 0xDE}) {
      assertThat(wrapAll(withExtensions(DEST_OPTS, optionsHeader(TCP, type, 2, 9, 9), 20)))
          .as("type 0x%x", type).isEqualTo(DropReason.IPV6_BAD_OPTION);
      assertThat(wrapAll(withExtensions(HOP_BY_HOP, optionsHeader(TCP, OPT_PAD1, type, 0), 20)))
          .as("type 0x%x in Hop-by-Hop", type).isEqualTo(DropReason.IPV6_BAD_OPTION);
    }
  }

  @Test
  void routerAlert_isKnownAndAccepted() {
    // RFC 2711: type 5, two bytes of value.
    assertThat(wrapAll(withExtensions(HOP_BY_HOP, optionsHeader(TCP, 5, 2, 0, 0), 20))).isNull();
  }

  @Test
  void jumboPayloadOption_isDropped() {
    // RFC 2675 with a non-zero Payload Length is malformed; Sluice does not take jumbograms.
    byte[] ext = optionsHeader(TCP, OPT_JUMBO, 4, 0, 1, 0, 0);
    assertThat(wrapAll(withExtensions(HOP_BY_HOP, ext, 20))).isEqualTo(DropReason.IPV6_BAD_OPTION);
  }

  @Test
  void realJumbogram_isDroppedForItsPayloadLength() {
    // RFC 2675 §3: Payload Length 0, the real length in the Jumbo Payload option.
    byte[] ext = optionsHeader(TCP, OPT_JUMBO, 4, 0, 1, 0, 0);
    byte[] buf = ipv6Raw(ipv6().extensionHeaders(HOP_BY_HOP, ext, 0, 8), TCP, new byte[100]);
    Bytes.put16(buf, 4, 0);
    assertThat(wrapAll(buf)).isEqualTo(DropReason.IPV6_BAD_PAYLOAD_LENGTH);
  }

  @Test
  void optionDataRunningPastItsHeader_isDropped() {
    assertThat(wrapAll(withExtensions(DEST_OPTS, optionsHeader(TCP, OPT_PADN, 5, 0, 0, 0, 0), 20)))
        .isEqualTo(DropReason.IPV6_BAD_OPTION);
    // A type byte in the last position, with no room for its length.
    byte[] lastByte = optionsHeader(TCP, OPT_PAD1, OPT_PAD1, OPT_PAD1, OPT_PAD1, OPT_PAD1, 0x1E);
    assertThat(wrapAll(withExtensions(DEST_OPTS, lastByte, 20))).isEqualTo(DropReason.IPV6_BAD_OPTION);
  }

  @Test
  void reusedView_forgetsThePreviousFragment() {
    byte[] fragment = withExtensions(FRAGMENT, fragmentHeader(TCP, 8, true, 1), 24);
    byte[] plain = ipv6Raw(ipv6(), TCP, new byte[20]);
    assertThat(wrapAll(fragment)).isNull();
    assertThat(ip.isFragment()).isTrue();
    assertThat(wrapAll(plain)).isNull();
    assertThat(ip.isFragment()).isFalse();
    assertThat(ip.fragmentOffset()).isZero();
    assertThat(ip.moreFragments()).isFalse();
    assertThat(ip.fragmentHeaderOffset()).isEqualTo(-1);
    assertThat(ip.extensionHeaderCount()).isZero();
  }

  // --- robustness

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0x1B6_1000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 120);
        if (buf.length > 0 && r.nextBoolean()) {
          buf[0] = (byte) (0x60 | (buf[0] & 0x0F)); // reach the walk more often
        }
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 140) : buf.length - off;
        if (ip.wrap(buf, off, length) == null) {
          assertThat(ip.upperLayerOffset() + ip.upperLayerLength()).isLessThanOrEqualTo(off + length);
          assertThat(ip.upperLayerLength()).isNotNegative();
        }
      }
    });
  }

  private static final int[] CHAIN_TYPES =
      {HOP_BY_HOP, DEST_OPTS, ROUTING, FRAGMENT, IpProtocol.AH, TCP};

  @RepeatedTest(100)
  void extensionWalk_neverThrowsOrLoops_andStaysInsideThePayload(RepetitionInfo repetition) {
    Seeds.run(0x1B6_2000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 20; i++) {
        // IPv6 has no header checksum: arbitrary bytes after a valid fixed header reach the walk.
        byte[] chain = Seeds.bytes(r, 300);
        for (int h = 0; h + 8 <= chain.length; h += 8) {
          // Steer most next-header bytes to extension types, and keep most lengths small, so
          // that chains get long.
          if (r.nextInt(8) != 0) {
            chain[h] = (byte) CHAIN_TYPES[r.nextInt(CHAIN_TYPES.length)];
            chain[h + 1] = (byte) r.nextInt(3);
          }
        }
        byte[] buf = ipv6Raw(ipv6(), CHAIN_TYPES[r.nextInt(CHAIN_TYPES.length)], chain);
        DropReason reason = wrapAll(buf);
        if (reason == null) {
          assertThat(ip.upperLayerOffset()).isBetween(40, buf.length);
          assertThat(ip.upperLayerOffset() + ip.upperLayerLength()).isEqualTo(buf.length);
          assertThat(ip.extensionHeaderCount()).isBetween(0, Ipv6Packet.MAX_EXTENSION_HEADERS);
        } else {
          assertThat(reason.name()).startsWith("IPV6_");
        }
      }
    });
  }

}
