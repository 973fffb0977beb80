package dev.sluice.nio;

import dev.sluice.link.TunDevice;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.Steering;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The one stack of a JVM started with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}: a {@link Host}
 * on a TUN device, made from system properties the first time the JVM-wide provider opens a
 * channel, so that every NIO channel of the application runs on Sluice without a code change.
 * The properties mean what {@code sluice serve}'s options of the same names mean:
 *
 * <ul>
 *   <li>{@code sluice.tun} (required): the TUN device's name; created if absent, removed when the
 *       JVM exits.
 *   <li>{@code sluice.address} (required): the stack's address on the device with its prefix,
 *       {@code 198.18.0.2/24} or {@code 2001:2::2/64}; several separated by commas.
 *   <li>{@code sluice.peerAddress}: give the kernel's side of the device this address (and
 *       prefix), then bring the device up with the stack's MTU, using {@code ip(8)}; several
 *       separated by commas. Without it, configure the kernel's side yourself.
 *   <li>{@code sluice.netns}: create the device inside this network namespace, by name (as {@code
 *       ip netns add} makes it, under {@code /var/run/netns}) or by path ({@code
 *       /proc/PID/ns/net}); the JVM's own threads stay where they are.
 *   <li>{@code sluice.gateway}: the default route of the address's family goes through this
 *       address, which must be on the network of a {@code sluice.address}; several separated by
 *       commas (one per family). Without it, only the connected networks are reachable.
 *   <li>{@code sluice.mtu}: the device's MTU, default 1500. {@code sluice.workers}: receive
 *       worker threads, default one per core. {@code sluice.spray}: {@code true} lets every worker
 *       take every packet, so one connection's packets are processed on several cores at once
 *       ({@code NetStack.Builder.sprayReceive}); slower, for testing; default {@code false}.
 * </ul>
 *
 * <p>The host also has a loopback device with 127.0.0.1 and ::1, so the application's connections
 * to its own addresses and to loopback ones are delivered inside the stack, as the kernel delivers
 * them. It is stopped by a shutdown hook: connections still open are reset, then the device goes.
 * Each mistake in the properties fails the first channel's {@code open} with an {@link
 * IOException} naming the property and what is wrong.
 *
 * <p><b>Threads.</b> {@link #start} is called once, under the provider's lock; it uses no NIO
 * channel itself (the device is FFM, {@code ip} a process), so it cannot recurse into the provider
 * that is starting it.
 */
final class JvmWideStack {
  private static final long IP_TIMEOUT_SECONDS = 20;

  private JvmWideStack() {}

  /** Reads the system properties, opens the device and starts the host. */
  static Host start() throws IOException {
    return start(System.getProperties());
  }

  /** As {@link #start()}, from {@code properties}. */
  static Host start(Properties properties) throws IOException {
    String tun = required(properties, "sluice.tun", "the TUN device's name, like -Dsluice.tun=tun0");
    List<String> addresses = addressList(properties, "sluice.address");
    if (addresses.isEmpty()) {
      throw new IOException("sluice.address is not set: give the stack's address with its prefix, like "
          + "-Dsluice.address=198.18.0.2/24");
    }
    List<String> peers = addressList(properties, "sluice.peerAddress");
    List<String> gateways = gatewayList(properties);
    int mtu = number(properties, "sluice.mtu", 1500, 68, 65_535);
    int workers = number(properties, "sluice.workers", Runtime.getRuntime().availableProcessors(), 1, 1024);
    boolean spray = flag(properties, "sluice.spray");
    Path netns = namespace(properties.getProperty("sluice.netns"));

    Host host = new Host(HostConfig.builder().buildWith(h -> {
      h.workers = workers;
      h.loopback = true;
      h.steering = spray ? Steering.SPRAY : Steering.STEER;
    }));
    TunDevice device = TunDevice.open(netns, tun, 1, mtu);
    try {
      for (String address : addresses) {
        host.addInterface(device, address);
      }
      for (String gateway : gateways) {
        boolean v6 = gateway.indexOf(':') >= 0;
        try {
          host.addRoute(v6 ? "::/0" : "0.0.0.0/0", gateway);
        } catch (IllegalArgumentException e) {
          throw new IOException("sluice.gateway: " + e.getMessage(), e);
        }
      }
      for (String peer : peers) {
        ip(netns, "addr", "add", peer, "dev", device.name());
      }
      if (!peers.isEmpty()) {
        ip(netns, "link", "set", "dev", device.name(), "mtu", Integer.toString(mtu), "up");
      }
    } catch (IOException | RuntimeException e) {
      device.close();
      throw e;
    }
    host.start();
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("sluice-jvm-wide-stop").unstarted(() -> {
      try {
        host.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        device.close();
      }
    }));
    return host;
  }

  private static String required(Properties properties, String name, String what) throws IOException {
    String value = properties.getProperty(name);
    if (value == null || value.isBlank()) {
      throw new IOException(name + " is not set: give " + what);
    }
    return value.strip();
  }

  /** The comma-separated {@code address/prefix} list in property {@code name}, each checked. */
  private static List<String> addressList(Properties properties, String name) throws IOException {
    List<String> list = new ArrayList<>();
    String value = properties.getProperty(name);
    if (value == null || value.isBlank()) {
      return list;
    }
    for (String item : value.split(",")) {
      String address = item.strip();
      int slash = address.indexOf('/');
      if (slash < 0) {
        throw new IOException(name + ": '" + address + "' needs a prefix length, like 198.18.0.2/24");
      }
      InetAddress ip = literal(name, address.substring(0, slash));
      int max = ip.getAddress().length * 8;
      String prefix = address.substring(slash + 1);
      if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(prefix) > max) {
        throw new IOException(name + ": the prefix length of '" + address + "' must be a number from 0 to " + max);
      }
      list.add(address);
    }
    return list;
  }

  private static List<String> gatewayList(Properties properties) throws IOException {
    List<String> list = new ArrayList<>();
    String value = properties.getProperty("sluice.gateway");
    if (value == null || value.isBlank()) {
      return list;
    }
    for (String item : value.split(",")) {
      list.add(literal("sluice.gateway", item.strip()).getHostAddress());
    }
    return list;
  }

  /** Parses an IP literal; names are refused, never resolved (there is no DNS under the stack yet). */
  private static InetAddress literal(String property, String text) throws IOException {
    boolean plausible = !text.isEmpty() && (Character.digit(text.charAt(0), 16) >= 0 || text.charAt(0) == ':')
        && text.indexOf('%') < 0;
    try {
      if (plausible) {
        return InetAddress.ofLiteral(text);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new IOException(property + ": '" + text + "' is not an IPv4 or IPv6 address literal");
  }

  /** The namespace file for a name or a path, which must exist; null for none. */
  private static Path namespace(String value) throws IOException {
    if (value == null || value.isBlank()) {
      return null;
    }
    String ns = value.strip();
    Path path = ns.contains("/") ? Path.of(ns) : Path.of("/var/run/netns", ns);
    if (!Files.exists(path)) {
      throw new IOException("sluice.netns: no network namespace '" + ns + "' (" + path + " does not exist"
          + (ns.contains("/") ? "" : "; create it with ip netns add " + ns) + ")");
    }
    return path;
  }

  private static boolean flag(Properties properties, String name) throws IOException {
    String value = properties.getProperty(name);
    if (value == null || value.isBlank() || value.strip().equals("false")) {
      return false;
    }
    if (value.strip().equals("true")) {
      return true;
    }
    throw new IOException(name + ": '" + value.strip() + "' must be true or false");
  }

  private static int number(Properties properties, String name, int fallback, int min, int max) throws IOException {
    String value = properties.getProperty(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(name + ": '" + value + "' must be a number from " + min + " to " + max);
  }

  /**
   * Runs {@code ip(8)}, inside the namespace if there is one: by name with {@code ip -n}, by path
   * through {@code nsenter --net}, since {@code ip -n} knows only the names under /var/run/netns.
   */
  private static void ip(Path netns, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    if (netns != null && netns.startsWith("/var/run/netns")) {
      command.addAll(List.of("ip", "-n", netns.getFileName().toString()));
    } else if (netns != null) {
      command.addAll(List.of("nsenter", "--net=" + netns, "ip"));
    } else {
      command.add("ip");
    }
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within " + IP_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + " interrupted", e);
    }
    if (process.exitValue() != 0) {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
