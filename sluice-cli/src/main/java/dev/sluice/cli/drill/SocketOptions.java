package dev.sluice.cli.drill;

import dev.sluice.cli.drill.VirtualSockets.Outcome;
import dev.sluice.cli.drill.VirtualSockets.Unsupported;
import dev.sluice.api.TcpConnection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code setsockopt} and {@code getsockopt} on the virtual host. Options that size a connection
 * ({@code TCP_MAXSEG}, buffers, keepalive timing, {@code TCP_USER_TIMEOUT}, {@code TCP_SYNCNT})
 * go into the socket's {@link dev.sluice.tcp.TcpConfig} and must be set before {@code listen} or
 * {@code connect}: Sluice fixes them when it creates the connection, so setting them afterwards
 * fails the script with that reason rather than being ignored. Options for features Sluice lacks
 * skip the script.
 */
final class SocketOptions {
  /** Options whose feature Sluice lacks: a script that sets one is skipped, under this name. */
  private static final Map<String, String> FEATURES = Map.ofEntries(
      Map.entry("TCP_FASTOPEN", "TCP_FASTOPEN"), Map.entry("TCP_FASTOPEN_CONNECT", "TCP_FASTOPEN"),
      Map.entry("TCP_FASTOPEN_KEY", "TCP_FASTOPEN"), Map.entry("TCP_FASTOPEN_NO_COOKIE", "TCP_FASTOPEN"),
      Map.entry("TCP_MD5SIG", "TCP_MD5SIG"), Map.entry("TCP_MD5SIG_EXT", "TCP_MD5SIG"),
      Map.entry("SO_ZEROCOPY", "MSG_ZEROCOPY"), Map.entry("TCP_REMOTE_UDP_ENCAPS_PORT", "UDP_ENCAPSULATION"),
      Map.entry("TCP_INFO", "TCP_INFO"), Map.entry("TCP_CORK", "TCP_CORK"), Map.entry("TCP_INQ", "TCP_INQ"),
      Map.entry("TCP_NOTSENT_LOWAT", "TCP_NOTSENT_LOWAT"), Map.entry("SO_TIMESTAMPING", "SO_TIMESTAMPING"),
      Map.entry("TCP_NOOPT", "TCP_NOOPT"), Map.entry("TCP_FUNCTION_BLK", "TCP_FUNCTION_BLK"),
      Map.entry("TCP_RACK_PACE_RATE_SS", "TCP_RACK"), Map.entry("TCP_RACK_PACE_MAX_SEG", "TCP_RACK"),
      Map.entry("TCP_RACK_PACE_ALWAYS", "TCP_RACK"), Map.entry("TCP_KEEPINIT", "TCP_KEEPINIT"),
      Map.entry("TCP_CONGESTION", "TCP_CONGESTION"), Map.entry("TCP_ULP", "TCP_ULP"),
      Map.entry("SO_MAX_PACING_RATE", "SO_MAX_PACING_RATE"), Map.entry("TCP_REPAIR", "TCP_REPAIR"),
      Map.entry("TCP_SAVE_SYN", "TCP_SAVE_SYN"), Map.entry("TCP_SAVED_SYN", "TCP_SAVE_SYN"),
      Map.entry("SO_MARK", "SO_MARK"), Map.entry("IP_FREEBIND", "IP_FREEBIND"));
  /** IP-level options: the header fields a script cannot see in its lenient comparison anyway. */
  private static final Set<String> IP_LEVEL = Set.of("IP_TOS", "IP_TTL", "IPV6_TCLASS", "IPV6_UNICAST_HOPS",
      "IP_MTU_DISCOVER", "IPV6_USE_MIN_MTU");

  private final Flow flow;
  private final Platform platform;
  private final boolean lenient;

  SocketOptions(Flow flow, Platform platform, boolean lenient) {
    this.flow = flow;
    this.platform = platform;
    this.lenient = lenient;
  }

  Outcome set(VirtualSocket s, String level, String name, String value) throws Unsupported {
    refuseFeature(name);
    if (IP_LEVEL.contains(name)) {
      if (!lenient) {
        throw new Unsupported("IP-level option " + name + " is not supported (lenient mode accepts and ignores it)");
      }
      return Outcome.of(0);
    }
    checkLevel(level, name);
    boolean exists = s.exists();
    switch (name) {
      case "SO_REUSEADDR", "SO_REUSEPORT" -> intValue(value); // no effect: Sluice has no bind conflicts to relax
      case "SO_LINGER" -> {
        Map<String, String> fields = struct(value);
        s.lingerOnOff = Integer.parseInt(fields.getOrDefault("l_onoff", fields.getOrDefault("onoff", "0")));
        s.lingerSeconds = Integer.parseInt(fields.getOrDefault("l_linger", fields.getOrDefault("linger", "0")));
      }
      case "TCP_NODELAY" -> {
        s.noDelay = intValue(value) != 0;
        s.tcp.nagle = !s.noDelay;
        if (s.connection != null && !VirtualSockets.applied(s.connection::setTcpNoDelay, s.noDelay)) {
          return Outcome.error("EINVAL");
        }
      }
      case "SO_KEEPALIVE" -> {
        s.keepAlive = intValue(value) != 0;
        if (s.connection != null && !VirtualSockets.applied(s.connection::setKeepAlive, s.keepAlive)) {
          return Outcome.error("EINVAL");
        }
      }
      case "TCP_MAXSEG" -> {
        refuseOnExisting(exists, name);
        s.tcp.mtu = intValue(value) + (flow.ipv6 ? 60 : 40);
      }
      case "SO_RCVBUF" -> {
        refuseOnExisting(exists, name);
        s.tcp.receiveBufferBytes = platform.socketBufferBytes(intValue(value));
      }
      case "SO_SNDBUF" -> {
        refuseOnExisting(exists, name);
        s.tcp.sendBufferBytes = platform.socketBufferBytes(intValue(value));
      }
      case "TCP_KEEPIDLE" -> {
        refuseOnExisting(exists, name);
        s.tcp.keepAliveIdleNanos = intValue(value) * 1_000_000_000L;
      }
      case "TCP_KEEPINTVL" -> {
        refuseOnExisting(exists, name);
        s.tcp.keepAliveIntervalNanos = intValue(value) * 1_000_000_000L;
      }
      case "TCP_KEEPCNT" -> {
        refuseOnExisting(exists, name);
        s.tcp.keepAliveProbes = intValue(value);
      }
      case "TCP_USER_TIMEOUT" -> {
        refuseOnExisting(exists, name);
        s.tcp.userTimeoutNanos = intValue(value) * 1_000_000L;
      }
      case "TCP_SYNCNT" -> {
        refuseOnExisting(exists, name); // Linux's per-socket SYN retry count: R2 for the open (RFC 9293 §3.8.3)
        s.tcp.maxSynRetransmits = intValue(value);
      }
      default -> throw new Unsupported("unsupported socket option " + name);
    }
    return Outcome.of(0);
  }

  /**
   * Sluice fixes a connection's sizes when it creates it: a strict run fails on a change
   * afterwards, a lenient one (a script written for a stack that resizes) skips the script.
   */
  private void refuseOnExisting(boolean exists, String name) throws Unsupported {
    if (exists) {
      String reason = name + " is fixed when Sluice creates a connection: set it before listen() or "
          + "connect() (on the listening socket for accepted ones)";
      throw lenient ? new Unsupported(reason, name + " on an open connection") : new Unsupported(reason);
    }
  }

  /**
   * Compares the option's value with {@code expected}. A buffer size that differs only fails a
   * strict run: FreeBSD reports its receive buffer rounded up to a multiple of the MSS, Sluice the
   * size it was given, and a lenient run notes that through {@code notes}.
   */
  Outcome get(VirtualSocket s, String level, String name, String expected, java.util.List<String> notes)
      throws Unsupported {
    refuseFeature(name);
    checkLevel(level, name);
    long value = switch (name) {
      case "SO_ERROR" -> {
        TcpConnection c = s.connection;
        if (c == null || c.failure() == null || s.errorReported) {
          yield 0;
        }
        s.errorReported = true;
        s.connecting = false;
        yield VirtualSockets.ERRNO.get(VirtualSockets.errnoOf(c.failure()));
      }
      case "TCP_NODELAY" -> s.noDelay ? 1 : 0;
      case "SO_KEEPALIVE" -> s.keepAlive ? 1 : 0;
      case "SO_RCVBUF" -> s.tcp.receiveBufferBytes;
      case "SO_SNDBUF" -> s.tcp.sendBufferBytes;
      case "TCP_MAXSEG" -> s.connection != null ? s.connection.info().mss() : s.tcp.mtu - (flow.ipv6 ? 60 : 40);
      case "TCP_KEEPIDLE" -> s.tcp.keepAliveIdleNanos > 0 ? s.tcp.keepAliveIdleNanos / 1_000_000_000L
          : dev.sluice.tcp.TcpConfig.DEFAULT_KEEPALIVE_IDLE_NANOS / 1_000_000_000L;
      case "TCP_KEEPINTVL" -> s.tcp.keepAliveIntervalNanos / 1_000_000_000L;
      case "TCP_KEEPCNT" -> s.tcp.keepAliveProbes;
      case "TCP_USER_TIMEOUT" -> s.tcp.userTimeoutNanos / 1_000_000L;
      case "TCP_SYNCNT" -> s.tcp.maxSynRetransmits;
      default -> throw new Unsupported("unsupported socket option " + name + " for getsockopt");
    };
    String want = unbracket(expected);
    long wanted = VirtualSockets.ERRNO.containsKey(want) ? VirtualSockets.ERRNO.get(want) : Long.decode(want);
    if (wanted != value) {
      String mismatch = "getsockopt " + name + " gave [" + value + "], the script expects " + expected;
      if (lenient && (name.equals("SO_RCVBUF") || name.equals("SO_SNDBUF"))) {
        notes.add(mismatch + " (buffer accounting differs)");
        return Outcome.of(0);
      }
      throw new Unsupported(mismatch);
    }
    return Outcome.of(0);
  }

  private static void refuseFeature(String name) throws Unsupported {
    String feature = FEATURES.get(name);
    if (feature != null) {
      throw new Unsupported("Sluice has no " + feature, feature);
    }
  }

  private static void checkLevel(String level, String name) throws Unsupported {
    boolean socketLevel = name.startsWith("SO_");
    String want = socketLevel ? "SOL_SOCKET" : "IPPROTO_TCP";
    boolean ok = socketLevel ? level.equals("SOL_SOCKET") || level.equals("1")
        : level.equals("IPPROTO_TCP") || level.equals("SOL_TCP") || level.equals("6");
    if (!ok) {
      throw new Unsupported(name + " belongs to level " + want + ", not " + level);
    }
  }

  // ------------------------------------------------------------------ argument notation

  static int intValue(String arg) {
    return Integer.decode(unbracket(arg));
  }

  static String unbracket(String arg) {
    String s = arg.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1).strip();
    }
    return s;
  }

  /** {@code {a=1, b=2}} as a map. */
  static Map<String, String> struct(String arg) throws Unsupported {
    String s = arg.strip();
    if (!s.startsWith("{") || !s.endsWith("}")) {
      throw new Unsupported("expected a structure {name=value, ...}, not " + arg);
    }
    Map<String, String> fields = new TreeMap<>();
    for (String part : ScriptParser.splitTopLevel(s.substring(1, s.length() - 1))) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new Unsupported("expected name=value in " + arg);
      }
      fields.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
    }
    return fields;
  }
}
