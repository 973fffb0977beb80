package dev.sluice.bench;

import dev.sluice.link.Device;
import dev.sluice.link.internal.MpmcRing;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketPool;
import dev.sluice.link.PacketTap;
import dev.sluice.stack.Connection;
import dev.sluice.stack.FaultInjection;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.Steering;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The multi-core receive path end to end, and how it scales with workers (issue 4: with 256
 * connections, 2 workers must give at least 1.7 times the segments per second of 1).
 *
 * <p>A host with W steered workers serves 256 established connections as a discard service
 * (RFC 863: the stack consumes the bytes itself, so no reader thread competes for the cores). Each
 * operation is one in-order 1460-byte segment: decoded and validated (checksums included), looked
 * up, owned, processed by the engine, consumed, and ACKed (every second segment) through the
 * device. Segments are built before each batch, untimed; the timed part hands the batch to the
 * device's two receive queues and waits, parked, until every segment has been processed.
 *
 * <p>Compare {@code workers=1} with {@code workers=2} in the same run: the ratio is the scaling.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class ReceiveScalingBenchmark {
  static final int CONNECTIONS = 256;
  static final int PER_CONNECTION = 32;
  static final int BATCH = CONNECTIONS * PER_CONNECTION;
  private static final int PAYLOAD = 1460;
  private static final int SERVER = 0xC612_0001; // 198.18.0.1
  private static final int CLIENT = 0xC612_0002; // 198.18.0.2
  private static final int PORT = 9;
  private static final int FIRST_CLIENT_PORT = 20_000;

  @Param({"1", "2"})
  public int workers;

  private QueueDevice device;
  private Host host;
  /** One pool per receive queue, as a NIC has one buffer ring per queue: workers never share one. */
  private final PacketPool[] pools = new PacketPool[2];
  private final int[] clientSeq = new int[CONNECTIONS];
  private final int[] serverAck = new int[CONNECTIONS];
  private final PacketBuffer[] batch = new PacketBuffer[BATCH];
  private final TcpBuilder tcp = new TcpBuilder();
  private final Ipv4Builder ip = new Ipv4Builder();
  private final byte[] payload = new byte[PAYLOAD];

  @Setup(Level.Trial)
  public void establish() throws Exception {
    device = new QueueDevice("bench0", 2, 1 << 17);
    for (int q = 0; q < pools.length; q++) {
      pools[q] = new PacketPool(BATCH, 1500);
    }
    TcpConfig tcpConfig = TcpConfig.builder().buildWith(b -> b.timestamps = false);
    // The listener is a discard service (the stack consumes what arrives), so no reader is measured.
    FaultInjection discard = new FaultInjection() {
      @Override
      public boolean discardReceived(int localPort) {
        return localPort == PORT;
      }
    };
    host = new Host(HostConfig.builder().buildWith(h -> {
      h.workers = workers;
      h.steering = Steering.STEER;
      h.tcp = tcpConfig;
      h.watchdogNanos = 0;
      h.faults = discard;
    }));
    host.addInterface(device, "198.18.0.1/16");
    host.listen(PORT, 4 * CONNECTIONS);
    host.start();
    for (int i = 0; i < CONNECTIONS; i++) {
      clientSeq[i] = 0x7000_0000 + i * 0x10_0000;
      inject(i, segment(i, clientSeq[i], 0, TcpFlags.SYN, 0, true));
      clientSeq[i]++;
    }
    for (int i = 0; i < CONNECTIONS; i++) {
      serverAck[i] = device.awaitIsn(FIRST_CLIENT_PORT + i) + 1;
      inject(i, segment(i, clientSeq[i], serverAck[i], TcpFlags.ACK, 0, false));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (host.connectionCount() < CONNECTIONS || !allEstablished()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("handshakes did not complete: " + host.connectionCount());
      }
      LockSupport.parkNanos(100_000);
    }
  }

  private boolean allEstablished() {
    List<Connection> all = host.connections();
    for (Connection c : all) {
      if (c.state() != TcpState.ESTABLISHED) {
        return false;
      }
    }
    return all.size() == CONNECTIONS;
  }

  @Setup(Level.Invocation)
  public void buildBatch() {
    int n = 0;
    for (int k = 0; k < PER_CONNECTION; k++) {
      for (int i = 0; i < CONNECTIONS; i++) {
        PacketBuffer buffer = pools[i % 2].acquire();
        buffer.setLength(write(buffer.data(), i, clientSeq[i], serverAck[i], TcpFlags.ACK | TcpFlags.PSH, PAYLOAD, false));
        clientSeq[i] += PAYLOAD;
        batch[n++] = buffer;
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long receive() {
    for (int n = 0; n < BATCH; n++) {
      device.deliver(n % CONNECTIONS % 2, batch[n]);
    }
    // Done when every buffer is back in its pool: the owner releases a buffer after processing.
    // (Polling the connections' counters instead would pull their cache lines away from the
    // workers many times a millisecond and slow them down.)
    while (pools[0].available() < pools[0].size() || pools[1].available() < pools[1].size()) {
      LockSupport.parkNanos(20_000);
    }
    return pools[0].available();
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    host.stop();
  }

  private void inject(int connection, byte[] packet) {
    PacketBuffer buffer = pools[connection % 2].acquire();
    System.arraycopy(packet, 0, buffer.data(), 0, packet.length);
    buffer.setLength(packet.length);
    device.deliver(connection % 2, buffer);
  }

  private byte[] segment(int i, int seq, int ack, int flags, int length, boolean syn) {
    byte[] packet = new byte[1500];
    return java.util.Arrays.copyOf(packet, write(packet, i, seq, ack, flags, length, syn));
  }

  /** Writes the packet into {@code packet} and returns its length. */
  private int write(byte[] packet, int i, int seq, int ack, int flags, int length, boolean syn) {
    tcp.clearOptions();
    if (syn) {
      tcp.mss(1460).windowScale(7).sackPermitted();
    }
    tcp.sourcePort(FIRST_CLIENT_PORT + i).destinationPort(PORT).sequenceNumber(seq).acknowledgmentNumber(ack)
        .flags(flags).window(65_535).urgentPointer(0);
    int tcpLength = tcp.headerLength() + length;
    System.arraycopy(payload, 0, packet, 20 + tcp.headerLength(), length);
    tcp.write(packet, 20, length, Checksum.pseudoHeaderIpv4(CLIENT, SERVER, IpProtocol.TCP, tcpLength));
    ip.protocol(IpProtocol.TCP).ttl(64).source(CLIENT).destination(SERVER).write(packet, 0, tcpLength);
    return 20 + tcpLength;
  }

  /**
   * A device whose receive queues the benchmark fills directly, and whose transmit path only
   * notes the ISN of each SYN-ACK (so the benchmark can complete the handshakes).
   */
  static final class QueueDevice implements Device {
    private final String name;
    private final MpmcRing<PacketBuffer>[] queues;
    private final DropCounters drops = new DropCounters();
    private final AtomicIntegerArray isnByPort = new AtomicIntegerArray(65_536);
    private final AtomicIntegerArray isnSeen = new AtomicIntegerArray(65_536);

    @SuppressWarnings("unchecked")
    QueueDevice(String name, int queueCount, int capacity) {
      this.name = name;
      this.queues = new MpmcRing[queueCount];
      for (int i = 0; i < queueCount; i++) {
        queues[i] = new MpmcRing<>(capacity);
      }
    }

    void deliver(int queue, PacketBuffer buffer) {
      while (!queues[queue].offer(buffer)) {
        Thread.onSpinWait();
      }
    }

    int awaitIsn(int port) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (isnSeen.get(port) == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no SYN-ACK for port " + port);
        }
        LockSupport.parkNanos(50_000);
      }
      return isnByPort.get(port);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int mtu() {
      return 1500;
    }

    @Override
    public int receiveQueueCount() {
      return queues.length;
    }

    @Override
    public PacketBuffer poll(int queue) {
      return queues[queue].poll();
    }

    @Override
    public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
      int tcpOff = off + (buf[off] & 0x0F) * 4;
      if ((Bytes.u8(buf, tcpOff + 13) & TcpFlags.SYN) != 0) {
        int port = Bytes.u16(buf, tcpOff + 2);
        isnByPort.set(port, Bytes.i32(buf, tcpOff + 4));
        isnSeen.set(port, 1);
      }
      return true;
    }

    @Override
    public DropCounters drops() {
      return drops;
    }

    @Override
    public void addTap(PacketTap tap) {
      throw new UnsupportedOperationException("no taps on the benchmark device");
    }
  }
}
