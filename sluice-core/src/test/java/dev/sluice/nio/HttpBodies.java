package dev.sluice.nio;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * The bodies {@link JvmWideHttpProgram} serves and the digests both it and {@link JvmWideModeTest}
 * compare, in a class of their own so that the test never loads the program's HTTP classes.
 */
final class HttpBodies {
  private HttpBodies() {}

  /** The body of {@code GET /bytes/n}: n bytes from a generator seeded with n, so a test can recompute it. */
  static byte[] body(int n) {
    byte[] bytes = new byte[n];
    new SplittableRandom(n).nextBytes(bytes);
    return bytes;
  }

  /** SHA-256 in lower-case hex, as sha256sum prints it. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
