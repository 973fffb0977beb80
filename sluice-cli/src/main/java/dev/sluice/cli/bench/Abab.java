package dev.sluice.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of runs: for each repetition, each variant of a workload, and for each variant the
 * sides in turn (Sluice, kernel, Sluice, kernel, ...). Alternating spreads slow drift of the
 * machine (other work, thermal state, the JIT) over both sides instead of charging it to one.
 */
final class Abab {
  private Abab() {}

  /** One run: repetition {@code rep} (from 1; 0 or less for a warm-up) of {@code variant} on {@code side}. */
  record Run<V, S>(int rep, V variant, S side) {
    boolean warmup() {
      return rep < 1;
    }
  }

  static <V, S> List<Run<V, S>> schedule(List<V> variants, List<S> sides, int reps) {
    return schedule(variants, sides, reps, 0);
  }

  /**
   * As {@link #schedule(List, List, int)}, preceded by {@code warmups} rounds numbered 0, -1, ...
   * in the same alternating order, whose figures the caller discards (they warm the JIT).
   */
  static <V, S> List<Run<V, S>> schedule(List<V> variants, List<S> sides, int reps, int warmups) {
    if (reps < 1) {
      throw new IllegalArgumentException("reps must be at least 1: " + reps);
    }
    if (warmups < 0) {
      throw new IllegalArgumentException("warm-up rounds must not be negative: " + warmups);
    }
    List<Run<V, S>> runs = new ArrayList<>((reps + warmups) * variants.size() * sides.size());
    for (int rep = 1 - warmups; rep <= reps; rep++) {
      for (V variant : variants) {
        for (S side : sides) {
          runs.add(new Run<>(rep, variant, side));
        }
      }
    }
    return runs;
  }
}
