package dev.sluice.cli.drill;

import java.util.List;

/**
 * How one script ended.
 *
 * @param failure null unless the script failed: its first mismatch (line, time, what was expected
 *     and what happened)
 * @param unsupported null unless the script needs a feature Sluice lacks ({@code TCP_FASTOPEN},
 *     say): it was skipped, which is counted apart from failures
 * @param notes what a lenient run let pass: sysctls without a Sluice setting, shell commands and
 *     Python blocks not run; one line each
 */
public record DrillResult(String script, String failure, String unsupported, List<String> notes) {
  public DrillResult(String script, String failure) {
    this(script, failure, null, List.of());
  }

  public boolean passed() {
    return failure == null && unsupported == null;
  }

  public boolean skipped() {
    return failure == null && unsupported != null;
  }
}
