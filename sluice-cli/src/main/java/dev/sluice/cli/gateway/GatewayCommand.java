package dev.sluice.cli.gateway;

import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.OptionRanges;
import dev.sluice.cli.usage.OutputPaths;
import dev.sluice.gateway.Gateway;
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

/**
 * {@code sluice gateway}: gives a network namespace its TCP, UDP and ping through Sluice (issue 15).
 * A command line over sluice-gateway's public API ({@link Gateway}) and nothing else: the options
 * go to its builder, whose one-line IllegalArgumentExceptions become usage errors. Runs on the
 * picocli thread until a signal or {@code --duration}; a shutdown hook lets it reset the flows and
 * remove the device first.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = {
      "Gives a network namespace its TCP, UDP and ping through Sluice, as slirp4netns and pasta do.",
      "Every TCP flow the namespace (the guest) opens, to any destination, ends in Sluice and is relayed",
      "over a socket of this process, with half-close (FIN) and reset (RST) carried end to end. UDP is",
      "relayed per flow (guest address and port, destination address and port) over a connected datagram",
      "socket, closed after --udp-timeout idle seconds; pings go out through a ping socket (or a raw",
      "one, as root) and their replies come back.",
      "",
      "Creates a TUN device in the namespace, gives the guest the first host address of --cidr and a",
      "default route through the device; Sluice takes the next address (with --cidr6 the same for",
      "IPv6, beside IPv4). A destination that refuses is refused to the guest (RST, or ICMP port",
      "unreachable for UDP), one with no route gets an ICMP unreachable, and one that does not answer",
      "within --connect-timeout a RST. TCP flows that move nothing for their timeout are reset both ways.",
      "The guest never reaches this host itself: neither its loopback nor its interfaces' addresses",
      "(see --allow-host-loopback); --allow and --deny narrow where else it may go.",
      "From outside, only --forward ports reach the guest. Needs CAP_NET_ADMIN (root). Use addresses",
      "from 198.18.0.0/15:",
      "",
      "  ip netns add guest",
      "  sluice gateway --netns guest --cidr 198.18.0.0/24 --forward tcp:8080:80 --stats 5",
      "  ip netns exec guest curl http://<an address this host reaches>/",
      "  curl http://127.0.0.1:8080/     (reaches port 80 in the guest)",
      "",
      "Every timeout is 1 to 2592000 seconds (30 days). Exit status: 0 when stopped, 2 for bad usage or a",
      "namespace, device or port that cannot be used.",
      ""
    })
public final class GatewayCommand implements Callable<Integer> {
  /** The longest timeout, period or duration in seconds: 30 days. */
  private static final int MAX_SECONDS = 30 * 24 * 3600;

  @Spec CommandSpec spec;

  @Option(names = "--netns", required = true,
      description = "The guest: an existing network namespace (a name under /var/run/netns, or a path).")
  String netns;

  @Option(names = "--cidr", defaultValue = "198.18.0.0/24",
      description = "The guest's IPv4 network (default ${DEFAULT-VALUE}): the guest takes its first host "
          + "address, Sluice the next.")
  String cidr;

  @Option(names = "--cidr6",
      description = "Also give the guest IPv6 from this network (like 2001:2:0:1::/64, prefix at most 126): "
          + "the guest takes its first host address, Sluice the next. Without it the guest has IPv4 only.")
  String cidr6;

  @Option(names = "--tun", defaultValue = "sluice0",
      description = "Name of the TUN device created in the namespace (default ${DEFAULT-VALUE}).")
  String tun;

  @Option(names = "--mtu", defaultValue = "65520",
      description = "The device's MTU, 576 to 65535, 1280 or more with --cidr6 (default ${DEFAULT-VALUE}, as "
          + "slirp4netns's; the guest's TCP segments are then up to 64 KB).")
  int mtu;

  @Option(names = "--max-flows", defaultValue = "4096",
      description = "Most TCP flows relayed at once, counting those still connecting, 1 to 1000000 (default "
          + "${DEFAULT-VALUE}); "
          + "a SYN beyond it is refused.")
  int maxFlows;

  @Option(names = "--connect-timeout", defaultValue = "127",
      description = "Seconds to wait for the outside to accept a flow (default ${DEFAULT-VALUE}, Linux's own "
          + "SYN timeout); then the guest's SYN is answered with a RST.")
  int connectTimeoutSeconds;

  @Option(names = "--idle-timeout", defaultValue = "7440",
      description = "Seconds a flow may move no byte either way before it is reset both ways (default "
          + "${DEFAULT-VALUE}, 2 h 4 min, RFC 5382's least for a NAT).")
  int idleTimeoutSeconds;

  @Option(names = "--half-closed-timeout", defaultValue = "240",
      description = "The same, once one direction has closed (default ${DEFAULT-VALUE}, RFC 5382's "
          + "transitory timeout).")
  int halfClosedTimeoutSeconds;

  @Option(names = "--guest-timeout", defaultValue = "60",
      description = "Seconds the guest may leave data unacknowledged, or keepalive probes unanswered once "
          + "quiet, before its flow is reset: how a guest that vanished without a RST is noticed "
          + "(default ${DEFAULT-VALUE}).")
  int guestTimeoutSeconds;

  @Option(names = "--flow-buffer", defaultValue = "256k",
      description = "Sluice's buffer for each direction of a flow, in bytes (suffix k, m or g; default "
          + "${DEFAULT-VALUE}): the window the guest may fill before the outside reads, and what waits for "
          + "the guest's acknowledgement. With the relay's own 2 x 64 KiB, a flow's most.")
  String flowBuffer;

  @Option(names = "--flow-buffer-max", defaultValue = "4m",
      description = "The most a flow's buffer toward the guest grows to (suffix k, m or g; default "
          + "${DEFAULT-VALUE}), as Linux's send-buffer autotuning grows: while the guest acknowledges faster "
          + "than one buffer per round trip, within a quarter of --max-memory for all flows; back to "
          + "--flow-buffer when the flow is idle or closes. At or below --flow-buffer: no growth.")
  String flowBufferMax;

  @Option(names = "--max-memory", defaultValue = "1g",
      description = "The most all flows buffer together (suffix k, m or g; default ${DEFAULT-VALUE}): fewer "
          + "flows than --max-flows are admitted if their buffers would not fit.")
  String maxMemory;

  @Option(names = "--relay-threads", defaultValue = "platform",
      description = "Which threads copy each TCP flow's bytes: platform (default: one wake-up per blocked "
          + "socket read, the lower latency) or virtual (nearly free to hold, for very many flows).")
  String relayThreads;

  @Option(names = "--receive", defaultValue = "inline",
      description = "Which threads process the guest's packets: inline (default: each TUN queue's reader, one per "
          + "core, processes what it read) or workers (the TUN readers hand them to receive workers, one per core: "
          + "one thread hand-off more per packet).")
  String receive;

  @Option(names = "--busy-poll", paramLabel = "MICROS", defaultValue = "100",
      description = "How long each TUN reader keeps looking for the guest's next packet after a burst before "
          + "it sleeps, in microseconds, 0 to 1000 (default ${DEFAULT-VALUE}; 0: sleep at once): a request that "
          + "comes within it costs no thread wake-up. The price is CPU for that long after each burst, none when idle.")
  int busyPollMicros;

  @Option(names = "--socks5", paramLabel = "[USER:PASSWORD@]HOST:PORT",
      description = "Send every flow through this SOCKS5 proxy (RFC 1928) instead of this host's sockets: TCP as "
          + "CONNECT, UDP as UDP ASSOCIATE, to the address the guest asked for. With USER:PASSWORD the proxy may "
          + "ask for them (RFC 1929; note that other users can see a command line). HOST is a name, an IPv4 "
          + "address or a bracketed IPv6 one.")
  String socks5;

  @Option(names = "--udp-timeout", defaultValue = "60",
      description = "Seconds a UDP flow lives without a datagram either way (default ${DEFAULT-VALUE}).")
  int udpTimeoutSeconds;

  @Option(names = "--max-udp-flows", defaultValue = "4096",
      description = "Most UDP flows at once, 1 to 1000000 (default ${DEFAULT-VALUE}); a datagram that would open one more "
          + "is dropped.")
  int maxUdpFlows;

  @Option(names = "--duration", defaultValue = "0",
      description = "Stop after N seconds (resetting every flow), up to 2592000; 0 runs until interrupted (default "
          + "${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--allow-host-loopback",
      description = "Let the guest reach this host's loopback (127.0.0.1, same port) at the fourth address of "
          + "--cidr (198.18.0.3 for the default). This host's other addresses stay out of reach.")
  boolean allowHostLoopback;

  @Option(names = "--allow", paramLabel = "CIDR",
      description = "Repeatable, IPv4 or IPv6: the guest may reach only destinations inside these networks. "
          + "The guest never reaches this host itself (its loopback, its interfaces' addresses), whatever "
          + "--allow says.")
  List<String> allow = new ArrayList<>();

  @Option(names = "--deny", paramLabel = "CIDR",
      description = "Repeatable, IPv4 or IPv6: the guest may not reach these networks, even inside an --allow. "
          + "A refused flow gets a RST.")
  List<String> deny = new ArrayList<>();

  @Option(names = "--forward", paramLabel = "tcp|udp:[HOSTADDR:]HOSTPORT:GUESTPORT",
      description = "Listens on this host's HOSTPORT (on HOSTADDR, default 0.0.0.0; port 0 takes a free one, "
          + "printed at start) and relays each client into the guest's GUESTPORT, from Sluice's address. TCP: a "
          + "guest port where nothing listens, or a guest that does not answer within --connect-timeout, resets "
          + "the client. UDP: each client's datagrams go from a Sluice port of their own, so the guest's answers "
          + "go back to that client, until --udp-timeout idle seconds. Repeatable.")
  List<String> forwards = new ArrayList<>();

  @Option(names = "--stats", paramLabel = "SECONDS", defaultValue = "0",
      description = "Every N seconds print the flow table, as ss -tn does (both halves' states, bytes each way, "
          + "age, who connected to whom), then the counters, up to 2592000; 0 never (default ${DEFAULT-VALUE}).")
  int statsSeconds;

  @Option(names = "--capture", paramLabel = "FILE",
      description = "Write every packet to and from the guest (the TUN side) to FILE as pcapng, which Wireshark, "
          + "tshark and 'sluice doctor' read. Replaced if it exists; flushed and closed on stop.")
  java.nio.file.Path capture;

  @Override
  public Integer call() throws Exception {
    // The library checks each value as it is set and says what is wrong in the option's words; the
    // order of the setters is the order in which the command has always reported mistakes.
    Gateway.Builder builder = configured();
    OptionRanges.check(spec, "--duration", durationSeconds, 0, MAX_SECONDS);
    OptionRanges.check(spec, "--stats", statsSeconds, 0, MAX_SECONDS);
    if (capture != null) {
      OutputPaths.requireWritable(spec, capture);
      checkCapture();
    }
    parsed(() -> {
      forwards.forEach(builder::forward);
      return builder.tun(tun).allowHostLoopback(allowHostLoopback);
    });
    parsed(() -> {
      allow.forEach(builder::allow);
      deny.forEach(builder::deny);
      return builder.socks5(socks5);
    });
    PrintWriter err = spec.commandLine().getErr();
    builder.socks5Log(line -> {
      synchronized (err) {
        err.println("sluice gateway: " + line);
        err.flush();
      }
    });
    java.nio.file.Path ns = netns.contains("/") ? java.nio.file.Path.of(netns) : java.nio.file.Path.of("/var/run/netns", netns);
    if (!java.nio.file.Files.exists(ns)) {
      throw new ParameterException(spec.commandLine(), "--netns: no such network namespace: " + ns
          + " (create it first, e.g. ip netns add " + ns.getFileName() + ")");
    }
    return run(spec.commandLine().getOut(), builder);
  }

  /** The builder with every option the library checks, up to the forwards. */
  private Gateway.Builder configured() {
    Gateway.Builder builder = parsed(() -> Gateway.builder(netns).cidr(cidr).cidr6(cidr6).mtu(mtu));
    long flowBufferBytes = bytes("--flow-buffer", flowBuffer);
    long flowBufferMaxBytes = bytes("--flow-buffer-max", flowBufferMax);
    long maxMemoryBytes = bytes("--max-memory", maxMemory);
    parsed(() -> builder.flowBufferBytes(flowBufferBytes).flowBufferMaxBytes(flowBufferMaxBytes)
        .maxMemoryBytes(maxMemoryBytes));
    Gateway.RelayThreads threads = switch (relayThreads) {
      case "platform" -> Gateway.RelayThreads.PLATFORM;
      case "virtual" -> Gateway.RelayThreads.VIRTUAL;
      default -> throw new ParameterException(spec.commandLine(),
          "--relay-threads must be platform or virtual: " + relayThreads);
    };
    if (!receive.equals("workers") && !receive.equals("inline")) {
      throw new ParameterException(spec.commandLine(), "--receive must be workers or inline: " + receive);
    }
    return parsed(() -> builder.relayThreads(threads).receiveInline(receive.equals("inline"))
        .busyPoll(Duration.ofNanos(busyPollMicros * 1_000L))
        .maxFlows(maxFlows)
        .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
        .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
        .halfClosedTimeout(Duration.ofSeconds(halfClosedTimeoutSeconds))
        .guestTimeout(Duration.ofSeconds(guestTimeoutSeconds))
        .udpTimeout(Duration.ofSeconds(udpTimeoutSeconds))
        .maxUdpFlows(maxUdpFlows)
        .capture(capture));
  }

  /**
   * Creates the capture file now, so that a path that cannot be written is one line before anything
   * starts; the gateway writes it again from the start when it starts.
   */
  private void checkCapture() {
    try {
      PcapngWriter.realTime(capture, PcapngWriter.SNAPLEN_ALL).close();
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

  private int run(PrintWriter out, Gateway.Builder builder) throws Exception {
    Gateway gateway;
    try {
      gateway = builder.start();
    } catch (java.io.IOException e) { // no privilege, a device of that name in use, ip(8) refused, a port taken
      spec.commandLine().getErr().println("sluice gateway: " + e.getMessage());
      if (capture != null) { // the gateway closed it again, with no packet in it
        out.println("sluice gateway: 0 packets written to " + capture);
        out.flush();
      }
      return ExitCodes.USAGE;
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
    try {
      for (String line : gateway.describe()) {
        out.println("sluice gateway: " + line);
      }
      out.flush();
      awaitStop(stop, gateway, out);
      out.println("sluice gateway: stopping; " + gateway.counters());
      out.flush();
    } finally {
      try {
        gateway.close();
      } catch (java.io.IOException e) { // only the capture's last writes can fail
        spec.commandLine().getErr().println("sluice gateway: --capture " + capture + ": " + e.getMessage());
      }
      if (capture != null) {
        out.println("sluice gateway: " + gateway.capturedPackets() + " packets written to " + capture);
        out.flush();
      }
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    return 0;
  }

  /** What {@code parse} answers; its IllegalArgumentException becomes the one usage line it says. */
  private <T> T parsed(java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** A size option: bytes, or a number with suffix k, m or g (powers of 1024). */
  private long bytes(String option, String value) {
    String v = value.strip().toLowerCase(java.util.Locale.ROOT);
    int shift = v.endsWith("k") ? 10 : v.endsWith("m") ? 20 : v.endsWith("g") ? 30 : 0;
    String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
    try {
      long n = Long.parseLong(digits);
      if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new ParameterException(spec.commandLine(), option + " must be a size in bytes, like 262144, 256k, "
          + "64m or 1g: " + value);
    }
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
        out.print(gateway.flowTable());
        out.println("counters: " + gateway.counters());
        for (String line : gateway.forwardCounters()) {
          out.println("counters: " + line);
        }
        out.println();
        out.flush();
      }
    }
  }
}
