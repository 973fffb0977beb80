package dev.sluice.cli.drill;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.internal.HostSockets;
import dev.sluice.tcp.TcpConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The virtual host's system calls: packetdrill's socket API mapped onto the api's non-blocking
 * surface ({@link TcpConnection#readNow}, {@link TcpConnection#writeNow}, {@link
 * TcpConnection#readiness()}, {@link dev.sluice.api.TcpServer#acceptNow()}) on the drill's host,
 * through {@link HostSockets}, with Linux's file-descriptor numbering and errno conventions. Every
 * call is attempted without waiting; a call that would block returns {@link
 * #WOULD_BLOCK} and the runner retries it as virtual time passes, which is how a blocking call
 * ({@code start...end}) returns at the right moment without threads.
 *
 * <p>VirtualSocket options set before {@code listen} or {@code connect} become the connection's {@link
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
    private final String feature;

    Unsupported(String reason) {
      this(reason, null);
    }

    /** A call that needs {@code feature}, which Sluice lacks: the script is skipped. */
    Unsupported(String reason, String feature) {
      super(reason);
      this.feature = feature;
    }

    String feature() {
      return feature;
    }
  }

  /** Linux's errno numbers, for getsockopt(SO_ERROR) and the names scripts write. */
  static final Map<String, Integer> ERRNO = Map.ofEntries(Map.entry("EPERM", 1), Map.entry("ENOENT", 2),
      Map.entry("EINTR", 4), Map.entry("EBADF", 9), Map.entry("EAGAIN", 11), Map.entry("ENOMEM", 12),
      Map.entry("EACCES", 13), Map.entry("EFAULT", 14), Map.entry("EINVAL", 22), Map.entry("EMFILE", 24),
      Map.entry("EPIPE", 32), Map.entry("ENOTSOCK", 88), Map.entry("EDESTADDRREQ", 89), Map.entry("EMSGSIZE", 90),
      Map.entry("ENOPROTOOPT", 92), Map.entry("EOPNOTSUPP", 95), Map.entry("EAFNOSUPPORT", 97),
      Map.entry("EADDRINUSE", 98), Map.entry("EADDRNOTAVAIL", 99), Map.entry("ENETDOWN", 100),
      Map.entry("ENETUNREACH", 101), Map.entry("ECONNABORTED", 103), Map.entry("ECONNRESET", 104),
      Map.entry("ENOBUFS", 105), Map.entry("EISCONN", 106), Map.entry("ENOTCONN", 107), Map.entry("ETIMEDOUT", 110),
      Map.entry("ECONNREFUSED", 111), Map.entry("EHOSTDOWN", 112), Map.entry("EHOSTUNREACH", 113),
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

  private final HostSockets host;
  private final Flow flow;
  private final SystemSettings settings;
  private final SocketOptions options;
  private final boolean lenient;
  /** What lenient calls let pass since the runner last asked ({@link #takeNotes}). */
  private final List<String> notes = new ArrayList<>();
  private final TreeMap<Integer, VirtualSocket> sockets = new TreeMap<>();
  private final byte[] scratch = new byte[1 << 20];

  VirtualSockets(HostSockets host, Flow flow, SystemSettings settings, boolean lenient) {
    this.host = host;
    this.flow = flow;
    this.settings = settings;
    this.lenient = lenient;
    this.options = new SocketOptions(flow, settings.platform(), lenient);
  }

  /** The notes lenient calls left since the last time, then none. */
  List<String> takeNotes() {
    List<String> taken = List.copyOf(notes);
    notes.clear();
    return taken;
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
        case "socket" -> socket(a, call.result());
        case "bind" -> withSocket(a, 3, s -> bind(s));
        case "listen" -> withSocket(a, 2, s -> listen(s, a));
        case "accept" -> withSocket(a, 3, s -> accept(s, call.result()));
        case "connect" -> withSocket(a, 3, s -> connect(s));
        case "read" -> withSocket(a, 3, s -> read(s, a.get(1), count(a.get(2)), 0));
        case "recv" -> withSocket(a, 4, s -> read(s, a.get(1), count(a.get(2)), MessageFlags.of(a.get(3))));
        case "recvfrom" -> withSocket(a, 6, s -> read(s, a.get(1), count(a.get(2)), MessageFlags.of(a.get(3))));
        case "write" -> withSocket(a, 3, s -> write(s, a.get(1), count(a.get(2)), progress, 0));
        case "send" -> withSocket(a, 4, s -> write(s, a.get(1), count(a.get(2)), progress, MessageFlags.of(a.get(3))));
        case "sendto" -> withSocket(a, 6, s -> write(s, a.get(1), count(a.get(2)), progress, MessageFlags.of(a.get(3))));
        case "sendmsg" -> withSocket(a, 3, s -> write(s, "...", MessageFlags.iovBytes(a.get(1)), progress,
            MessageFlags.of(a.get(2))));
        case "close" -> close(a);
        case "shutdown" -> withSocket(a, 2, s -> shutdown(s, a.get(1)));
        case "setsockopt" -> withSocket(a, 5, s -> options.set(s, a.get(1), a.get(2), a.get(3)));
        case "getsockopt" -> withSocket(a, 5, s -> options.get(s, a.get(1), a.get(2), a.get(3), notes));
        case "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait" -> throw new Unsupported("Sluice's runner has no epoll", "EPOLL");
        case "sendfile", "splice", "vmsplice", "tee" -> throw new Unsupported(call.name() + "() is not mapped", call.name().toUpperCase(java.util.Locale.ROOT));
        case "ioctl" -> throw new Unsupported("ioctl() is not mapped", "IOCTL");
        case "fcntl" -> fcntl(a);
        case "poll" -> poll(a, progress, now);
        default -> throw new Unsupported("unsupported system call " + call.name() + "()");
      };
    } catch (NumberFormatException e) {
      throw new Unsupported("cannot read an argument of " + call.name() + ": " + e.getMessage());
    }
  }

  private interface SocketCall {
    Outcome apply(VirtualSocket s) throws Unsupported;
  }

  private Outcome withSocket(List<String> args, int arity, SocketCall body) throws Unsupported {
    if (args.size() != arity) {
      throw new Unsupported("expected " + arity + " arguments, got " + args.size());
    }
    VirtualSocket s = sockets.get(Integer.parseInt(args.get(0)));
    return s == null ? Outcome.error("EBADF") : body.apply(s);
  }

  /**
   * The number a new descriptor gets: the one the script names, if free, since packetdrill maps
   * the script's descriptor numbers onto the live ones; else the lowest free, as Linux allocates.
   */
  private int newFd(long scriptFd) {
    return scriptFd >= 3 && scriptFd < 1 << 16 && !sockets.containsKey((int) scriptFd) ? (int) scriptFd : lowestFreeFd();
  }

  private int lowestFreeFd() {
    int fd = 3; // 0, 1 and 2 are stdin, stdout and stderr
    while (sockets.containsKey(fd)) {
      fd++;
    }
    return fd;
  }

  // ------------------------------------------------------------------ the calls

  private Outcome socket(List<String> a, long scriptFd) throws Unsupported {
    if (a.size() != 3) {
      throw new Unsupported("socket takes 3 arguments");
    }
    if (!a.get(1).equals("SOCK_STREAM")) {
      throw new Unsupported("only SOCK_STREAM sockets are supported, not " + a.get(1));
    }
    if (!a.get(2).equals("IPPROTO_TCP") && !a.get(2).equals("0")) {
      throw new Unsupported("only IPPROTO_TCP is supported, not " + a.get(2));
    }
    int fd = newFd(scriptFd);
    sockets.put(fd, new VirtualSocket(settings.socketDefaults()));
    return Outcome.of(fd);
  }

  private Outcome bind(VirtualSocket s) {
    if (s.bound) {
      return Outcome.error("EINVAL");
    }
    s.bound = true; // to the script's port on the stack's address, as packetdrill's "..." does
    return Outcome.of(0);
  }

  private Outcome listen(VirtualSocket s, List<String> a) {
    if (s.connection != null) {
      return Outcome.error("EINVAL");
    }
    if (s.listener != null) {
      return Outcome.of(0);
    }
    int backlog = Math.max(1, Integer.parseInt(a.get(1)));
    try {
      TcpConfig tcp = s.tcp.build();
      s.listener = host.listen(Flow.SCRIPT_PORT, backlog, tcp);
      s.listenerTcp = tcp;
    } catch (BindException e) {
      return Outcome.error("EADDRINUSE");
    }
    return Outcome.of(0);
  }

  private Outcome accept(VirtualSocket s, long scriptFd) throws Unsupported {
    if (s.listener == null) {
      return Outcome.error("EINVAL");
    }
    TcpConnection c;
    try {
      c = s.listener.acceptNow();
    } catch (IOException e) {
      return Outcome.error("EINVAL"); // closed; cannot happen, as close() removes the descriptor
    }
    if (c == null) {
      return s.nonBlocking ? Outcome.error("EAGAIN") : WOULD_BLOCK;
    }
    VirtualSocket accepted = new VirtualSocket(s.listenerTcp);
    accepted.connection = c;
    accepted.noDelay = s.noDelay;
    accepted.keepAlive = s.keepAlive;
    accepted.lingerOnOff = s.lingerOnOff;
    accepted.lingerSeconds = s.lingerSeconds;
    applyFlags(accepted);
    int fd = newFd(scriptFd);
    sockets.put(fd, accepted);
    return Outcome.of(fd);
  }

  private Outcome connect(VirtualSocket s) throws Unsupported {
    if (s.connection == null) {
      if (s.listener != null) {
        return Outcome.error("EINVAL");
      }
      flow.activeOpen();
      try {
        s.connection = host.connectNow(new InetSocketAddress(InetAddress.ofLiteral(flow.remoteAddress()),
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
    TcpConnection c = s.connection;
    if (c.isConnected()) {
      s.connecting = false;
      return s.nonBlocking ? Outcome.error("EISCONN") : Outcome.of(0);
    }
    TcpConnection.Failure failure = c.failure();
    if (failure != null || (c.readiness() & TcpConnection.ENDED) != 0) {
      s.connecting = false;
      s.errorReported = true;
      return Outcome.error(errnoOf(failure));
    }
    return s.nonBlocking ? Outcome.error("EALREADY") : WOULD_BLOCK;
  }

  /** Puts the options set before the connection existed on it (TCP_NODELAY, SO_KEEPALIVE). */
  private void applyFlags(VirtualSocket s) throws Unsupported {
    if ((s.noDelay && !applied(s.connection::setTcpNoDelay, true))
        || (s.keepAlive && !applied(s.connection::setKeepAlive, true))) {
      throw new Unsupported("could not apply socket options to " + s.connection);
    }
  }

  interface BooleanOption {
    void set(boolean on) throws IOException;
  }

  /** Sets a boolean option on a connection; false if the connection refused it. */
  static boolean applied(BooleanOption option, boolean on) {
    try {
      option.set(on);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A NULL buffer with a non-zero length: Linux fails the call with EFAULT before it looks at the socket. */
  private static boolean nullBuffer(String buffer, int count) {
    return count > 0 && (buffer.strip().equals("NULL") || buffer.strip().equals("0"));
  }

  private Outcome read(VirtualSocket s, String buffer, int count, int flags) throws Unsupported {
    if (nullBuffer(buffer, count)) {
      return Outcome.error("EFAULT");
    }
    TcpConnection c = s.connection;
    if (c == null || (s.connecting && !c.isConnected() && c.failure() == null)) {
      return Outcome.error(s.connecting && s.nonBlocking ? "EAGAIN" : "ENOTCONN");
    }
    if (s.readShut) {
      return Outcome.of(0);
    }
    boolean dontWait = s.nonBlocking || (flags & MessageFlags.DONTWAIT) != 0;
    if ((flags & MessageFlags.PEEK) != 0) {
      // Injected payloads are zeros, so a peek needs only the count of bytes waiting.
      int waiting = c.info().unreadBytes();
      if (waiting > 0) {
        return Outcome.of(Math.min(count, waiting));
      }
      if ((c.readiness() & (TcpConnection.PEER_SHUTDOWN | TcpConnection.READABLE)) != 0) {
        return Outcome.of(0);
      }
      if (c.failure() != null) {
        return failed(s, c);
      }
      return dontWait ? Outcome.error("EAGAIN") : WOULD_BLOCK;
    }
    try {
      int n = c.readNow(scratch, 0, Math.min(count, scratch.length));
      if (n > 0) {
        return Outcome.of(n);
      }
      if (n < 0) {
        return Outcome.of(0); // end-of-stream: POSIX read returns 0
      }
      return dontWait ? Outcome.error("EAGAIN") : WOULD_BLOCK;
    } catch (IOException e) {
      return failed(s, c);
    }
  }

  private Outcome write(VirtualSocket s, String buffer, int count, Progress progress, int flags)
      throws Unsupported {
    if (nullBuffer(buffer, count)) {
      return Outcome.error("EFAULT");
    }
    if ((flags & MessageFlags.EOR) != 0) {
      if (!lenient) {
        throw new Unsupported("MSG_EOR: Sluice keeps no record boundaries (lenient mode sends the bytes)");
      }
      if (progress.done == 0) {
        notes.add("MSG_EOR: the record boundary is not kept");
      }
    }
    boolean dontWait = (flags & MessageFlags.DONTWAIT) != 0;
    TcpConnection c = s.connection;
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
      return c.failure() != null && !s.errorReported ? failed(s, c) : Outcome.error("EPIPE");
    }
    if (progress.done == count || ((s.nonBlocking || dontWait) && progress.done > 0)) {
      return Outcome.of(progress.done);
    }
    return s.nonBlocking || dontWait ? Outcome.error("EAGAIN") : WOULD_BLOCK;
  }

  /** The connection's failure, reported once as its errno (as Linux's sk_err), then end-of-file. */
  private static Outcome failed(VirtualSocket s, TcpConnection c) {
    if (s.errorReported) {
      return Outcome.of(0);
    }
    s.errorReported = true;
    return Outcome.error(errnoOf(c.failure()));
  }

  static String errnoOf(TcpConnection.Failure failure) {
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
    VirtualSocket s = sockets.remove(Integer.parseInt(a.get(0)));
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

  private Outcome shutdown(VirtualSocket s, String how) throws Unsupported {
    TcpConnection c = s.connection;
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

  private Outcome fcntl(List<String> a) throws Unsupported {
    if (a.size() < 2) {
      throw new Unsupported("fcntl takes a descriptor and a command");
    }
    VirtualSocket s = sockets.get(Integer.parseInt(a.get(0)));
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
      Map<String, String> fields = SocketOptions.struct(entry);
      VirtualSocket s = sockets.get(Integer.parseInt(fields.getOrDefault("fd", "-1")));
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

  private int revents(VirtualSocket s, int events) {
    int bits = 0;
    if (s.listener != null) {
      return s.listener.queued() > 0 ? POLLIN & events : 0;
    }
    TcpConnection c = s.connection;
    if (c == null) {
      return POLLHUP; // Linux: an unconnected stream socket polls as hung up
    }
    int readiness = c.readiness();
    if ((readiness & (TcpConnection.READABLE | TcpConnection.FAILED)) != 0) {
      bits |= POLLIN;
    }
    if ((readiness & TcpConnection.WRITABLE) != 0) {
      bits |= POLLOUT;
    }
    if ((readiness & TcpConnection.PEER_SHUTDOWN) != 0) {
      bits |= POLLRDHUP;
    }
    int always = 0;
    if ((readiness & TcpConnection.FAILED) != 0 && !s.errorReported) {
      always |= POLLERR;
    }
    if ((readiness & (TcpConnection.FAILED | TcpConnection.ENDED)) != 0) {
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



  /** Sockets still open when the script ends. */
  int openCount() {
    return sockets.size();
  }
}
