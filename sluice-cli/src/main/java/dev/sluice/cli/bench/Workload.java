package dev.sluice.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One numbered workload of {@code sluice bench}. It has variants (an MTU, a flow count and worker
 * count, ...); the scheduler runs every variant on every side it applies to, alternating sides,
 * and the workload turns the collected figures into report rows.
 */
interface Workload {
  /** The number {@code --only} selects it by. */
  int number();

  String title();

  /** Names {@code --only} also selects it by, besides its number (for example {@code netty_echo}). */
  default List<String> aliases() {
    return List.of();
  }

  List<Variant> variants(BenchConfig config);

  /** Whether {@code side} runs {@code variant} (the plain-loopback kernel column is optional). */
  default boolean runs(Variant variant, StackSide side) {
    return true;
  }

  /** Whether a run without {@code --only} includes it (not workload 9: minutes and gigabytes). */
  default boolean inDefaultRun() {
    return true;
  }

  /** Measured rounds: {@code --reps}, unless one run is too long to repeat (workload 9). */
  default int reps(BenchConfig config) {
    return config.reps();
  }

  /** Whether a warm-up round (discarded) precedes the measured ones. */
  default boolean warmsUp() {
    return true;
  }

  /** One run: named figures (for example {@code "MB/s"}, or {@code "p50"} and {@code "p99"}). */
  Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception;

  List<Report.Row> rows(Results results);

  /** Lines printed under the table: what the rows mean, extra figures. */
  default List<String> details(Results results) {
    return List.of();
  }

  /** A variant: a name, the hosts' setup, and one workload-specific number. */
  record Variant(String name, StackSide.Setup setup, int parameter) {}

  /** Every figure of every run, by variant, side and figure name. */
  final class Results {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    void add(String variant, String side, Map<String, Double> figures) {
      figures.forEach((name, value) ->
          values.computeIfAbsent(variant + "|" + side + "|" + name, k -> new ArrayList<>()).add(value));
    }

    boolean has(String variant, String side, String figure) {
      return values.containsKey(variant + "|" + side + "|" + figure);
    }

    /** Median, min and max over the repetitions; null if there were none. */
    Stats.Summary get(String variant, String side, String figure) {
      List<Double> v = values.get(variant + "|" + side + "|" + figure);
      return v == null ? null : Stats.Summary.of(v);
    }
  }
}
