package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Impairments;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import java.util.stream.LongStream;
import org.junit.jupiter.params.provider.MethodSource;

/** Two engines over an impaired simulated link: both streams arrive intact, both ends close. */
class TwoEngineSimulationTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  /** Issue 3's profile: 5% loss, 5% reordering, 1% duplication, 0.1% corruption, plus jitter. */
  private static final Impairments HOSTILE =
      new Impairments(0.05, 0.01, 0.001, 2 * MS, 1 * MS, 100_000_000L).withReorder(0.05, 5 * MS);

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 50);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void hostileLink_bothStreamsArriveIntactAndBothEndsClose(long seed) {
    TwoEngineSimulation.Result r =
        new TwoEngineSimulation(seed, 1_000_000, HOSTILE, TcpConfig.defaults()).run(3_600 * S);
    assertThat(r.completed()).as("seed %d finished (A %s, B %s) at %d ms", seed, r.finalA(), r.finalB(), r.virtualNanos() / MS).isTrue();
    assertThat(r.receivedByB()).as("A→B stream, seed %d", seed).isEqualTo(r.sentByA());
    assertThat(r.receivedByA()).as("B→A stream, seed %d", seed).isEqualTo(r.sentByB());
    assertThat(r.endOfStreamAtA()).isEqualTo(1);
    assertThat(r.endOfStreamAtB()).isEqualTo(1);
  }

  /** Issue 3's full size: 100 MB each way through the hostile profile, for two seeds. */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {101, 102})
  void hostileLink_hundredMegabytesEachWay(long seed) {
    TwoEngineSimulation.Result r =
        new TwoEngineSimulation(seed, 100_000_000, HOSTILE, TcpConfig.defaults()).run(36_000 * S);
    assertThat(r.completed()).as("seed %d finished (A %s, B %s)", seed, r.finalA(), r.finalB()).isTrue();
    assertThat(r.a().stats().bytesReceived()).isEqualTo(100_000_000);
    assertThat(r.b().stats().bytesReceived()).isEqualTo(100_000_000);
    assertThat(r.a().stats().fastRetransmits() + r.a().stats().timeoutRetransmits()).isPositive();
    System.out.printf("seed %d: 100 MB each way in %.1f virtual s, A retransmitted %d segments%n",
        seed, r.virtualNanos() / 1e9, r.a().stats().retransmittedSegments());
    assertThat(r.receivedByB()).isEqualTo(r.sentByA());
    assertThat(r.receivedByA()).isEqualTo(r.sentByB());
    assertThat(r.endOfStreamAtA()).isEqualTo(1);
    assertThat(r.endOfStreamAtB()).isEqualTo(1);
  }

  @ParameterizedTest(name = "options {0}")
  @ValueSource(booleans = {false, true})
  void perfectLink_transfersAMegabyteEachWay(boolean options) {
    TcpConfig config = TcpConfig.defaults().toBuilder().buildWith(b -> {
      b.timestamps = options;
      b.sack = options;
      b.windowScaling = options;
    });
    TwoEngineSimulation.Result r = new TwoEngineSimulation(7, 1_000_000, Impairments.NONE.withDelay(MS), config).run(600 * S);
    assertThat(r.completed()).isTrue();
    assertThat(r.receivedByB()).isEqualTo(r.sentByA());
    assertThat(r.receivedByA()).isEqualTo(r.sentByB());
  }

  @Test
  void sameSeed_sameTrace_differentSeed_differentTrace() {
    TwoEngineSimulation.Result first = new TwoEngineSimulation(3, 50_000, HOSTILE, TcpConfig.defaults()).run(600 * S);
    TwoEngineSimulation.Result again = new TwoEngineSimulation(3, 50_000, HOSTILE, TcpConfig.defaults()).run(600 * S);
    TwoEngineSimulation.Result other = new TwoEngineSimulation(4, 50_000, HOSTILE, TcpConfig.defaults()).run(600 * S);
    assertThat(again.traceHash()).isEqualTo(first.traceHash());
    assertThat(other.traceHash()).isNotEqualTo(first.traceHash());
  }
}
