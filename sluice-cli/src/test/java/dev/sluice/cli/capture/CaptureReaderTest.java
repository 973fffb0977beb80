package dev.sluice.cli.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.capture.TestCaptures.Frame;
import dev.sluice.link.PcapngWriter;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.wire.TcpFlags;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CaptureReaderTest {
  private static final long T0 = 1_700_000_000_123_456_789L;
  private static final byte[] V4 = TestCaptures.tcp4("198.18.0.1", 40000, "198.18.0.2", 80, 1000, 0, TcpFlags.SYN,
      65535, 0, null);
  private static final byte[] V4_DATA = TestCaptures.tcp4("198.18.0.2", 80, "198.18.0.1", 40000, 5000, 1001,
      TcpFlags.ACK | TcpFlags.PSH, 65535, 300, null);
  private static final byte[] V6 = TestCaptures.tcp6("2001:2::1", 40000, "2001:2::2", 80, 1, 0, TcpFlags.SYN, 1000, 0);

  @TempDir Path temp;

  static Stream<Arguments> linkTypes() {
    return Stream.of(
        Arguments.of("Ethernet", LinkLayer.ETHERNET, (UnaryOperator<byte[]>) ip -> TestCaptures.ethernet(ip, false), V4),
        Arguments.of("Ethernet + 802.1Q", LinkLayer.ETHERNET, (UnaryOperator<byte[]>) ip -> TestCaptures.ethernet(ip, true), V4),
        Arguments.of("Ethernet IPv6", LinkLayer.ETHERNET, (UnaryOperator<byte[]>) ip -> TestCaptures.ethernet(ip, false), V6),
        Arguments.of("Linux SLL", LinkLayer.LINUX_SLL, (UnaryOperator<byte[]>) TestCaptures::linuxSll, V4),
        Arguments.of("Linux SLL2", LinkLayer.LINUX_SLL2, (UnaryOperator<byte[]>) TestCaptures::linuxSll2, V6),
        Arguments.of("NULL little-endian", LinkLayer.NULL,
            (UnaryOperator<byte[]>) ip -> TestCaptures.loopback(ip, ByteOrder.LITTLE_ENDIAN), V4),
        Arguments.of("NULL big-endian", LinkLayer.NULL,
            (UnaryOperator<byte[]>) ip -> TestCaptures.loopback(ip, ByteOrder.BIG_ENDIAN), V6),
        Arguments.of("LOOP", LinkLayer.LOOP, (UnaryOperator<byte[]>) ip -> TestCaptures.loopback(ip, ByteOrder.BIG_ENDIAN), V4),
        Arguments.of("RAW IPv4", LinkLayer.RAW, UnaryOperator.<byte[]>identity(), V4),
        Arguments.of("RAW IPv6", LinkLayer.RAW, UnaryOperator.<byte[]>identity(), V6),
        Arguments.of("IPV4", LinkLayer.IPV4, UnaryOperator.<byte[]>identity(), V4),
        Arguments.of("IPV6", LinkLayer.IPV6, UnaryOperator.<byte[]>identity(), V6));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("linkTypes")
  void eachLinkType_yieldsTheIpPacketInside(String name, int linkType, UnaryOperator<byte[]> wrap, byte[] ip)
      throws Exception {
    byte[] file = TestCaptures.pcap(ByteOrder.LITTLE_ENDIAN, false, linkType, 65535,
        List.of(new Frame(T0, wrap.apply(ip))));

    Capture capture = CaptureReader.read(file);

    assertThat(capture.packets()).hasSize(1);
    CapturedPacket p = capture.packets().getFirst();
    assertThat(p.data()).isEqualTo(ip);
    assertThat(p.originalLength()).isEqualTo(ip.length);
    assertThat(p.linkType()).isEqualTo(linkType);
    assertThat(capture.linkTypes()).containsExactly(linkType);
    assertThat(capture.notIp() + capture.malformed()).isZero();
  }

  @Test
  void pcap_bothByteOrdersAndBothTimestampPrecisions() throws Exception {
    List<Frame> frames = List.of(new Frame(T0, V4), new Frame(T0 + 1_500_000_001L, V4_DATA));
    for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
      Capture micros = CaptureReader.read(TestCaptures.pcap(order, false, LinkLayer.RAW, 65535, frames));
      Capture nanos = CaptureReader.read(TestCaptures.pcap(order, true, LinkLayer.RAW, 65535, frames));

      assertThat(micros.format()).isEqualTo("pcap");
      assertThat(micros.packets()).extracting(CapturedPacket::timeNanos)
          .containsExactly(T0 / 1000 * 1000, (T0 + 1_500_000_001L) / 1000 * 1000);
      assertThat(nanos.packets()).extracting(CapturedPacket::timeNanos).containsExactly(T0, T0 + 1_500_000_001L);
      assertThat(nanos.packets().get(1).data()).isEqualTo(V4_DATA);
      assertThat(nanos.firstTimeNanos()).isEqualTo(T0);
      assertThat(nanos.lastTimeNanos()).isEqualTo(T0 + 1_500_000_001L);
      assertThat(nanos.packets()).extracting(CapturedPacket::record).containsExactly(1L, 2L);
    }
  }

  @Test
  void snapshotLength_keepsTheHeadersAndTheWireLength() throws Exception {
    byte[] frame = TestCaptures.ethernet(V4_DATA, false);
    Capture capture = CaptureReader.read(TestCaptures.pcap(ByteOrder.BIG_ENDIAN, false, LinkLayer.ETHERNET, 68,
        List.of(new Frame(T0, frame))));

    CapturedPacket p = capture.packets().getFirst();
    assertThat(p.data()).hasSize(68 - 14).isEqualTo(Arrays.copyOf(V4_DATA, 54));
    assertThat(p.originalLength()).isEqualTo(V4_DATA.length);
    assertThat(p.truncated()).isTrue();
  }

  @Test
  void nonIpFrames_areCountedNotReturned() throws Exception {
    byte[] arp = new byte[42];
    arp[12] = 0x08;
    arp[13] = 0x06;
    byte[] runt = new byte[10];
    Capture capture = CaptureReader.read(TestCaptures.pcap(ByteOrder.LITTLE_ENDIAN, false, LinkLayer.ETHERNET, 65535,
        List.of(new Frame(T0, arp), new Frame(T0 + 1, runt), new Frame(T0 + 2, TestCaptures.ethernet(V4, false)))));

    assertThat(capture.records()).isEqualTo(3);
    assertThat(capture.notIp()).isEqualTo(1);
    assertThat(capture.malformed()).isEqualTo(1);
    assertThat(capture.packets()).hasSize(1);
    assertThat(capture.firstTimeNanos()).as("the first record, IP or not").isEqualTo(T0 / 1000 * 1000);
  }

  @Test
  void truncatedFile_keepsWhatCameBeforeAndCountsTheRest() throws Exception {
    byte[] whole = TestCaptures.pcap(ByteOrder.LITTLE_ENDIAN, true, LinkLayer.RAW, 65535,
        List.of(new Frame(T0, V4), new Frame(T0 + 1, V4_DATA)));
    byte[] cut = Arrays.copyOf(whole, whole.length - 10);

    Capture capture = CaptureReader.read(cut);

    assertThat(capture.packets()).hasSize(1);
    assertThat(capture.malformed()).isEqualTo(1);
  }

  @Test
  void impossibleRecordLength_stopsReadingAndCountsOne() throws Exception {
    byte[] file = TestCaptures.pcap(ByteOrder.LITTLE_ENDIAN, true, LinkLayer.RAW, 65535,
        List.of(new Frame(T0, V4), new Frame(T0 + 1, V4_DATA)));
    int second = 24 + 16 + V4.length;
    ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 8, 0x7FFF_FFFF);

    Capture capture = CaptureReader.read(file);

    assertThat(capture.packets()).hasSize(1);
    assertThat(capture.malformed()).isEqualTo(1);
  }

  @Test
  void pcapng_bothByteOrders_resolutions_simplePackets_andUnknownBlocks() throws Exception {
    for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
      byte[] file = new TestCaptures.Pcapng(order)
          .interfaceDescription(LinkLayer.ETHERNET, 65535, 9) // nanoseconds
          .interfaceDescription(LinkLayer.RAW, 65535, -1) // default: microseconds
          .interfaceDescription(LinkLayer.LINUX_SLL2, 65535, 0x80 | 10) // 2^-10 s
          .unknownBlock()
          .enhancedPacket(0, T0, TestCaptures.ethernet(V4, true), 65535)
          .enhancedPacket(1, T0 / 1000 + 2, V6, 65535)
          .enhancedPacket(2, 3L * 1024 + 512, TestCaptures.linuxSll2(V4_DATA), 65535)
          .simplePacket(TestCaptures.ethernet(V4_DATA, false))
          .enhancedPacket(7, T0, V4, 65535) // no such interface
          .interfaceStatistics(0, T0 + 9_000_000_000L)
          .bytes();

      Capture capture = CaptureReader.read(file);

      assertThat(capture.format()).isEqualTo("pcapng");
      assertThat(capture.packets()).extracting(CapturedPacket::data)
          .containsExactly(V4, V6, V4_DATA, V4_DATA);
      assertThat(capture.packets()).extracting(CapturedPacket::timeNanos)
          .containsExactly(T0, (T0 / 1000 + 2) * 1000, 3_500_000_000L, 3_500_000_000L);
      assertThat(capture.malformed()).as("the packet on interface 7").isEqualTo(1);
      assertThat(capture.records()).isEqualTo(5);
      assertThat(capture.lastTimeNanos()).as("isb_endtime").isEqualTo(T0 + 9_000_000_000L);
    }
  }

  @Test
  void pcapng_writtenBySluice_readsBackTheSamePackets() throws Exception {
    Path file = temp.resolve("sluice.pcapng");
    SimulatedNetwork network = new SimulatedNetwork(1);
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults());
    try (PcapngWriter writer = PcapngWriter.create(file, T0)) {
      writer.attach(link.a());
      link.a().transmit(V4, 0, V4.length, 1_000);
      link.a().transmit(V6, 0, V6.length, 2_000);
    }

    Capture capture = CaptureReader.read(file);

    assertThat(capture.packets()).extracting(CapturedPacket::data).containsExactly(V4, V6);
    assertThat(capture.packets()).extracting(CapturedPacket::timeNanos).containsExactly(T0 + 1_000, T0 + 2_000);
    assertThat(capture.linkTypes()).containsExactly(LinkLayer.RAW);
  }

  @Test
  void pcapng_withTwoSections_takesEachSectionsByteOrder() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new TestCaptures.Pcapng(ByteOrder.BIG_ENDIAN).interfaceDescription(LinkLayer.RAW, 65535, 9)
        .enhancedPacket(0, T0, V4, 65535).bytes());
    out.writeBytes(new TestCaptures.Pcapng(ByteOrder.LITTLE_ENDIAN).interfaceDescription(LinkLayer.RAW, 65535, 9)
        .enhancedPacket(0, T0 + 5, V6, 65535).bytes());

    Capture capture = CaptureReader.read(out.toByteArray());

    assertThat(capture.packets()).extracting(CapturedPacket::data).containsExactly(V4, V6);
  }

  @Test
  void notACapture_isAFormatError() throws Exception {
    Path text = temp.resolve("notes.txt");
    Files.writeString(text, "hello, this is not a capture\n");

    assertThatThrownBy(() -> CaptureReader.read(text)).isInstanceOf(CaptureFormatException.class)
        .hasMessage("not a pcap or pcapng capture (it starts with 0x68656c6c)");
    assertThatThrownBy(() -> CaptureReader.read(new byte[2])).isInstanceOf(CaptureFormatException.class)
        .hasMessageContaining("only 2 bytes");
    assertThatThrownBy(() -> CaptureReader.read(temp)).hasMessage("is a directory");
  }
}
