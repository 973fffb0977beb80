package dev.sluice.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.capture.CapturedPacket;
import dev.sluice.cli.capture.LinkLayer;
import dev.sluice.cli.capture.TestCaptures;
import dev.sluice.wire.TcpFlags;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TcpPacketParserTest {
  private final TcpPacketParser parser = new TcpPacketParser();

  private static CapturedPacket captured(byte[] ip, int snaplen) {
    return new CapturedPacket(1, 42, Arrays.copyOf(ip, Math.min(snaplen, ip.length)), ip.length, LinkLayer.RAW);
  }

  @Test
  void packetCutShortBySnaplen_stillGivesTheHeaderAndTheDataLengthFromIp() {
    byte[] ip = TestCaptures.tcp4("198.18.0.1", 40000, "198.18.0.2", 80, 7, 9, TcpFlags.ACK | TcpFlags.FIN, 512,
        1400, t -> t.timestamps(1, 2).sack(2, new int[] {100, 200, 300, 400}));

    TcpPacket p = parser.parse(captured(ip, 90));

    assertThat(p).isNotNull();
    assertThat(p.source()).isEqualTo(new Endpoint("198.18.0.1", 40000));
    assertThat(p.destination()).hasToString("198.18.0.2:80");
    assertThat(p.payloadLength()).isEqualTo(1400);
    assertThat(p.sequenceLength()).isEqualTo(1401);
    assertThat(p.sequence()).isEqualTo(7);
    assertThat(p.acknowledgment()).isEqualTo(9);
    assertThat(p.window()).isEqualTo(512);
    assertThat(p.sackBlocks()).containsExactly(100, 200, 300, 400);
    assertThat(p.fin()).isTrue();
  }

  @Test
  void wrongTcpChecksum_fromChecksumOffload_isAccepted() {
    byte[] ip = TestCaptures.tcp4("198.18.0.1", 40000, "198.18.0.2", 80, 7, 9, TcpFlags.SYN, 512, 0,
        t -> t.mss(1460).windowScale(7));
    ip[20 + 16] ^= 0x55;

    TcpPacket p = parser.parse(captured(ip, 1500));

    assertThat(p).isNotNull();
    assertThat(p.windowScale()).isEqualTo(7);
  }

  @Test
  void ipv6_isParsed() {
    byte[] ip = TestCaptures.tcp6("2001:2::1", 1234, "2001:2::2", 443, 1, 0, TcpFlags.SYN, 100, 0);

    TcpPacket p = parser.parse(captured(ip, 1500));

    assertThat(p.source()).hasToString("[2001:2::1]:1234");
    assertThat(p.syn()).isTrue();
  }

  @Test
  void malformedPackets_areCountedByReason_andNotTcpIsCountedApart() {
    byte[] badIpChecksum = TestCaptures.tcp4("198.18.0.1", 1, "198.18.0.2", 2, 0, 0, TcpFlags.ACK, 1, 0, null);
    badIpChecksum[10] ^= 1;
    byte[] headerNotCaptured = TestCaptures.tcp4("198.18.0.1", 1, "198.18.0.2", 2, 0, 0, TcpFlags.ACK, 1, 0,
        t -> t.timestamps(1, 2));
    byte[] badOption = TestCaptures.tcp4("198.18.0.1", 1, "198.18.0.2", 2, 0, 0, TcpFlags.ACK, 1, 0,
        t -> t.rawOption(new byte[] {2, 3, 0}, 0, 3)); // MSS with length 3
    byte[] udp = TestCaptures.tcp4("198.18.0.1", 1, "198.18.0.2", 2, 0, 0, TcpFlags.ACK, 1, 0, null);
    udp[9] = 17;
    udp[10] = 0;
    udp[11] = 0;
    dev.sluice.wire.Bytes.put16(udp, 10, dev.sluice.wire.Checksum.finish(dev.sluice.wire.Checksum.sum(udp, 0, 20)));

    assertThat(parser.parse(captured(badIpChecksum, 1500))).isNull();
    assertThat(parser.parse(captured(headerNotCaptured, 40))).isNull();
    assertThat(parser.parse(captured(badOption, 1500))).isNull();
    assertThat(parser.parse(captured(udp, 1500))).isNull();
    assertThat(parser.parse(new CapturedPacket(1, 0, new byte[] {0x45}, 20, LinkLayer.RAW))).isNull();

    assertThat(parser.malformed()).containsEntry("IPV4_BAD_CHECKSUM", 1L)
        .containsEntry("TCP_HEADER_NOT_CAPTURED", 1L).containsEntry("TCP_BAD_OPTION_LENGTH", 1L)
        .containsEntry("IP_TRUNCATED", 1L);
    assertThat(parser.malformedCount()).isEqualTo(4);
    assertThat(parser.notTcp()).isEqualTo(1);
  }
}
