package dev.sluice.nio;

import dev.sluice.testkit.Commands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throwaway network namespace for the NIO tests, made with {@code ip netns add
 * sluice-nio-<random>} with IPv6 off (so the kernel sends no router solicitations into a device),
 * and deleted, with any device left inside, by {@link #close()}. Commands run inside with {@code ip
 * netns exec}, or in the root namespace with {@link #run}, each bounded in time. Needs root and
 * iproute2; the approach of {@code dev.sluice.link.NetworkNamespace}, for this package.
 */
final class ScratchNamespace implements AutoCloseable {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final String name;

  private ScratchNamespace(String name) {
    this.name = name;
  }

  static ScratchNamespace create() {
    String name = "sluice-nio-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Commands.run(COMMAND_TIMEOUT, "ip", "netns", "add", name);
    ScratchNamespace ns = new ScratchNamespace(name);
    try {
      ns.execChecked("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
      ns.execChecked("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
      return ns;
    } catch (RuntimeException | Error e) {
      ns.close();
      throw e;
    }
  }

  String name() {
    return name;
  }

  /** Runs {@code command} inside the namespace, failing unless it exits with status 0; its output. */
  String execChecked(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return Commands.run(COMMAND_TIMEOUT, full);
  }

  /** Runs {@code command} here (not in the namespace) and answers how it exited, whatever the status. */
  static Commands.Result run(String... command) {
    return Commands.runAllowingFailure(COMMAND_TIMEOUT, command);
  }

  /** Deletes the namespace, and with it the devices inside. */
  @Override
  public void close() {
    Commands.run(COMMAND_TIMEOUT, "ip", "netns", "del", name);
  }
}
