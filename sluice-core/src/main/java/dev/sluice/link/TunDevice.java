package dev.sluice.link;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.sluice.link.internal.MpmcRing;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.FlowHash;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A Linux TUN device: raw IP packets (no link-layer header) exchanged with the kernel through
 * {@code /dev/net/tun}, bound with the Foreign Function &amp; Memory API. See {@code tun(4)} and the
 * kernel's {@code Documentation/networking/tuntap.rst}.
 *
 * <p>The device is created with {@code IFF_TUN | IFF_NO_PI}: without {@code IFF_NO_PI} every
 * read and write carries a 4-byte {@code struct tun_pi} (flags and EtherType) in front of the
 * packet, which a raw-IP {@link Device} would have to strip and add; the IP version nibble already
 * says which protocol a packet is. With more than one queue it adds {@code IFF_MULTI_QUEUE} and
 * attaches one file descriptor per queue to the same device; the kernel spreads the packets it
 * sends across the queues by flow.
 *
 * <p><b>Offloads</b> (docs/tun-offloads.md). Unless opened with {@link TunOffload#OFF}, every
 * read and write starts with a {@link VirtioNetHeader} ({@code IFF_VNET_HDR}), and {@code
 * TUNSETOFFLOAD} asks for checksum offload and TSO, plus USO where the kernel has it ({@link
 * #offloads()}). Readers cut the kernel's 64 KB segments into complete MTU-sized packets ({@link
 * GsoSegmenter}), so the stack sees what it always saw; {@link #transmitSegmented} writes 64 KB
 * that the kernel segments ({@link TcpCoalescer} builds them). A kernel without virtio headers
 * gets the plain path: one packet per call.
 *
 * <p><b>Threads.</b> Each queue has one receiving <i>platform</i> thread. Never a virtual thread:
 * a virtual thread inside a native call pins its carrier for the whole call, so readers waiting in
 * {@code poll(2)} would take carriers from everyone else. A reader waits in {@code poll(2)} on its
 * queue's descriptor and on an {@code eventfd(2)}; {@link #close()} writes the eventfd to wake
 * them, because closing a descriptor does not wake a thread blocked on it (and would let the
 * number be reused under its feet). Received packets are copied into buffers of a per-queue
 * {@link PacketPool} and offered to that queue's {@link MpmcRing} ({@link TunReceiveQueue} is one
 * queue's reader); {@link #poll} takes from the ring. Any thread may {@link #transmit}.
 * Descriptors are non-blocking, so a write never waits.
 *
 * <p><b>Memory.</b> Steady state allocates nothing per packet: each reader owns a confined arena
 * (read buffer, {@code pollfd} array, errno slot) for its life, and transmissions borrow a native
 * buffer from a small pool (see {@link #transmit}). What a receive queue holds is bounded by its
 * pool: at most {@link #POOL_BUFFERS} buffers of {@code mtu} bytes (1.5 MB at MTU 1500, of which
 * the ring holds at most {@link #RECEIVE_QUEUE_CAPACITY} packets, 768 KB; made as traffic first
 * needs them, so a quiet queue holds few), plus one 64 KB read buffer and,
 * with offloads, one 64 KB array the reader segments from; a large segment that finds the pool
 * empty loses its remaining pieces, counted as {@link DropReason#RX_QUEUE_FULL}. Transmit slots
 * are MTU-sized, or 64 KB with offloads. Once a ring is three quarters full, bare SYNs are
 * dropped before anything else ({@link SynShedding}, {@link DropReason#RX_SYN_SHED}): a SYN flood
 * cannot take the room that established connections and completing handshakes need.
 *
 * <p><b>Time.</b> Received packets are stamped with {@link System#nanoTime()}, the real clock a
 * host driving a kernel device runs on.
 *
 * <p><b>Set-up.</b> The device is created down and without addresses; configure the kernel's side
 * as for any interface ({@code ip link set dev NAME up mtu M}, {@code ip addr add ...}). Keep its
 * MTU at or below {@link #mtu()}: larger packets from the kernel are dropped and counted. The
 * device disappears when it is closed. Creating one needs {@code CAP_NET_ADMIN} in the user
 * namespace owning the network namespace; the JVM needs native access for the FFM calls
 * ({@code --enable-native-access=dev.sluice.core}, or {@code ALL-UNNAMED} on the class path).
 */
public final class TunDevice implements Device, AutoCloseable {
  /** The kernel's limit on queues per device (MAX_TAP_QUEUES in drivers/net/tun.c). */
  public static final int MAX_QUEUES = 256;
  /** Packets each receive queue holds before it drops ({@link DropReason#RX_QUEUE_FULL}). */
  public static final int RECEIVE_QUEUE_CAPACITY = 512;
  /**
   * Buffers of {@code mtu} bytes in each queue's pool: a full ring, and as many again held by the
   * stack. A power of two, as the pool rounds up to one. At MTU 1500, at most 1.5 MB per queue.
   */
  static final int POOL_BUFFERS = 2 * RECEIVE_QUEUE_CAPACITY;
  /**
   * How long a reader waits in poll(2) before looking at the closing flag itself. Only a safety
   * net: {@link #close()} wakes readers through the eventfd at once.
   */
  static final int DEFAULT_POLL_TIMEOUT_MILLIS = 500;
  private static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final System.Logger LOG = System.getLogger("dev.sluice.link");

  private final String name;
  private final int mtu;
  private final int[] fds;
  /** Written once by {@link #close()} to wake every reader ({@link TunReceiveQueue}). */
  final int eventFd;
  final int pollTimeoutMillis;
  /** See {@link #busyPoll(Duration)}; read by each reader after every burst. */
  volatile long busyPollNanos;
  private final TunReceiveQueue[] receiveQueues;
  final ArrivalHooks arrivals;
  private final DropCounters drops = new DropCounters();
  final LongAdder receiveErrors = new LongAdder();
  private final LongAdder transmitErrors = new LongAdder();
  private volatile int lastTransmitErrno;
  private final PacketTaps taps = new PacketTaps();
  /** Every read and write carries a {@link VirtioNetHeader}. */
  final boolean vnetHeader;
  /** The TUN_F_ flags the kernel accepted. */
  private final int offloads;
  final LongAdder largeSegmentsReceived = new LongAdder();
  private final LongAdder largeSegmentsSent = new LongAdder();
  final LongAdder badVirtioHeaders = new LongAdder();

  /**
   * Transmit buffers. Why a pool and not a ThreadLocal: transmitters may be application threads,
   * virtual ones included, often short-lived, so a per-thread buffer would be allocated per
   * thread (per connection, even) and freed only by the GC. A write on a non-blocking descriptor
   * holds a slot for microseconds, so a few slots per core serve any number of threads. When more
   * threads than slots transmit at the same instant, the extra ones use a temporary arena:
   * correct, merely allocating, and never in steady state.
   */
  private final MpmcRing<TxSlot> txSlots;
  /** Owns the transmit slots; closed once no transmission is in flight. */
  private final Arena txArena;
  /**
   * Transmissions in flight; {@link #close()} adds {@link Integer#MIN_VALUE}, making it negative,
   * so later transmissions see the device closed, and waits until the count is back to it before
   * closing descriptors: a descriptor number closed under a writer could be reused by an
   * unrelated open, and the writer would send a packet into someone else's file.
   */
  private final AtomicInteger transmitters = new AtomicInteger();
  /** Set by {@link #close()}; readers look at it between reads and after every poll. */
  volatile boolean closing;
  private boolean closed;

  /** A native buffer with its errno slot, borrowed by one transmission at a time. */
  private record TxSlot(MemorySegment data, MemorySegment state) {
    static TxSlot allocate(Arena arena, int size) {
      return new TxSlot(arena.allocate(size, 8), arena.allocate(Libc.CALL_STATE));
    }
  }

  /**
   * Creates (or attaches to an existing persistent) TUN device in the caller's network namespace.
   *
   * @param name the interface name, at most 15 bytes; {@code ""} lets the kernel choose
   *     ({@code tunN}), and {@link #name()} says what it chose
   * @param queues receive queues, one descriptor and one reader thread each, in [1, 256]
   * @param mtu the largest IP packet sent or accepted, in [68, 65535]
   * @return the open device, its reader threads running; close it when done
   * @throws IOException if the device cannot be created; without the privilege, the message says
   *     "needs CAP_NET_ADMIN: run as root or inside a user and network namespace" and names the
   *     errno
   */
  public static TunDevice open(String name, int queues, int mtu) throws IOException {
    return open((Path) null, name, queues, mtu, TunOffload.AUTO, DEFAULT_POLL_TIMEOUT_MILLIS);
  }

  /**
   * Creates the TUN device inside the network namespace at {@code netns} ({@code
   * /var/run/netns/NAME} for one made by {@code ip netns add NAME}, or {@code /proc/PID/ns/net}).
   *
   * <p>How: a network device is created in the namespace of the thread that issues TUNSETIFF, and
   * {@code setns(2)} moves only the calling thread. So a short-lived platform thread enters the
   * namespace, opens every queue, and ends; the descriptors stay bound to the device in that
   * namespace and work from any thread, while the JVM's other threads never leave their own.
   * Entering a namespace needs {@code CAP_SYS_ADMIN} as well.
   *
   * @param netns the namespace file, or {@code null} for the caller's own namespace (as {@link
   *     #open(String, int, int)})
   * @param name the interface name, as for {@link #open(String, int, int)}
   * @param queues receive queues, in [1, 256]
   * @param mtu the largest IP packet sent or accepted, in [68, 65535]
   * @return the open device, its reader threads running; close it when done
   * @throws IOException if the namespace cannot be entered or the device cannot be created
   */
  public static TunDevice open(Path netns, String name, int queues, int mtu) throws IOException {
    return open(netns, name, queues, mtu, TunOffload.AUTO, DEFAULT_POLL_TIMEOUT_MILLIS);
  }

  /**
   * As {@link #open(Path, String, int, int)}, choosing whether to use offloads: {@link
   * TunOffload#OFF} forces the plain path (one packet per system call) on any kernel.
   *
   * @param netns the namespace file, or {@code null} for the caller's own namespace
   * @param name the interface name, as for {@link #open(String, int, int)}
   * @param queues receive queues, in [1, 256]
   * @param mtu the largest IP packet sent or accepted, in [68, 65535]
   * @param offload whether to ask the kernel for offloads
   * @return the open device, its reader threads running; close it when done
   * @throws IOException if the namespace cannot be entered or the device cannot be created
   */
  public static TunDevice open(Path netns, String name, int queues, int mtu, TunOffload offload)
      throws IOException {
    return open(netns, name, queues, mtu, offload, DEFAULT_POLL_TIMEOUT_MILLIS);
  }

  /** As the public overloads; tests choose the poll timeout. */
  static TunDevice open(Path netns, String name, int queues, int mtu, TunOffload offload, int pollTimeoutMillis)
      throws IOException {
    Objects.requireNonNull(offload, "offload");
    Objects.requireNonNull(name, "name");
    if (name.getBytes(StandardCharsets.UTF_8).length >= TunQueues.IFNAMSIZ || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("interface name must be at most 15 bytes: \"" + name + "\"");
    }
    if (queues < 1 || queues > MAX_QUEUES) {
      throw new IllegalArgumentException("queues must be in [1, " + MAX_QUEUES + "]: " + queues);
    }
    if (mtu < 68 || mtu > 65_535) {
      throw new IllegalArgumentException("mtu must be in [68, 65535]: " + mtu);
    }
    if (pollTimeoutMillis < 1) {
      throw new IllegalArgumentException("poll timeout must be positive: " + pollTimeoutMillis);
    }
    loadLibc();
    TunQueues opened = netns == null ? TunQueues.open(name, queues, offload)
        : TunQueues.openIn(netns, name, queues, offload);
    TunDevice device;
    try {
      device = new TunDevice(opened, mtu, pollTimeoutMillis);
    } catch (IOException | RuntimeException | Error e) {
      opened.close();
      throw e;
    }
    try {
      device.startReaders();
    } catch (RuntimeException | Error e) {
      device.close(); // stops the readers that did start before closing their descriptors
      throw e;
    }
    return device;
  }

  private static void loadLibc() throws IOException {
    String os = System.getProperty("os.name", "");
    String arch = System.getProperty("os.arch", "");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      throw new IOException("TUN devices are Linux only; this is " + os);
    }
    if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
      // The constants and struct layouts here are those of LP64 Linux on these two.
      throw new IOException("TunDevice supports x86_64 and aarch64 Linux; this is " + arch);
    }
    try {
      Libc.load();
    } catch (LinkageError | IllegalCallerException e) {
      throw new IOException("cannot bind libc through the FFM API (is native access enabled? "
          + "--enable-native-access=dev.sluice.core, or ALL-UNNAMED on the class path): " + e, e);
    }
  }

  private TunDevice(TunQueues queues, int mtu, int pollTimeoutMillis) throws IOException {
    this.name = queues.name();
    this.mtu = mtu;
    this.fds = queues.fds();
    this.vnetHeader = queues.vnetHeader();
    this.offloads = queues.offloads();
    this.pollTimeoutMillis = pollTimeoutMillis;
    int count = fds.length;
    this.arrivals = new ArrivalHooks(count);
    int slots = Math.clamp(2L * Runtime.getRuntime().availableProcessors(), 4, 64);
    this.txSlots = new MpmcRing<>(slots);
    this.txArena = Arena.ofShared(); // slots are used by whichever thread transmits
    for (int i = 0; i < txSlots.capacity(); i++) {
      txSlots.offer(TxSlot.allocate(txArena, slotSize()));
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      // eventfd(2): a counter that polls readable once non-zero. Nobody reads it, so one write
      // wakes every reader and keeps them awake until they leave.
      this.eventFd = Libc.eventfd(state, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
      if (eventFd < 0) {
        int errno = Libc.errno(state);
        txArena.close();
        throw new IOException("eventfd failed (" + Libc.describe(errno) + ")");
      }
    }
    this.receiveQueues = new TunReceiveQueue[count];
    for (int q = 0; q < count; q++) {
      receiveQueues[q] = new TunReceiveQueue(this, q, fds[q]);
    }
  }

  /**
   * Moves the calling thread, and only it, into the network namespace at {@code netns} (setns(2)).
   * Sockets the thread creates afterwards belong to that namespace, wherever they are used from;
   * call it on a dedicated platform thread (never a virtual thread, whose carrier would move).
   * Needs CAP_SYS_ADMIN and native access for this module.
   *
   * @param netns the namespace file: {@code /var/run/netns/NAME} or {@code /proc/PID/ns/net}
   * @throws IOException if the file cannot be opened or {@code setns(2)} fails (the message names
   *     the errno)
   */
  public static void enterNetworkNamespace(Path netns) throws IOException {
    TunQueues.enterNetworkNamespace(netns);
  }

  private void startReaders() {
    for (TunReceiveQueue queue : receiveQueues) {
      queue.start();
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receiveQueueCount() {
    return fds.length;
  }

  /** Native bytes one write may need: a virtio header and the largest packet this device sends. */
  private int slotSize() {
    return vnetHeader ? VirtioNetHeader.LENGTH + Math.max(mtu, TcpCoalescer.MAX_BATCH) : mtu;
  }

  /**
   * The TUN_F_ offload flags the kernel accepted ({@code include/uapi/linux/if_tun.h}: CSUM 0x01,
   * TSO4 0x02, TSO6 0x04, USO4 0x20, USO6 0x40); 0 on the plain path.
   *
   * @return the accepted flags
   */
  public int offloads() {
    return offloads;
  }

  /**
   * Whether reads and writes carry virtio headers.
   *
   * @return true on the offload path, false on the plain path
   */
  public boolean usesVirtioHeaders() {
    return vnetHeader;
  }

  /** 65,535 when the kernel segments TCP for us (TSO for both families), else 0. */
  @Override
  public int segmentationLimit() {
    int tso = TunQueues.TUN_F_TSO4 | TunQueues.TUN_F_TSO6;
    return (offloads & tso) == tso ? TcpCoalescer.MAX_BATCH : 0;
  }

  /**
   * Large segments (gso_type set) the kernel handed over and the readers cut into packets.
   *
   * @return the count since the device was opened
   */
  public long largeSegmentsReceived() {
    return largeSegmentsReceived.sum();
  }

  /**
   * Large segments written with {@link #transmitSegmented}, for the kernel to segment.
   *
   * @return the count since the device was opened
   */
  public long largeSegmentsSent() {
    return largeSegmentsSent.sum();
  }

  /**
   * Reads dropped because their virtio header was nonsense or contradicted the packet (see {@link
   * GsoSegmenter}). Packets that were merely too large are counted in {@link #drops()} as {@link
   * DropReason#LINK_MTU_EXCEEDED} instead.
   *
   * @return the count since the device was opened
   */
  public long badVirtioHeaders() {
    return badVirtioHeaders.sum();
  }

  @Override
  public PacketBuffer poll(int queue) {
    return receiveQueues[queue].poll();
  }

  /**
   * Packets waiting in {@code queue}.
   *
   * @param queue the receive queue
   * @return how many packets wait there
   */
  public int queued(int queue) {
    return receiveQueues[queue].queued();
  }

  /**
   * Writes the packet to the kernel. The queue descriptor is chosen by {@link FlowHash}, so one
   * flow always uses one descriptor; a multi-queue TUN device remembers which queue a flow was
   * last written on and sends that flow's packets back on the same queue (tuntap.rst, "Multiqueue
   * tuntap interface"; tun_flow_update in drivers/net/tun.c), so a flow's replies land on one
   * receive queue, as flow steering wants.
   *
   * @return false if the packet exceeds the MTU ({@link DropReason#LINK_MTU_EXCEEDED}), the
   *     device is closed, or the write failed (EAGAIN, or EIO while the interface is down; counted
   *     in {@link #transmitErrors()})
   */
  @Override
  public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len > mtu) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return false;
    }
    return send(buf, off, len, 0, false, nowNanos);
  }

  /**
   * Writes a large TCP segment for the kernel to cut into {@code segmentSize}-byte pieces (see
   * {@link Device#transmitSegmented}): one write with a virtio header saying TCPV4 or TCPV6,
   * gso_size, and NEEDS_CSUM at the TCP checksum, as a virtio-net driver sends a TSO frame
   * (virtio 1.2 §5.1.6.2). The kernel checks the header (virtio_net_hdr_to_skb) and segments in
   * software if the packet leaves through a device without TSO; a local receiver takes it whole.
   * With {@code segmentSize} 0 the packet is not cut: its header says NEEDS_CSUM alone (checksum
   * offload), and the local receiver takes the checksum as verified (CHECKSUM_PARTIAL) rather
   * than summing the segment again, as for a packet its own TCP sent over loopback.
   *
   * @return false, counted, if the device does not segment ({@link #segmentationLimit()} is 0),
   *     the packet is not a plain TCP segment, a piece would exceed the MTU, or the write failed
   */
  @Override
  public boolean transmitSegmented(byte[] buf, int off, int len, int segmentSize, long nowNanos) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (segmentationLimit() == 0) {
      throw new UnsupportedOperationException(name + " was opened without TCP segmentation offload");
    }
    if (segmentSize < 0 || len > segmentationLimit()) {
      throw new IllegalArgumentException("segment size " + segmentSize + " or length " + len + " out of range");
    }
    int headers = GsoSegmenter.tcpHeaders(buf, off, len);
    if (headers < 0) {
      throw new IllegalArgumentException("not a TCP segment without IP options or extension headers");
    }
    if (segmentSize == 0 ? len > mtu : headers + segmentSize > mtu) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return false;
    }
    return send(buf, off, len, segmentSize, true, nowNanos);
  }

  /**
   * Writes one packet; with offloads, behind a virtio header: a GSO one if segmentSize > 0, and
   * NEEDS_CSUM if its TCP checksum is left to the kernel ({@code checksumPartial}).
   */
  private boolean send(byte[] buf, int off, int len, int segmentSize, boolean checksumPartial, long nowNanos) {
    if (transmitters.getAndIncrement() < 0) {
      transmitters.getAndDecrement();
      transmitErrors.increment();
      return false;
    }
    try {
      if (checksumPartial && taps.any()) {
        tapPartialChecksum(buf, off, len, nowNanos);
      } else {
        tap(Direction.OUTBOUND, buf, off, len, nowNanos);
      }
      int fd = fds.length == 1 ? fds[0] : fds[Math.floorMod(FlowHash.of(buf, off, len), fds.length)];
      TxSlot slot = txSlots.poll();
      if (slot != null) {
        try {
          return write(slot, fd, buf, off, len, segmentSize, checksumPartial);
        } finally {
          txSlots.offer(slot); // cannot fail: the ring has room for every slot
        }
      }
      try (Arena overflow = Arena.ofConfined()) {
        return write(TxSlot.allocate(overflow, VirtioNetHeader.LENGTH + len), fd, buf, off, len, segmentSize,
            checksumPartial);
      }
    } finally {
      transmitters.getAndDecrement();
    }
  }

  /**
   * Shows taps a segment whose checksum the kernel completes with its TCP checksum complete, then
   * puts the pseudo-header sum back for the kernel: a capture should not be full of "bad checksum"
   * warnings (what tcpdump shows on a Linux device with checksum offload) for segments that will go
   * out with correct ones.
   */
  private void tapPartialChecksum(byte[] buf, int off, int len, long nowNanos) {
    int ipHeader = (buf[off] & 0xF0) == 0x60 ? 40 : 20;
    int at = off + ipHeader + VirtioNetHeader.TCP_CHECKSUM_OFFSET;
    byte high = buf[at];
    byte low = buf[at + 1];
    GsoSegmenter.finishChecksum(buf, off + ipHeader, VirtioNetHeader.TCP_CHECKSUM_OFFSET, off + len);
    tap(Direction.OUTBOUND, buf, off, len, nowNanos);
    buf[at] = high;
    buf[at + 1] = low;
  }

  private boolean write(TxSlot slot, int fd, byte[] buf, int off, int len, int segmentSize, boolean checksumPartial) {
    int header = vnetHeader ? VirtioNetHeader.putFor(slot.data(), buf, off, len, segmentSize, checksumPartial) : 0;
    MemorySegment.copy(buf, off, slot.data(), JAVA_BYTE, header, len);
    // A TUN write takes exactly one whole packet (tun(4)): anything but all of it is a failure.
    long written = Libc.writeUncaptured(fd, slot.data(), header + len);
    if (written < 0) {
      // Rare: try once more, capturing errno this time (Libc's class comment says why not always).
      written = Libc.write(slot.state(), fd, slot.data(), header + len);
    }
    if (written == header + len) {
      if (segmentSize > 0) {
        largeSegmentsSent.increment();
      }
      return true;
    }
    lastTransmitErrno = written < 0 ? Libc.errno(slot.state()) : 0;
    transmitErrors.increment();
    return false;
  }

  /**
   * How long each queue's reader keeps looking for the next packet after a burst before it blocks
   * in poll(2) again: the device's busy poll, as Linux's {@code net.core.busy_poll} keeps a socket
   * polling its device queue. Zero (the default) blocks at once. Between looks (a poll(2) that does
   * not wait) the reader yields its core, so a thread that the packet's answer waits for runs
   * first. A request that comes within the window is read without a wake-up, which on a machine
   * where waking a thread is slow (a virtual machine's halted vCPU) is most of a small round trip;
   * the price is the reader's CPU for the window after every burst, and nothing once traffic stops.
   *
   * @param window from zero to one second
   * @throws IllegalArgumentException if it is negative or longer than a second
   */
  public void busyPoll(Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new IllegalArgumentException("busy poll must be in [0, 1 s]: " + window);
    }
    busyPollNanos = window.toNanos();
  }

  /**
   * The busy-poll window.
   *
   * @return what {@link #busyPoll(Duration)} set last, zero if never
   */
  public Duration busyPoll() {
    return Duration.ofNanos(busyPollNanos);
  }

  @Override
  public void onArrival(int queue, Runnable wakeUp) {
    arrivals.add(queue, wakeUp);
  }

  void tap(Direction direction, byte[] buf, int off, int len, long timeNanos) {
    taps.tap(this, direction, buf, off, len, timeNanos);
  }

  @Override
  public DropCounters drops() {
    return drops;
  }

  /**
   * Writes that failed: EAGAIN, the interface down (EIO), or a transmission after close.
   *
   * @return the count since the device was opened
   */
  public long transmitErrors() {
    return transmitErrors.sum();
  }

  /**
   * Reads or reader threads that failed; a queue whose reader failed receives no more.
   *
   * @return the count since the device was opened
   */
  public long receiveErrors() {
    return receiveErrors.sum();
  }

  @Override
  public void addTap(PacketTap tap) {
    taps.add(tap);
  }

  /** The reader thread of {@code queue}, for tests. */
  Thread reader(int queue) {
    return receiveQueues[queue].reader();
  }

  /**
   * Wakes and joins the readers, waits for transmissions in flight, then closes the descriptors,
   * which deletes the device (unless it is persistent). Bounded: gives up waiting after five
   * seconds and then leaves the descriptors open rather than close one a thread still uses (so
   * do not call it from a {@link PacketTap}, which runs on a reader). Idempotent. Packets already
   * queued can still be polled.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closing = true;
    transmitters.getAndAdd(Integer.MIN_VALUE);
    long deadline = System.nanoTime() + CLOSE_TIMEOUT_NANOS;
    boolean interrupted = false;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      MemorySegment one = arena.allocate(JAVA_LONG);
      one.set(JAVA_LONG, 0, 1L);
      // eventfd(2): a write adds an 8-byte value to the counter and makes it readable.
      if (Libc.write(state, eventFd, one, JAVA_LONG.byteSize()) != JAVA_LONG.byteSize()) {
        LOG.log(System.Logger.Level.WARNING, "TUN device " + name + ": eventfd write failed ("
            + Libc.describe(Libc.errno(state)) + "); readers stop at their poll timeout");
      }
      for (TunReceiveQueue queue : receiveQueues) {
        Thread reader = queue.reader();
        while (reader.isAlive() && deadline - System.nanoTime() > 0) {
          try {
            reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          } catch (InterruptedException e) {
            interrupted = true; // finish closing first, then restore the flag
          }
        }
      }
      while (transmitters.get() != Integer.MIN_VALUE && deadline - System.nanoTime() > 0) {
        LockSupport.parkNanos(50_000);
      }
      boolean readersStopped = Arrays.stream(receiveQueues).noneMatch(queue -> queue.reader().isAlive());
      if (!readersStopped || transmitters.get() != Integer.MIN_VALUE) {
        LOG.log(System.Logger.Level.WARNING, "TUN device " + name + ": threads still use it after "
            + TimeUnit.NANOSECONDS.toSeconds(CLOSE_TIMEOUT_NANOS) + " s; leaving its descriptors open");
        return;
      }
      for (int fd : fds) {
        Libc.close(state, fd);
      }
      Libc.close(state, eventFd);
      txArena.close();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    int errno = lastTransmitErrno;
    return "TunDevice[" + name + ", queues=" + fds.length + ", mtu=" + mtu
        + (vnetHeader ? ", offloads=0x" + Integer.toHexString(offloads) : ", plain")
        + (closing ? ", closed" : "")
        + (errno != 0 ? ", last transmit error " + Libc.describe(errno) : "") + "]";
  }
}
