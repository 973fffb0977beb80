package dev.sluice.link;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A kernel socket that sends ICMP or ICMPv6 echo requests and receives their replies, which Java
 * has no API for: an unprivileged "ping" socket ({@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)},
 * allowed when the process's group is in {@code net.ipv4.ping_group_range}) or, failing that, a raw
 * ICMP socket (needs {@code CAP_NET_RAW}). Bound with FFM through {@link Libc}; it lives in this
 * package because the package's native access and libc bindings are here (it is not a device).
 *
 * <p>The identifier is the socket's: a ping socket's is chosen by the kernel, which rewrites it in
 * every request and delivers only replies that carry it back; a raw socket's is a random one
 * written here, and replies with another (other processes' pings) are skipped. Callers therefore
 * match replies by sequence number alone.
 *
 * <p>Threads: any thread may {@link #send}; one thread at a time {@link #receive}s, and it blocks in
 * {@code poll(2)} (on a platform thread, since a native call pins a virtual thread's carrier).
 * Beside it, one thread at a time may take a reply that has already arrived with {@link
 * #receiveArrived}, which never waits (another thread already taking one makes it return at once).
 * {@link #close} wakes the blocked reader through an {@code eventfd(2)} and releases the
 * descriptors once every caller has left.
 */
public final class IcmpEchoSocket implements Closeable {
  /** Which kind of kernel socket carries the echoes. */
  public enum Kind {
    /** {@code SOCK_DGRAM} with {@code IPPROTO_ICMP}: unprivileged, the kernel owns the identifier. */
    PING,
    /** {@code SOCK_RAW}: needs CAP_NET_RAW, sees every ICMP message the host receives. */
    RAW
  }

  /**
   * A reply: who answered and the sequence number it carries; its data went to the caller's buffer.
   *
   * @param from the address that answered
   * @param sequence the sequence number of the request it answers
   */
  public record Reply(InetAddress from, int sequence) {}

  /** Datagrams {@link #receiveArrived} reads at most looking for one of ours (a raw socket sees others'). */
  private static final int ARRIVED_TRIES = 8;
  private static final int POLL_MILLIS = 1_000; // a safety net: close wakes the reader through the eventfd
  private static final int RECEIVE_BUFFER = 65_536;
  private static final int SOCKADDR_IN6 = 28;

  private final Kind kind;
  private final boolean ipv6;
  private final int fd;
  private final int eventFd;
  private final int identifier;
  private final Arena arena = Arena.ofShared();
  private final ReceiveSlot receiveSlot;
  private final MemorySegment pollFds;
  /** {@link #receiveArrived}'s own buffers, since {@link #receive} holds the others while it waits. */
  private final ReceiveSlot arrivedSlot;
  /** Readers (send, receive) hold it shared; close takes it exclusively before closing the descriptors. */
  private final ReentrantReadWriteLock lifetime = new ReentrantReadWriteLock();
  private final ReentrantLock receiving = new ReentrantLock();
  private final ReentrantLock receivingArrived = new ReentrantLock();
  private volatile boolean closed;

  /**
   * Where one {@code recvfrom(2)} puts the datagram, its sender and the call's errno; used by one
   * thread at a time (under {@link #receiving} or {@link #receivingArrived}).
   */
  private static final class ReceiveSlot {
    final MemorySegment buffer;
    final MemorySegment from;
    final MemorySegment fromLength;
    final MemorySegment state;
    /** Whether the last {@link #receiveOne} found the queue empty. */
    boolean drained;

    ReceiveSlot(Arena arena) {
      buffer = arena.allocate(RECEIVE_BUFFER, 8);
      from = arena.allocate(SOCKADDR_IN6, 8);
      fromLength = arena.allocate(JAVA_INT);
      state = arena.allocate(Libc.CALL_STATE);
    }
  }

  private IcmpEchoSocket(Kind kind, boolean ipv6, int fd, int eventFd) {
    this.kind = kind;
    this.ipv6 = ipv6;
    this.fd = fd;
    this.eventFd = eventFd;
    this.identifier = kind == Kind.RAW ? ThreadLocalRandom.current().nextInt(1, 0x10000) : -1;
    this.receiveSlot = new ReceiveSlot(arena);
    this.arrivedSlot = new ReceiveSlot(arena);
    this.pollFds = arena.allocate(Libc.POLLFD, 2);
    Libc.pollFd(pollFds, 0, fd, Libc.POLLIN);
    Libc.pollFd(pollFds, 1, eventFd, Libc.POLLIN);
  }

  /**
   * Opens a ping socket for IPv6 if {@code ipv6}, else IPv4; if the kernel refuses it (the group is
   * not in {@code ping_group_range}), a raw socket. Throws an {@link IOException} that names both
   * errors if neither can be had.
   *
   * @param ipv6 true for ICMPv6, false for ICMP
   * @return the open socket; close it when done
   * @throws IOException if neither a ping nor a raw socket can be opened
   */
  public static IcmpEchoSocket open(boolean ipv6) throws IOException {
    try {
      return open(ipv6, Kind.PING);
    } catch (IOException ping) {
      try {
        return open(ipv6, Kind.RAW);
      } catch (IOException raw) {
        raw.addSuppressed(ping);
        throw new SocketException("cannot send ICMP echo: " + ping.getMessage() + "; " + raw.getMessage()
            + " (allow the process's group in net.ipv4.ping_group_range, or give it CAP_NET_RAW)");
      }
    }
  }

  /**
   * Opens a socket of the given kind; see {@link #open(boolean)}.
   *
   * @param ipv6 true for ICMPv6, false for ICMP
   * @param kind a ping socket or a raw one
   * @return the open socket; close it when done
   * @throws IOException if the kernel refuses the socket (the message names the errno)
   */
  public static IcmpEchoSocket open(boolean ipv6, Kind kind) throws IOException {
    Libc.load();
    try (Arena call = Arena.ofConfined()) {
      MemorySegment state = call.allocate(Libc.CALL_STATE);
      int type = (kind == Kind.PING ? Libc.SOCK_DGRAM : Libc.SOCK_RAW) | Libc.SOCK_CLOEXEC;
      int fd = Libc.socket(state, ipv6 ? Libc.AF_INET6 : Libc.AF_INET, type,
          ipv6 ? Libc.IPPROTO_ICMPV6 : Libc.IPPROTO_ICMP);
      if (fd < 0) {
        throw new SocketException((kind == Kind.PING ? "ping" : "raw") + " socket refused ("
            + Libc.describe(Libc.errno(state)) + ")");
      }
      int eventFd = Libc.eventfd(state, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
      if (eventFd < 0) {
        int errno = Libc.errno(state);
        Libc.close(state, fd);
        throw new IOException("eventfd failed (" + Libc.describe(errno) + ")");
      }
      return new IcmpEchoSocket(kind, ipv6, fd, eventFd);
    }
  }

  /**
   * Which kind of kernel socket this is.
   *
   * @return {@link Kind#PING} or {@link Kind#RAW}
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Whether this socket pings IPv6 addresses.
   *
   * @return true for ICMPv6, false for ICMP
   */
  public boolean ipv6() {
    return ipv6;
  }

  /**
   * Sends an echo request to {@code destination} with {@code sequence} and {@code data} (position
   * to limit, left unchanged). Never blocks: a request the kernel cannot take now fails. Throws
   * {@link NoRouteToHostException} for EHOSTUNREACH or ENETUNREACH, a {@link SocketException} once
   * closed or for another error.
   *
   * @param destination the address to ping, of this socket's family
   * @param sequence the request's sequence number, 0 to 65535
   * @param data the request's payload, from its position to its limit
   * @throws IOException if the request cannot be sent
   */
  public void send(InetAddress destination, int sequence, ByteBuffer data) throws IOException {
    if ((destination instanceof Inet6Address) != ipv6) {
      throw new IllegalArgumentException("an " + (ipv6 ? "IPv6" : "IPv4") + " socket cannot reach " + destination);
    }
    lifetime.readLock().lock();
    try (Arena call = Arena.ofConfined()) {
      if (closed) {
        throw new SocketException("Socket closed");
      }
      int length = 8 + data.remaining();
      MemorySegment message = call.allocate(length, 8);
      message.set(JAVA_BYTE, 0, (byte) (ipv6 ? 128 : 8)); // echo request (RFC 4443 §4.1, RFC 792)
      message.set(JAVA_BYTE, 1, (byte) 0);
      putU16(message, 4, identifier < 0 ? 0 : identifier); // a ping socket writes its own
      putU16(message, 6, sequence);
      MemorySegment.copy(MemorySegment.ofBuffer(data), 0, message, 8, data.remaining());
      if (!ipv6) { // the kernel sums ICMPv6 itself (RFC 3542 §3.1), and a ping socket sums both
        putU16(message, 2, checksum(message, length));
      }
      MemorySegment to = sockaddr(call, destination);
      MemorySegment state = call.allocate(Libc.CALL_STATE);
      long sent = Libc.sendto(state, fd, message, length, Libc.MSG_DONTWAIT, to, (int) to.byteSize());
      if (sent < 0) {
        int errno = Libc.errno(state);
        String what = "echo to " + destination.getHostAddress() + " failed (" + Libc.describe(errno) + ")";
        throw errno == Libc.EHOSTUNREACH || errno == Libc.ENETUNREACH ? new NoRouteToHostException(what)
            : new SocketException(what);
      }
    } finally {
      lifetime.readLock().unlock();
    }
  }

  /**
   * Blocks until an echo reply for this socket arrives, copies its data into {@code into} (from its
   * position; what does not fit is cut) and answers who sent it and its sequence number. Throws a
   * {@link SocketException} once closed. An interrupt does not end the wait; {@link #close()} from
   * another thread does.
   *
   * @param into where the reply's data goes
   * @return who answered, and the sequence number
   * @throws IOException once the socket is closed, or if the kernel reports an error
   */
  public Reply receive(ByteBuffer into) throws IOException {
    receiving.lock();
    lifetime.readLock().lock();
    try {
      MemorySegment state = receiveSlot.state;
      while (true) {
        if (closed) {
          throw new SocketException("Socket closed");
        }
        int ready = Libc.poll(state, pollFds, 2, POLL_MILLIS);
        if (ready < 0) {
          int errno = Libc.errno(state);
          if (errno == Libc.EINTR) {
            continue;
          }
          throw new SocketException("poll failed (" + Libc.describe(errno) + ")");
        }
        if (ready == 0 || Libc.revents(pollFds, 1) != 0) {
          continue; // timed out, or woken by close: the loop looks at the flag
        }
        Reply reply = receiveOne(receiveSlot, into);
        if (reply != null) {
          return reply;
        }
      }
    } finally {
      lifetime.readLock().unlock();
      receiving.unlock();
    }
  }

  /**
   * Takes an echo reply for this socket that has already arrived, without waiting, as {@link
   * #receive} does; null if none is queued, or if another thread is taking one at this moment (it
   * or the blocked reader gets it). A reply to a ping of one of this host's own addresses, or of a
   * namespace behind a veth pair, is queued before {@link #send} returns (the kernel answers in the
   * softirq of the request's own transmission), so the sender can take it at once instead of
   * waiting for the reader's thread to be woken. Throws a {@link SocketException} once closed.
   *
   * @param into where the reply's data goes
   * @return who answered and the sequence number, or null if no reply of ours was waiting
   * @throws IOException once the socket is closed, or if the kernel reports an error
   */
  public Reply receiveArrived(ByteBuffer into) throws IOException {
    if (!receivingArrived.tryLock()) {
      return null;
    }
    lifetime.readLock().lock();
    try {
      if (closed) {
        throw new SocketException("Socket closed");
      }
      for (int i = 0; i < ARRIVED_TRIES; i++) {
        Reply reply = receiveOne(arrivedSlot, into);
        if (reply != null) {
          return reply;
        }
        if (arrivedSlot.drained) {
          return null;
        }
      }
      return null;
    } finally {
      lifetime.readLock().unlock();
      receivingArrived.unlock();
    }
  }

  /**
   * One {@code recvfrom(2)} that does not wait, into {@code slot}: the reply's data copied into
   * {@code into}, or null if the datagram was not an echo reply of ours or nothing was read (then
   * the slot is marked {@code drained}).
   */
  private Reply receiveOne(ReceiveSlot slot, ByteBuffer into) throws IOException {
    slot.fromLength.set(JAVA_INT, 0, SOCKADDR_IN6);
    long n = Libc.recvfrom(slot.state, fd, slot.buffer, RECEIVE_BUFFER, Libc.MSG_DONTWAIT, slot.from,
        slot.fromLength);
    if (n < 0) {
      int errno = Libc.errno(slot.state);
      if (errno == Libc.EBADF) {
        throw new SocketException("recvfrom failed (" + Libc.describe(errno) + ")");
      }
      // EAGAIN, EINTR, or an earlier request's error (EHOSTUNREACH...): it was read, and is gone
      slot.drained = errno == Libc.EAGAIN;
      return null;
    }
    slot.drained = false;
    return parse(slot, (int) n, into);
  }

  /** The reply in {@code slot}, its data copied out; null if it is not an echo reply of ours. */
  private Reply parse(ReceiveSlot slot, int n, ByteBuffer into) throws IOException {
    MemorySegment buffer = slot.buffer;
    // A raw IPv4 socket hands over the IP header too; IPv6 and ping sockets start at the ICMP header.
    int icmp = kind == Kind.RAW && !ipv6 ? (buffer.get(JAVA_BYTE, 0) & 0x0F) * 4 : 0;
    if (n < icmp + 8) {
      return null;
    }
    int type = buffer.get(JAVA_BYTE, icmp) & 0xFF;
    if (type != (ipv6 ? 129 : 0) || (identifier >= 0 && u16(buffer, icmp + 4) != identifier)) {
      return null;
    }
    int sequence = u16(buffer, icmp + 6);
    int length = Math.min(n - icmp - 8, into.remaining());
    MemorySegment.copy(buffer, icmp + 8, MemorySegment.ofBuffer(into), 0, length);
    into.position(into.position() + length);
    byte[] address = new byte[ipv6 ? 16 : 4];
    MemorySegment.copy(slot.from, JAVA_BYTE, ipv6 ? 8 : 4, address, 0, address.length);
    return new Reply(InetAddress.getByAddress(address), sequence);
  }

  /** Wakes a blocked {@link #receive}, waits for it to leave, and closes the descriptors. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Arena call = Arena.ofConfined()) {
      MemorySegment one = call.allocate(JAVA_LONG);
      one.set(JAVA_LONG, 0, 1L);
      MemorySegment state = call.allocate(Libc.CALL_STATE);
      Libc.write(state, eventFd, one, 8);
      lifetime.writeLock().lock();
      try {
        Libc.close(state, fd);
        Libc.close(state, eventFd);
      } finally {
        lifetime.writeLock().unlock();
      }
    }
    arena.close();
  }

  /** {@code struct sockaddr_in} or {@code sockaddr_in6} for {@code address}, port 0. */
  private static MemorySegment sockaddr(Arena arena, InetAddress address) {
    byte[] bytes = address.getAddress();
    boolean v6 = bytes.length == 16;
    MemorySegment s = arena.allocate(v6 ? SOCKADDR_IN6 : 16, 8); // zeroed: port, flow info, scope
    s.set(JAVA_SHORT, 0, (short) (v6 ? Libc.AF_INET6 : Libc.AF_INET)); // sa_family: host order
    MemorySegment.copy(bytes, 0, s, JAVA_BYTE, v6 ? 8 : 4, bytes.length);
    return s;
  }

  /** The Internet checksum (RFC 1071) over {@code length} bytes, the checksum field being zero. */
  private static int checksum(MemorySegment m, int length) {
    long sum = 0;
    for (int i = 0; i + 1 < length; i += 2) {
      sum += u16(m, i);
    }
    if ((length & 1) != 0) {
      sum += (m.get(JAVA_BYTE, length - 1) & 0xFF) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) ~sum & 0xFFFF;
  }

  private static int u16(MemorySegment m, long offset) {
    return ((m.get(JAVA_BYTE, offset) & 0xFF) << 8) | (m.get(JAVA_BYTE, offset + 1) & 0xFF);
  }

  private static void putU16(MemorySegment m, long offset, int value) {
    m.set(JAVA_BYTE, offset, (byte) (value >>> 8));
    m.set(JAVA_BYTE, offset + 1, (byte) value);
  }
}
