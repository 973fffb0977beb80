package dev.sluice.cli.bench;

import java.util.Arrays;
import java.util.Collection;

/** The statistics the report uses: median, min, max of repetitions, and latency percentiles. */
final class Stats {
  private Stats() {}

  /** Median, minimum and maximum of the repetitions of one measurement. */
  record Summary(double median, double min, double max, int count) {
    static Summary of(Collection<Double> values) {
      double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
      return new Summary(Stats.median(v), Stats.min(v), Stats.max(v), v.length);
    }
  }

  /** The median; the mean of the two middle values for an even count. Empty: NaN. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  static double min(double[] values) {
    return values.length == 0 ? Double.NaN : Arrays.stream(values).min().getAsDouble();
  }

  static double max(double[] values) {
    return values.length == 0 ? Double.NaN : Arrays.stream(values).max().getAsDouble();
  }

  /**
   * The {@code p}-th percentile ({@code 0 < p <= 100}) by the nearest-rank method: the smallest
   * sample with at least p% of the samples at or below it. {@code sorted} must be ascending.
   */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
    }
    int rank = (int) Math.ceil(p * sorted.length / 100.0 - 1e-9); // 1-based; the epsilon absorbs rounding (99.9% of 1000)
    return sorted[Math.max(1, Math.min(sorted.length, rank)) - 1];
  }
}
