package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Impairments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The send buffer grows with the window ({@link TcpConfig#sendBufferMaxBytes()}), as Linux's
 * autotuning grows {@code sk_sndbuf}: only while a writer waits for space, only as far as the
 * budget grants, and the growth goes back to the budget when the buffer empties or the connection
 * closes. Timed in virtual time by {@link TwoEngineSimulation}, so every run replays.
 */
class SendBufferAutotuningTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  private static final int SMALL = 16 * 1024;
  private static final int MAX = 1024 * 1024;
  /** 1 ms each way and no rate limit: a 16 KiB buffer is far below one round trip's worth. */
  private static final Impairments LONG_PATH = Impairments.NONE.withDelay(MS);

  /** A budget that counts what is reserved and refuses beyond {@code limit}. */
  static final class CountingBudget implements SendBufferBudget {
    private final long limit;
    private long reserved;
    private long mostReserved;
    private int refusals;

    CountingBudget(long limit) {
      this.limit = limit;
    }

    @Override
    public synchronized boolean tryReserve(int bytes) {
      assertThat(bytes).isPositive();
      if (reserved + bytes > limit) {
        refusals++;
        return false;
      }
      reserved += bytes;
      mostReserved = Math.max(mostReserved, reserved);
      return true;
    }

    @Override
    public synchronized void release(int bytes) {
      assertThat(bytes).isPositive();
      reserved -= bytes;
      assertThat(reserved).as("released more than was reserved").isNotNegative();
    }

    synchronized long reserved() {
      return reserved;
    }
  }

  private static TcpConfig config(int max, SendBufferBudget budget) {
    return TcpConfig.defaults().toBuilder().buildWith(b -> {
      b.sendBufferBytes = SMALL;
      b.receiveBufferBytes = 4 * MAX; // the receiver's window never limits: the send buffer does
      b.sendBufferMaxBytes = max;
      b.sendBufferBudget = budget;
    });
  }

  private static TwoEngineSimulation.Result transfer(long seed, Impairments path, TcpConfig config) {
    TwoEngineSimulation.Result r = new TwoEngineSimulation(seed, 8_000_000, path, config).run(3_600 * S);
    assertThat(r.completed()).as("finished (A %s, B %s)", r.finalA(), r.finalB()).isTrue();
    assertThat(r.receivedByB()).isEqualTo(r.sentByA());
    assertThat(r.receivedByA()).isEqualTo(r.sentByB());
    assertThat(r.endOfStreamAtA()).isEqualTo(1);
    assertThat(r.endOfStreamAtB()).isEqualTo(1);
    return r;
  }

  @Test
  void aFlowLimitedByItsSendBuffer_growsIt_andFinishesInAFractionOfTheTime() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    TwoEngineSimulation.Result fixed = transfer(1, LONG_PATH, config(0, SendBufferBudget.UNBOUNDED));
    TwoEngineSimulation.Result growing = transfer(1, LONG_PATH, config(MAX, budget));

    assertThat(fixed.a().stats().get(TcpCounter.SEND_BUFFER_GROWN)).isZero();
    assertThat(growing.a().stats().get(TcpCounter.SEND_BUFFER_GROWN)).isPositive();
    assertThat(growing.b().stats().get(TcpCounter.SEND_BUFFER_GROWN)).isPositive();
    // A fixed 16 KiB moves 16 KiB per 2 ms round trip: 8 MB takes over a second. Grown, the
    // window does: a few dozen round trips.
    assertThat(growing.virtualNanos()).as("virtual time grown vs fixed")
        .isLessThan(fixed.virtualNanos() / 4);
    assertThat(budget.mostReserved).as("both ends grew, each at most to the maximum")
        .isPositive().isLessThanOrEqualTo(2L * (MAX - SMALL));
    assertThat(budget.reserved()).as("every byte of growth given back when the connections closed").isZero();
  }

  @Test
  void aBudgetThatGrantsNothing_leavesTheFlowExactlyAsAFixedBuffer() {
    CountingBudget none = new CountingBudget(0);
    TwoEngineSimulation.Result fixed = transfer(2, LONG_PATH, config(0, SendBufferBudget.UNBOUNDED));
    TwoEngineSimulation.Result refused = transfer(2, LONG_PATH, config(MAX, none));

    assertThat(none.refusals).isPositive();
    assertThat(refused.a().stats().get(TcpCounter.SEND_BUFFER_GROWN)).isZero();
    assertThat(refused.traceHash()).as("the same segments at the same times").isEqualTo(fixed.traceHash());
  }

  @Test
  void aBoundedBudget_isNeverExceeded_andIsAllGivenBack() {
    CountingBudget bounded = new CountingBudget(200 * 1024);
    transfer(3, LONG_PATH, config(MAX, bounded));

    assertThat(bounded.mostReserved).isPositive().isLessThanOrEqualTo(200 * 1024);
    assertThat(bounded.reserved()).isZero();
  }

  /** Issue 3's hostile profile: growth, loss recovery and reordering together keep every byte. */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13, 14})
  void onAHostileLink_theStreamsArriveIntact_andTheGrowthIsGivenBack(long seed) {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    Impairments hostile = new Impairments(0.05, 0.01, 0.001, 2 * MS, 1 * MS, 100_000_000L).withReorder(0.05, 5 * MS);
    transfer(seed, hostile, config(MAX, budget));

    assertThat(budget.reserved()).isZero();
  }

  @Test
  void anAbortedConnection_givesItsGrowthBack_withTheBytesItHeld() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    TcpConfig config = EngineHarness.plainConfig().toBuilder().buildWith(b -> {
      b.sendBufferBytes = 8_000;
      b.sendBufferMaxBytes = 64_000;
      b.sendBufferBudget = budget;
    });
    EngineHarness h = new EngineHarness(config);
    h.establishActive();
    byte[] data = EngineHarness.bytes(100_000, 1);
    assertThat(h.write(data)).as("the first 8,000 fit; the writer now waits").isEqualTo(8_000);
    int sent = h.drain().stream().mapToInt(EngineHarness.Seg::length).sum();
    assertThat(sent).as("five full segments; Nagle holds the 700-byte rest").isEqualTo(7_300);

    h.send(dev.sluice.wire.TcpFlags.ACK, EngineHarness.REMOTE_ISS + 1, EngineHarness.LOCAL_ISS + 1 + sent, 65_535);

    assertThat(h.engine.stats().get(TcpCounter.SEND_BUFFER_GROWN)).isEqualTo(1);
    assertThat(budget.reserved()).as("grown past 8,000 towards twice the window").isPositive();
    assertThat(h.write(java.util.Arrays.copyOfRange(data, 8_000, data.length)))
        .as("the grown buffer takes more than the first 8,000").isGreaterThan(8_000);

    h.engine.abort();

    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aMaximumBelowTheBuffer_meansNoGrowth_andANegativeOneIsRefused() {
    CountingBudget budget = new CountingBudget(Long.MAX_VALUE);
    // As a configuration derived with a larger SO_SNDBUF than the maximum would be.
    TcpConfig below = config(SMALL / 2, budget);
    TwoEngineSimulation.Result fixed = transfer(4, LONG_PATH, config(0, SendBufferBudget.UNBOUNDED));
    TwoEngineSimulation.Result r = transfer(4, LONG_PATH, below);

    assertThat(r.a().stats().get(TcpCounter.SEND_BUFFER_GROWN)).isZero();
    assertThat(budget.mostReserved).isZero();
    assertThat(r.traceHash()).isEqualTo(fixed.traceHash());
    assertThatThrownBy(() -> TcpConfig.defaults().toBuilder().buildWith(b -> b.sendBufferMaxBytes = -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximum");
  }
}
