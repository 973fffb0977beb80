package dev.sluice.nio;

/** STUB */
final class JvmWideStack {
  static dev.sluice.stack.Host start() throws java.io.IOException {
    throw new java.io.IOException("not yet");
  }
}
