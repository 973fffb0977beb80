package dev.sluice.wire;

import static dev.sluice.wire.TestPackets.DST4;
import static dev.sluice.wire.TestPackets.SRC4;
import static dev.sluice.wire.TestPackets.fixTcpChecksum;
import static dev.sluice.wire.TestPackets.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TcpSegmentTest {
  private final TcpSegment seg = new TcpSegment();

  /** The pseudo-header sum the IP layer would pass for a segment of {@code length} bytes. */
  private static int pseudo(int length) {
    return Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.TCP, length);
  }

  /** A segment written by {@code builder} with {@code payload} after its header. */
  private static byte[] segment(TcpBuilder builder, byte[] payload) {
    int hl = builder.headerLength();
    byte[] buf = new byte[hl + payload.length];
    System.arraycopy(payload, 0, buf, hl, payload.length);
    assertThat(builder.write(buf, 0, payload.length, pseudo(buf.length))).isEqualTo(hl);
    return buf;
  }

  private DropReason wrap(byte[] buf) {
    return seg.wrap(buf, 0, buf.length, pseudo(buf.length));
  }

  /** Wraps a segment whose options area holds exactly {@code raw} (then End padding). */
  private DropReason wrapWithRawOptions(int... raw) {
    byte[] bytes = new byte[raw.length];
    for (int i = 0; i < raw.length; i++) {
      bytes[i] = (byte) raw[i];
    }
    return wrap(segment(tcp().rawOption(bytes, 0, bytes.length), new byte[4]));
  }

  // --- round trips

  @RepeatedTest(200)
  void builtSegment_roundTripsEveryField(RepetitionInfo repetition) {
    Seeds.run(0x7C9_0000L + repetition.getCurrentRepetition(), r -> {
      int srcPort = Seeds.between(r, 1, 0xFFFF);
      int dstPort = Seeds.between(r, 1, 0xFFFF);
      int seq = Seeds.anyInt(r);
      int ack = Seeds.anyInt(r);
      int flags = Seeds.between(r, 0, 255);
      int reserved = Seeds.between(r, 0, 15);
      int window = Seeds.between(r, 0, 0xFFFF);
      int urgent = Seeds.between(r, 0, 0xFFFF);
      byte[] payload = Seeds.bytes(r, 200);
      TcpBuilder builder = new TcpBuilder().sourcePort(srcPort).destinationPort(dstPort)
          .sequenceNumber(seq).acknowledgmentNumber(ack).flags(flags).reservedBits(reserved)
          .window(window).urgentPointer(urgent);
      byte[] buf = segment(builder, payload);

      assertThat(wrap(buf)).isNull();
      assertThat(seg.sourcePort()).isEqualTo(srcPort);
      assertThat(seg.destinationPort()).isEqualTo(dstPort);
      assertThat(seg.sequenceNumber()).isEqualTo(seq);
      assertThat(seg.acknowledgmentNumber()).isEqualTo(ack);
      assertThat(seg.flags()).isEqualTo(flags);
      assertThat(seg.reservedBits()).isEqualTo(reserved);
      assertThat(seg.window()).isEqualTo(window);
      assertThat(seg.urgentPointer()).isEqualTo(urgent);
      assertThat(seg.headerLength()).isEqualTo(20);
      assertThat(seg.length()).isEqualTo(20 + payload.length);
      assertThat(seg.payloadOffset()).isEqualTo(20);
      assertThat(seg.payloadLength()).isEqualTo(payload.length);
      assertThat(seg.optionsLength()).isZero();
      assertThat(seg.checksum()).isEqualTo(Bytes.u16(buf, 16));
      assertThat(seg.options().layoutCount()).isZero();
      assertThat(seg.options().mss()).isEqualTo(-1);
    });
  }

  @RepeatedTest(300)
  void builtOptions_roundTrip(RepetitionInfo repetition) {
    Seeds.run(0x7C9_1000L + repetition.getCurrentRepetition(), r -> {
      Integer mss = r.nextInt(3) == 0 ? null : Seeds.between(r, 0, 0xFFFF);
      Integer shift = r.nextInt(3) == 0 ? null : Seeds.between(r, 0, 255);
      boolean sackOk = r.nextBoolean();
      boolean timestamps = r.nextBoolean();
      int tsVal = Seeds.anyInt(r);
      int tsEcr = Seeds.anyInt(r);
      int[] edges = new int[8];
      for (int i = 0; i < 8; i++) {
        edges[i] = Seeds.anyInt(r);
      }
      int fixed = (mss != null ? 4 : 0) + (shift != null ? 3 : 0) + (sackOk ? 2 : 0)
          + (timestamps ? 10 : 0);
      // As many SACK blocks as fit in the 40 option bytes, at most four.
      int sackBlocks = Seeds.between(r, 0, Math.min(4, Math.max(0, (40 - fixed - 2) / 8)));
      int length = fixed + (sackBlocks > 0 ? 2 + 8 * sackBlocks : 0);
      TcpBuilder builder = tcp();
      List<Integer> kinds = new ArrayList<>();
      if (mss != null) {
        builder.mss(mss);
        kinds.add(TcpOptions.KIND_MSS);
      }
      if (shift != null) {
        builder.windowScale(shift);
        kinds.add(TcpOptions.KIND_WINDOW_SCALE);
      }
      if (sackOk) {
        builder.sackPermitted();
        kinds.add(TcpOptions.KIND_SACK_PERMITTED);
      }
      if (timestamps) {
        builder.timestamps(tsVal, tsEcr);
        kinds.add(TcpOptions.KIND_TIMESTAMPS);
      }
      if (sackBlocks > 0) {
        builder.sack(sackBlocks, edges);
        kinds.add(TcpOptions.KIND_SACK);
      }
      byte[] buf = segment(builder, new byte[3]);

      assertThat(wrap(buf)).isNull();
      assertThat(seg.headerLength()).isEqualTo(20 + ((length + 3) & ~3));
      assertThat(seg.payloadLength()).isEqualTo(3);
      TcpOptions o = seg.options();
      assertThat(o.mss()).isEqualTo(mss != null ? mss : -1);
      assertThat(o.hasWindowScale()).isEqualTo(shift != null);
      assertThat(o.windowScale()).isEqualTo(shift != null ? shift : -1);
      assertThat(o.effectiveWindowScale()).isEqualTo(shift != null ? Math.min(shift, 14) : 0);
      assertThat(o.sackPermitted()).isEqualTo(sackOk);
      assertThat(o.hasTimestamps()).isEqualTo(timestamps);
      if (timestamps) {
        assertThat(o.tsVal()).isEqualTo(tsVal);
        assertThat(o.tsEcr()).isEqualTo(tsEcr);
      }
      assertThat(o.sackBlockCount()).isEqualTo(sackBlocks);
      for (int b = 0; b < sackBlocks; b++) {
        assertThat(o.sackLeft(b)).isEqualTo(edges[2 * b]);
        assertThat(o.sackRight(b)).isEqualTo(edges[2 * b + 1]);
      }
      // The layout lists the options in order, then the End padding if any.
      for (int i = 0; i < kinds.size(); i++) {
        assertThat(o.layoutKind(i)).isEqualTo(kinds.get(i));
      }
      boolean padded = (length & 3) != 0;
      assertThat(o.layoutCount()).isEqualTo(kinds.size() + (padded ? 1 : 0));
      if (padded) {
        assertThat(o.layoutKind(kinds.size())).isEqualTo(TcpOptions.KIND_END);
        assertThat(o.layoutOffset(kinds.size())).isEqualTo(length);
      }
    });
  }

  @Test
  void typicalSynOptions_layoutIsRecordedWithOffsets() {
    // Linux's SYN: MSS, SACK-permitted, timestamps, NOP, window scale.
    byte[] buf = segment(tcp().flags(TcpFlags.SYN).mss(1460).sackPermitted().timestamps(7, 0).nop()
        .windowScale(7), new byte[0]);
    assertThat(wrap(buf)).isNull();
    TcpOptions o = seg.options();
    assertThat(o.layoutCount()).isEqualTo(5);
    int[] kinds = {2, 4, 8, 1, 3};
    int[] offsets = {0, 4, 6, 16, 17};
    for (int i = 0; i < 5; i++) {
      assertThat(o.layoutKind(i)).as("kind %d", i).isEqualTo(kinds[i]);
      assertThat(o.layoutOffset(i)).as("offset %d", i).isEqualTo(offsets[i]);
    }
    assertThat(seg.headerLength()).isEqualTo(40);
    assertThat(seg.optionsOffset()).isEqualTo(20);
    assertThat(seg.optionsLength()).isEqualTo(20);
  }

  @Test
  void builder_padsOptionsWithEndOfOptionList_evenOverADirtyBuffer() {
    // RFC 9293 §3.1: the header is padded with zeros (End of Option List) to a 32-bit boundary.
    byte[] buf = new byte[28];
    Arrays.fill(buf, (byte) 0xFF);
    int hl = tcp().windowScale(7).write(buf, 0, 4, pseudo(28));
    assertThat(hl).isEqualTo(24);
    assertThat(buf[23]).isEqualTo((byte) TcpOptions.KIND_END);
    assertThat(wrap(buf)).isNull();
    assertThat(seg.options().windowScale()).isEqualTo(7);
  }

  @Test
  void reusedView_forgetsThePreviousSegmentsOptions() {
    byte[] withOptions = segment(tcp().mss(1460).windowScale(3).timestamps(1, 2), new byte[0]);
    byte[] plain = segment(tcp(), new byte[5]);
    assertThat(wrap(withOptions)).isNull();
    assertThat(seg.options().mss()).isEqualTo(1460);
    assertThat(wrap(plain)).isNull();
    assertThat(seg.options().mss()).isEqualTo(-1);
    assertThat(seg.options().hasWindowScale()).isFalse();
    assertThat(seg.options().hasTimestamps()).isFalse();
    assertThat(seg.headerLength()).isEqualTo(20);
  }

  @Test
  void segmentAtNonZeroOffset_readsRelativeToIt() {
    byte[] s = segment(tcp().sourcePort(1234).mss(536), TestPackets.bytes(9, 1));
    byte[] buf = TestPackets.concat(new byte[21], s, new byte[3]);
    assertThat(seg.wrap(buf, 21, s.length, pseudo(s.length))).isNull();
    assertThat(seg.offset()).isEqualTo(21);
    assertThat(seg.buffer()).isSameAs(buf);
    assertThat(seg.sourcePort()).isEqualTo(1234);
    assertThat(seg.options().mss()).isEqualTo(536);
    assertThat(seg.optionsOffset()).isEqualTo(41);
    assertThat(seg.payloadOffset()).isEqualTo(45);
    assertThat(seg.payloadLength()).isEqualTo(9);
  }

  @Test
  void sequenceLength_countsSynAndFinAsOneEach() {
    // RFC 9293 §3.3.1: SEG.LEN includes SYN and FIN.
    int[][] cases = {
        {0, 0}, {TcpFlags.SYN, 1}, {TcpFlags.FIN, 1}, {TcpFlags.SYN | TcpFlags.FIN, 2},
        {TcpFlags.ACK | TcpFlags.PSH | TcpFlags.RST, 0}, {0xFF, 2}};
    for (int[] c : cases) {
      byte[] buf = segment(tcp().flags(c[0]), new byte[7]);
      assertThat(wrap(buf)).isNull();
      assertThat(seg.sequenceLength()).as("flags %s", TcpFlags.toString(c[0])).isEqualTo(7 + c[1]);
      assertThat(seg.hasFlags(c[0])).isTrue();
    }
    byte[] syn = segment(tcp().flags(TcpFlags.SYN), new byte[0]);
    assertThat(wrap(syn)).isNull();
    assertThat(seg.hasFlags(TcpFlags.SYN | TcpFlags.ACK)).isFalse();
  }

  // --- header length (hostile input 15)

  @Test
  void truncatedHeader_atEveryLengthBelowTwenty_isDropped() {
    byte[] buf = segment(tcp(), new byte[10]);
    for (int length = 0; length < 20; length++) {
      assertThat(seg.wrap(buf, 0, length, pseudo(length))).as("length %d", length)
          .isEqualTo(DropReason.TCP_TRUNCATED);
    }
    assertThat(seg.wrap(buf, 0, buf.length + 1, 0)).isEqualTo(DropReason.TCP_TRUNCATED);
    assertThat(seg.wrap(buf, -1, 20, 0)).isEqualTo(DropReason.TCP_TRUNCATED);
    assertThat(seg.wrap(buf, 5, Integer.MAX_VALUE, 0)).isEqualTo(DropReason.TCP_TRUNCATED);
  }

  @Test
  void tcpDataOffsetBelowFive_isDropped() {
    for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
      byte[] buf = segment(tcp(), new byte[40]);
      buf[12] = (byte) (dataOffset << 4);
      assertThat(wrap(buf)).as("data offset %d", dataOffset)
          .isEqualTo(DropReason.TCP_BAD_DATA_OFFSET);
    }
  }

  @Test
  void tcpDataOffsetBeyondTheSegment_isDropped() {
    byte[] buf = segment(tcp(), new byte[10]); // 30 bytes
    buf[12] = (byte) 0xF0; // 60-byte header
    assertThat(wrap(buf)).isEqualTo(DropReason.TCP_BAD_DATA_OFFSET);
    byte[] bare = segment(tcp(), new byte[0]);
    bare[12] = 0x60; // 24 bytes in a 20-byte segment
    assertThat(wrap(bare)).isEqualTo(DropReason.TCP_BAD_DATA_OFFSET);
  }

  @Test
  void segmentLengthComesFromTheCaller_notTheBuffer() {
    // Link padding after the segment must not be summed: the IP layer passes the true length.
    byte[] buf = TestPackets.padded(segment(tcp(), new byte[6]), 12, 0x5A);
    assertThat(seg.wrap(buf, 0, 26, pseudo(26))).isNull();
    assertThat(seg.payloadLength()).isEqualTo(6);
    assertThat(seg.wrap(buf, 0, buf.length, pseudo(buf.length)))
        .isEqualTo(DropReason.TCP_BAD_CHECKSUM);
  }

  // --- checksum (hostile input 17)

  @Test
  void badChecksum_isDropped() {
    byte[] buf = segment(tcp(), TestPackets.bytes(30, 2));
    buf[40] ^= 0x04;
    assertThat(wrap(buf)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
  }

  @Test
  void checksumCoversThePseudoHeader() {
    byte[] buf = segment(tcp(), new byte[8]);
    int otherSource = Checksum.pseudoHeaderIpv4(SRC4 + 1, DST4, IpProtocol.TCP, buf.length);
    assertThat(seg.wrap(buf, 0, buf.length, otherSource)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
    int udpProtocol = Checksum.pseudoHeaderIpv4(SRC4, DST4, IpProtocol.UDP, buf.length);
    assertThat(seg.wrap(buf, 0, buf.length, udpProtocol)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
  }

  @Test
  void corruptedOptions_areCaughtByTheChecksumBeforeTheParser() {
    byte[] buf = segment(tcp().mss(1460), new byte[0]);
    buf[21] = 0; // MSS length 0 would be a bad option, but the checksum says corruption
    assertThat(wrap(buf)).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
  }

  @RepeatedTest(100)
  void everySingleBitFlip_isCaught(RepetitionInfo repetition) {
    Seeds.run(0x7C9_2000L + repetition.getCurrentRepetition(), r -> {
      int seq = Seeds.anyInt(r);
      TcpBuilder builder = tcp().window(Seeds.between(r, 0, 0xFFFF)).sequenceNumber(seq);
      if (r.nextBoolean()) {
        builder.mss(1400).sackPermitted().timestamps(seq, ~seq).nop().windowScale(9);
      }
      byte[] buf = segment(builder, Seeds.bytes(r, 64));
      for (int bit = 0; bit < buf.length * 8; bit++) {
        byte[] flipped = TestPackets.flipBit(buf, bit);
        DropReason reason = wrap(flipped);
        // The data-offset nibble is checked before the checksum; every other bit is the checksum's.
        if (bit >= 96 && bit < 100) {
          assertThat(reason).as("bit %d", bit)
              .isIn(DropReason.TCP_BAD_DATA_OFFSET, DropReason.TCP_BAD_CHECKSUM);
        } else {
          assertThat(reason).as("bit %d", bit).isEqualTo(DropReason.TCP_BAD_CHECKSUM);
        }
      }
    });
  }

  // --- ports

  @Test
  void tcpPortZero_isDropped() {
    assertThat(wrap(segment(tcp().sourcePort(0), new byte[0]))).isEqualTo(DropReason.TCP_BAD_PORT);
    assertThat(wrap(segment(tcp().destinationPort(0), new byte[0]))).isEqualTo(DropReason.TCP_BAD_PORT);
    assertThat(wrap(segment(tcp().sourcePort(1).destinationPort(0xFFFF), new byte[0]))).isNull();
  }

  // --- options (hostile inputs 13, 14, 30; RFC 9293 §3.1)

  @Test
  @Timeout(2)
  void tcpOptionWithLengthZero_isDroppedWithoutLooping() {
    assertThat(wrapWithRawOptions(30, 0, 0, 0)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(TcpOptions.KIND_MSS, 0, 5, 0xB4))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(1, 1, 1, 30, 0, 0, 0, 0)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  @Timeout(2)
  void tcpOptionWithLengthOne_isDropped() {
    assertThat(wrapWithRawOptions(30, 1, 0, 0)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(TcpOptions.KIND_TIMESTAMPS, 1, 0, 0))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void tcpOptionRunningPastTheDataOffset_isDropped() {
    // Timestamps claims ten bytes; the header has room for four.
    assertThat(wrapWithRawOptions(TcpOptions.KIND_TIMESTAMPS, 10, 0, 0))
        .isEqualTo(DropReason.TCP_OPTION_PAST_HEADER);
    assertThat(wrapWithRawOptions(1, 1, 30, 3)).isEqualTo(DropReason.TCP_OPTION_PAST_HEADER);
  }

  @Test
  void tcpOptionKindInTheLastByteWithoutALength_isDropped() {
    assertThat(wrapWithRawOptions(1, 1, 1, TcpOptions.KIND_MSS))
        .isEqualTo(DropReason.TCP_OPTION_PAST_HEADER);
  }

  @Test
  void tcpOptionRunningIntoThePayload_isDropped() {
    // The bytes after the data offset are payload, even if they would complete the option.
    byte[] buf = segment(tcp().rawOption(new byte[] {1, 1, 2, 4}, 0, 4), new byte[] {5, (byte) 0xB4});
    assertThat(wrap(buf)).isEqualTo(DropReason.TCP_OPTION_PAST_HEADER);
  }

  @Test
  void mssWithWrongLength_isDropped() {
    assertThat(wrapWithRawOptions(TcpOptions.KIND_MSS, 3, 5, 1)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(TcpOptions.KIND_MSS, 6, 5, 0xB4, 0, 0))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void windowScaleWithWrongLength_isDropped() {
    assertThat(wrapWithRawOptions(TcpOptions.KIND_WINDOW_SCALE, 2, 1, 1))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(TcpOptions.KIND_WINDOW_SCALE, 4, 7, 0))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void sackPermittedWithWrongLength_isDropped() {
    assertThat(wrapWithRawOptions(TcpOptions.KIND_SACK_PERMITTED, 3, 0, 1))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(wrapWithRawOptions(TcpOptions.KIND_SACK_PERMITTED, 4, 0, 0))
        .isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void timestampsWithWrongLength_areDropped() {
    // CVE-2020-24341: a short timestamps option must not be read as ten bytes.
    int[] eight = {TcpOptions.KIND_TIMESTAMPS, 8, 0, 0, 0, 1, 0, 0};
    assertThat(wrapWithRawOptions(eight)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    int[] twelve = {TcpOptions.KIND_TIMESTAMPS, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
    assertThat(wrapWithRawOptions(twelve)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void sackWithZeroBlocks_isDropped() {
    assertThat(wrapWithRawOptions(1, 1, TcpOptions.KIND_SACK, 2)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void sackNotAMultipleOfEight_isDropped() {
    int[] sack = new int[12];
    sack[0] = TcpOptions.KIND_SACK;
    sack[1] = 12; // one block and two stray bytes
    assertThat(wrapWithRawOptions(sack)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    int[] short1 = {TcpOptions.KIND_SACK, 6, 0, 0, 0, 1, 0, 0};
    assertThat(wrapWithRawOptions(short1)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
  }

  @Test
  void sackWithFiveBlocks_cannotFitAndIsDropped() {
    // 2 + 5 * 8 = 42 bytes: more than the 40 option bytes a header can hold.
    byte[] buf = segment(tcp().rawOption(new byte[] {TcpOptions.KIND_SACK, 42}, 0, 2)
        .rawOption(new byte[38], 0, 38), new byte[0]);
    assertThat(wrap(buf)).isEqualTo(DropReason.TCP_OPTION_PAST_HEADER);
  }

  @Test
  void sackWithFiveBlocks_isRejectedByTheParserEvenIfItFitted() {
    // The kind-specific rule, seen without the 40-byte bound: at most four blocks (RFC 2018 §3).
    byte[] options = new byte[42];
    options[0] = TcpOptions.KIND_SACK;
    options[1] = 42;
    TcpOptions parsed = new TcpOptions();
    assertThat(parsed.parse(options, 0, 42)).isEqualTo(DropReason.TCP_BAD_OPTION_LENGTH);
    assertThat(parsed.sackBlockCount()).isZero();
  }

  @Test
  void sackWithFourBlocks_isAccepted() {
    int[] edges = {1, 2, 3, 4, 5, 6, 7, 8};
    byte[] buf = segment(tcp().nop().nop().sack(4, edges), new byte[0]);
    assertThat(wrap(buf)).isNull();
    assertThat(seg.options().sackBlockCount()).isEqualTo(4);
    assertThat(seg.options().sackLeft(3)).isEqualTo(7);
    assertThat(seg.options().sackRight(3)).isEqualTo(8);
  }

  @Test
  void builder_refusesSackWithoutOneToFourBlocks() {
    assertThatThrownBy(() -> tcp().sack(0, new int[0])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tcp().sack(5, new int[10])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tcp().timestamps(1, 2).sack(4, new int[8]))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void unknownOption_isSkippedByItsLength() {
    // RFC 9293 §3.1 (MUST-68): an unknown kind with a length is skipped, what follows is parsed.
    assertThat(wrapWithRawOptions(30, 6, 9, 9, 9, 9, TcpOptions.KIND_MSS, 4, 2, 0)).isNull();
    assertThat(seg.options().mss()).isEqualTo(512);
    assertThat(seg.options().layoutKind(0)).isEqualTo(30);
    assertThat(seg.options().layoutKind(1)).isEqualTo(TcpOptions.KIND_MSS);
    assertThat(seg.options().layoutOffset(1)).isEqualTo(6);
  }

  @Test
  void endOfOptionList_stopsParsing() {
    // After End, the rest is padding: a malformed "option" there is never looked at.
    assertThat(wrapWithRawOptions(TcpOptions.KIND_MSS, 4, 5, 0xB4, 0, 30, 0, 0)).isNull();
    assertThat(seg.options().mss()).isEqualTo(1460);
    assertThat(seg.options().layoutCount()).isEqualTo(2);
    assertThat(seg.options().layoutKind(1)).isEqualTo(TcpOptions.KIND_END);
    assertThat(wrapWithRawOptions(0, TcpOptions.KIND_MSS, 4, 5, 0xB4)).isNull();
    assertThat(seg.options().mss()).isEqualTo(-1);
  }

  @Test
  void windowScaleAbove14_isClampedTo14() {
    // RFC 7323 §2.3: a shift above 14 is used as 14 (hostile input 30).
    for (int shift : new int[] {15, 16, 100, 255}) {
      assertThat(wrap(segment(tcp().flags(TcpFlags.SYN).windowScale(shift), new byte[0]))).isNull();
      assertThat(seg.options().windowScale()).isEqualTo(shift);
      assertThat(seg.options().effectiveWindowScale()).as("shift %d", shift).isEqualTo(14);
    }
    assertThat(wrap(segment(tcp().windowScale(14), new byte[0]))).isNull();
    assertThat(seg.options().effectiveWindowScale()).isEqualTo(14);
    assertThat(wrap(segment(tcp().windowScale(0), new byte[0]))).isNull();
    assertThat(seg.options().hasWindowScale()).isTrue();
    assertThat(seg.options().effectiveWindowScale()).isZero();
  }

  @Test
  void withoutWindowScaleOption_effectiveShiftIsZero() {
    assertThat(wrap(segment(tcp(), new byte[0]))).isNull();
    assertThat(seg.options().hasWindowScale()).isFalse();
    assertThat(seg.options().effectiveWindowScale()).isZero();
  }

  // --- robustness

  @RepeatedTest(50)
  void wrap_neverThrows_onArbitraryBytes(RepetitionInfo repetition) {
    Seeds.run(0x7C9_3000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 40; i++) {
        byte[] buf = Seeds.bytes(r, 100);
        int off = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 80) : 0;
        int length = r.nextInt(3) == 0 ? Seeds.offsetOrLength(r, 120) : buf.length - off;
        if (seg.wrap(buf, off, length, Seeds.between(r, 0, 0xFFFF)) == null) {
          assertThat(seg.payloadOffset() + seg.payloadLength()).isEqualTo(off + length);
        }
      }
    });
  }

  @RepeatedTest(100)
  void wrap_neverThrows_onArbitraryOptionsWithAValidChecksum(RepetitionInfo repetition) {
    Seeds.run(0x7C9_4000L + repetition.getCurrentRepetition(), r -> {
      for (int i = 0; i < 20; i++) {
        // A valid checksum lets hostile option bytes reach the parser.
        byte[] options = Seeds.bytes(r, 40);
        if (r.nextBoolean()) {
          // Mostly known kinds and small lengths, so that more of the list is walked.
          for (int j = 0; j < options.length; j++) {
            options[j] = (byte) (j % 2 == 0 ? r.nextInt(10) : r.nextInt(12));
          }
        }
        byte[] buf = segment(tcp().rawOption(options, 0, options.length), Seeds.bytes(r, 20));
        DropReason reason = wrap(buf);
        assertThat(reason)
            .isIn(null, DropReason.TCP_BAD_OPTION_LENGTH, DropReason.TCP_OPTION_PAST_HEADER);
        if (reason == null) {
          TcpOptions o = seg.options();
          assertThat(o.layoutCount()).isBetween(0, 40);
          assertThat(o.sackBlockCount()).isBetween(0, TcpOptions.MAX_SACK_BLOCKS);
          assertThat(o.effectiveWindowScale()).isBetween(0, 14);
          for (int k = 1; k < o.layoutCount(); k++) {
            assertThat(o.layoutOffset(k)).isGreaterThan(o.layoutOffset(k - 1));
          }
        }
      }
    });
  }

  @RepeatedTest(100)
  void editedDataOffset_withFixedChecksum_neverThrows(RepetitionInfo repetition) {
    Seeds.run(0x7C9_5000L + repetition.getCurrentRepetition(), r -> {
      int dataOffset = Seeds.between(r, 0, 15);
      byte[] buf = segment(tcp(), Seeds.bytes(r, 60));
      buf[12] = (byte) (dataOffset << 4);
      fixTcpChecksum(buf, 0, buf.length, pseudo(buf.length));
      DropReason reason = wrap(buf);
      if (dataOffset < 5 || dataOffset * 4 > buf.length) {
        assertThat(reason).isEqualTo(DropReason.TCP_BAD_DATA_OFFSET);
      } else {
        assertThat(reason).isNotIn(DropReason.TCP_BAD_DATA_OFFSET, DropReason.TCP_BAD_CHECKSUM);
      }
    });
  }
}
