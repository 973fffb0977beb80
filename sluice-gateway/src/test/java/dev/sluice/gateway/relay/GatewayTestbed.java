package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A guest namespace behind a {@link GatewayHost} run in this JVM, and an "outside" namespace joined to
 * the root namespace by a veth pair, so the gateway's kernel sockets (in the root namespace) reach
 * the outside's servers. Given a subnet number {@code s}, the guest's network is 198.18.s.0/24 and
 * the veth's 198.18.(s+1).0/24 ({@link #rootAddress} .1 on the root side, {@link #outsideAddress}
 * .2 in the outside namespace): each test class takes subnets of its own, so classes can run at
 * once. IPv6 is off in both namespaces, unless the testbed is {@link #startDualStack dual-stack}:
 * then the guest's IPv6 network is 2001:2:0:s::/64 and the veth's 2001:2:0:(s+1)::/64 (::1 root
 * side, ::2 outside), the subnet numbers written as hexadecimal groups. Needs root and
 * /dev/net/tun ({@link #AVAILABLE}); closing stops the servers and the gateway and deletes
 * everything it created.
 */
final class GatewayTestbed implements AutoCloseable {
  /** Whether this machine can run a testbed: root, with a TUN driver. */
  static final boolean AVAILABLE = "root".equals(System.getProperty("user.name"))
      && Files.exists(Path.of("/dev/net/tun"));
  /** Why a test is skipped when it cannot. */
  static final String NEEDS = "gateway tests need root and /dev/net/tun (they create namespaces, a veth pair "
      + "and a TUN device)";
  /** How long one set-up or clean-up command (ip(8), sysctl) may take. */
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(30);

  final String guestNs;
  final String outsideNs;
  final GatewayAddresses guest;
  final String rootAddress;
  final String outsideAddress;
  /** The guest's IPv6 network, Sluice's IPv6 address, and the veth's IPv6 ends; null unless dual-stack. */
  final GatewayAddresses guest6;
  final String rootAddress6;
  final String outsideAddress6;
  private final String vethRoot;
  private final List<Process> servers = new ArrayList<>();
  private GuestNetwork network;
  private GatewayHost gateway;

  private GatewayTestbed(int subnet, boolean ipv6) {
    String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    guestNs = "sluice-gw-g-" + id;
    outsideNs = "sluice-gw-o-" + id;
    vethRoot = "sgw" + id + "a";
    guest = GatewayAddresses.parse("198.18." + subnet + ".0/24");
    rootAddress = "198.18." + (subnet + 1) + ".1";
    outsideAddress = "198.18." + (subnet + 1) + ".2";
    guest6 = ipv6 ? GatewayAddresses.parseIpv6("2001:2:0:" + subnet + "::/64") : null;
    rootAddress6 = ipv6 ? "2001:2:0:" + (subnet + 1) + "::1" : null;
    outsideAddress6 = ipv6 ? "2001:2:0:" + (subnet + 1) + "::2" : null;
  }

  /**
   * Builds the namespaces, the veth pair and a gateway for guest network 198.18.{@code subnet}.0/24,
   * configured by {@code configure} from the defaults; on failure nothing is left behind.
   */
  static GatewayTestbed start(int subnet, int mtu, UnaryOperator<GatewayConfig.Builder> configure) throws Exception {
    return start(new GatewayTestbed(subnet, false), mtu, configure);
  }

  /**
   * As {@link #start}, with IPv6 on in both namespaces as well: the veth pair gets 2001:2:0:(s+1)::1
   * and ::2, and the guest and the gateway 2001:2:0:s::/64 (as {@code --cidr6}).
   */
  static GatewayTestbed startDualStack(int subnet, int mtu, UnaryOperator<GatewayConfig.Builder> configure)
      throws Exception {
    return start(new GatewayTestbed(subnet, true), mtu, configure);
  }

  private static GatewayTestbed start(GatewayTestbed bed, int mtu, UnaryOperator<GatewayConfig.Builder> configure)
      throws Exception {
    try {
      bed.build(mtu, configure);
      return bed;
    } catch (Throwable e) { // a linkage error too: never leave namespaces and a veth behind
      try {
        bed.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void build(int mtu, UnaryOperator<GatewayConfig.Builder> configure) throws Exception {
    String vethOutside = vethRoot.substring(0, vethRoot.length() - 1) + "b";
    Commands.run(COMMAND_BOUND, "ip", "netns", "add", guestNs);
    Commands.run(COMMAND_BOUND, "ip", "netns", "add", outsideNs);
    String ipv6Off = guest6 == null ? "1" : "0";
    for (String ns : List.of(guestNs, outsideNs)) {
      Commands.run(COMMAND_BOUND, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
          "net.ipv6.conf.all.disable_ipv6=" + ipv6Off);
      Commands.run(COMMAND_BOUND, "ip", "netns", "exec", ns, "sysctl", "-q", "-w",
          "net.ipv6.conf.default.disable_ipv6=" + ipv6Off);
      Commands.run(COMMAND_BOUND, "ip", "-n", ns, "link", "set", "lo", "up");
    }
    Commands.run(COMMAND_BOUND, "ip", "link", "add", vethRoot, "type", "veth", "peer", "name", vethOutside, "netns",
        outsideNs);
    Commands.run(COMMAND_BOUND, "ip", "addr", "add", rootAddress + "/24", "dev", vethRoot);
    Commands.run(COMMAND_BOUND, "ip", "link", "set", vethRoot, "up");
    Commands.run(COMMAND_BOUND, "ip", "-n", outsideNs, "addr", "add", outsideAddress + "/24", "dev", vethOutside);
    if (guest6 != null) { // nodad: the addresses are usable at once (nobody else is on the pair)
      Commands.run(COMMAND_BOUND, "ip", "-6", "addr", "add", rootAddress6 + "/64", "dev", vethRoot, "nodad");
      Commands.run(COMMAND_BOUND, "ip", "-n", outsideNs, "-6", "addr", "add", outsideAddress6 + "/64", "dev",
          vethOutside, "nodad");
    }
    Commands.run(COMMAND_BOUND, "ip", "-n", outsideNs, "link", "set", vethOutside, "up");
    network = GuestNetwork.open(guestNs, "tun0", mtu, guest, guest6);
    GatewayConfig.Builder config = GatewayConfig.builder(guest.hostWithPrefix());
    if (guest6 != null) {
      config.hostAddress6(guest6.hostWithPrefix());
    }
    gateway = new GatewayHost(network.device(), configure.apply(config).build());
  }

  /** The root namespace's end of the veth pair. */
  String vethRoot() {
    return vethRoot;
  }

  /** The gateway; {@link #stopGateway} ends it before the testbed closes. */
  GatewayHost gateway() {
    return gateway;
  }

  /** Closes the gateway (resetting its flows) and leaves the namespaces for the test to look at. */
  void stopGateway() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
      gateway = null;
    }
  }

  /** Starts {@code command} in the outside namespace, in the background; it is killed on close. */
  Process outside(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", outsideNs));
    full.addAll(List.of(command));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    servers.add(p);
    return p;
  }

  /**
   * The usual outside at {@code address}: an HTTP server over {@code www}, which gets a file
   * named "file" of {@code fileBytes} random bytes, a half-close server answering 2,000,000 bytes,
   * and a server that resets; returns once all three listen.
   */
  void startUsualServers(String address, Path www, int fileBytes, int httpPort, int halfClosePort, int resetPort)
      throws Exception {
    byte[] file = new byte[fileBytes];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(file);
    java.nio.file.Files.write(java.nio.file.Files.createDirectories(www).resolve("file"), file);
    outside("python3", "-m", "http.server", Integer.toString(httpPort), "--bind", address, "--directory", www.toString());
    outside(PythonPeers.halfCloseServer(address, halfClosePort, 2_000_000));
    outside(PythonPeers.resettingServer(address, resetPort));
    for (int port : java.util.List.of(httpPort, halfClosePort, resetPort)) {
      awaitListening(port);
    }
  }

  /** Runs {@code command} in the guest namespace (at most 40 s) and answers what it printed. */
  String inGuest(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", guestNs, "timeout", "40"));
    full.addAll(List.of(command));
    return Commands.run(Duration.ofSeconds(60), full);
  }

  /** Starts {@code command} in the guest namespace, in the background (at most 60 s). */
  Process startInGuest(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", guestNs, "timeout", "60"));
    full.addAll(List.of(command));
    return new ProcessBuilder(full).redirectErrorStream(true).start();
  }

  /** Waits until the outside listens on TCP {@code port}, connecting from the root namespace over the veth. */
  void awaitListening(int port) throws Exception {
    awaitListening(outsideAddress, port);
  }

  /** As {@link #awaitListening(int)}, on the outside's {@code address} (its IPv4 or IPv6 one). */
  void awaitListening(String address, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, port), 1000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the outside never listened on " + port, e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** Waits up to {@code seconds} until every flow has ended, and asserts it. */
  void awaitNoFlows(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (gateway.flows() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(gateway.flows()).as("flows left: " + gateway.counters()).isZero();
  }

  @Override
  public void close() throws Exception {
    try {
      for (Process p : servers) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      stopGateway();
      if (network != null) {
        network.close();
      }
    } finally {
      Commands.runQuietly(COMMAND_BOUND, "ip", "link", "del", vethRoot);
      Commands.runQuietly(COMMAND_BOUND, "ip", "netns", "del", guestNs);
      Commands.runQuietly(COMMAND_BOUND, "ip", "netns", "del", outsideNs);
    }
  }
}
