package dev.sluice.cli;

import dev.sluice.cli.capture.CaptureFormatException;
import dev.sluice.cli.doctor.ConnectionReport;
import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.Problem;
import dev.sluice.cli.doctor.ProblemKind;
import dev.sluice.cli.doctor.Thresholds;
import dev.sluice.cli.json.CliJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The doctor's verdict on a run's own capture, for {@code demo} and {@code torture}: the run's own
 * checks look at what the applications saw, the doctor at what went over the wire (a RST after a
 * FIN, say, which no application notices but a real peer would). It reads the file the run wrote,
 * with the same code and thresholds as {@code sluice doctor --link-loss P FILE}, so that the verdict
 * printed here is the one that command gives.
 *
 * @param capture the file checked, or null when the run captured nothing
 * @param diagnosis the doctor's findings, or null when skipped or unreadable
 * @param error why the capture could not be read, or null
 * @param linkLoss the loss rate the thresholds allow for ({@code sluice doctor --link-loss}), 0 for
 *     the doctor's defaults
 */
record SelfCheck(Path capture, Diagnosis diagnosis, String error, double linkLoss) {
  /** Connections listed with their problems under the summary row. */
  static final int LISTED = 3;

  /** No capture, no check: the run says so and does not fail for it. */
  static SelfCheck none() {
    return new SelfCheck(null, null, null, 0);
  }

  /** Reads and diagnoses {@code capture} with the doctor's defaults; see {@link #of(Path, Thresholds)}. */
  static SelfCheck of(Path capture) {
    return of(capture, Thresholds.defaults());
  }

  /**
   * A run's own capture, judged with thresholds for its link's loss rate ({@link
   * Thresholds#forRandomLoss}): the run knows its dice, so only what chance cannot explain
   * counts as a problem.
   */
  static SelfCheck forRun(Path capture, double loss) {
    SelfCheck check = of(capture, Thresholds.forRandomLoss(loss));
    return new SelfCheck(check.capture, check.diagnosis, check.error, loss);
  }

  /** Reads and diagnoses {@code capture}; a capture that cannot be read fails the check. */
  static SelfCheck of(Path capture, Thresholds thresholds) {
    try {
      return new SelfCheck(capture, Diagnosis.of(capture, thresholds), null, 0);
    } catch (CaptureFormatException e) {
      return new SelfCheck(capture, null, e.getMessage(), 0);
    } catch (NoSuchFileException e) {
      return new SelfCheck(capture, null, "no such file", 0);
    } catch (IOException e) {
      return new SelfCheck(capture, null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), 0);
    }
  }

  boolean skipped() {
    return capture == null;
  }

  /** True when skipped, or when the capture was read and the doctor found nothing. */
  boolean passed() {
    return skipped() || (error == null && diagnosis.healthy());
  }

  /** Connections with at least one problem. */
  List<ConnectionReport> sick() {
    return diagnosis == null ? List.of()
        : diagnosis.reports().stream().filter(r -> !r.problems().isEmpty()).toList();
  }

  /** Problems by kind, in {@link ProblemKind} order; one per end and kind, as the doctor counts them. */
  Map<ProblemKind, Integer> problemsByKind() {
    Map<ProblemKind, Integer> counts = new EnumMap<>(ProblemKind.class);
    for (ConnectionReport r : sick()) {
      for (Problem p : r.problems()) {
        counts.merge(p.kind(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The doctor options that give this check's verdict, each followed by a space. */
  private String doctorOptions() {
    return linkLoss > 0 ? String.format(Locale.ROOT, "--link-loss %s ", linkLoss) : "";
  }

  /** The summary table's value for the "doctor" row. */
  String summary() {
    if (skipped()) {
      return "skipped (--capture none)";
    }
    if (error != null) {
      return "FAILED: cannot read " + capture.getFileName() + ": " + error;
    }
    int connections = diagnosis.reports().size();
    List<ConnectionReport> sick = sick();
    if (sick.isEmpty()) {
      return String.format(Locale.ROOT, "no problems in %,d connection%s%s", connections, connections == 1 ? "" : "s",
          linkLoss > 0 ? " (judged as sluice doctor " + doctorOptions().strip() + " judges)" : "");
    }
    String kinds = problemsByKind().entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey().label(), e.getValue()))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "FAILED: problems on %,d of %,d connection%s (%s)", sick.size(), connections,
        connections == 1 ? "" : "s", kinds);
  }

  /**
   * The first {@link #LISTED} sick connections, one line each with its first problem, and where
   * to see them all; empty when the check passed.
   */
  List<String> details() {
    List<String> lines = new ArrayList<>();
    List<ConnectionReport> sick = sick();
    for (ConnectionReport r : sick.subList(0, Math.min(LISTED, sick.size()))) {
      Problem first = r.problems().getFirst();
      lines.add(String.format(Locale.ROOT, "#%d %s -> %s: %s (%s): %s%s", r.number(), r.client(), r.server(),
          first.kind().label(), first.side().label(), first.detail(),
          r.problems().size() > 1 ? "; and " + (r.problems().size() - 1) + " more" : ""));
    }
    if (!sick.isEmpty()) {
      lines.add("all of them: sluice doctor " + doctorOptions() + capture);
    }
    return lines;
  }

  /**
   * Prints the last line of a demo or torture run: {@code pass} only when the run's own checks
   * ({@code runFailures} of them failed) and this one held. Returns the exit status.
   */
  int verdict(PrintWriter out, long runFailures, String pass) {
    if (runFailures == 0 && passed()) {
      out.println(pass + (skipped() ? " (no capture: the doctor did not look at the wire)."
          : "; the doctor found no problem on the wire."));
      return 0;
    }
    List<String> failed = new ArrayList<>();
    if (runFailures > 0) {
      failed.add(runFailures + " failures");
    }
    if (!passed()) {
      failed.add(error != null ? "the doctor could not read the capture"
          : String.format(Locale.ROOT, "the doctor found problems on %,d connection%s", sick().size(),
              sick().size() == 1 ? "" : "s"));
    }
    out.println("FAIL: " + String.join("; ", failed));
    return 1;
  }

  /**
   * {@code {"connections":N,"sickConnections":M,"problems":[{"kind":"...","count":N},...]}} (kinds
   * in {@link ProblemKind} order, only those found), {@code {"error":"..."}} when the capture could
   * not be read, or {@code null} when skipped; for {@link CliJson#write}.
   */
  Map<String, Object> json() {
    if (skipped()) {
      return null;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    if (error != null) {
      json.put("error", error);
      return json;
    }
    List<Map<String, Object>> problems = new ArrayList<>();
    problemsByKind().forEach((kind, count) -> {
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("kind", kind.label());
      problem.put("count", count);
      problems.add(problem);
    });
    json.put("connections", diagnosis.reports().size());
    json.put("sickConnections", sick().size());
    json.put("problems", problems);
    return json;
  }

  /**
   * A demo's or torture run's JSON line: {@link CliJson#start} with {@code passed} (true exactly
   * when the run exits with 0), {@code report}'s components, and this check as the {@code "doctor"}
   * member, last.
   */
  String json(Record report, boolean passed) {
    Map<String, Object> json = CliJson.start(passed);
    json.putAll(CliJson.fields(report));
    json.put("doctor", json());
    return CliJson.write(json);
  }
}
