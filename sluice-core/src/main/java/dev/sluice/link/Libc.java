package dev.sluice.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few Linux libc functions {@link TunDevice} and {@link IcmpEchoSocket} need, bound with the Foreign Function & Memory
 * API (no JNI, no native library of ours). Constants are those of the Linux generic ABI, which
 * x86_64 and aarch64 share.
 *
 * <p>Every binding captures {@code errno} ({@link Linker.Option#captureCallState}): by the time a
 * Java caller could ask libc for it, the JVM may have made other calls that overwrote it. The
 * caller passes a segment laid out as {@link #CALL_STATE}, and reads it with {@link #errno}.
 *
 * <p>The per-packet calls ({@code read}, {@code write}, {@code poll}) are bound a second time
 * without it. A capturing downcall slices the state segment on every call
 * ({@code SharedUtils.checkCaptureSegment}, which the JDK does not force-inline): a 40-byte object
 * per call that only escape analysis removes, and in a JVM whose profiles are polluted it does
 * not, for good. The uncaptured calls allocate nothing whatever the JIT does. Their callers read
 * {@link #errnoUncaptured()} only to take a failure's harmless road (EAGAIN: go back to poll;
 * EINTR: poll again), and repeat any other failure with the capturing binding, whose errno is the
 * one they act on. A wrong guess therefore costs one extra call, never a wrong decision.
 *
 * <p>Calls return the raw C result (negative on failure); the callers decide what an error means.
 * Loading this class needs native access: {@code --enable-native-access=dev.sluice.core} on the
 * module path, {@code ALL-UNNAMED} on the class path.
 */
final class Libc {
  // fcntl.h
  static final int O_RDONLY = 0;
  static final int O_RDWR = 2;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  // sys/eventfd.h: the same bits as O_NONBLOCK and O_CLOEXEC
  static final int EFD_NONBLOCK = O_NONBLOCK;
  static final int EFD_CLOEXEC = O_CLOEXEC;
  // poll.h
  static final short POLLIN = 0x1;
  static final short POLLERR = 0x8;
  static final short POLLHUP = 0x10;
  static final short POLLNVAL = 0x20;
  // sched.h
  static final int CLONE_NEWNET = 0x40000000;
  // sys/socket.h, netinet/in.h: for IcmpEchoSocket
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = O_CLOEXEC;
  static final int IPPROTO_ICMP = 1;
  static final int IPPROTO_ICMPV6 = 58;
  static final int MSG_DONTWAIT = 0x40;

  // errno.h (asm-generic/errno-base.h, asm-generic/errno.h)
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int ENXIO = 6;
  static final int EBADF = 9;
  static final int EAGAIN = 11;
  static final int ENOMEM = 12;
  static final int EACCES = 13;
  static final int EFAULT = 14;
  static final int EBUSY = 16;
  static final int EEXIST = 17;
  static final int ENODEV = 19;
  static final int EINVAL = 22;
  static final int ENFILE = 23;
  static final int EMFILE = 24;
  static final int ENOTTY = 25;
  static final int E2BIG = 7;
  static final int EBADFD = 77;
  static final int EMSGSIZE = 90;
  static final int EOPNOTSUPP = 95;
  static final int ENETDOWN = 100;
  static final int ENOBUFS = 105;
  static final int EPROTONOSUPPORT = 93;
  static final int EHOSTUNREACH = 113;
  static final int ENETUNREACH = 101;

  /** Where a downcall leaves {@code errno}; allocate one per thread that makes calls. */
  static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

  /** {@code struct pollfd} (poll(2)): {@code int fd; short events; short revents;}. */
  static final StructLayout POLLFD = MemoryLayout.structLayout(
      JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final long POLLFD_EVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events"));
  private static final long POLLFD_REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));

  private static final Linker LINKER = Linker.nativeLinker();
  /** On Linux the default lookup is libc (glibc or musl), whatever its file is called. */
  private static final SymbolLookup LIBC = LINKER.defaultLookup();

  // open(2) and ioctl(2) are variadic in C: the descriptor says where the variadic part begins, so
  // the linker follows the variadic calling convention (on x86_64, %al = vector registers used).
  private static final MethodHandle OPEN = bind("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle IOCTL = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  /** ioctl(2) whose argument is a value, not a pointer (TUNSETOFFLOAD takes the flags themselves). */
  private static final MethodHandle IOCTL_VALUE = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle READ = bind("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITE = bind("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle CLOSE = bind("close",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle POLL = bind("poll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle EVENTFD = bind("eventfd",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SETNS = bind("setns",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SOCKET = bind("socket",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SENDTO = bind("sendto",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle RECVFROM = bind("recvfrom",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));

  // The hot path's bindings, without errno capture (see the class comment).
  private static final MethodHandle READ_UNCAPTURED = bindUncaptured("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITE_UNCAPTURED = bindUncaptured("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle POLL_UNCAPTURED = bindUncaptured("poll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  /**
   * {@code int *__errno_location(void)}, the calling thread's errno (glibc and musl both export
   * it), returned as a plain address: an ADDRESS return would wrap it in a segment per call.
   */
  private static final MethodHandle ERRNO_LOCATION = bindUncaptured("__errno_location",
      FunctionDescriptor.of(JAVA_LONG));
  /** All of memory, to read errno at the address {@link #ERRNO_LOCATION} gives. */
  private static final MemorySegment EVERYWHERE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  private Libc() {}

  private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
    MemorySegment symbol = LIBC.find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    Linker.Option[] options = new Linker.Option[extra.length + 1];
    options[0] = Linker.Option.captureCallState("errno");
    System.arraycopy(extra, 0, options, 1, extra.length);
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  private static MethodHandle bindUncaptured(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol = LIBC.find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    return LINKER.downcallHandle(symbol, descriptor);
  }

  /** Forces the bindings to load; throws a {@link LinkageError} if they cannot. */
  static void load() {
    // Reaching this method ran the static initializer.
  }

  /** The errno the last call made with {@code state} left behind. */
  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  static int open(MemorySegment state, MemorySegment path, int flags) {
    try {
      return (int) OPEN.invokeExact(state, path, flags, 0);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
    try {
      return (int) IOCTL.invokeExact(state, fd, request, arg);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int ioctlValue(MemorySegment state, int fd, long request, long value) {
    try {
      return (int) IOCTL_VALUE.invokeExact(state, fd, request, value);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) READ.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) WRITE.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int close(MemorySegment state, int fd) {
    try {
      return (int) CLOSE.invokeExact(state, fd);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
    try {
      return (int) POLL.invokeExact(state, fds, count, timeoutMillis);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int eventfd(MemorySegment state, int initialValue, int flags) {
    try {
      return (int) EVENTFD.invokeExact(state, initialValue, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int setns(MemorySegment state, int fd, int namespaceType) {
    try {
      return (int) SETNS.invokeExact(state, fd, namespaceType);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int socket(MemorySegment state, int domain, int type, int protocol) {
    try {
      return (int) SOCKET.invokeExact(state, domain, type, protocol);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long sendto(MemorySegment state, int fd, MemorySegment buf, long len, int flags, MemorySegment to, int toLen) {
    try {
      return (long) SENDTO.invokeExact(state, fd, buf, len, flags, to, toLen);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** {@code fromLen} is an {@code int} holding the room in {@code from}, and then the length written. */
  static long recvfrom(MemorySegment state, int fd, MemorySegment buf, long len, int flags, MemorySegment from,
      MemorySegment fromLen) {
    try {
      return (long) RECVFROM.invokeExact(state, fd, buf, len, flags, from, fromLen);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** read(2) without errno capture: allocates nothing; see the class comment for errno. */
  static long readUncaptured(int fd, MemorySegment buf, long count) {
    try {
      return (long) READ_UNCAPTURED.invokeExact(fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** write(2) without errno capture: allocates nothing; see the class comment for errno. */
  static long writeUncaptured(int fd, MemorySegment buf, long count) {
    try {
      return (long) WRITE_UNCAPTURED.invokeExact(fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** poll(2) without errno capture: allocates nothing; see the class comment for errno. */
  static int pollUncaptured(MemorySegment fds, long count, int timeoutMillis) {
    try {
      return (int) POLL_UNCAPTURED.invokeExact(fds, count, timeoutMillis);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /**
   * The calling thread's errno as it is now: after an uncaptured call on a platform thread, what
   * that call left, unless the JVM has overwritten it since (which is why it is only a guess, fit
   * for choosing a road that a wrong guess cannot make wrong). Allocates nothing.
   */
  static int errnoUncaptured() {
    try {
      return EVERYWHERE.get(JAVA_INT, (long) ERRNO_LOCATION.invokeExact());
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Fills entry {@code index} of a {@code struct pollfd} array to wait for {@code events} on {@code fd}. */
  static void pollFd(MemorySegment fds, int index, int fd, short events) {
    long base = index * POLLFD.byteSize();
    fds.set(JAVA_INT, base, fd);
    fds.set(JAVA_SHORT, base + POLLFD_EVENTS, events);
    fds.set(JAVA_SHORT, base + POLLFD_REVENTS, (short) 0);
  }

  /** The events poll(2) reported for entry {@code index}. */
  static int revents(MemorySegment fds, int index) {
    return fds.get(JAVA_SHORT, index * POLLFD.byteSize() + POLLFD_REVENTS) & 0xFFFF;
  }

  /** The symbolic name of an errno value, as errno(3) lists it, or "errno N" for others. */
  static String errnoName(int errno) {
    return switch (errno) {
      case EPERM -> "EPERM";
      case ENOENT -> "ENOENT";
      case EINTR -> "EINTR";
      case EIO -> "EIO";
      case ENXIO -> "ENXIO";
      case E2BIG -> "E2BIG";
      case EBADF -> "EBADF";
      case EAGAIN -> "EAGAIN";
      case ENOMEM -> "ENOMEM";
      case EACCES -> "EACCES";
      case EFAULT -> "EFAULT";
      case EBUSY -> "EBUSY";
      case EEXIST -> "EEXIST";
      case ENODEV -> "ENODEV";
      case EINVAL -> "EINVAL";
      case ENFILE -> "ENFILE";
      case EMFILE -> "EMFILE";
      case ENOTTY -> "ENOTTY";
      case EBADFD -> "EBADFD";
      case EMSGSIZE -> "EMSGSIZE";
      case EOPNOTSUPP -> "EOPNOTSUPP";
      case ENETDOWN -> "ENETDOWN";
      case ENOBUFS -> "ENOBUFS";
      case EPROTONOSUPPORT -> "EPROTONOSUPPORT";
      case EHOSTUNREACH -> "EHOSTUNREACH";
      case ENETUNREACH -> "ENETUNREACH";
      default -> "errno " + errno;
    };
  }

  /** "EPERM, errno 1": the name and the number, for messages. */
  static String describe(int errno) {
    String name = errnoName(errno);
    return name.startsWith("errno ") ? name : name + ", errno " + errno;
  }

  private static RuntimeException unexpected(Throwable t) {
    // invokeExact declares Throwable; a downcall itself throws nothing but what the JVM might.
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
