package dev.sluice.bench;

import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketPool;
import dev.sluice.link.internal.MpmcRing;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * A packet's way across an in-memory link between two cores, without the stack around it: the
 * sending thread takes a buffer from the link's {@link PacketPool}, copies {@code packetBytes} in
 * and offers it to the receive queue (an {@link MpmcRing}); the receiving thread polls it, copies
 * the bytes out (as a receiver copies the payload into its buffer) and gives the buffer back. The
 * pool has 65,536 buffers of 1,500 bytes and the queue 65,536 slots, as {@code sluice bench} gives
 * each direction of its link at MTU 1500.
 *
 * <p>The score to read is {@code handoffs}: packets that went round, per second, counted by the
 * receiving thread ({@code misses} counts polls that found the queue or the pool empty). It
 * measures what the rings' shared counters and the buffers' memory cost when the two threads run
 * on different cores: compare it across commits (the padding of the rings' counters, and a pool
 * lending its buffers last-in first-out, were measured this way: docs/benchmarks/README.md).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LinkHandoffBenchmark {
  private static final int QUEUE_SLOTS = 65_536;
  private static final int BUFFERS = 65_536;
  private static final int MTU = 1_500;

  /** Bytes copied in and out per packet: 0 measures the rings alone, 1500 a full-sized packet. */
  @Param({"0", "1500"})
  public int packetBytes;

  private PacketPool pool;
  private MpmcRing<PacketBuffer> queue;
  private final byte[] packet = new byte[MTU];

  /** Each thread's tally; JMH reports the fields as rates. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Tally {
    public long handoffs;
    public long misses;
    final byte[] received = new byte[MTU];
  }

  /** A fresh link each iteration, so one iteration's leftovers never start the next. */
  @Setup(Level.Iteration)
  public void link() {
    pool = new PacketPool(BUFFERS, MTU);
    queue = new MpmcRing<>(QUEUE_SLOTS);
    for (int i = 0; i < MTU; i++) {
      packet[i] = (byte) i;
    }
  }

  /** The sender: a buffer from the pool, the packet copied in, into the receive queue. */
  @Benchmark
  @Group("handoff")
  @GroupThreads(1)
  public void send(Tally tally) {
    PacketBuffer buffer = pool.acquire();
    if (buffer == null) {
      tally.misses++;
      return;
    }
    System.arraycopy(packet, 0, buffer.data(), 0, packetBytes);
    buffer.setLength(packetBytes);
    if (!queue.offer(buffer)) {
      buffer.release();
      tally.misses++;
    }
  }

  /** The receiver: a packet from the queue, its bytes copied out, its buffer back to the pool. */
  @Benchmark
  @Group("handoff")
  @GroupThreads(1)
  public void receive(Tally tally) {
    PacketBuffer buffer = queue.poll();
    if (buffer == null) {
      tally.misses++;
      return;
    }
    System.arraycopy(buffer.data(), 0, tally.received, 0, buffer.length());
    buffer.release();
    tally.handoffs++;
  }
}
