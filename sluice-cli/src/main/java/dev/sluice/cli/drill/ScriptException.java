package dev.sluice.cli.drill;

/** A script line the runner cannot parse or does not support: reported with its line number, never skipped. */
final class ScriptException extends Exception {
  private final int line;

  ScriptException(int line, String reason) {
    super("line " + line + ": " + reason);
    this.line = line;
  }

  int line() {
    return line;
  }
}
