package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transmit half of TUN offloads without a device: a burst of segments goes in, large
 * segments come out, and cutting those up again as the kernel would ({@link GsoSegmenter}, which
 * mirrors tcp_gso_segment) gives back the segments that went in.
 */
class TcpCoalescerTest {
  private static final int MSS = 1448;
  private static final int A = IpAddresses.parseIpv4("198.18.242.2");
  private static final int B = IpAddresses.parseIpv4("198.18.242.1");

  private final RecordingDevice device = new RecordingDevice();
  private final TcpCoalescer coalescer = new TcpCoalescer();
  private final PacketDecoder decoder = new PacketDecoder(new DropCounters());

  @Test
  void burstBecomesOneLargeSegmentThatSegmentsBackIntoTheOriginals() {
    List<byte[]> burst = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      boolean last = i == 9;
      burst.add(segment(5000 + i * MSS, TcpFlags.ACK | (last ? TcpFlags.PSH : 0), last ? 700 : MSS, i));
    }
    for (byte[] s : burst) {
      coalescer.transmit(device, s, 0, s.length, 0);
    }
    assertThat(device.sent).as("nothing leaves before the burst ends").isEmpty();
    coalescer.flush(device, 0);

    assertThat(device.sent).hasSize(1);
    Sent large = device.sent.getFirst();
    assertThat(large.segmentSize).isEqualTo(MSS);
    assertThat(coalescer.joinedSegments()).isEqualTo(10);
    List<byte[]> pieces = segmentAsTheKernelWould(large);
    assertThat(pieces).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(decoder.decodeIp(pieces.get(i), 0, pieces.get(i).length)).isNull();
      assertThat(tcpPart(pieces.get(i))).as("segment %d", i).isEqualTo(tcpPart(burst.get(i)));
    }
  }

  @Test
  void anythingThatWouldNotSegmentBackUnchangedEndsTheBatch() {
    byte[] s1 = segment(0, TcpFlags.ACK, MSS, 1);
    byte[] s2 = segment(MSS, TcpFlags.ACK, MSS, 2);
    byte[] gap = segment(3 * MSS, TcpFlags.ACK, MSS, 3); // not the next sequence number
    byte[] pureAck = segment(4 * MSS, TcpFlags.ACK, 0, 0);
    byte[] otherAck = segment(4 * MSS, TcpFlags.ACK, MSS, 4);
    otherAck[28] ^= 1; // a different acknowledgment number (checksum no longer matters here)
    byte[] fin = segment(5 * MSS, TcpFlags.ACK | TcpFlags.FIN, 10, 5);
    for (byte[] s : List.of(s1, s2, gap, pureAck, otherAck, fin)) {
      coalescer.transmit(device, s, 0, s.length, 0);
    }
    coalescer.flush(device, 0);

    assertThat(device.sent).extracting(sent -> sent.segmentSize).containsExactly(MSS, 0, 0, 0, 0);
    assertThat(device.sent.get(1).bytes).isEqualTo(gap);
    assertThat(device.sent.get(2).bytes).isEqualTo(pureAck);
    assertThat(device.sent.get(3).bytes).isEqualTo(otherAck);
    assertThat(device.sent.get(4).bytes).as("a FIN alone starts nothing").isEqualTo(fin);
    assertThat(segmentAsTheKernelWould(device.sent.getFirst())).hasSize(2);
  }

  @Test
  void batchStopsBelowTheLimitAndAfterAShortSegment() {
    int count = 50; // 50 * 1448 > 65,535
    for (int i = 0; i < count; i++) {
      byte[] s = segment(i * MSS, TcpFlags.ACK, MSS, i);
      coalescer.transmit(device, s, 0, s.length, 0);
    }
    byte[] shortOne = segment(count * MSS, TcpFlags.ACK, 100, 99);
    byte[] after = segment(count * MSS + 100, TcpFlags.ACK, 100, 98);
    coalescer.transmit(device, shortOne, 0, shortOne.length, 0);
    coalescer.transmit(device, after, 0, after.length, 0);
    coalescer.flush(device, 0);

    int total = 0;
    for (Sent sent : device.sent) {
      assertThat(sent.bytes.length).isLessThanOrEqualTo(TcpCoalescer.MAX_BATCH);
      total += sent.segmentSize > 0 ? segmentAsTheKernelWould(sent).size() : 1;
    }
    assertThat(total).isEqualTo(count + 2);
    assertThat(device.sent.getLast().bytes).as("nothing joins after a short segment").isEqualTo(after);
  }

  /**
   * Segments whose checksum the engine left to the device ({@code checksumToDevice}, the TCP
   * builder's partial write): a burst still becomes one large segment that cuts back into the
   * originals, and a segment that goes out alone goes whole through transmitSegmented (segment
   * size 0), its checksum field the pseudo-header's sum, which completed gives the segment as a
   * full write would have built it.
   */
  @Test
  void segmentsWithTheirChecksumLeftToTheDevice_goOutThroughTheDeviceThatCompletesIt() {
    List<byte[]> burst = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      burst.add(segment(i * MSS, TcpFlags.ACK, MSS, i));
    }
    byte[] pureAck = segment(3 * MSS, TcpFlags.ACK, 0, 0);
    for (byte[] s : burst) {
      byte[] partial = leftToDevice(s);
      coalescer.transmit(device, partial, 0, partial.length, true, 0);
    }
    byte[] partialAck = leftToDevice(pureAck);
    coalescer.transmit(device, partialAck, 0, partialAck.length, true, 0);
    byte[] alone = leftToDevice(segment(3 * MSS, TcpFlags.ACK, MSS, 3));
    coalescer.transmit(device, alone, 0, alone.length, true, 0);
    coalescer.flush(device, 0);

    assertThat(device.sent).extracting(sent -> sent.segmentSize).containsExactly(MSS, 0, 0);
    List<byte[]> pieces = segmentAsTheKernelWould(device.sent.getFirst());
    for (int i = 0; i < 3; i++) {
      assertThat(tcpPart(pieces.get(i))).as("segment %d", i).isEqualTo(tcpPart(burst.get(i)));
    }
    byte[] ackSent = device.sent.get(1).bytes.clone();
    assertThat(decoder.decodeIp(ackSent, 0, ackSent.length)).as("its checksum is not complete").isNotNull();
    GsoSegmenter.finishChecksum(ackSent, 20, VirtioNetHeader.TCP_CHECKSUM_OFFSET, ackSent.length);
    assertThat(ackSent).as("completed by the device").isEqualTo(pureAck);
    assertThat(device.plainTransmits).as("nothing went through transmit, which takes complete packets").isZero();
  }

  @Test
  void aSegmentThatLeavesNoRoomForAnotherAsLong_goesOutAtOnce_afterWhatWasPending() {
    byte[] small = segment(0, TcpFlags.ACK, MSS, 1);
    byte[] large = segment(MSS, TcpFlags.ACK, 40_000, 2); // 40,000 + 40,000 > 65,535
    coalescer.transmit(device, small, 0, small.length, 0);
    coalescer.transmit(device, large, 0, large.length, 0);
    assertThat(device.sent).as("sent before the burst ends, in order").extracting(sent -> sent.bytes)
        .containsExactly(small, large);
    coalescer.flush(device, 0);
    assertThat(device.sent).hasSize(2);
  }

  @Test
  void deviceWithoutSegmentationGetsEverySegmentAsItIs() {
    RecordingDevice plain = new RecordingDevice();
    plain.limit = 0;
    byte[] s1 = segment(0, TcpFlags.ACK, MSS, 1);
    byte[] s2 = segment(MSS, TcpFlags.ACK, MSS, 2);
    coalescer.transmit(plain, s1, 0, s1.length, 0);
    coalescer.transmit(plain, s2, 0, s2.length, 0);
    coalescer.flush(plain, 0);
    assertThat(plain.sent).extracting(sent -> sent.bytes).containsExactly(s1, s2);
  }

  private List<byte[]> segmentAsTheKernelWould(Sent large) {
    byte[] read = GsoSegmenterTest.read(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
        large.segmentSize, 20, 16, large.bytes);
    GsoSegmenter segmenter = new GsoSegmenter();
    int count = segmenter.prepare(read, 0, read.length, 1500);
    assertThat(count).isPositive();
    List<byte[]> pieces = new ArrayList<>();
    byte[] piece = new byte[1500];
    for (int i = 0; i < count; i++) {
      pieces.add(Arrays.copyOf(piece, segmenter.segment(i, piece)));
    }
    return pieces;
  }

  /** A segment as the engine sends it: timestamps, the same ACK and window throughout. */
  private static byte[] segment(int seq, int flags, int payload, int tag) {
    TcpBuilder tcp = new TcpBuilder().sourcePort(80).destinationPort(40_000).sequenceNumber(seq)
        .acknowledgmentNumber(777).flags(flags).window(2000).nop().nop().timestamps(1000, 2000);
    byte[] data = GsoSegmenterTest.pattern(payload);
    if (payload > 0) {
      data[0] = (byte) tag;
    }
    return TestPackets.tcp4(A, B, tcp, data);
  }

  /**
   * {@code packet} as the TCP builder writes it when the checksum is left to the device: the field
   * holds the pseudo-header's sum.
   */
  private static byte[] leftToDevice(byte[] packet) {
    byte[] copy = packet.clone();
    int tcpLength = copy.length - 20;
    TcpBuilder tcp = new TcpBuilder().sourcePort(80).destinationPort(40_000).sequenceNumber(dev.sluice.wire.Bytes.i32(copy, 24))
        .acknowledgmentNumber(777).flags(copy[33] & 0xFF).window(2000).nop().nop().timestamps(1000, 2000);
    tcp.write(copy, 20, tcpLength - tcp.headerLength(),
        dev.sluice.wire.Checksum.pseudoHeaderIpv4(A, B, dev.sluice.wire.IpProtocol.TCP, tcpLength), true);
    return copy;
  }

  private static byte[] tcpPart(byte[] packet) {
    return Arrays.copyOfRange(packet, 20, packet.length);
  }

  private record Sent(byte[] bytes, int segmentSize) {}

  /** Records what it is asked to send; segments on transmit up to {@link #limit}. */
  private static final class RecordingDevice implements Device {
    final List<Sent> sent = new ArrayList<>();
    int limit = TcpCoalescer.MAX_BATCH;
    int plainTransmits;

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public int mtu() {
      return 1500;
    }

    @Override
    public int receiveQueueCount() {
      return 1;
    }

    @Override
    public PacketBuffer poll(int queue) {
      return null;
    }

    @Override
    public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
      plainTransmits++;
      sent.add(new Sent(Arrays.copyOfRange(buf, off, off + len), 0));
      return true;
    }

    @Override
    public int segmentationLimit() {
      return limit;
    }

    @Override
    public boolean transmitSegmented(byte[] buf, int off, int len, int segmentSize, long nowNanos) {
      sent.add(new Sent(Arrays.copyOfRange(buf, off, off + len), segmentSize));
      return true;
    }

    @Override
    public DropCounters drops() {
      return new DropCounters();
    }

    @Override
    public void addTap(PacketTap tap) {}
  }
}
