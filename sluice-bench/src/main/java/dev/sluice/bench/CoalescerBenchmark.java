package dev.sluice.bench;

import dev.sluice.link.Device;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketTap;
import dev.sluice.link.TcpCoalescer;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
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
 * The transmit half of TUN offloads on its hot path: {@link TcpCoalescer} joining a burst of 45
 * MSS-sized segments of one connection (one full 64 KB batch) and handing the large segment to a
 * device that only counts it. Run with {@code -prof gc}: it must allocate nothing per burst.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CoalescerBenchmark {
  private static final int MSS = 1448;
  private static final int SEGMENTS = 45;

  private final TcpCoalescer coalescer = new TcpCoalescer();
  private final CountingDevice device = new CountingDevice();
  private byte[][] burst;

  @Setup
  public void setUp() {
    int src = IpAddresses.parseIpv4("198.18.243.2");
    int dst = IpAddresses.parseIpv4("198.18.243.1");
    burst = new byte[SEGMENTS][];
    for (int i = 0; i < SEGMENTS; i++) {
      TcpBuilder tcp = new TcpBuilder().sourcePort(80).destinationPort(40_000).sequenceNumber(i * MSS)
          .acknowledgmentNumber(1).flags(TcpFlags.ACK).window(1000).nop().nop().timestamps(5, 6);
      int tcpLength = tcp.headerLength() + MSS;
      byte[] packet = new byte[20 + tcpLength];
      Ipv4Builder ip = new Ipv4Builder().source(src).destination(dst).protocol(IpProtocol.TCP).dontFragment(true);
      ip.write(packet, 0, tcpLength);
      tcp.write(packet, 20, MSS, ip.pseudoHeaderSum(tcpLength));
      burst[i] = packet;
    }
    burst();
    if (device.segmented != 1 || device.plain != 0) {
      throw new IllegalStateException("the burst did not become one large segment: " + device.segmented
          + " large, " + device.plain + " plain");
    }
  }

  /** One burst: 45 segments in, one 64 KB large segment out. */
  @Benchmark
  public long burst() {
    for (byte[] packet : burst) {
      coalescer.transmit(device, packet, 0, packet.length, 0);
    }
    coalescer.flush(device, 0);
    return device.bytes;
  }

  /** Takes large segments and counts them; the copy a TUN device would make is left out. */
  private static final class CountingDevice implements Device {
    long segmented;
    long plain;
    long bytes;

    @Override
    public String name() {
      return "counting";
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
      plain++;
      bytes += len;
      return true;
    }

    @Override
    public int segmentationLimit() {
      return TcpCoalescer.MAX_BATCH;
    }

    @Override
    public boolean transmitSegmented(byte[] buf, int off, int len, int segmentSize, long nowNanos) {
      segmented++;
      bytes += len;
      return true;
    }

    @Override
    public DropCounters drops() {
      return null;
    }

    @Override
    public void addTap(PacketTap tap) {}
  }
}
