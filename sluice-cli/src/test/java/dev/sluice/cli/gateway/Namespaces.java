package dev.sluice.cli.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the command's root tests need around {@code sluice gateway}: whether this machine can run
 * them, and a namespace name of their own (they run ip(8) and friends with {@code
 * dev.sluice.testkit.Commands}). The gateway itself and its testbed are sluice-gateway's; these
 * tests only drive the command. Stateless.
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
}
