package dev.sluice.link;

import dev.sluice.link.internal.MpmcRing;
import dev.sluice.wire.DropReason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One receive queue of a {@link TunDevice}: the queue's descriptor, the platform thread that reads
 * it, and the ring and pool that thread fills (tun(4) with {@code IFF_MULTI_QUEUE}: one descriptor
 * per queue, the kernel spreading flows across them). The thread waits in {@code poll(2)} on the
 * descriptor and on the device's eventfd, reads up to {@link #READ_BATCH} packets per wake-up,
 * copies each into a buffer of the pool (cutting the kernel's large segments into complete packets
 * when virtio headers are on), offers it to the ring and runs the queue's arrival hooks once per
 * batch of pieces. Only this thread writes to the ring; the stack polls it from any thread.
 *
 * <p>The device owns what the queues share (its name and MTU, the eventfd, the closing flag, the
 * counters, the taps and the arrival hooks); see its class comment for threads and memory.
 */
final class TunReceiveQueue {
  /**
   * Readers read into a buffer that fits any IP packet, so an oversized one is seen whole and
   * counted, behind a virtio header: a TUN device's largest GSO packet is 64 KB
   * (GSO_LEGACY_MAX_SIZE; it never enables BIG TCP).
   */
  private static final int READ_BUFFER = VirtioNetHeader.LENGTH + 65_536;
  /** Reads per wake-up before the reader polls again (and so sees a close). */
  private static final int READ_BATCH = 64;
  private static final System.Logger LOG = System.getLogger("dev.sluice.link");

  private final TunDevice device;
  private final int queue;
  private final int fd;
  private final MpmcRing<PacketBuffer> ring = new MpmcRing<>(TunDevice.RECEIVE_QUEUE_CAPACITY);
  private final PacketPool pool;
  private final Thread reader;

  TunReceiveQueue(TunDevice device, int queue, int fd) {
    this.device = device;
    this.queue = queue;
    this.fd = fd;
    this.pool = new PacketPool(TunDevice.POOL_BUFFERS, device.mtu());
    this.reader = Thread.ofPlatform().name("sluice-tun-" + device.name() + "-rx" + queue).daemon(true)
        .unstarted(this::receiveLoop);
  }

  void start() {
    reader.start();
  }

  /** The next received packet, or null. */
  PacketBuffer poll() {
    return ring.poll();
  }

  /** Packets waiting in the ring. */
  int queued() {
    return ring.size();
  }

  /** The burst being drained held more than bare ACKs (see {@link #busyPoll}); the reader's own. */
  private boolean answerAwaited;

  /** The reading thread. */
  Thread reader() {
    return reader;
  }

  /** One reader: waits in poll(2), drains its queue's descriptor, and stops when woken by close. */
  private void receiveLoop() {
    // A confined arena per reader: the read buffer, the pollfd array and the errno slot live as
    // long as the thread, and are freed when it leaves, whatever the reason.
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment packet = arena.allocate(READ_BUFFER, 8);
      Receiving receiving = device.vnetHeader ? Receiving.allocate() : null;
      MemorySegment pollFds = arena.allocate(Libc.POLLFD, 2);
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      Libc.pollFd(pollFds, 0, fd, Libc.POLLIN);
      Libc.pollFd(pollFds, 1, device.eventFd, Libc.POLLIN);
      while (!device.closing) {
        // poll(2) rewrites every revents field, so the array needs no reset between calls.
        int ready = Libc.pollUncaptured(pollFds, 2, device.pollTimeoutMillis);
        if (ready < 0) {
          if (Libc.errnoUncaptured() == Libc.EINTR) {
            continue; // the usual failure: a signal; were the guess wrong, the next poll says so
          }
          // Anything else: ask again, capturing errno, and act on that one (see Libc).
          ready = Libc.poll(state, pollFds, 2, device.pollTimeoutMillis);
        }
        if (ready < 0) {
          int errno = Libc.errno(state);
          if (errno == Libc.EINTR) {
            continue;
          }
          stopped("poll failed (" + Libc.describe(errno) + ")");
          return;
        }
        if (ready == 0 || Libc.revents(pollFds, 1) != 0) {
          continue; // timed out, or woken by close(): the loop condition decides
        }
        int revents = Libc.revents(pollFds, 0);
        if ((revents & Libc.POLLIN) != 0) {
          answerAwaited = false;
          String failure = drain(packet, state, receiving);
          if (failure == null && answerAwaited && device.busyPollNanos > 0) {
            failure = busyPoll(pollFds, packet, state, receiving);
          }
          if (failure != null) {
            stopped(failure);
            return;
          }
        } else if ((revents & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0) {
          // Nothing to read and never will be: the device went away (its namespace was deleted,
          // say). Stop rather than spin on a descriptor that polls ready forever.
          stopped("poll reported 0x" + Integer.toHexString(revents) + " on the TUN descriptor");
          return;
        }
      }
    } catch (RuntimeException | Error e) {
      // A tap that throws, say: record it; the queue stops receiving.
      device.receiveErrors.increment();
      LOG.log(System.Logger.Level.ERROR, "TUN device " + device.name() + " queue " + queue + " stopped receiving", e);
    }
  }

  /**
   * The device's busy poll ({@link TunDevice#busyPoll}), after a burst that held more than bare
   * ACKs ({@link BareAck}): looks again, yielding the core between looks, and drains whatever
   * comes, until the window passes with nothing but bare ACKs or close() wakes the reader. Returns
   * why the reader must stop, or null.
   */
  private String busyPoll(MemorySegment pollFds, MemorySegment packet, MemorySegment state, Receiving receiving) {
    long window = device.busyPollNanos;
    long until = System.nanoTime() + window;
    while (!device.closing && System.nanoTime() - until < 0) {
      Thread.yield();
      if (Libc.pollUncaptured(pollFds, 2, 0) <= 0 || Libc.revents(pollFds, 1) != 0) {
        continue; // nothing yet (or an error the blocking poll will see), or close(): the loop decides
      }
      if ((Libc.revents(pollFds, 0) & Libc.POLLIN) != 0) {
        answerAwaited = false;
        String failure = drain(packet, state, receiving);
        if (failure != null) {
          return failure;
        }
        if (answerAwaited) {
          until = System.nanoTime() + window;
        }
      }
    }
    return null;
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
  private String drain(MemorySegment packet, MemorySegment state, Receiving receiving) {
    for (int i = 0; i < READ_BATCH && !device.closing; i++) {
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
        device.receiveErrors.increment();
        // EBADFD: the device was detached from this descriptor (tun_do_read); others as fatal.
        return "read failed (" + Libc.describe(errno) + ")";
      }
      if (n == 0) {
        return null;
      }
      if (receiving != null) {
        deliverOffloaded(packet, (int) n, receiving);
      } else {
        deliver(packet, (int) n);
      }
    }
    return null;
  }

  /** A read with a virtio header: judged, and delivered as the complete packets it stands for. */
  private void deliverOffloaded(MemorySegment packet, int len, Receiving receiving) {
    byte[] read = receiving.read();
    // Only the headers come to the heap to be judged; a packet that is not cut (at MTU 65520, the
    // usual read) then goes from native memory straight into its buffer, one copy instead of two.
    int judged = Math.min(len, GsoSegmenter.JUDGED_BYTES);
    MemorySegment.copy(packet, 0, receiving.readSegment(), 0, judged);
    GsoSegmenter segmenter = receiving.segmenter();
    int count = segmenter.prepare(read, 0, len, device.mtu());
    if (count < 0) {
      if (count == GsoSegmenter.OVERSIZED) {
        device.drops().increment(DropReason.LINK_MTU_EXCEEDED);
      } else {
        device.badVirtioHeaders.increment();
      }
      return;
    }
    boolean cut = segmenter.segmenting();
    if (cut) {
      device.largeSegmentsReceived.increment();
      MemorySegment.copy(packet, judged, receiving.readSegment(), judged, len - judged);
    }
    // One arrival for all the pieces, after the last: whoever drains the queue (a worker, or this
    // thread receiving inline) then takes them as one burst and ACKs them once, as Linux's TCP
    // ACKs a large segment once.
    boolean queued = false;
    boolean checksumKnownGood = segmenter.tcpChecksumKnownGood();
    for (int i = 0; i < count; i++) {
      PacketBuffer buffer = pool.acquire();
      if (buffer == null) {
        device.drops().increment(DropReason.RX_QUEUE_FULL);
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
      queued |= enqueue(buffer, length);
    }
    if (queued) {
      device.arrivals.arrived(queue);
    }
  }

  private void deliver(MemorySegment packet, int len) {
    if (len > device.mtu()) {
      device.drops().increment(DropReason.LINK_MTU_EXCEEDED);
      return;
    }
    PacketBuffer buffer = pool.acquire();
    if (buffer == null) {
      device.drops().increment(DropReason.RX_QUEUE_FULL); // every buffer is queued or held by the stack
      return;
    }
    MemorySegment.copy(packet, 0, buffer.dataSegment(), 0, len);
    if (enqueue(buffer, len)) {
      device.arrivals.arrived(queue);
    }
  }

  /**
   * Stamps, taps and queues a received packet already in {@code buffer}; answers whether it was
   * queued. The caller runs the queue's arrival hooks once it has queued what it will.
   */
  private boolean enqueue(PacketBuffer buffer, int len) {
    answerAwaited |= !BareAck.is(buffer.data(), len);
    buffer.setLength(len);
    buffer.timeNanos = System.nanoTime();
    device.tap(Direction.INBOUND, buffer.data(), 0, len, buffer.timeNanos);
    if (SynShedding.shed(buffer.data(), len, ring)) {
      device.drops().increment(DropReason.RX_SYN_SHED); // a SYN flood: keep room for connections
      buffer.release();
      return false;
    }
    if (!ring.offer(buffer)) {
      device.drops().increment(DropReason.RX_QUEUE_FULL);
      buffer.release();
      return false;
    }
    return true;
  }

  private void stopped(String why) {
    if (!device.closing) {
      LOG.log(System.Logger.Level.WARNING, "TUN device " + device.name() + " queue " + queue + " stopped receiving: " + why);
    }
  }
}
