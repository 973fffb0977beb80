package dev.sluice.link.internal;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Checks that {@link MpmcRing} is linearizable: every concurrent history of {@code offer},
 * {@code poll} and {@code size} must match some sequential history of a bounded FIFO of the same
 * capacity ({@link BoundedFifo}).
 *
 * <p>The ring has capacity 2 so that scenarios of a few operations reach both "full" and "empty",
 * and wrap around. {@code size()} is specified exactly: it reads {@code head}, {@code tail} and
 * {@code head} again, so it takes effect at its read of {@code tail}, when the ring held exactly
 * {@code tail - head} elements ({@code offer} and {@code poll} take effect at their CAS on
 * {@code tail} and {@code head}).
 *
 * <p>Model checking explores interleavings under sequential consistency, so it finds algorithmic
 * races but not missing memory fences (a plain store where a release store is needed); stress
 * testing runs real threads but on x86 (TSO) rarely exposes those either.
 *
 * <p>Lincheck needs a public class with a public no-argument constructor and public operations. A
 * broken ring can spin forever (an offer waiting for a slot no one will free), which Lincheck's
 * stress mode cannot interrupt; the JUnit timeouts turn that into a failure.
 *
 * <p>Sized to finish in well under a minute on a loaded 2-core machine. For a longer soak, raise
 * {@code -Dlincheck.mc.iterations}, {@code -Dlincheck.mc.invocations},
 * {@code -Dlincheck.stress.iterations} and {@code -Dlincheck.stress.invocations}.
 */
@Param(name = "element", gen = IntGen.class, conf = "1:9")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class MpmcRingLincheckTest {
  static final int CAPACITY = 2;

  private final MpmcRing<Integer> ring = new MpmcRing<>(CAPACITY);

  @Operation
  public boolean offer(@Param(name = "element") int element) {
    return ring.offer(element);
  }

  @Operation
  public Integer poll() {
    return ring.poll();
  }

  @Operation
  public int size() {
    return ring.size();
  }

  /** The sequential specification: a FIFO that refuses offers beyond {@link #CAPACITY}. */
  public static final class BoundedFifo {
    private final ArrayDeque<Integer> deque = new ArrayDeque<>();

    public boolean offer(int element) {
      if (deque.size() == CAPACITY) {
        return false;
      }
      deque.addLast(element);
      return true;
    }

    public Integer poll() {
      return deque.pollFirst();
    }

    public int size() {
      return deque.size();
    }
  }

  @Test
  @Order(1) // first: deterministic, and it reports the interleaving; a livelocked stress run would block it
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void offerPollSize_areLinearizable_underModelChecking() {
    new ModelCheckingOptions()
        .sequentialSpecification(BoundedFifo.class)
        .threads(3)
        .actorsPerThread(2)
        .actorsBefore(2)
        .actorsAfter(1)
        .iterations(Integer.getInteger("lincheck.mc.iterations", 20))
        .invocationsPerIteration(Integer.getInteger("lincheck.mc.invocations", 500))
        .check(getClass());
  }

  @Test
  @Order(2)
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void offerPollSize_areLinearizable_underStress() {
    new StressOptions()
        .sequentialSpecification(BoundedFifo.class)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1)
        .iterations(Integer.getInteger("lincheck.stress.iterations", 10))
        .invocationsPerIteration(Integer.getInteger("lincheck.stress.invocations", 1_000))
        .check(getClass());
  }
}
