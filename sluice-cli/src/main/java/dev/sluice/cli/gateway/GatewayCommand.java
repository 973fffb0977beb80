package dev.sluice.cli.gateway;

import dev.sluice.link.PcapngWriter;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice gateway}: gives a network namespace its TCP through Sluice (issue 15). */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = {
      "Gives a network namespace its network through Sluice, as slirp4netns and pasta do: every TCP",
      "flow the namespace (the guest) opens, to any destination, ends in Sluice and is relayed over a",
      "socket of this process, with half-close (FIN) and reset (RST) carried end to end.",
      "",
      "Creates a TUN device in the namespace, gives the guest the first host address of --cidr and a",
      "default route through the device; Sluice takes the next address. A destination that refuses",
      "is refused to the guest (RST); one that cannot be reached is not answered yet. TCP only so far.",
      "From outside, only --forward ports reach the guest. Needs CAP_NET_ADMIN (root). Use addresses",
      "from 198.18.0.0/15:",
      "",
      "  ip netns add guest",
      "  sluice gateway --netns guest --cidr 198.18.0.0/24 --forward tcp:8080:80 --stats 5",
      "  ip netns exec guest curl http://<an address this host reaches>/",
      "  curl http://127.0.0.1:8080/     (reaches port 80 in the guest)",
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

  @Option(names = "--duration", defaultValue = "0",
      description = "Stop after N seconds (resetting every flow); 0 runs until interrupted (default ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--forward", paramLabel = "tcp:[HOSTADDR:]HOSTPORT:GUESTPORT",
      description = "Listens on this host's HOSTPORT (on HOSTADDR, default 0.0.0.0; port 0 takes a free one, "
          + "printed at start) and relays each client into the guest's GUESTPORT, from Sluice's address. A guest "
          + "port where nothing listens, or a guest that does not answer within --connect-timeout, resets the "
          + "client. Repeatable; TCP only (udp is not supported yet).")
  List<String> forwards = new ArrayList<>();

  @Option(names = "--stats", paramLabel = "SECONDS", defaultValue = "0",
      description = "Every N seconds print the flow table, as ss -tn does (both halves' states, bytes each way, "
          + "age, who connected to whom), then the counters; 0 never (default ${DEFAULT-VALUE}).")
  int statsSeconds;

  @Option(names = "--capture", paramLabel = "FILE",
      description = "Write every packet to and from the guest (the TUN side) to FILE as pcapng, which Wireshark, "
          + "tshark and 'sluice doctor' read. Replaced if it exists; flushed and closed on stop.")
  java.nio.file.Path capture;

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
    if (durationSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--duration must not be negative: " + durationSeconds);
    }
    if (statsSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--stats must not be negative: " + statsSeconds);
    }
    List<PortForwarder.Rule> rules = new ArrayList<>();
    for (String forward : forwards) {
      try {
        rules.add(PortForwarder.Rule.parse(forward));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
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
    PcapngWriter writer = capture == null ? null : openCapture();
    try {
      return run(out, addresses, rules, writer);
    } finally {
      if (writer != null) { // after the device is closed: no tap writes any more
        try {
          writer.close();
          out.println("sluice gateway: " + writer.packets() + " packets written to " + capture);
        } catch (java.io.IOException e) {
          spec.commandLine().getErr().println("sluice gateway: --capture " + capture + ": " + e.getMessage());
        }
        out.flush();
      }
    }
  }

  /** Creates the capture file now, so that a path that cannot be written is one line before anything starts. */
  private PcapngWriter openCapture() {
    try {
      return PcapngWriter.realTime(capture, PcapngWriter.SNAPLEN_ALL); // stamped as written: see PcapngWriter
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), "--capture " + capture + ": cannot write: no such directory");
    } catch (AccessDeniedException e) {
      throw new ParameterException(spec.commandLine(), "--capture " + capture + ": cannot write: permission denied");
    } catch (java.io.IOException e) { // a directory, a read-only file system: the reason without the path again
      String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
          : String.valueOf(e.getMessage());
      throw new ParameterException(spec.commandLine(), "--capture " + capture + ": cannot write: "
          + reason.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + reason.substring(1));
    }
  }

  private int run(PrintWriter out, GatewayAddresses addresses, List<PortForwarder.Rule> rules, PcapngWriter writer)
      throws Exception {
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
            .forwards(rules)
            .capture(writer)
            .build())) {
      out.println("sluice gateway: guest " + addresses.guestWithPrefix() + " in " + netns + " on " + tun
          + ", Sluice " + addresses.host() + "; TCP relayed through this host's sockets");
      for (PortForwarder forwarder : gateway.forwarders()) {
        out.println("sluice gateway: " + forwarder.counters());
      }
      out.flush();
      awaitStop(stop, gateway, out);
      out.println("sluice gateway: stopping; " + gateway.counters());
      out.flush();
    } catch (java.net.BindException e) { // a --forward's host port is taken: nothing was left running
      spec.commandLine().getErr().println("sluice gateway: " + e.getMessage());
      return 1;
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

  /** Waits for a signal or the end of --duration, printing the stats every --stats seconds meanwhile. */
  private void awaitStop(CountDownLatch stop, Gateway gateway, PrintWriter out) throws InterruptedException {
    long start = System.nanoTime();
    long durationNanos = TimeUnit.SECONDS.toNanos(durationSeconds);
    long statsNanos = TimeUnit.SECONDS.toNanos(statsSeconds);
    long nextStats = statsNanos;
    while (true) {
      long elapsed = System.nanoTime() - start;
      long wait = Long.MAX_VALUE;
      if (durationSeconds > 0) {
        if (elapsed >= durationNanos) {
          return;
        }
        wait = durationNanos - elapsed;
      }
      if (statsSeconds > 0) {
        wait = Math.min(wait, Math.max(0, nextStats - elapsed));
      }
      if (stop.await(wait, TimeUnit.NANOSECONDS)) {
        return;
      }
      if (statsSeconds > 0 && System.nanoTime() - start >= nextStats) {
        nextStats += statsNanos;
        out.print(FlowTable.format(gateway.flowTable()));
        out.println("counters: " + gateway.counters());
        for (PortForwarder forwarder : gateway.forwarders()) {
          out.println("counters: " + forwarder.counters());
        }
        out.println();
        out.flush();
      }
    }
  }
}
