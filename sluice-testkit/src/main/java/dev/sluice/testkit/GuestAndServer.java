package dev.sluice.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The testbed of a gateway test: an empty guest namespace (the gateway under test gives it its
 * network) and a server namespace that this host reaches over a veth pair the fixture makes, with
 * the host's end and the server's end addressed as the test says (addresses of 198.18.0.0/15 only).
 * Servers started in the server namespace are killed, and the namespaces and the veth pair deleted,
 * on {@link #close}, whatever state the test left. Test tooling only.
 *
 * <p>Needs root and ip(8). Not thread-safe: one test drives it.
 */
public final class GuestAndServer implements AutoCloseable {
  private static final Duration BOUND = Duration.ofSeconds(30);

  /** The guest namespace's name, for the gateway and for {@code ip netns exec}. */
  public final String guest;
  /** The server namespace's name. */
  public final String server;
  private final String veth;
  private final List<Process> servers = new ArrayList<>();

  private GuestAndServer(String prefix) {
    String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    this.guest = prefix + "-g-" + id;
    this.server = prefix + "-s-" + id;
    this.veth = "stk" + id; // 9 bytes, and the ends' "a" and "b": under the 15-byte limit
  }

  /**
   * Makes the two namespaces and the veth pair: {@code hostAddress} (address/prefix) on this host's
   * end, {@code serverAddress} (address/prefix) on the server's. On failure nothing is left behind.
   *
   * @param prefix the start of the namespaces' names, which a random suffix makes unique
   */
  public static GuestAndServer create(String prefix, String hostAddress, String serverAddress) {
    GuestAndServer bed = new GuestAndServer(prefix);
    try {
      Commands.run(BOUND, "ip", "netns", "add", bed.guest);
      Commands.run(BOUND, "ip", "netns", "add", bed.server);
      Commands.run(BOUND, "ip", "link", "add", bed.veth + "a", "type", "veth", "peer", "name", bed.veth + "b",
          "netns", bed.server);
      Commands.run(BOUND, "ip", "addr", "add", hostAddress, "dev", bed.veth + "a");
      Commands.run(BOUND, "ip", "link", "set", bed.veth + "a", "up");
      Commands.run(BOUND, "ip", "-n", bed.server, "addr", "add", serverAddress, "dev", bed.veth + "b");
      Commands.run(BOUND, "ip", "-n", bed.server, "link", "set", bed.veth + "b", "up");
    } catch (RuntimeException | AssertionError e) {
      bed.close();
      throw e;
    }
    return bed;
  }

  /**
   * Starts {@code command} in the server namespace, its output discarded, and waits (at most 20 s)
   * until something listens on TCP {@code port} there. It is killed on {@link #close}.
   */
  public Process startServer(int port, String... command) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", server));
    full.addAll(List.of(command));
    Process process = new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    servers.add(process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!Commands.run(BOUND, "ip", "netns", "exec", server, "ss", "-Hltn", "sport = :" + port).isBlank()) {
        return process;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("nothing listened on " + port + " in " + server);
  }

  /** Kills the servers, deletes the veth pair and both namespaces; never throws. */
  @Override
  public void close() {
    for (Process process : servers) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    Commands.runQuietly(BOUND, "ip", "link", "del", veth + "a");
    Commands.runQuietly(BOUND, "ip", "netns", "del", guest);
    Commands.runQuietly(BOUND, "ip", "netns", "del", server);
  }
}
