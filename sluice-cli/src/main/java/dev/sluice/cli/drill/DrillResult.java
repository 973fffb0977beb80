package dev.sluice.cli.drill;

/**
 * How one script ended.
 *
 * @param failure null if it passed; otherwise the first mismatch: line, time, what was expected
 *     and what happened
 */
public record DrillResult(String script, String failure) {
  public boolean passed() {
    return failure == null;
  }
}
