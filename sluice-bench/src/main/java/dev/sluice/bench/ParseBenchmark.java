package dev.sluice.bench;

import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The receive and send fast paths of the wire layer, on a TCP/IPv4 data segment of the kind a bulk
 * transfer with loss carries: timestamps and three SACK blocks (40 option bytes, a 60-byte TCP
 * header) and 1448 bytes of payload.
 *
 * <ul>
 *   <li>{@code decodeIp}: the whole receive path, IPv4 header checksum, TCP checksum over 1508
 *       bytes and option parsing, through {@link PacketDecoder#decodeIp}.
 *   <li>{@code decodeIpPureAck}: the same headers with no payload, so header work dominates.
 *   <li>{@code tcpWrapHeadersOnly}: {@link TcpSegment#wrap} alone on that 60-byte segment, checksum
 *       included: the per-segment cost that does not grow with the payload.
 *   <li>{@code build}: writing the data segment with {@link TcpBuilder} and {@link Ipv4Builder},
 *       both checksums included, the payload already in place.
 * </ul>
 * None of them may allocate: run with {@code -prof gc} and expect {@code gc.alloc.rate.norm} ≈ 0.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParseBenchmark {
  static final int PAYLOAD = 1448;
  private static final int SRC = 0xC000_0201; // 192.0.2.1
  private static final int DST = 0xC633_6402; // 198.51.100.2

  private final Ipv4Builder ip = new Ipv4Builder();
  private final TcpBuilder tcp = new TcpBuilder();
  private final int[] sackEdges = {1_000, 2_448, 5_000, 6_448, 9_000, 10_448};
  private final PacketDecoder decoder = new PacketDecoder(new DropCounters());
  private final TcpSegment segment = new TcpSegment();

  private byte[] data;
  private int dataLength;
  private byte[] ack;
  private int ackLength;
  private int ackPseudoHeaderSum;
  private byte[] out;
  private int sequence;

  @Setup
  public void setUp() {
    ip.source(SRC).destination(DST).protocol(IpProtocol.TCP).dontFragment(true).ttl(64);
    tcp.sourcePort(443).destinationPort(49_152).acknowledgmentNumber(0x1234_5678)
        .flags(TcpFlags.ACK | TcpFlags.PSH).window(502);
    options(0x1122_3344);

    data = new byte[20 + tcp.headerLength() + PAYLOAD];
    for (int i = 0; i < PAYLOAD; i++) {
      data[20 + tcp.headerLength() + i] = (byte) (i * 31 + 7);
    }
    dataLength = write(data, PAYLOAD);
    ack = new byte[20 + tcp.headerLength()];
    ackLength = write(ack, 0);
    ackPseudoHeaderSum = ip.pseudoHeaderSum(ackLength - 20);
    out = data.clone();

    // Measure the path that accepts, not a drop.
    expectAccepted(decoder.decodeIp(data, 0, dataLength), "data segment");
    expectAccepted(decoder.decodeIp(ack, 0, ackLength), "pure ACK");
    expectAccepted(segment.wrap(ack, 20, ackLength - 20, ackPseudoHeaderSum), "headers-only segment");
    if (decoder.tcp().options().sackBlockCount() != 3 || !decoder.tcp().options().hasTimestamps()) {
      throw new IllegalStateException("options not parsed");
    }
  }

  private void options(int tsVal) {
    tcp.clearOptions().nop().nop().timestamps(tsVal, 0x5566_7788).nop().nop().sack(3, sackEdges);
  }

  private int write(byte[] buf, int payload) {
    int tcpLength = tcp.headerLength() + payload;
    tcp.write(buf, 20, payload, ip.pseudoHeaderSum(tcpLength));
    ip.write(buf, 0, tcpLength);
    return 20 + tcpLength;
  }

  private static void expectAccepted(DropReason reason, String what) {
    if (reason != null) {
      throw new IllegalStateException(what + " dropped: " + reason);
    }
  }

  @Benchmark
  public int decodeIp() {
    // Returning fields the parse produced keeps the JIT from discarding any of it.
    return decoder.decodeIp(data, 0, dataLength) == null ? decoder.tcp().options().tsVal() : -1;
  }

  @Benchmark
  public int decodeIpPureAck() {
    return decoder.decodeIp(ack, 0, ackLength) == null ? decoder.tcp().options().sackRight(2) : -1;
  }

  @Benchmark
  public int tcpWrapHeadersOnly() {
    return segment.wrap(ack, 20, ackLength - 20, ackPseudoHeaderSum) == null
        ? segment.options().sackLeft(0) : -1;
  }

  @Benchmark
  public int build() {
    // A new sequence number and timestamp each time, as a sender's next segment would have.
    tcp.sequenceNumber(sequence += PAYLOAD);
    options(sequence);
    return write(out, PAYLOAD);
  }
}
