package dev.sluice.link;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway network namespace made with {@code ip netns add sluice-tun-<random>}, deleted by
 * {@link #close()}. Commands run inside it with {@code ip netns exec}, each bounded in time. Needs
 * root and iproute2.
 */
final class NetworkNamespace implements AutoCloseable {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final String name;
  private final List<Process> background = new ArrayList<>();

  private NetworkNamespace(String name) {
    this.name = name;
  }

  /** Creates a namespace with IPv6 off, so the kernel sends no router solicitations into devices. */
  static NetworkNamespace create() throws InterruptedException {
    String name = "sluice-tun-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Commands.run(COMMAND_TIMEOUT, "ip", "netns", "add", name);
    NetworkNamespace ns = new NetworkNamespace(name);
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

  /** The namespace's file, as setns(2) wants it. */
  Path path() {
    return Path.of("/var/run/netns", name);
  }

  /** Runs {@code command} inside the namespace and waits (bounded) for it. */
  Commands.Result exec(String... command) {
    return Commands.runAllowingFailure(COMMAND_TIMEOUT, inside(command));
  }

  /** As {@link #exec}, failing unless it exits with status 0. */
  String execChecked(String... command) {
    return Commands.run(COMMAND_TIMEOUT, inside(command));
  }

  /** Starts {@code command} inside the namespace without waiting; {@link #close()} kills it if still running. */
  Process start(String... command) throws IOException {
    Path log = Files.createTempFile("sluice-netns", ".log");
    log.toFile().deleteOnExit();
    Process process = new ProcessBuilder(inside(command)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    background.add(process);
    return process;
  }

  private List<String> inside(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return full;
  }

  /** Kills background commands and deletes the namespace (and with it any device left inside). */
  @Override
  public void close() throws InterruptedException {
    for (Process process : background) {
      process.destroyForcibly();
      process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    Commands.run(COMMAND_TIMEOUT, "ip", "netns", "del", name);
  }
}
