package dev.sluice.cli.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What the command's root tests need around {@code sluice gateway}: whether this machine can run
 * them, a namespace name of their own, and ip(8) and friends run with a bound. The gateway itself
 * and its testbed are sluice-gateway's; these tests only drive the command. Stateless.
 */
final class Namespaces {
  /** Whether this machine can run the command on a namespace: root, with a TUN driver. */
  static final boolean AVAILABLE = "root".equals(System.getProperty("user.name"))
      && Files.exists(Path.of("/dev/net/tun"));
  /** Why a test is skipped when it cannot. */
  static final String NEEDS = "gateway command tests need root and /dev/net/tun (they create a namespace and the "
      + "command a TUN device in it)";

  private Namespaces() {}

  /** A namespace name with a random suffix, starting with {@code prefix}. */
  static String name(String prefix) {
    return prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
  }

  /** Runs {@code command}, failing the test if it does not finish in time or exits non-zero. */
  static String run(long seconds, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    var output = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        p.getInputStream().transferTo(output);
      } catch (IOException e) {
        // the process was killed
      }
    });
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s");
    }
    reader.join(5_000);
    String out = output.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Runs {@code command} for its effect only (clean-up), at most 30 s, whatever it says. */
  static void runQuietly(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (IOException | InterruptedException e) {
      // best effort
    }
  }
}
