package dev.sluice.cli.bench;

import dev.sluice.cli.json.CliJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The rows of a run, as a Markdown table and as one JSON object. */
final class Report {
  private Report() {}

  /**
   * One row of the report. {@code ratio} is always {@code sluice / kernel} (medians); for rows
   * where lower is better, a ratio under 1 favours Sluice.
   *
   * @param key the JSON key
   * @param label what the row measures
   * @param unit unit of {@code sluice} and {@code kernel}
   * @param lowerIsBetter how to read the ratio
   * @param sluice the Sluice figure (for scaling rows: Sluice with 2 workers)
   * @param kernel the kernel figure (for scaling rows: Sluice with 1 worker); null for a row with no
   *     kernel side (workload 9), whose kernel and ratio are then written as null
   * @param kernelLoopback the kernel on plain loopback (offloads on), for information; may be null
   * @param target the target, in words
   * @param met whether it was met; null if the row has no target
   * @param extra further members of the row's JSON object, after {@code unit}, in this map's order
   *     (workload 9's {@code connections}, {@code establishedPerSecond}, ...)
   */
  record Row(String key, String label, String unit, boolean lowerIsBetter, Stats.Summary sluice,
      Stats.Summary kernel, Stats.Summary kernelLoopback, String target, Boolean met, Map<String, Double> extra) {
    /** A row with no further members. */
    Row(String key, String label, String unit, boolean lowerIsBetter, Stats.Summary sluice, Stats.Summary kernel,
        Stats.Summary kernelLoopback, String target, Boolean met) {
      this(key, label, unit, lowerIsBetter, sluice, kernel, kernelLoopback, target, met, Map.of());
    }

    /** NaN when there is no kernel figure. */
    double ratio() {
      return kernel == null ? Double.NaN : round(sluice.median(), 3) / round(kernel.median(), 3);
    }
  }

  static String table(List<Row> rows, boolean withLoopbackColumn) {
    StringBuilder b = new StringBuilder();
    b.append("| Row | Sluice | Kernel | Ratio S/K | Target | Met |");
    b.append(withLoopbackColumn ? " Kernel, plain lo |\n" : "\n");
    b.append("|---|---:|---:|---:|---|---|");
    b.append(withLoopbackColumn ? "---:|\n" : "\n");
    for (Row r : rows) {
      b.append("| ").append(r.label()).append(" (").append(r.unit()).append(")")
          .append(" | ").append(cell(r.sluice()))
          .append(" | ").append(r.kernel() == null ? "–" : cell(r.kernel()))
          .append(" | ").append(r.kernel() == null ? "–" : String.format(Locale.ROOT, "%.2f", r.ratio()))
          .append(r.lowerIsBetter() && r.kernel() != null ? " (lower is better)" : "")
          .append(" | ").append(r.target() == null ? "" : r.target())
          .append(" | ").append(r.met() == null ? "" : r.met() ? "yes" : "**no**")
          .append(" |");
      if (withLoopbackColumn) {
        b.append(' ').append(r.kernelLoopback() == null ? "" : cell(r.kernelLoopback())).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** Median, then [min-max]. */
  static String cell(Stats.Summary s) {
    return number(s.median()) + " [" + number(s.min()) + "-" + number(s.max()) + "]";
  }

  static String number(double v) {
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, a >= 10 ? "%.1f" : "%.2f", v);
  }

  /**
   * One line, written by {@link CliJson}: {@code {"schema":1,"passed":..,"failures":[".."],
   * "rows":{"bulk_mtu1500":{"sluice":..,"kernel":..,"ratio":..,"unit":"..","met":..},...}}}.
   * {@code passed} is true exactly when every workload ran (exit status 0; a missed target does not
   * fail the run, {@code met} says whether it was reached, null for a row without one); {@code
   * failures} says why each failed workload failed. Figures are rounded (3 decimals, the ratio 4),
   * integral ones without a fraction, and a figure that is not a finite number, or missing, is
   * {@code null}; then a row's extra members. Row names are the documented exception to the
   * lowerCamelCase keys (docs/json.md): scripts and issue 16 name them.
   */
  static String json(List<Row> rows, List<String> failures) {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (Row r : rows) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("sluice", round(r.sluice().median(), 3));
      entry.put("kernel", r.kernel() == null ? null : round(r.kernel().median(), 3));
      entry.put("ratio", round(r.ratio(), 4));
      entry.put("unit", r.unit());
      entry.put("met", r.met());
      r.extra().forEach((name, value) -> entry.put(name, round(value, 3)));
      entries.put(r.key(), entry);
    }
    Map<String, Object> json = CliJson.start(failures.isEmpty());
    json.put("failures", failures);
    json.put("rows", entries);
    return CliJson.write(json);
  }

  static double round(double v, int decimals) {
    if (!Double.isFinite(v)) {
      return v;
    }
    return new java.math.BigDecimal(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN).doubleValue();
  }
}
