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
 * {@link PacketPool} and offered to that queue's {@link MpmcRing}; {@link #poll} takes from the
 * ring. Any thread may {@link #transmit}. Descriptors are non-blocking, so a write never waits.
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
   * stack. A power of two, as the pool rounds up to one. At MTU 1500, 1.5 MB per queue.
   */
  static final int POOL_BUFFERS = 2 * RECEIVE_QUEUE_CAPACITY;
  /**
   * Readers read into a buffer that fits any IP packet, so an oversized one is seen whole and
   * counted, behind a virtio header: a TUN device's largest GSO packet is 64 KB
   * (GSO_LEGACY_MAX_SIZE; it never enables BIG TCP).
   */
  private static final int READ_BUFFER = VirtioNetHeader.LENGTH + 65_536;
  /** Reads per wake-up before the reader polls again (and so sees a close). */
  private static final int READ_BATCH = 64;
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
  private final int eventFd;
  private final int pollTimeoutMillis;
  private final MpmcRing<PacketBuffer>[] rings;
  private final ArrivalHooks arrivals;
  private final PacketPool[] pools;
  private final Thread[] readers;
  private final DropCounters drops = new DropCounters();
  private final LongAdder receiveErrors = new LongAdder();
  private final LongAdder transmitErrors = new LongAdder();
  private volatile int lastTransmitErrno;
  private final PacketTaps taps = new PacketTaps();
  /** Every read and write carries a {@link VirtioNetHeader}. */
  private final boolean vnetHeader;
  /** The TUN_F_ flags the kernel accepted. */
  private final int offloads;
  private final LongAdder largeSegmentsReceived = new LongAdder();
  private final LongAdder largeSegmentsSent = new LongAdder();
  private final LongAdder badVirtioHeaders = new LongAdder();

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
  private volatile boolean closing;
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

  @SuppressWarnings("unchecked")
  private TunDevice(TunQueues queues, int mtu, int pollTimeoutMillis) throws IOException {
    this.name = queues.name();
    this.mtu = mtu;
    this.fds = queues.fds();
    this.vnetHeader = queues.vnetHeader();
    this.offloads = queues.offloads();
    this.pollTimeoutMillis = pollTimeoutMillis;
    int count = fds.length;
    this.rings = new MpmcRing[count];
    this.arrivals = new ArrivalHooks(count);
    this.pools = new PacketPool[count];
    for (int q = 0; q < count; q++) {
      rings[q] = new MpmcRing<>(RECEIVE_QUEUE_CAPACITY);
      pools[q] = new PacketPool(POOL_BUFFERS, mtu);
    }
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
    this.readers = new Thread[count];
    for (int q = 0; q < count; q++) {
      int queue = q;
      readers[q] = Thread.ofPlatform().name("sluice-tun-" + name + "-rx" + q).daemon(true)
          .unstarted(() -> receiveLoop(queue));
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
    for (Thread reader : readers) {
      reader.start();
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
    return rings[queue].poll();
  }

  /**
   * Packets waiting in {@code queue}.
   *
   * @param queue the receive queue
   * @return how many packets wait there
   */
  public int queued(int queue) {
    return rings[queue].size();
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

  /** One reader: waits in poll(2), drains its queue's descriptor, and stops when woken by close. */
  private void receiveLoop(int queue) {
    int fd = fds[queue];
    // A confined arena per reader: the read buffer, the pollfd array and the errno slot live as
    // long as the thread, and are freed when it leaves, whatever the reason.
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment packet = arena.allocate(READ_BUFFER, 8);
      Receiving receiving = vnetHeader ? Receiving.allocate() : null;
      MemorySegment pollFds = arena.allocate(Libc.POLLFD, 2);
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      Libc.pollFd(pollFds, 0, fd, Libc.POLLIN);
      Libc.pollFd(pollFds, 1, eventFd, Libc.POLLIN);
      while (!closing) {
        // poll(2) rewrites every revents field, so the array needs no reset between calls.
        int ready = Libc.pollUncaptured(pollFds, 2, pollTimeoutMillis);
        if (ready < 0) {
          if (Libc.errnoUncaptured() == Libc.EINTR) {
            continue; // the usual failure: a signal; were the guess wrong, the next poll says so
          }
          // Anything else: ask again, capturing errno, and act on that one (see Libc).
          ready = Libc.poll(state, pollFds, 2, pollTimeoutMillis);
        }
        if (ready < 0) {
          int errno = Libc.errno(state);
          if (errno == Libc.EINTR) {
            continue;
          }
          stopped(queue, "poll failed (" + Libc.describe(errno) + ")");
          return;
        }
        if (ready == 0 || Libc.revents(pollFds, 1) != 0) {
          continue; // timed out, or woken by close(): the loop condition decides
        }
        int revents = Libc.revents(pollFds, 0);
        if ((revents & Libc.POLLIN) != 0) {
          String failure = drain(queue, fd, packet, state, receiving);
          if (failure != null) {
            stopped(queue, failure);
            return;
          }
        } else if ((revents & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0) {
          // Nothing to read and never will be: the device went away (its namespace was deleted,
          // say). Stop rather than spin on a descriptor that polls ready forever.
          stopped(queue, "poll reported 0x" + Integer.toHexString(revents) + " on the TUN descriptor");
          return;
        }
      }
    } catch (RuntimeException | Error e) {
      // A tap that throws, say: record it; the queue stops receiving.
      receiveErrors.increment();
      LOG.log(System.Logger.Level.ERROR, "TUN device " + name + " queue " + queue + " stopped receiving", e);
    }
  }

  /**
   * A reader's scratch space for reads with virtio headers: a heap copy of the read's headers (of
   * all of it when it is cut), and what judges and cuts it.
   */
  private record Receiving(byte[] read, MemorySegment readSegment, GsoSegmenter segmenter) {
    static Receiving allocate() {
      byte[] read = new byte[READ_BUFFER];
      // A segment over the array made once: copying into it makes no wrapper per packet, which
      // the JIT does not always manage to elide.
      return new Receiving(read, MemorySegment.ofArray(read), new GsoSegmenter());
    }
  }

  /** Reads up to {@link #READ_BATCH} packets; returns why the reader must stop, or null. */
  private String drain(int queue, int fd, MemorySegment packet, MemorySegment state, Receiving receiving) {
    for (int i = 0; i < READ_BATCH && !closing; i++) {
      long n = Libc.readUncaptured(fd, packet, packet.byteSize());
      if (n < 0) {
        if (Libc.errnoUncaptured() == Libc.EAGAIN) {
          return null; // drained, as every burst ends; were the guess wrong, poll(2) would say so
        }
        n = Libc.read(state, fd, packet, packet.byteSize()); // anything else: ask again, capturing errno
      }
      if (n < 0) {
        int errno = Libc.errno(state);
        if (errno == Libc.EAGAIN) {
          return null; // drained
        }
        if (errno == Libc.EINTR) {
          continue;
        }
        receiveErrors.increment();
        // EBADFD: the device was detached from this descriptor (tun_do_read); others as fatal.
        return "read failed (" + Libc.describe(errno) + ")";
      }
      if (n == 0) {
        return null;
      }
      if (receiving != null) {
        deliverOffloaded(queue, packet, (int) n, receiving);
      } else {
        deliver(queue, packet, (int) n);
      }
    }
    return null;
  }

  /** A read with a virtio header: judged, and delivered as the complete packets it stands for. */
  private void deliverOffloaded(int queue, MemorySegment packet, int len, Receiving receiving) {
    byte[] read = receiving.read();
    // Only the headers come to the heap to be judged; a packet that is not cut (at MTU 65520, the
    // usual read) then goes from native memory straight into its buffer, one copy instead of two.
    int judged = Math.min(len, GsoSegmenter.JUDGED_BYTES);
    MemorySegment.copy(packet, 0, receiving.readSegment(), 0, judged);
    GsoSegmenter segmenter = receiving.segmenter();
    int count = segmenter.prepare(read, 0, len, mtu);
    if (count < 0) {
      if (count == GsoSegmenter.OVERSIZED) {
        drops.increment(DropReason.LINK_MTU_EXCEEDED);
      } else {
        badVirtioHeaders.increment();
      }
      return;
    }
    boolean cut = segmenter.segmenting();
    if (cut) {
      largeSegmentsReceived.increment();
      MemorySegment.copy(packet, judged, receiving.readSegment(), judged, len - judged);
    }
    // One arrival for all the pieces, after the last: whoever drains the queue (a worker, or this
    // thread receiving inline) then takes them as one burst and ACKs them once, as Linux's TCP
    // ACKs a large segment once.
    boolean queued = false;
    boolean checksumKnownGood = segmenter.tcpChecksumKnownGood();
    for (int i = 0; i < count; i++) {
      PacketBuffer buffer = pools[queue].acquire();
      if (buffer == null) {
        drops.increment(DropReason.RX_QUEUE_FULL);
        continue;
      }
      int length;
      if (cut) {
        length = segmenter.segment(i, buffer.data());
      } else {
        MemorySegment.copy(packet, segmenter.packetOffset(), buffer.dataSegment(), 0, segmenter.packetLength());
        length = segmenter.completeWhole(buffer.data());
      }
      buffer.tcpChecksumKnownGood = checksumKnownGood;
      queued |= enqueue(queue, buffer, length);
    }
    if (queued) {
      arrivals.arrived(queue);
    }
  }

  private void deliver(int queue, MemorySegment packet, int len) {
    if (len > mtu) {
      drops.increment(DropReason.LINK_MTU_EXCEEDED);
      return;
    }
    PacketBuffer buffer = pools[queue].acquire();
    if (buffer == null) {
      drops.increment(DropReason.RX_QUEUE_FULL); // every buffer is queued or held by the stack
      return;
    }
    MemorySegment.copy(packet, 0, buffer.dataSegment(), 0, len);
    if (enqueue(queue, buffer, len)) {
      arrivals.arrived(queue);
    }
  }

  /**
   * Stamps, taps and queues a received packet already in {@code buffer}; answers whether it was
   * queued. The caller runs the queue's arrival hooks once it has queued what it will.
   */
  private boolean enqueue(int queue, PacketBuffer buffer, int len) {
    buffer.setLength(len);
    buffer.timeNanos = System.nanoTime();
    tap(Direction.INBOUND, buffer.data(), 0, len, buffer.timeNanos);
    if (SynShedding.shed(buffer.data(), len, rings[queue])) {
      drops.increment(DropReason.RX_SYN_SHED); // a SYN flood: keep room for connections
      buffer.release();
      return false;
    }
    if (!rings[queue].offer(buffer)) {
      drops.increment(DropReason.RX_QUEUE_FULL);
      buffer.release();
      return false;
    }
    return true;
  }

  @Override
  public void onArrival(int queue, Runnable wakeUp) {
    arrivals.add(queue, wakeUp);
  }

  private void stopped(int queue, String why) {
    if (!closing) {
      LOG.log(System.Logger.Level.WARNING, "TUN device " + name + " queue " + queue + " stopped receiving: " + why);
    }
  }

  private void tap(Direction direction, byte[] buf, int off, int len, long timeNanos) {
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
    return readers[queue];
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
      for (Thread reader : readers) {
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
      boolean readersStopped = Arrays.stream(readers).noneMatch(Thread::isAlive);
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
