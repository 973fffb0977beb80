package dev.sluice.nio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway network namespace for the NIO tests, made with {@code ip netns add
 * sluice-nio-<random>} with IPv6 off (so the kernel sends no router solicitations into a device),
 * and deleted, with any device left inside, by {@link #close()}. Commands run inside with {@code ip
 * netns exec}, or in the root namespace with {@link #run}, each bounded in time. Needs root and
 * iproute2; the approach of {@code dev.sluice.link.NetworkNamespace}, for this package.
 */
final class ScratchNamespace implements AutoCloseable {
  private static final long COMMAND_TIMEOUT_SECONDS = 30;

  /** A finished command: exit status and its standard output (standard error apart). */
  record Result(int exitCode, String output, String errors) {}

  private final String name;

  private ScratchNamespace(String name) {
    this.name = name;
  }

  static ScratchNamespace create() throws IOException, InterruptedException {
    String name = "sluice-nio-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    check(run("ip", "netns", "add", name));
    ScratchNamespace ns = new ScratchNamespace(name);
    try {
      ns.execChecked("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
      ns.execChecked("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
      return ns;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      ns.close();
      throw e;
    }
  }

  String name() {
    return name;
  }

  /** Runs {@code command} inside the namespace, failing unless it exits with status 0; its output. */
  String execChecked(String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return check(run(full.toArray(String[]::new))).output();
  }

  /** Runs {@code command} here (not in the namespace) and waits, bounded, for it. */
  static Result run(String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("sluice-nio-ns", ".out");
    Path err = Files.createTempFile("sluice-nio-ns", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("LC_ALL", "C");
      Process process = builder.start();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        throw new IOException("did not finish within " + COMMAND_TIMEOUT_SECONDS + " s: " + List.of(command));
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static Result check(Result result) throws IOException {
    if (result.exitCode() != 0) {
      throw new IOException("exit " + result.exitCode() + ": " + result.output() + result.errors());
    }
    return result;
  }

  /** Deletes the namespace, and with it the devices inside. */
  @Override
  public void close() throws IOException, InterruptedException {
    check(run("ip", "netns", "del", name));
  }
}
