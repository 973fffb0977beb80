package dev.sluice.cli.drill;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.stack.Listener;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The virtual host's system calls: packetdrill's socket API mapped onto Sluice's {@link Host},
 * {@link Listener} and {@link Connection}, with Linux's file-descriptor numbering and errno
 * conventions. Every call is attempted without waiting; a call that would block returns {@link
 * #WOULD_BLOCK} and the runner retries it as virtual time passes, which is how a blocking call
 * ({@code start...end}) returns at the right moment without threads.
 *
 * <p>Socket options set before {@code listen} or {@code connect} become the connection's {@link
 * TcpConfig}, as Linux's listening sockets pass theirs to the sockets they accept. Those that
 * Sluice fixes when a connection is created ({@code TCP_MAXSEG}, buffer sizes, keepalive timing,
 * {@code TCP_USER_TIMEOUT}, {@code TCP_SYNCNT}) are refused on an existing connection, with that reason.
 */
final class VirtualSockets {
  /** A call's outcome: {@code result}, and for -1 an errno name. */
  record Outcome(long result, String errno) {
    static Outcome of(long result) {
      return new Outcome(result, null);
    }

    static Outcome error(String errno) {
      return new Outcome(-1, errno);
    }

    @Override
    public String toString() {
      return errno == null ? Long.toString(result) : "-1 " + errno;
    }
  }

  /** Returned by an attempt that must wait; the runner retries it. */
  static final Outcome WOULD_BLOCK = new Outcome(Long.MIN_VALUE, "would block");

  /** A call the runner cannot map: the script fails with this reason at the call's line. */
  static final class Unsupported extends Exception {
    Unsupported(String reason) {
      super(reason);
    }
  }

  static final Map<String, Integer> ERRNO = Map.ofEntries(Map.entry("EPERM", 1), Map.entry("EBADF", 9),
      Map.entry("EAGAIN", 11), Map.entry("EINVAL", 22), Map.entry("EPIPE", 32), Map.entry("EOPNOTSUPP", 95),
      Map.entry("EADDRINUSE", 98), Map.entry("ECONNRESET", 104), Map.entry("EISCONN", 106),
      Map.entry("ENOTCONN", 107), Map.entry("ETIMEDOUT", 110), Map.entry("ECONNREFUSED", 111),
      Map.entry("EALREADY", 114), Map.entry("EINPROGRESS", 115));

  private static final int O_RDWR = 0x2;
  private static final int O_NONBLOCK = 0x800;
  private static final int POLLIN = 0x1;
  private static final int POLLOUT = 0x4;
  private static final int POLLERR = 0x8;
  private static final int POLLHUP = 0x10;
  private static final int POLLRDHUP = 0x2000;
  private static final Map<String, Integer> POLL_BITS = Map.of("POLLIN", POLLIN, "POLLOUT", POLLOUT,
      "POLLERR", POLLERR, "POLLHUP", POLLHUP, "POLLRDHUP", POLLRDHUP);

  /** One file descriptor. */
  private static final class Socket {
    final TcpConfig.Builder tcp;
    boolean nonBlocking;
    boolean bound;
    boolean noDelay;
    boolean keepAlive;
    int lingerOnOff;
    int lingerSeconds;
    Listener listener;
    Connection connection;
    /** A connect was started and has not yet been reported done. */
    boolean connecting;
    /** The failure already reported by a call (Linux reports sk_err once, then end-of-file). */
    boolean errorReported;
    boolean readShut;

    Socket(TcpConfig base) {
      this.tcp = base.toBuilder();
    }
  }

  private final Host host;
  private final Flow flow;
  private final TreeMap<Integer, Socket> sockets = new TreeMap<>();
  private final byte[] scratch = new byte[1 << 20];

  VirtualSockets(Host host, Flow flow) {
    this.host = host;
    this.flow = flow;
  }

  /** State a blocking call keeps between attempts. */
  static final class Progress {
    long done;
    long startedNanos = -1;
  }

  /** Attempts {@code call} at {@code now}. */
  Outcome attempt(ScriptEvent.Call call, Progress progress, long now) throws Unsupported {
    if (progress.startedNanos < 0) {
      progress.startedNanos = now;
    }
    List<String> a = call.args();
    try {
      return switch (call.name()) {
        case "socket" -> socket(a);
        case "bind" -> withSocket(a, 3, s -> bind(s));
        case "listen" -> withSocket(a, 2, s -> listen(s, a));
        case "accept" -> withSocket(a, 3, s -> accept(s));
        case "connect" -> withSocket(a, 3, s -> connect(s));
        case "read" -> withSocket(a, 3, s -> read(s, count(a.get(2))));
        case "recv" -> withSocket(a, 4, s -> read(s, count(a.get(2)), flags(a.get(3))));
        case "write" -> withSocket(a, 3, s -> write(s, count(a.get(2)), progress, false));
        case "send" -> withSocket(a, 4, s -> write(s, count(a.get(2)), progress, flags(a.get(3))));
        case "close" -> close(a);
        case "shutdown" -> withSocket(a, 2, s -> shutdown(s, a.get(1)));
        case "setsockopt" -> withSocket(a, 5, s -> setsockopt(s, a.get(1), a.get(2), a.get(3)));
        case "getsockopt" -> withSocket(a, 5, s -> getsockopt(s, a.get(1), a.get(2), a.get(3)));
        case "fcntl" -> fcntl(a);
        case "poll" -> poll(a, progress, now);
        default -> throw new Unsupported("unsupported system call " + call.name() + "()");
      };
    } catch (NumberFormatException e) {
      throw new Unsupported("cannot read an argument of " + call.name() + ": " + e.getMessage());
    }
  }

  private interface SocketCall {
    Outcome apply(Socket s) throws Unsupported;
  }

  private Outcome withSocket(List<String> args, int arity, SocketCall body) throws Unsupported {
    if (args.size() != arity) {
      throw new Unsupported("expected " + arity + " arguments, got " + args.size());
    }
    Socket s = sockets.get(Integer.parseInt(args.get(0)));
    return s == null ? Outcome.error("EBADF") : body.apply(s);
  }

  private int lowestFreeFd() {
    int fd = 3; // 0, 1 and 2 are stdin, stdout and stderr
    while (sockets.containsKey(fd)) {
      fd++;
    }
    return fd;
  }

  // ------------------------------------------------------------------ the calls

  private Outcome socket(List<String> a) throws Unsupported {
    if (a.size() != 3) {
      throw new Unsupported("socket takes 3 arguments");
    }
    if (!a.get(1).equals("SOCK_STREAM")) {
      throw new Unsupported("only SOCK_STREAM sockets are supported, not " + a.get(1));
    }
    if (!a.get(2).equals("IPPROTO_TCP") && !a.get(2).equals("0")) {
      throw new Unsupported("only IPPROTO_TCP is supported, not " + a.get(2));
    }
    int fd = lowestFreeFd();
    sockets.put(fd, new Socket(host.config().tcp()));
    return Outcome.of(fd);
  }

  private Outcome bind(Socket s) {
    if (s.bound) {
      return Outcome.error("EINVAL");
    }
    s.bound = true; // to the script's port on the stack's address, as packetdrill's "..." does
    return Outcome.of(0);
  }

  private Outcome listen(Socket s, List<String> a) {
    if (s.connection != null) {
      return Outcome.error("EINVAL");
    }
    if (s.listener != null) {
      return Outcome.of(0);
    }
    int backlog = Math.max(1, Integer.parseInt(a.get(1)));
    try {
      s.listener = host.listen(Flow.SCRIPT_PORT, backlog, false, s.tcp.build());
    } catch (BindException e) {
      return Outcome.error("EADDRINUSE");
    }
    return Outcome.of(0);
  }

  private Outcome accept(Socket s) throws Unsupported {
    if (s.listener == null) {
      return Outcome.error("EINVAL");
    }
    Connection c = s.listener.poll();
    if (c == null) {
      return s.nonBlocking ? Outcome.error("EAGAIN") : WOULD_BLOCK;
    }
    Socket accepted = new Socket(s.listener.tcpConfig());
    accepted.connection = c;
    accepted.noDelay = s.noDelay;
    accepted.keepAlive = s.keepAlive;
    accepted.lingerOnOff = s.lingerOnOff;
    accepted.lingerSeconds = s.lingerSeconds;
    applyFlags(accepted);
    int fd = lowestFreeFd();
    sockets.put(fd, accepted);
    return Outcome.of(fd);
  }

  private Outcome connect(Socket s) throws Unsupported {
    if (s.connection == null) {
      if (s.listener != null) {
        return Outcome.error("EINVAL");
      }
      flow.activeOpen();
      try {
        s.connection = host.connect(new InetSocketAddress(InetAddress.ofLiteral(flow.remoteAddress()),
            Flow.SCRIPT_PORT), s.tcp.build());
      } catch (IOException e) {
        throw new Unsupported("connect failed inside the stack: " + e.getMessage());
      }
      s.connecting = true;
      applyFlags(s);
      if (s.nonBlocking) {
        return s.connection.isConnected() ? Outcome.of(0) : Outcome.error("EINPROGRESS");
      }
    } else if (!s.connecting) {
      return Outcome.error("EISCONN");
    }
    Connection c = s.connection;
    if (c.isConnected()) {
      s.connecting = false;
      return s.nonBlocking ? Outcome.error("EISCONN") : Outcome.of(0);
    }
    TcpEvent failure = c.failure();
    if (failure != null || c.isClosed()) {
      s.connecting = false;
      s.errorReported = true;
      return Outcome.error(errnoOf(failure));
    }
    return s.nonBlocking ? Outcome.error("EALREADY") : WOULD_BLOCK;
  }

  /** Puts the options set before the connection existed on it (TCP_NODELAY, SO_KEEPALIVE). */
  private void applyFlags(Socket s) throws Unsupported {
    if ((s.noDelay && !applied(s.connection::setNoDelay, true))
        || (s.keepAlive && !applied(s.connection::setKeepAlive, true))) {
      throw new Unsupported("could not apply socket options to " + s.connection);
    }
  }

  private interface BooleanOption {
    void set(boolean on) throws IOException;
  }

  /** Sets a boolean option on a connection; false if the connection refused it. */
  private static boolean applied(BooleanOption option, boolean on) {
    try {
      option.set(on);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Outcome read(Socket s, int count) throws Unsupported {
    return read(s, count, false);
  }

  private Outcome read(Socket s, int count, boolean dontWait) throws Unsupported {
    Connection c = s.connection;
    if (c == null || (s.connecting && !c.isConnected() && c.failure() == null)) {
      return Outcome.error(s.connecting && s.nonBlocking ? "EAGAIN" : "ENOTCONN");
    }
    if (s.readShut) {
      return Outcome.of(0);
    }
    try {
      int n = c.readNow(scratch, 0, Math.min(count, scratch.length));
      if (n > 0) {
        return Outcome.of(n);
      }
      if (n < 0) {
        return Outcome.of(0); // end-of-stream: POSIX read returns 0
      }
      return s.nonBlocking || dontWait ? Outcome.error("EAGAIN") : WOULD_BLOCK;
    } catch (IOException e) {
      return failed(s, c);
    }
  }

  private Outcome write(Socket s, int count, Progress progress, boolean dontWait) throws Unsupported {
    Connection c = s.connection;
    if (c == null || (s.connecting && !c.isConnected() && c.failure() == null)) {
      return Outcome.error(s.connecting && s.nonBlocking ? "EAGAIN" : "EPIPE");
    }
    try {
      while (progress.done < count) {
        int chunk = (int) Math.min(count - progress.done, scratch.length);
        int n = c.writeNow(scratch, 0, chunk);
        if (n == 0) {
          break;
        }
        progress.done += n;
      }
    } catch (IOException e) {
      if (progress.done > 0) {
        return Outcome.of(progress.done);
      }
      TcpEvent failure = c.failure();
      return failure != null && !s.errorReported ? failed(s, c) : Outcome.error("EPIPE");
    }
    if (progress.done == count || ((s.nonBlocking || dontWait) && progress.done > 0)) {
      return Outcome.of(progress.done);
    }
    return s.nonBlocking || dontWait ? Outcome.error("EAGAIN") : WOULD_BLOCK;
  }

  /** The connection's failure, reported once as its errno (as Linux's sk_err), then end-of-file. */
  private static Outcome failed(Socket s, Connection c) {
    if (s.errorReported) {
      return Outcome.of(0);
    }
    s.errorReported = true;
    return Outcome.error(errnoOf(c.failure()));
  }

  private static String errnoOf(TcpEvent failure) {
    if (failure == null) {
      return "ECONNRESET";
    }
    return switch (failure) {
      case REFUSED -> "ECONNREFUSED";
      case TIMED_OUT -> "ETIMEDOUT";
      default -> "ECONNRESET";
    };
  }

  private Outcome close(List<String> a) throws Unsupported {
    if (a.size() != 1) {
      throw new Unsupported("close takes 1 argument");
    }
    Socket s = sockets.remove(Integer.parseInt(a.get(0)));
    if (s == null) {
      return Outcome.error("EBADF");
    }
    try {
      if (s.listener != null) {
        s.listener.close();
      }
      if (s.connection != null) {
        if (s.lingerOnOff != 0 && s.lingerSeconds == 0) {
          s.connection.abort(); // SO_LINGER with a zero timeout: RST (RFC 9293 §3.10.5)
        } else {
          s.connection.close();
        }
      }
    } catch (IOException e) {
      // Closing a connection that already failed is not an error to the caller.
    }
    return Outcome.of(0);
  }

  private Outcome shutdown(Socket s, String how) throws Unsupported {
    Connection c = s.connection;
    if (c == null) {
      return Outcome.error("ENOTCONN");
    }
    try {
      switch (how) {
        case "SHUT_RD" -> {
          s.readShut = true;
          c.shutdownInput();
        }
        case "SHUT_WR" -> c.shutdownOutput();
        case "SHUT_RDWR" -> {
          s.readShut = true;
          c.shutdownInput();
          c.shutdownOutput();
        }
        default -> throw new Unsupported("shutdown takes SHUT_RD, SHUT_WR or SHUT_RDWR, not " + how);
      }
    } catch (IOException e) {
      return Outcome.error("ENOTCONN");
    }
    return Outcome.of(0);
  }

  private Outcome setsockopt(Socket s, String level, String name, String value) throws Unsupported {
    checkLevel(level, name);
    boolean exists = s.connection != null || s.listener != null;
    switch (name) {
      case "SO_REUSEADDR" -> intValue(value); // no effect: Sluice has no bind conflicts to relax
      case "SO_LINGER" -> {
        Map<String, String> fields = struct(value);
        s.lingerOnOff = Integer.parseInt(fields.getOrDefault("l_onoff", "0"));
        s.lingerSeconds = Integer.parseInt(fields.getOrDefault("l_linger", "0"));
      }
      case "TCP_NODELAY" -> {
        s.noDelay = intValue(value) != 0;
        s.tcp.nagle = !s.noDelay;
        if (s.connection != null && !applied(s.connection::setNoDelay, s.noDelay)) {
          return Outcome.error("EINVAL");
        }
      }
      case "SO_KEEPALIVE" -> {
        s.keepAlive = intValue(value) != 0;
        if (s.connection != null && !applied(s.connection::setKeepAlive, s.keepAlive)) {
          return Outcome.error("EINVAL");
        }
      }
      case "TCP_MAXSEG" -> {
        refuseOnExisting(exists, name);
        s.tcp.mtu = intValue(value) + (flow.ipv6 ? 60 : 40);
      }
      case "SO_RCVBUF" -> {
        refuseOnExisting(exists, name);
        s.tcp.receiveBufferBytes = intValue(value);
      }
      case "SO_SNDBUF" -> {
        refuseOnExisting(exists, name);
        s.tcp.sendBufferBytes = intValue(value);
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

  private static void refuseOnExisting(boolean exists, String name) throws Unsupported {
    if (exists) {
      throw new Unsupported(name + " is fixed when Sluice creates a connection: set it before listen() or "
          + "connect() (on the listening socket for accepted ones)");
    }
  }

  private Outcome getsockopt(Socket s, String level, String name, String expected) throws Unsupported {
    checkLevel(level, name);
    long value = switch (name) {
      case "SO_ERROR" -> {
        Connection c = s.connection;
        if (c == null || c.failure() == null || s.errorReported) {
          yield 0;
        }
        s.errorReported = true;
        s.connecting = false;
        yield ERRNO.get(errnoOf(c.failure()));
      }
      case "TCP_NODELAY" -> s.noDelay ? 1 : 0;
      case "SO_KEEPALIVE" -> s.keepAlive ? 1 : 0;
      case "SO_RCVBUF" -> s.tcp.receiveBufferBytes;
      case "SO_SNDBUF" -> s.tcp.sendBufferBytes;
      case "TCP_MAXSEG" -> s.connection != null ? s.connection.info().mss() : s.tcp.mtu - (flow.ipv6 ? 60 : 40);
      default -> throw new Unsupported("unsupported socket option " + name + " for getsockopt");
    };
    String want = unbracket(expected);
    long wanted = ERRNO.containsKey(want) ? ERRNO.get(want) : Long.parseLong(want);
    if (wanted != value) {
      throw new Unsupported("getsockopt " + name + " gave [" + value + "], the script expects " + expected);
    }
    return Outcome.of(0);
  }

  private static void checkLevel(String level, String name) throws Unsupported {
    boolean socketLevel = name.startsWith("SO_");
    String want = socketLevel ? "SOL_SOCKET" : "IPPROTO_TCP";
    if (!level.equals(want) && !(socketLevel ? level.equals("1") : level.equals("6"))) {
      throw new Unsupported(name + " belongs to level " + want + ", not " + level);
    }
  }

  private Outcome fcntl(List<String> a) throws Unsupported {
    if (a.size() < 2) {
      throw new Unsupported("fcntl takes a descriptor and a command");
    }
    Socket s = sockets.get(Integer.parseInt(a.get(0)));
    if (s == null) {
      return Outcome.error("EBADF");
    }
    return switch (a.get(1)) {
      case "F_GETFL" -> Outcome.of(O_RDWR | (s.nonBlocking ? O_NONBLOCK : 0));
      case "F_SETFL" -> {
        if (a.size() != 3) {
          throw new Unsupported("fcntl F_SETFL takes the flags");
        }
        int flags = 0;
        for (String f : a.get(2).split("\\|")) {
          flags |= switch (f.strip()) {
            case "O_RDWR" -> O_RDWR;
            case "O_NONBLOCK" -> O_NONBLOCK;
            default -> Integer.decode(f.strip());
          };
        }
        s.nonBlocking = (flags & O_NONBLOCK) != 0;
        yield Outcome.of(0);
      }
      default -> throw new Unsupported("fcntl supports F_GETFL and F_SETFL, not " + a.get(1));
    };
  }

  /**
   * {@code poll([{fd=N, events=..., revents=...}, ...], nfds, timeoutMs)}: the count of
   * descriptors with events; each {@code revents} the script gives is checked. A timeout in
   * milliseconds passes in virtual time.
   */
  private Outcome poll(List<String> a, Progress progress, long now) throws Unsupported {
    if (a.size() != 3) {
      throw new Unsupported("poll takes 3 arguments");
    }
    String list = a.get(0).strip();
    if (!list.startsWith("[") || !list.endsWith("]")) {
      throw new Unsupported("poll's first argument is a list [{fd=..., events=..., revents=...}]");
    }
    List<String> entries = ScriptParser.splitTopLevel(list.substring(1, list.length() - 1));
    int ready = 0;
    StringBuilder mismatch = new StringBuilder();
    for (String entry : entries) {
      Map<String, String> fields = struct(entry);
      Socket s = sockets.get(Integer.parseInt(fields.getOrDefault("fd", "-1")));
      int events = pollBits(fields.getOrDefault("events", "0"));
      int revents = s == null ? 0x20 /* POLLNVAL */ : revents(s, events);
      if (revents != 0) {
        ready++;
      }
      if (fields.containsKey("revents") && pollBits(fields.get("revents")) != revents) {
        mismatch.append(" fd ").append(fields.get("fd")).append(" revents=").append(pollNames(revents));
      }
    }
    long timeoutMs = Long.parseLong(a.get(2).strip());
    boolean timedOut = timeoutMs >= 0 && now - progress.startedNanos >= timeoutMs * 1_000_000L;
    if (ready == 0 && !timedOut) {
      return WOULD_BLOCK;
    }
    if (!mismatch.isEmpty()) {
      throw new Unsupported("poll returned" + mismatch + ", not what the script expects");
    }
    return Outcome.of(ready);
  }

  /** The deadline of a poll with a timeout, for the runner's clock; Long.MAX_VALUE otherwise. */
  static long pollDeadline(ScriptEvent.Call call, Progress progress) {
    if (!call.name().equals("poll") || call.args().size() != 3 || progress.startedNanos < 0) {
      return Long.MAX_VALUE;
    }
    long timeoutMs = Long.parseLong(call.args().get(2).strip());
    return timeoutMs < 0 ? Long.MAX_VALUE : progress.startedNanos + timeoutMs * 1_000_000L;
  }

  private int revents(Socket s, int events) {
    int bits = 0;
    if (s.listener != null) {
      return s.listener.queued() > 0 ? POLLIN & events : 0;
    }
    Connection c = s.connection;
    if (c == null) {
      return POLLHUP; // Linux: an unconnected stream socket polls as hung up
    }
    int readiness = c.readiness();
    if ((readiness & Connection.READABLE) != 0 || (readiness & Connection.FAILED) != 0) {
      bits |= POLLIN;
    }
    if ((readiness & Connection.WRITABLE) != 0) {
      bits |= POLLOUT;
    }
    if (c.endOfStreamDelivered() || ((readiness & Connection.READABLE) != 0 && c.state() == TcpState.CLOSE_WAIT)) {
      bits |= POLLRDHUP;
    }
    int always = 0;
    if ((readiness & Connection.FAILED) != 0 && !s.errorReported) {
      always |= POLLERR;
    }
    if ((readiness & Connection.FAILED) != 0 || c.isClosed()) {
      always |= POLLHUP;
    }
    return (bits & events) | always;
  }

  private static int pollBits(String names) throws Unsupported {
    int bits = 0;
    for (String n : names.split("\\|")) {
      String name = n.strip();
      if (name.equals("0")) {
        continue;
      }
      Integer bit = POLL_BITS.get(name);
      if (bit == null) {
        throw new Unsupported("unsupported poll event " + name);
      }
      bits |= bit;
    }
    return bits;
  }

  private static String pollNames(int bits) {
    if (bits == 0) {
      return "0";
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Integer> e : new TreeMap<>(POLL_BITS).entrySet()) {
      if ((bits & e.getValue()) != 0) {
        b.append(b.isEmpty() ? "" : "|").append(e.getKey());
      }
    }
    return b.toString();
  }

  // ------------------------------------------------------------------ argument notation

  private static int count(String arg) {
    return Integer.parseInt(arg.strip());
  }

  private static boolean flags(String arg) throws Unsupported {
    return switch (arg.strip()) {
      case "0" -> false;
      case "MSG_DONTWAIT" -> true;
      default -> throw new Unsupported("unsupported send/recv flags " + arg + " (0 or MSG_DONTWAIT)");
    };
  }

  private static int intValue(String arg) {
    return Integer.parseInt(unbracket(arg));
  }

  private static String unbracket(String arg) {
    String s = arg.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1).strip();
    }
    return s;
  }

  /** {@code {a=1, b=2}} as a map. */
  private static Map<String, String> struct(String arg) throws Unsupported {
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

  /** Sockets still open when the script ends. */
  int openCount() {
    return sockets.size();
  }
}
