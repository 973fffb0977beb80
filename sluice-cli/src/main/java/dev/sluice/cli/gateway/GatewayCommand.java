package dev.sluice.cli.gateway;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice gateway}: gives a network namespace its TCP, UDP and ping through Sluice (issue 15). */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = {
      "Gives a network namespace its network through Sluice, as slirp4netns and pasta do: every TCP",
      "flow the namespace (the guest) opens, to any destination, ends in Sluice and is relayed over a",
      "socket of this process, with half-close (FIN) and reset (RST) carried end to end. UDP is relayed",
      "per flow (guest address and port, destination address and port) over a connected datagram",
      "socket, closed after --udp-timeout idle seconds; pings go out through a ping socket (or a raw",
      "one, as root) and their replies come back.",
      "",
      "Creates a TUN device in the namespace, gives the guest the first host address of --cidr and a",
      "default route through the device; Sluice takes the next address. A destination that refuses",
      "is refused to the guest (RST, or ICMP port unreachable for UDP); one that cannot be reached",
      "gets an ICMP unreachable.",
      "Needs CAP_NET_ADMIN (root). Use addresses from 198.18.0.0/15:",
      "",
      "  ip netns add guest",
      "  sluice gateway --netns guest --cidr 198.18.0.0/24",
      "  ip netns exec guest curl http://<an address this host reaches>/",
      ""
    })
public final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--netns", required = true,
      description = "The guest: an existing network namespace (a name under /var/run/netns, or a path).")
  String netns;

  @Option(names = "--cidr", defaultValue = "198.18.0.0/24",
      description = "The guest's IPv4 network (default ${DEFAULT-VALUE}): the guest takes its first host "
          + "address, Sluice the next.")
  String cidr;

  @Option(names = "--tun", defaultValue = "sluice0",
      description = "Name of the TUN device created in the namespace (default ${DEFAULT-VALUE}).")
  String tun;

  @Option(names = "--mtu", defaultValue = "1500", description = "The device's MTU (default ${DEFAULT-VALUE}).")
  int mtu;

  @Option(names = "--max-flows", defaultValue = "4096",
      description = "Most TCP flows relayed at once, counting those still connecting (default ${DEFAULT-VALUE}); "
          + "a SYN beyond it is refused.")
  int maxFlows;

  @Option(names = "--connect-timeout", defaultValue = "10",
      description = "Seconds to wait for the outside to accept a flow (default ${DEFAULT-VALUE}); then the "
          + "guest's SYN goes unanswered and its retransmission tries again.")
  int connectTimeoutSeconds;

  @Option(names = "--udp-timeout", defaultValue = "60",
      description = "Seconds a UDP flow lives without a datagram either way (default ${DEFAULT-VALUE}).")
  int udpTimeoutSeconds;

  @Option(names = "--max-udp-flows", defaultValue = "4096",
      description = "Most UDP flows at once (default ${DEFAULT-VALUE}); a datagram that would open one more "
          + "is dropped.")
  int maxUdpFlows;

  @Option(names = "--duration", defaultValue = "0",
      description = "Stop after N seconds (resetting every flow); 0 runs until interrupted (default ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Override
  public Integer call() throws Exception {
    GatewayAddresses addresses;
    try {
      addresses = GatewayAddresses.parse(cidr);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (mtu < 576 || mtu > 65_535) {
      throw new ParameterException(spec.commandLine(), "--mtu must be in [576, 65535]: " + mtu);
    }
    if (maxFlows < 1) {
      throw new ParameterException(spec.commandLine(), "--max-flows must be positive: " + maxFlows);
    }
    if (connectTimeoutSeconds < 1) {
      throw new ParameterException(spec.commandLine(), "--connect-timeout must be at least 1 second");
    }
    if (udpTimeoutSeconds < 1) {
      throw new ParameterException(spec.commandLine(), "--udp-timeout must be at least 1 second");
    }
    if (maxUdpFlows < 1) {
      throw new ParameterException(spec.commandLine(), "--max-udp-flows must be positive: " + maxUdpFlows);
    }
    if (durationSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--duration must not be negative: " + durationSeconds);
    }
    if (tun.isEmpty() || tun.length() > 15 || tun.contains("/") || tun.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--tun must be a device name of 1 to 15 characters: " + tun);
    }
    java.nio.file.Path ns = netns.contains("/") ? java.nio.file.Path.of(netns) : java.nio.file.Path.of("/var/run/netns", netns);
    if (!java.nio.file.Files.exists(ns)) {
      throw new ParameterException(spec.commandLine(), "--netns: no such network namespace: " + ns
          + " (create it first, e.g. ip netns add " + ns.getFileName() + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    GuestNetwork guestNetwork;
    try {
      guestNetwork = GuestNetwork.open(netns, tun, mtu, addresses);
    } catch (java.io.IOException e) { // no privilege, a device of that name in use, ip(8) refused
      spec.commandLine().getErr().println("sluice gateway: " + e.getMessage());
      return 1;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> { // on SIGINT/SIGTERM: let the flows be reset and the device closed first
      stop.countDown();
      try {
        stopped.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Runtime.getRuntime().addShutdownHook(hook);
    try (GuestNetwork guest = guestNetwork;
        Gateway gateway = new Gateway(guest.device(), GatewayConfig.builder(addresses.hostWithPrefix())
            .maxFlows(maxFlows)
            .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
            .udpIdleTimeout(Duration.ofSeconds(udpTimeoutSeconds))
            .maxUdpFlows(maxUdpFlows)
            .build())) {
      out.println("sluice gateway: guest " + addresses.guestWithPrefix() + " in " + netns + " on " + tun
          + ", Sluice " + addresses.host() + "; TCP, UDP and ping relayed through this host's sockets");
      out.flush();
      if (durationSeconds > 0) {
        stop.await(durationSeconds, TimeUnit.SECONDS);
      } else {
        stop.await();
      }
      out.println("sluice gateway: stopping; " + gateway.counters());
      out.flush();
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    return 0;
  }
}
