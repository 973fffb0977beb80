package dev.sluice.cli;

import dev.sluice.api.NetStack;
import dev.sluice.cli.usage.ExitCodes;
import dev.sluice.cli.usage.OptionRanges;
import dev.sluice.cli.usage.OutputPaths;
import dev.sluice.link.PcapngWriter;
import dev.sluice.link.TunDevice;
import dev.sluice.link.TunOffload;
import java.util.Locale;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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

/** {@code sluice serve}: the stack on a TUN device, serving HTTP and echo. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs Sluice on a TUN device, serving HTTP/1.1 and echo.",
      "HTTP answers GET / and GET /bytes/N, with the JDK's own HttpServer running on Sluice through its",
      "SelectorProvider; echo is RFC 862's.",
      "",
      "Needs CAP_NET_ADMIN (root, or a user and network namespace). A namespace keeps the test",
      "traffic away from everything else; use addresses from 198.18.0.0/15:",
      "",
      "  ip netns add sluice",
      "  sluice serve --netns sluice --tun tun0 --address 198.18.0.2/24 --peer-address 198.18.0.1/24",
      "  ip netns exec sluice curl http://198.18.0.2/bytes/1000000 | sha256sum",
      "  ip netns exec sluice ping -c 3 198.18.0.2",
      "  ip netns del sluice",
      "",
      "--peer-address gives the kernel's side of the device that address and brings it up;",
      "without it, configure the kernel side yourself (ip addr add ... dev tun0; ip link set tun0 up)."
    })
final class ServeCommand implements Callable<Integer> {
  /** The longest period or duration in seconds: 30 days. */
  private static final int MAX_SECONDS = 30 * 24 * 3600;

  @Spec CommandSpec spec;

  @Option(names = "--tun", required = true, description = "TUN device name (created if absent).")
  String tun;

  @Option(names = "--address", required = true, split = ",",
      description = "Sluice's address(es) on the device, like 198.18.0.2/24 or 2001:2::2/64.")
  List<String> addresses = new ArrayList<>();

  @Option(names = "--peer-address", split = ",",
      description = "Give the kernel's side of the device this address and bring it up (uses ip(8)).")
  List<String> peerAddresses = new ArrayList<>();

  @Option(names = "--netns", description = "Create the device inside this network namespace (by name or path).")
  String netns;

  @Option(names = "--http-port", defaultValue = "80",
      description = "HTTP port, 1 to 65535, or 0 for none (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--echo-port", defaultValue = "7",
      description = "Echo port, 1 to 65535, or 0 for none (default ${DEFAULT-VALUE}).")
  int echoPort;

  @Option(names = "--workers", defaultValue = "0",
      description = "Receive workers, 1 to 256, or 0 for one per core (the default).")
  int workers;

  @Option(names = "--queues", defaultValue = "0",
      description = "TUN queues, 1 to 256 (IFF_MULTI_QUEUE when more than 1); 0, the default, for one per receive "
          + "worker, so that each worker reads its own queue.")
  int queues;

  @Option(names = "--tun-offload", defaultValue = "auto", converter = OffloadConverter.class,
      description = "auto: virtio headers with checksum and TCP segmentation offload where the kernel has them "
          + "(64 KB per read and write); off: one packet per read and write (default ${DEFAULT-VALUE}).")
  TunOffload offload;

  @Option(names = "--mtu", defaultValue = "1500", description = "Device MTU, 68 to 65535 (default ${DEFAULT-VALUE}).")
  int mtu;

  @Option(names = "--capture", description = "Write every packet on the device to this pcapng file.")
  Path capture;

  @Option(names = "--stats", defaultValue = "0",
      description = "Print the connection table (like ss -ti) and the TCP counters every N seconds, up to 2592000 "
          + "(30 days); 0 for never.")
  int statsSeconds;

  @Option(names = "--counters", defaultValue = "0",
      description = "Print one JSON line every N seconds: connections, TCP counters and drops, the TUN device's "
          + "drops, heap in use; up to 2592000; 0 for never.")
  int countersSeconds;

  @Option(names = "--duration", defaultValue = "0",
      description = "Stop after N seconds, up to 2592000; 0 runs until interrupted.")
  int durationSeconds;

  /** "auto" or "off", in any case; anything else is a one-line usage error. */
  static final class OffloadConverter implements picocli.CommandLine.ITypeConverter<TunOffload> {
    @Override
    public TunOffload convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "auto", "on" -> TunOffload.AUTO;
        case "off" -> TunOffload.OFF;
        default -> throw new picocli.CommandLine.TypeConversionException("expected auto or off, not '" + value + "'");
      };
    }
  }

  @Override
  public Integer call() throws Exception {
    OptionRanges.check(spec, "--http-port", httpPort, 0, 65_535);
    OptionRanges.check(spec, "--echo-port", echoPort, 0, 65_535);
    OptionRanges.check(spec, "--workers", workers, 0, TunDevice.MAX_QUEUES);
    OptionRanges.check(spec, "--queues", queues, 0, TunDevice.MAX_QUEUES);
    OptionRanges.check(spec, "--mtu", mtu, 68, 65_535);
    OptionRanges.check(spec, "--stats", statsSeconds, 0, MAX_SECONDS);
    OptionRanges.check(spec, "--counters", countersSeconds, 0, MAX_SECONDS);
    OptionRanges.check(spec, "--duration", durationSeconds, 0, MAX_SECONDS);
    if (tun.isBlank() || tun.length() > 15 || tun.contains("/")) {
      throw new ParameterException(spec.commandLine(), "--tun must be a device name of 1 to 15 characters: " + tun);
    }
    for (String address : addresses) {
      requireAddressWithPrefix("--address", address);
    }
    for (String peer : peerAddresses) {
      requireAddressWithPrefix("--peer-address", peer);
    }
    Path ns = netns == null ? null : netns.contains("/") ? Path.of(netns) : Path.of("/var/run/netns", netns);
    if (ns != null && !Files.exists(ns)) {
      throw new ParameterException(spec.commandLine(), "--netns: no such network namespace: " + ns
          + " (create it first, e.g. ip netns add " + ns.getFileName() + ")");
    }
    if (capture != null) {
      OutputPaths.requireWritable(spec, capture);
    }
    PrintWriter out = spec.commandLine().getOut();
    // One queue per worker: the host gives queue q to worker q % workers (steering), so each
    // worker then drains a queue of its own, and the kernel keeps each flow on one queue.
    int receiveWorkers = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    int tunQueues = queues > 0 ? queues : Math.min(receiveWorkers, TunDevice.MAX_QUEUES);
    TunDevice device;
    try {
      device = TunDevice.open(ns, tun, tunQueues, mtu, offload);
    } catch (IOException e) { // no privilege, a name taken by another kind of device
      spec.commandLine().getErr().println("sluice serve: cannot open TUN device " + tun + ": " + e.getMessage());
      return ExitCodes.USAGE;
    }
    PcapngWriter writer = null;
    try {
      if (capture != null) {
        writer = PcapngWriter.realTime(capture, PcapngWriter.SNAPLEN_ALL); // stamped as written: see PcapngWriter
        writer.attach(device);
      }
      for (String peer : peerAddresses) {
        ip(ns, "addr", "add", peer, "dev", tun);
      }
      if (!peerAddresses.isEmpty()) {
        ip(ns, "link", "set", "dev", tun, "mtu", Integer.toString(mtu), "up");
      }
    } catch (IOException e) { // ip(8) refused (the address is taken, say), or the capture file
      device.close();
      if (writer != null) {
        writer.close();
      }
      spec.commandLine().getErr().println("sluice serve: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    NetStack.Builder builder = NetStack.builder().name("serve"); // its MBean's name: 'sluice ss' shows it
    if (workers > 0) {
      builder.workers(workers);
    }
    for (String address : addresses) {
      builder.addInterface(device, address);
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    try (NetStack stack = builder.build()) {
      List<Runnable> stops = new ArrayList<>();
      if (httpPort > 0) {
        HttpService http;
        try {
          http = new HttpService(stack, httpPort);
        } catch (IllegalStateException e) { // the JVM was started without Sluice's provider
          throw new ParameterException(spec.commandLine(), "serve's HTTP service is the JDK's HttpServer on Sluice, "
              + "which needs -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider "
              + "(the sluice launcher sets it); or use --http-port 0");
        }
        stops.add(http::stop);
      }
      if (echoPort > 0) {
        EchoService echo = new EchoService(stack.listen(echoPort, 1024));
        Thread.ofPlatform().daemon(true).name("sluice-echo").start(echo::run);
        stops.add(echo::stop);
      }
      out.println("sluice serve: " + String.join(", ", addresses) + " on " + tun
          + (ns == null ? "" : " in " + ns) + (httpPort > 0 ? "; http :" + httpPort : "")
          + (echoPort > 0 ? "; echo :" + echoPort : "")
          + (device.segmentationLimit() > 0 ? "; TUN offloads 0x" + Integer.toHexString(device.offloads())
              : "; TUN offloads off"));
      out.flush();
      // Deadlines in System.nanoTime(), compared by difference (it may wrap); one second at most
      // between looks at them.
      long start = System.nanoTime();
      long nextStats = start + TimeUnit.SECONDS.toNanos(statsSeconds);
      long nextCounters = start; // a first line at once: the baseline
      while (true) {
        long now = System.nanoTime();
        if (countersSeconds > 0 && now - nextCounters >= 0) {
          out.println(ServeCounters.line(stack, device, (now - start) / 1e9));
          out.flush();
          nextCounters += TimeUnit.SECONDS.toNanos(countersSeconds);
        }
        if (statsSeconds > 0 && now - nextStats >= 0) {
          out.print(stack.connectionTable());
          out.print(stack.tcpCounters());
          out.flush();
          nextStats += TimeUnit.SECONDS.toNanos(statsSeconds);
        }
        long wait = TimeUnit.SECONDS.toNanos(1);
        if (countersSeconds > 0) {
          wait = Math.min(wait, nextCounters - now);
        }
        if (statsSeconds > 0) {
          wait = Math.min(wait, nextStats - now);
        }
        if (durationSeconds > 0) {
          long left = start + TimeUnit.SECONDS.toNanos(durationSeconds) - now;
          if (left <= 0) {
            break;
          }
          wait = Math.min(wait, left);
        }
        if (stop.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
          break;
        }
      }
      stops.forEach(Runnable::run);
    } finally {
      device.close();
      if (writer != null) {
        writer.close();
      }
    }
    return 0;
  }

  /**
   * A usage error unless {@code value} is an IP literal with a prefix length its family allows,
   * like 198.18.0.2/24 or 2001:2::2/64: checked before the device is created, so a typo leaves
   * nothing behind.
   */
  private void requireAddressWithPrefix(String option, String value) {
    int slash = value.indexOf('/');
    if (slash < 0) {
      throw new ParameterException(spec.commandLine(), option + " " + value
          + ": needs a prefix length, like 198.18.0.2/24 or 2001:2::2/64");
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(value.substring(0, slash)); // a literal only: never a name lookup
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), option + " " + value
          + ": not an IP address, like 198.18.0.2/24 or 2001:2::2/64");
    }
    int max = address instanceof Inet6Address ? 128 : 32;
    String prefix = value.substring(slash + 1);
    if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max) {
      throw new ParameterException(spec.commandLine(), option + " " + value
          + ": the prefix length must be a number in [0, " + max + "]");
    }
  }

  /** Runs ip(8), in the namespace if one was given. */
  private void ip(Path ns, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    if (ns != null) {
      command.addAll(List.of("-n", ns.getFileName().toString()));
    }
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
  }
}
