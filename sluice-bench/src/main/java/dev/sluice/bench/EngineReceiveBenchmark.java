package dev.sluice.bench;

import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's receive path in steady state: one in-order 1460-byte segment into an ESTABLISHED
 * connection, the application reading it (the payload is copied in and out), and whatever ACK
 * the engine then owes. Issue 3's target is 5 M segments per second on one core with zero bytes
 * allocated per segment (run with {@code -prof gc}).
 *
 * <p>The segment is validated once; each operation then rewrites its sequence number in place,
 * which the view reads lazily. That isolates the engine from the checksum, which
 * {@code ChecksumBenchmark} measures on its own.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineReceiveBenchmark {
  private static final int LOCAL = 0xC612_0001;
  private static final int REMOTE = 0xC612_0002;
  private static final int PAYLOAD = 1460;

  @Param({"false", "true"})
  public boolean timestamps;

  private TcpEngine engine;
  private final TcpSegment segment = new TcpSegment();
  private final byte[] inbound = new byte[2048];
  private final byte[] outbound = new byte[2048];
  private final byte[] application = new byte[PAYLOAD];
  private int seq;
  private long now;

  @Setup(Level.Trial)
  public void establish() {
    TcpConfig config = TcpConfig.defaults().toBuilder().buildWith(b -> {
      b.timestamps = timestamps;
      b.sack = true;
    });
    TcpEndpoints endpoints = TcpEndpoints.ipv4(LOCAL, 80, REMOTE, 40_000);
    int peerIss = 1_000;
    TcpBuilder peer = new TcpBuilder().sourcePort(40_000).destinationPort(80).window(65_535);
    peer.clearOptions().mss(1460).sackPermitted();
    if (timestamps) {
      peer.nop().nop().timestamps(1, 0);
    }
    peer.nop().windowScale(7).sequenceNumber(peerIss).acknowledgmentNumber(0).flags(TcpFlags.SYN);
    int length = peer.write(inbound, 0, 0, pseudo(peer.headerLength()));
    check(segment.wrap(inbound, 0, length, pseudo(length)) == null, "SYN");
    engine = TcpEngine.accept(config, endpoints, segment, 5_000, now);
    while (engine.pollTransmit(outbound, 0, now) > 0) { }
    seq = peerIss + 1;
    // The data segment, reused: ACK of our SYN, 1460 bytes of payload.
    peer.clearOptions();
    if (timestamps) {
      peer.nop().nop().timestamps(2, 0);
    }
    peer.sequenceNumber(seq).acknowledgmentNumber(5_001).flags(TcpFlags.ACK).window(65_535);
    int header = peer.headerLength();
    for (int i = 0; i < PAYLOAD; i++) {
      inbound[header + i] = (byte) i;
    }
    length = peer.write(inbound, 0, PAYLOAD, pseudo(header + PAYLOAD)) + PAYLOAD;
    check(segment.wrap(inbound, 0, length, pseudo(length)) == null, "data segment");
    // Prove the loop measures real work: every segment is accepted and read in full.
    for (int i = 0; i < 10_000; i++) {
      receiveOne();
    }
    check(engine.state() == TcpState.ESTABLISHED, "established");
    check(engine.stats().bytesReceived() == 10_000L * PAYLOAD, "every segment delivered");
    check(engine.readable() == 0, "every byte read");
  }

  @Benchmark
  public int receiveOne() {
    Bytes.put32(inbound, 4, seq);
    engine.onSegment(segment, now);
    seq += PAYLOAD;
    int read = engine.read(application, 0, PAYLOAD);
    while (engine.pollEvent() != null) { }
    int sent = 0;
    int n;
    while ((n = engine.pollTransmit(outbound, 0, now)) > 0) {
      sent += n;
    }
    return read + sent;
  }

  private static int pseudo(int length) {
    return Checksum.pseudoHeaderIpv4(REMOTE, LOCAL, IpProtocol.TCP, length);
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("benchmark setup failed: " + what);
    }
  }
}
