package dev.sluice.gateway.relay;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything a gateway is told before it starts, each value checked as it is set: what {@code
 * dev.sluice.gateway.Gateway.Builder} fills in and {@link StartedGateway#start} reads. Public only
 * for that builder (this package is not exported).
 *
 * <p>Each setter throws IllegalArgumentException, in one line naming the setting as {@code sluice
 * gateway}'s option (so the command prints it as its usage error unchanged), when the value is out
 * of range or contradicts one set before; checks that involve two settings are made by whichever
 * is set second, so the order of the calls never lets a contradiction through. Not thread-safe:
 * one thread fills it in, then hands it to {@link StartedGateway#start}.
 */
public final class GatewaySettings {
  /** The longest timeout: 30 days, as the command's. */
  private static final long MAX_SECONDS = 30L * 24 * 3600;
  /** The most flows of either kind: each costs a socket and buffers, and the memory cap bounds them anyway. */
  private static final int MAX_FLOWS = 1_000_000;
  private static final long MIN_FLOW_BUFFER = 4096;
  private static final long MAX_FLOW_BUFFER = 1L << 30;

  final Path netns;
  /** The namespace as given, for the start line. */
  final String netnsName;
  GatewayAddresses cidr = GatewayAddresses.parse("198.18.0.0/24");
  GatewayAddresses cidr6;
  String tun = "sluice0";
  int mtu = 65_520;
  int maxFlows = 4096;
  Duration connectTimeout = Duration.ofSeconds(127);
  Duration idleTimeout = Duration.ofSeconds(7440);
  Duration halfClosedTimeout = Duration.ofSeconds(240);
  Duration guestTimeout = Duration.ofSeconds(60);
  long flowBufferBytes = 256 * 1024;
  long flowBufferMaxBytes = 4 * 1024 * 1024;
  long maxMemoryBytes = 1L << 30;
  boolean virtualRelayThreads;
  boolean receiveInline = true; // measured ahead of the workers on every row: docs/benchmarks/gateway.md
  /** The TUN readers' busy poll: the round trips' measurements in docs/benchmarks/gateway.md. */
  Duration busyPoll = Duration.ofNanos(100_000);
  Socks5Proxy socks5;
  Consumer<String> socks5Log = line -> System.getLogger("dev.sluice.gateway")
      .log(System.Logger.Level.WARNING, line);
  boolean allowHostLoopback;
  final List<String> allow = new ArrayList<>();
  final List<String> deny = new ArrayList<>();
  final List<PortForwarder.Rule> forwards = new ArrayList<>();
  Duration udpTimeout = Duration.ofSeconds(60);
  int maxUdpFlows = 4096;
  Path capture;

  /** Settings for the namespace {@code netns}: a name under /var/run/netns, or a path (with a '/'). */
  public GatewaySettings(String netns) {
    Objects.requireNonNull(netns, "netns");
    if (netns.isBlank()) {
      throw new IllegalArgumentException("--netns must name a network namespace or give its path: '" + netns + "'");
    }
    this.netnsName = netns;
    this.netns = netns.contains("/") ? Path.of(netns) : Path.of("/var/run/netns", netns);
  }

  /** The namespace's file. */
  public Path netns() {
    return netns;
  }

  /** The guest's IPv4 network ({@code --cidr}). */
  public void cidr(String text) {
    GatewayAddresses parsed = GatewayAddresses.parse(Objects.requireNonNull(text, "cidr"));
    requireLoopbackRoom(allowHostLoopback, parsed);
    cidr = parsed;
  }

  /** The guest's IPv6 network ({@code --cidr6}); null: IPv4 only. */
  public void cidr6(String text) {
    if (text == null) {
      cidr6 = null;
      return;
    }
    GatewayAddresses parsed = GatewayAddresses.parseIpv6(text);
    requireIpv6Mtu(mtu);
    cidr6 = parsed;
  }

  /** The TUN device's name ({@code --tun}). */
  public void tun(String name) {
    Objects.requireNonNull(name, "tun");
    if (name.isBlank() || name.length() > 15 || name.contains("/")) {
      throw new IllegalArgumentException("--tun must be a device name of 1 to 15 characters: " + name);
    }
    tun = name;
  }

  /** The device's MTU ({@code --mtu}). */
  public void mtu(int value) {
    if (value < 576 || value > 65_535) {
      throw new IllegalArgumentException("--mtu must be in [576, 65535]: " + value);
    }
    if (cidr6 != null) {
      requireIpv6Mtu(value);
    }
    mtu = value;
  }

  /** Most TCP flows at once ({@code --max-flows}). */
  public void maxFlows(int value) {
    maxFlows = (int) inRange("--max-flows", value, 1, MAX_FLOWS);
  }

  /** ({@code --connect-timeout}) */
  public void connectTimeout(Duration value) {
    connectTimeout = timeout("--connect-timeout", value);
  }

  /** ({@code --idle-timeout}) */
  public void idleTimeout(Duration value) {
    idleTimeout = timeout("--idle-timeout", value);
  }

  /** ({@code --half-closed-timeout}) */
  public void halfClosedTimeout(Duration value) {
    halfClosedTimeout = timeout("--half-closed-timeout", value);
  }

  /** ({@code --guest-timeout}) */
  public void guestTimeout(Duration value) {
    guestTimeout = timeout("--guest-timeout", value);
  }

  /** Sluice's buffer per direction of a flow ({@code --flow-buffer}), in bytes. */
  public void flowBufferBytes(long value) {
    if (value < MIN_FLOW_BUFFER || value > MAX_FLOW_BUFFER) {
      throw new IllegalArgumentException("--flow-buffer must be in [4k, 1g]: " + value);
    }
    requireOneFlow(value, maxMemoryBytes);
    flowBufferBytes = value;
  }

  /**
   * The most a flow's send buffer toward the guest grows to ({@code --flow-buffer-max}), in bytes;
   * at or below {@code --flow-buffer} it never grows.
   */
  public void flowBufferMaxBytes(long value) {
    if (value < MIN_FLOW_BUFFER || value > MAX_FLOW_BUFFER) {
      throw new IllegalArgumentException("--flow-buffer-max must be in [4k, 1g]: " + value);
    }
    flowBufferMaxBytes = value;
  }

  /** The most all flows buffer together ({@code --max-memory}), in bytes. */
  public void maxMemoryBytes(long value) {
    requireOneFlow(flowBufferBytes, value);
    maxMemoryBytes = value;
  }

  /** Whether the copy loops run on virtual threads ({@code --relay-threads virtual}). */
  public void virtualRelayThreads(boolean on) {
    virtualRelayThreads = on;
  }

  /** The TUN readers' busy poll ({@code --busy-poll}): from zero (none) to a millisecond. */
  public void busyPoll(Duration window) {
    if (window.isNegative() || window.compareTo(Duration.ofMillis(1)) > 0) {
      throw new IllegalArgumentException("--busy-poll must be in [0, 1000] microseconds: " + window.toNanos() / 1_000);
    }
    busyPoll = window;
  }

  /** ({@code --receive inline}) */
  public void receiveInline(boolean on) {
    receiveInline = on;
  }

  /** The SOCKS5 proxy ({@code --socks5 [USER:PASSWORD@]HOST:PORT}); null: this host's sockets. */
  public void socks5(String spec) {
    if (spec == null) {
      socks5 = null;
      return;
    }
    try {
      socks5 = Socks5Proxy.parse(spec);
    } catch (IllegalArgumentException e) { // its messages omit the option (and hide the password)
      throw new IllegalArgumentException("--socks5: " + e.getMessage(), e);
    }
  }

  /** Where the SOCKS5 connector's lines go (a proxy that fails, and answers again). */
  public void socks5Log(Consumer<String> log) {
    socks5Log = Objects.requireNonNull(log, "socks5Log");
  }

  /** ({@code --allow-host-loopback}) */
  public void allowHostLoopback(boolean on) {
    requireLoopbackRoom(on, cidr);
    allowHostLoopback = on;
  }

  /** Adds an {@code --allow} range. */
  public void allow(String range) {
    CidrRange.parse("--allow", Objects.requireNonNull(range, "allow"));
    allow.add(range);
  }

  /** Adds a {@code --deny} range. */
  public void deny(String range) {
    CidrRange.parse("--deny", Objects.requireNonNull(range, "deny"));
    deny.add(range);
  }

  /** Adds a {@code --forward tcp|udp:[HOSTADDR:]HOSTPORT:GUESTPORT}. */
  public void forward(String rule) {
    forwards.add(PortForwarder.Rule.parse(Objects.requireNonNull(rule, "forward")));
  }

  /** ({@code --udp-timeout}) */
  public void udpTimeout(Duration value) {
    udpTimeout = timeout("--udp-timeout", value);
  }

  /** Most UDP flows at once ({@code --max-udp-flows}). */
  public void maxUdpFlows(int value) {
    maxUdpFlows = (int) inRange("--max-udp-flows", value, 1, MAX_FLOWS);
  }

  /** Where the TUN side is written as pcapng ({@code --capture}); null: nowhere. Opened at start. */
  public void capture(Path file) {
    capture = file;
  }

  /** The most one flow buffers with Sluice's buffers of {@code flowBufferBytes}: those two and the relay's two. */
  static long flowMemoryBytes(long flowBufferBytes) {
    return 2 * flowBufferBytes + 2L * TcpRelay.BUFFER_BYTES;
  }

  private static void requireOneFlow(long flowBufferBytes, long maxMemoryBytes) {
    long flowMemory = flowMemoryBytes(flowBufferBytes);
    if (maxMemoryBytes < flowMemory) {
      throw new IllegalArgumentException("--max-memory must hold at least one flow (" + flowMemory
          + " bytes with --flow-buffer " + flowBufferBytes + "): " + maxMemoryBytes);
    }
  }

  private static void requireIpv6Mtu(int mtu) { // IPv6 needs links of at least 1280 (RFC 8200 §5); Linux turns it off below
    if (mtu < 1280) {
      throw new IllegalArgumentException("--mtu must be at least 1280 with --cidr6: " + mtu);
    }
  }

  private static void requireLoopbackRoom(boolean allowHostLoopback, GatewayAddresses cidr) {
    if (allowHostLoopback && DestinationRules.mappedLoopback(cidr) == null) {
      throw new IllegalArgumentException("--allow-host-loopback needs a --cidr of /29 or wider: the host's loopback "
          + "is mapped at the network's fourth address, which a /" + cidr.prefix() + " does not have");
    }
  }

  private static long inRange(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(option + " must be in [" + min + ", " + max + "]: " + value);
    }
    return value;
  }

  /** A timeout of 1 second to 30 days; the message shows whole seconds as the command's option does. */
  private static Duration timeout(String option, Duration value) {
    Objects.requireNonNull(value, option);
    if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
      String shown = value.getNano() == 0 ? Long.toString(value.getSeconds()) : value.toString();
      throw new IllegalArgumentException(option + " must be in [1, " + MAX_SECONDS + "]: " + shown);
    }
    return value;
  }
}
