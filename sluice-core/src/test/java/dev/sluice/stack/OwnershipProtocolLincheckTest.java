package dev.sluice.stack;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ownership protocol alone, with no engine, host or device behind it: the single Lincheck
 * target issue 13 asks for. {@link OwnershipLincheckTest} checks it through a real connection;
 * this one strips everything else away, so the model checker spends its whole budget on the
 * protocol's own atomics (the {@code pending} word, {@code owed}, the call stack) and reaches
 * the deep interleavings: an owner that re-owns several units at once while two more threads
 * arrive, which is where a second read of {@code owed} after the release let an old owner run
 * beside a new one (found by {@code sluice bench}, 2026-12-06).
 *
 * <p>Each operation publishes one unit of work and announces it, or takes ownership directly as
 * a worker or caller does when nobody owns the connection. Whoever owns drains: it takes every
 * published unit, then tries to release. The checks: never two owners at once, and when every
 * operation has returned, no published unit is left undone (no lost wake-up).
 */
class OwnershipProtocolLincheckTest {
  /** Nothing but the protocol: its work is a counter of published units. */
  static final class ProtocolOnly extends OwnershipProtocol {
    final AtomicInteger published = new AtomicInteger();
    int done; // owner only
    final AtomicInteger violations = new AtomicInteger();

    ProtocolOnly() {
      super(16);
    }

    @Override
    OwnershipMutation mutation() {
      return OwnershipMutation.NONE;
    }

    @Override
    void onOwnershipViolation() {
      violations.incrementAndGet();
    }

    /** Owner only: does every published unit, then releases; again while work was announced. */
    void drain() {
      do {
        done += published.getAndSet(0);
      } while (release());
    }
  }

  public static class Scenario {
    private final ProtocolOnly protocol = new ProtocolOnly();

    /** A segment that finds the connection owned, or a timer: published, then announced. */
    @Operation
    public void announceWork() {
      protocol.published.incrementAndGet();
      if (protocol.announce()) {
        protocol.drain();
      }
    }

    /** A worker or caller that finds nobody owning: takes it with one CAS and does its work. */
    @Operation
    public void acquireDirectly() {
      if (protocol.tryAcquire()) {
        protocol.drain();
      } else {
        announceWork();
      }
    }

    @Validate
    public void oneOwnerAndNothingStranded() {
      if (protocol.violations.get() != 0) {
        throw new IllegalStateException(protocol.violations.get() + " times two threads owned at once");
      }
      if (protocol.published.get() != 0 || protocol.strandedWork()) {
        throw new IllegalStateException("work left undone while nobody owns: a lost wake-up");
      }
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void protocol_underModelChecking_neverHasTwoOwnersNorStrandsWork() {
    new ModelCheckingOptions().threads(2).actorsPerThread(3).actorsBefore(0).actorsAfter(0)
        .iterations(Integer.getInteger("lincheck.mc.iterations", 20))
        .invocationsPerIteration(Integer.getInteger("lincheck.mc.invocations", 2_000))
        .check(Scenario.class);
  }

  /**
   * The interleaving {@code sluice bench} hit, as a scenario the model checker explores fully: one
   * thread owns while the other announces twice (so the owner re-owns two units at once), then
   * that other thread takes the connection the moment the owner lets go.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void protocol_reOwningSeveralUnits_thenLettingGo_neverOverlapsTheNextOwner() throws Exception {
    kotlin.reflect.KFunction<?> direct = kotlin.reflect.jvm.ReflectJvmMapping.getKotlinFunction(
        Scenario.class.getMethod("acquireDirectly"));
    kotlin.reflect.KFunction<?> announce = kotlin.reflect.jvm.ReflectJvmMapping.getKotlinFunction(
        Scenario.class.getMethod("announceWork"));
    new ModelCheckingOptions().iterations(0).invocationsPerIteration(20_000)
        .addCustomScenario(s -> {
          s.parallel(p -> {
            p.thread(t -> {
              t.actor(direct);
              return kotlin.Unit.INSTANCE;
            });
            p.thread(t -> {
              t.actor(announce);
              t.actor(announce);
              t.actor(direct);
              return kotlin.Unit.INSTANCE;
            });
            return kotlin.Unit.INSTANCE;
          });
          return kotlin.Unit.INSTANCE;
        })
        .check(Scenario.class);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void protocol_underStress_neverHasTwoOwnersNorStrandsWork() {
    new StressOptions().threads(3).actorsPerThread(4).actorsBefore(0).actorsAfter(0)
        .iterations(Integer.getInteger("lincheck.stress.iterations", 20))
        .invocationsPerIteration(Integer.getInteger("lincheck.stress.invocations", 2_000))
        .check(Scenario.class);
  }
}
