package dev.sluice.bench;

import dev.sluice.wire.Checksum;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Checksum#sum} over typical packet sizes: minimum Ethernet payload, the IPv4 minimum
 * datagram (576), a full 1500-byte MTU, a 9000-byte jumbo frame, and the largest IPv4 packet.
 * The goal is at most 0.1 ns per byte (150 ns at 1500 bytes).
 *
 * <p>{@code naive} is the textbook 16-bit loop, for scale; the other variants are candidates for a
 * faster {@code Checksum.sum} and live in {@link ChecksumVariants}, never in the library.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChecksumBenchmark {
  @Param({"64", "576", "1500", "9000", "65535"})
  public int size;

  private byte[] buf;

  @Setup
  public void setUp() {
    buf = new byte[size];
    new SplittableRandom(42).nextBytes(buf);
    // A fast wrong answer is worthless: every variant must agree with the library first.
    int expected = Checksum.sum(buf, 0, size);
    check("naive", ChecksumVariants.naive(buf, 0, size), expected);
    check("unrolled4", ChecksumVariants.unrolled4(buf, 0, size), expected);
    check("intLanes", ChecksumVariants.intLanes(buf, 0, size), expected);
    check("carry64", ChecksumVariants.carry64(buf, 0, size), expected);
    check("counted", ChecksumVariants.counted(buf, 0, size), expected);
    check("countedCarry64", ChecksumVariants.countedCarry64(buf, 0, size), expected);
  }

  private static void check(String name, int actual, int expected) {
    if (actual != expected) {
      throw new IllegalStateException(name + " = " + Integer.toHexString(actual) + ", Checksum.sum = "
          + Integer.toHexString(expected));
    }
  }

  @Benchmark
  public int sum() {
    return Checksum.sum(buf, 0, size);
  }

  @Benchmark
  public int naive() {
    return ChecksumVariants.naive(buf, 0, size);
  }

  @Benchmark
  public int unrolled4() {
    return ChecksumVariants.unrolled4(buf, 0, size);
  }

  @Benchmark
  public int intLanes() {
    return ChecksumVariants.intLanes(buf, 0, size);
  }

  @Benchmark
  public int carry64() {
    return ChecksumVariants.carry64(buf, 0, size);
  }

  @Benchmark
  public int counted() {
    return ChecksumVariants.counted(buf, 0, size);
  }

  @Benchmark
  public int countedCarry64() {
    return ChecksumVariants.countedCarry64(buf, 0, size);
  }
}
