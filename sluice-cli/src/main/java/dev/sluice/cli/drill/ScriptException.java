package dev.sluice.cli.drill;

/**
 * A script line the runner cannot parse or does not support: reported with its line number, never
 * skipped. A line that needs a feature Sluice lacks carries the feature's name, and the script is
 * counted as skipped rather than failed.
 */
final class ScriptException extends Exception {
  private final int line;
  private final String feature;

  ScriptException(int line, String reason) {
    this(line, reason, null);
  }

  private ScriptException(int line, String reason, String feature) {
    super("line " + line + ": " + reason);
    this.line = line;
    this.feature = feature;
  }

  /** A line that needs {@code feature} ({@code TCP_FASTOPEN}, {@code MD5}...), which Sluice lacks. */
  static ScriptException unsupported(int line, String feature, String reason) {
    return new ScriptException(line, reason, feature);
  }

  int line() {
    return line;
  }

  /** The missing feature, or null for a plain error. */
  String feature() {
    return feature;
  }
}
