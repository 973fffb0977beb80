package dev.sluice.link;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The descriptors of a TUN device's queues, before a {@link TunDevice} takes them over, and how
 * they are opened: {@code open(2)} on {@code /dev/net/tun} and {@code ioctl(TUNSETIFF)} with
 * {@code IFF_TUN | IFF_NO_PI}, plus {@code IFF_MULTI_QUEUE} for more than one queue and {@code
 * IFF_VNET_HDR} with the offloads {@code TUNSETOFFLOAD} accepts unless told not to (tun(4); the
 * kernel's {@code Documentation/networking/tuntap.rst}), in the caller's network namespace or, on a
 * short-lived thread, in another one ({@code setns(2)}). Failures become {@link IOException}s that
 * say what to do about them.
 *
 * <p><b>Threads.</b> Opening runs on the caller's thread, or on an opener thread that ends after
 * it, so no other thread ever runs inside a namespace it entered. Whichever of caller and opener
 * gives up or finishes first settles the outcome with one compare-and-set, so no descriptor
 * leaks. {@link #close} is only for descriptors that no device has taken over yet.
 *
 * @param name the device's name, as the kernel reported it
 * @param fds one descriptor per queue
 * @param vnetHeader every read and write starts with a {@link VirtioNetHeader}
 * @param offloads the TUN_F_ flags the kernel accepted (0 without a virtio header)
 */
record TunQueues(String name, int[] fds, boolean vnetHeader, int offloads) {
  /** {@code TUNSETIFF = _IOW('T', 202, int)} (include/uapi/linux/if_tun.h). */
  static final long TUNSETIFF = 0x400454caL;
  /** {@code TUNGETFEATURES = _IOR('T', 207, unsigned int)}: the IFF_ flags this kernel knows. */
  static final long TUNGETFEATURES = 0x800454cfL;
  /** {@code TUNSETOFFLOAD = _IOW('T', 208, unsigned int)}, whose argument is the TUN_F_ flags. */
  static final long TUNSETOFFLOAD = 0x400454d0L;
  static final short IFF_TUN = 0x0001;
  static final short IFF_MULTI_QUEUE = 0x0100;
  static final short IFF_NO_PI = 0x1000;
  static final short IFF_VNET_HDR = 0x4000;
  // TUNSETOFFLOAD flags: what the device may hand us unfinished (if_tun.h)
  static final int TUN_F_CSUM = 0x01;
  static final int TUN_F_TSO4 = 0x02;
  static final int TUN_F_TSO6 = 0x04;
  static final int TUN_F_USO4 = 0x20;
  static final int TUN_F_USO6 = 0x40;
  /**
   * What to ask for, most first; the kernel answers EINVAL to any flag it does not know
   * (tun_set_offload), so each refusal drops the newest flags: USO needs Linux 6.2 and both
   * families at once, TSO needs CSUM (and came for both families together, in 2.6.27). The
   * last entry, no offload at all, always succeeds.
   */
  private static final int[] OFFLOAD_PROBES = {
      TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
      TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
      TUN_F_CSUM,
      0};
  /** Interface names are at most 15 bytes plus the terminating NUL (include/uapi/linux/if.h). */
  static final int IFNAMSIZ = 16;
  /**
   * {@code struct ifreq} on LP64 Linux (x86_64, aarch64): {@code char ifr_name[IFNAMSIZ]}, then a
   * union whose largest member ({@code struct ifmap}) is 24 bytes; TUNSETIFF uses its
   * {@code short ifr_flags}. 40 bytes in all.
   */
  static final StructLayout IFREQ = MemoryLayout.structLayout(
      MemoryLayout.sequenceLayout(IFNAMSIZ, JAVA_BYTE).withName("ifr_name"),
      JAVA_SHORT.withName("ifr_flags"),
      MemoryLayout.paddingLayout(22));
  private static final long IFR_FLAGS = IFREQ.byteOffset(MemoryLayout.PathElement.groupElement("ifr_flags"));

  static final String NEEDS_CAP_NET_ADMIN =
      "needs CAP_NET_ADMIN: run as root or inside a user and network namespace";
  private static final long OPEN_TIMEOUT_MILLIS = 10_000;

  /** Closes every descriptor; for queues no {@link TunDevice} has taken over. */
  void close() {
    close(fds);
  }

  private static void close(int[] fds) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      for (int fd : fds) {
        Libc.close(state, fd);
      }
    }
  }

  /**
   * Opens {@code queues} descriptors on {@code /dev/net/tun} and attaches each to the device
   * {@code name} with TUNSETIFF. The first creates the device (or attaches to a persistent one);
   * with {@code IFF_MULTI_QUEUE} the others attach further queues to it, by the name the kernel
   * reported, which matters when it chose the name.
   */
  static TunQueues open(String name, int queues, TunOffload offload) throws IOException {
    int[] fds = new int[queues];
    int opened = 0;
    String actual = name;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      MemorySegment path = arena.allocateFrom("/dev/net/tun");
      MemorySegment ifr = arena.allocate(IFREQ);
      boolean vnet = offload == TunOffload.AUTO && supportsVnetHeader(state, path, arena);
      short flags = (short) (IFF_TUN | IFF_NO_PI | (queues > 1 ? IFF_MULTI_QUEUE : 0) | (vnet ? IFF_VNET_HDR : 0));
      try {
        for (; opened < queues; opened++) {
          int fd = Libc.open(state, path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
          if (fd < 0) {
            throw openFailure("open(/dev/net/tun)", actual, Libc.errno(state));
          }
          ifr.fill((byte) 0);
          byte[] nameBytes = actual.getBytes(StandardCharsets.UTF_8);
          MemorySegment.copy(nameBytes, 0, ifr, JAVA_BYTE, 0, nameBytes.length);
          ifr.set(JAVA_SHORT, IFR_FLAGS, flags);
          if (Libc.ioctl(state, fd, TUNSETIFF, ifr) < 0) {
            int errno = Libc.errno(state);
            Libc.close(state, fd);
            throw openFailure("ioctl(TUNSETIFF)", actual, errno);
          }
          fds[opened] = fd;
          actual = ifr.getString(0); // the kernel NUL-terminates within IFNAMSIZ
        }
        // Offloads are the device's (they set its netdev features), so one descriptor suffices.
        return new TunQueues(actual, fds, vnet, vnet ? probeOffloads(state, fds[0]) : 0);
      } catch (IOException | RuntimeException | Error e) {
        close(Arrays.copyOf(fds, opened));
        throw e;
      }
    }
  }

  /** Whether this kernel's TUN driver knows IFF_VNET_HDR (Linux 2.6.27 on; TUNGETFEATURES). */
  private static boolean supportsVnetHeader(MemorySegment state, MemorySegment path, Arena arena) {
    int fd = Libc.open(state, path, Libc.O_RDWR | Libc.O_CLOEXEC);
    if (fd < 0) {
      return false; // the open proper fails again, with the message that says why
    }
    try {
      MemorySegment features = arena.allocate(JAVA_INT);
      return Libc.ioctl(state, fd, TUNGETFEATURES, features) == 0
          && (features.get(JAVA_INT, 0) & IFF_VNET_HDR) != 0;
    } finally {
      Libc.close(state, fd);
    }
  }

  /** Asks for the most offloads the kernel accepts (see {@link #OFFLOAD_PROBES}); returns them. */
  private static int probeOffloads(MemorySegment state, int fd) {
    for (int flags : OFFLOAD_PROBES) {
      if (Libc.ioctlValue(state, fd, TUNSETOFFLOAD, flags) == 0) {
        return flags;
      }
    }
    return 0;
  }

  /** Runs {@link #open(String, int, TunOffload)} on a platform thread that first enters {@code netns}. */
  static TunQueues openIn(Path netns, String name, int queues, TunOffload offload) throws IOException {
    // The outcome is settled by one compare-and-set: if the caller gave up waiting first, the
    // opener finds ABANDONED there and closes what it opened, so no descriptor leaks.
    Object abandoned = new Object();
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread opener = Thread.ofPlatform().name("sluice-tun-open-" + name).daemon(true).unstarted(() -> {
      Object result;
      try {
        enterNetworkNamespace(netns);
        result = open(name, queues, offload);
      } catch (Throwable t) {
        result = t;
      }
      if (!outcome.compareAndSet(null, result) && result instanceof TunQueues q) {
        q.close();
      }
      // The thread ends here, so nothing else ever runs inside the namespace it entered.
    });
    opener.start();
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OPEN_TIMEOUT_MILLIS);
    while (opener.isAlive() && deadline - System.nanoTime() > 0) {
      try {
        opener.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (outcome.compareAndSet(null, abandoned)) {
      throw new IOException("opening TUN device '" + name + "' in " + netns + " did not finish within "
          + OPEN_TIMEOUT_MILLIS + " ms");
    }
    Object result = outcome.get();
    if (result instanceof TunQueues q) {
      return q;
    }
    if (result instanceof IOException e) {
      throw new IOException(e.getMessage(), e); // a fresh exception carries the caller's stack
    }
    if (result instanceof RuntimeException e) {
      throw e;
    }
    if (result instanceof Error e) {
      throw e;
    }
    throw new IOException("opening TUN device '" + name + "' failed", (Throwable) result);
  }

  /**
   * Moves the calling thread, and only it, into the network namespace at {@code netns} (setns(2)).
   * Sockets the thread creates afterwards belong to that namespace, wherever they are used from;
   * call it on a dedicated platform thread (never a virtual thread, whose carrier would move).
   * Needs CAP_SYS_ADMIN and native access for this module.
   */
  static void enterNetworkNamespace(Path netns) throws IOException {
    if (Thread.currentThread().isVirtual()) {
      throw new IllegalStateException("setns(2) moves an OS thread: call it on a platform thread");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      int fd = Libc.open(state, arena.allocateFrom(netns.toString()), Libc.O_RDONLY | Libc.O_CLOEXEC);
      if (fd < 0) {
        int errno = Libc.errno(state);
        throw new IOException("cannot open network namespace " + netns + ": "
            + (errno == Libc.ENOENT ? "no such namespace " : "") + "(" + Libc.describe(errno) + ")");
      }
      try {
        if (Libc.setns(state, fd, Libc.CLONE_NEWNET) < 0) {
          int errno = Libc.errno(state);
          String hint = switch (errno) {
            case Libc.EPERM -> "entering a namespace needs CAP_SYS_ADMIN ";
            case Libc.EINVAL -> "not a network namespace ";
            default -> "";
          };
          throw new IOException("setns(" + netns + ", CLONE_NEWNET) failed: " + hint + "(" + Libc.describe(errno) + ")");
        }
      } finally {
        Libc.close(state, fd);
      }
    }
  }

  /**
   * The exception for a failed {@code call} while opening {@code device}. EPERM and EACCES become
   * the message users need most: TUNSETIFF creating a device needs CAP_NET_ADMIN (tun(4)), and
   * {@code /dev/net/tun} is often mode 0600.
   */
  static IOException openFailure(String call, String device, int errno) {
    String hint = switch (errno) {
      case Libc.EPERM, Libc.EACCES -> NEEDS_CAP_NET_ADMIN
          + " (or have root create a persistent device for you: ip tuntap add dev NAME mode tun user USER) ";
      case Libc.ENOENT, Libc.ENODEV, Libc.ENXIO -> "no TUN driver: load it with modprobe tun ";
      case Libc.EINVAL -> "the name belongs to a device of another type, or an existing TUN device was "
          + "made with different flags (single- versus multi-queue) ";
      case Libc.EBUSY -> "the device is busy: another process holds its (single) queue ";
      case Libc.E2BIG -> "too many queues for this device ";
      case Libc.EMFILE, Libc.ENFILE -> "too many open files ";
      default -> "";
    };
    String which = device.isEmpty() ? "a new TUN device" : "TUN device '" + device + "'";
    return new IOException("cannot open " + which + ": " + call + " failed: " + hint + "(" + Libc.describe(errno) + ")");
  }
}
