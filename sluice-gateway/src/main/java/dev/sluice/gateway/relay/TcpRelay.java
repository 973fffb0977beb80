package dev.sluice.gateway.relay;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.internal.HostSockets;
import dev.sluice.stack.Connection;
import dev.sluice.stack.ReadinessListener;
import dev.sluice.stack.StackExit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One relayed flow (issue 15): the guest's connection on Sluice and a kernel socket to where the
 * guest connected, joined by two copy loops, each on a thread of its own ({@link Threads}) with a
 * bounded buffer, so backpressure is just blocking: a slow outside stops the guest-to-outside loop, which
 * stops reading Sluice, whose window closes; a slow guest stops the other loop, which stops reading
 * the kernel socket.
 *
 * <p>Half-close is carried each way: the guest's FIN (end-of-stream after its last byte) becomes
 * {@link Socket#shutdownOutput()}, the outside's end-of-stream becomes our FIN to the guest
 * ({@link TcpConnection#shutdownOutput()}); the flow ends, and both sides close, once both
 * directions have ended. A reset either way resets the other side: an error on either loop (the
 * guest's RST, the outside's RST, or the gateway stopping) aborts the guest's connection (RST) and
 * closes the kernel socket with {@code SO_LINGER} 0 (RST). So does {@link #expire}, the gateway's
 * sweep of flows that moved nothing for too long: a NAT that times a flow out just forgets it (RFC
 * 5382 §5), but a relay holds both ends and tells each.
 *
 * <p><b>What the guest sends goes out on the thread that received it.</b> With platform threads
 * and an outside socket that has a channel (all of the gateway's do), the channel is
 * non-blocking, and the guest-to-outside direction is a pump rather than a blocking loop: when
 * the guest's connection turns readable, its {@link StackExit} task reads what the guest sent
 * ({@code readNow}) and writes it to the channel on the thread that received it, as slirp4netns's
 * one loop does, instead of waking the direction's own thread for every request. That thread
 * takes over only what cannot be done without waiting: bytes the outside socket would not take
 * yet (it waits for the channel to be writable), the guest's end-of-stream and failures. Whoever
 * pumps holds {@link #pumping}, so the guest's bytes leave in order and once: a pump that finds
 * it held has the holder go once more ({@link ExclusiveRun}). Measured through the gateway, the
 * 64-byte round trip's median fell from about 1.5× slirp4netns's to 1.03–1.19×, and the upload
 * rose by a quarter or more (docs/benchmarks/gateway.md, "One hand-off fewer"). The
 * outside-to-guest direction reads the channel through a selector of its own and writes the
 * guest's connection, blocking, as before.
 *
 * <p>Each loop counts the bytes it has passed on; {@link #snapshot} reads them, with both halves'
 * states, from any thread (values may be a moment old, as {@code ss} shows them).
 */
final class TcpRelay {
  static final int BUFFER_BYTES = 64 * 1024;

  /** How the flow ended, for the counters. */
  enum Ending { CLOSED, GUEST_RESET, OUTSIDE_RESET, TIMED_OUT, STOPPED }

  /** Who opened the flow: the guest (to the outside), or an outside client through a {@link PortForwarder}. */
  enum Origin { GUEST, FORWARD }

  /** The outside socket's half, as the copy loops left it. */
  enum OutsideState { OPEN, OUTPUT_SHUT_DOWN, INPUT_AT_END, BOTH_SHUT_DOWN, CLOSED }

  /**
   * One flow at a moment, for the flow table.
   *
   * @param guest the guest's end of the Sluice connection (its address and port)
   * @param outsidePeer the far end of the kernel socket: the destination, or the forward's client
   * @param guestState the Sluice connection's RFC 9293 state, as {@code ESTABLISHED}
   * @param bytesFromGuest read from the guest and written to the outside
   * @param bytesToGuest read from the outside and written to the guest
   */
  record Snapshot(Origin origin, InetSocketAddress guest, InetSocketAddress outsidePeer, String guestState,
      OutsideState outsideState, long bytesFromGuest, long bytesToGuest, long ageNanos) {
  }

  interface Listener {
    void ended(TcpRelay relay, Ending ending);
  }

  private final TcpConnection guest;
  /** The same connection, for its readiness listener and the pump's non-blocking reads. */
  private final Connection guestConnection;
  private final Socket outside;
  private final Origin origin;
  private final Listener listener;
  private final AtomicInteger directionsLeft = new AtomicInteger(2);
  private final AtomicBoolean ended = new AtomicBoolean();
  private final long startNanos = System.nanoTime();
  // Written by the copy loops, read by the gateway's sweep: plain volatile stores, one per copy.
  private volatile long lastActivityNanos = startNanos;
  private volatile boolean halfClosed; // one direction has ended
  private final AtomicLong bytesFromGuest = new AtomicLong();
  private final AtomicLong bytesToGuest = new AtomicLong();
  private volatile boolean outsideInputAtEnd;

  // The channel mode (see the class comment); unused in the stream mode.
  /** Held by whoever moves the guest's bytes out: the pump task or {@link #guestToChannel}'s thread. */
  private final ExclusiveRun pumping = new ExclusiveRun();
  /** Guest bytes read and not yet written out, position to limit; guarded by {@link #pumping}. */
  private ByteBuffer pending;
  /** Set when the pump task is queued, cleared when it starts: one queued task a flow at most. */
  private volatile boolean pumpQueued;
  private volatile Thread outThread;
  /** Set by {@link #wakeOutThread}, cleared by that thread before each pump. */
  private volatile boolean outThreadWanted;
  /** A write to the outside failed; written holding {@link #pumping}. */
  private volatile boolean outsideWriteFailed;
  /** Each direction's selector in the channel mode, closed by {@link #end} to wake its thread. */
  private volatile Selector readSelector;
  private volatile Selector writeSelector;
  private final Runnable pumpTask = this::pumpOnStackExit;
  // The pumps as steps of pumping.run, made once: a pump runs per request.
  private final Supplier<Pumped> pumpOnThisThread = () -> pump(null);
  private final Supplier<Pumped> pumpCountingOnStackExit = () -> pump(this.bytesFromGuestOnStackExit);
  private final ReadinessListener readinessListener = this::guestReadinessChanged;
  /** Of {@link #bytesFromGuest}, those a pump on a stack thread wrote (what a test checks). */
  private final AtomicLong bytesFromGuestOnStackExit = new AtomicLong();

  TcpRelay(Connection guest, Socket outside, Origin origin, Listener listener) {
    this.guestConnection = guest;
    this.guest = HostSockets.wrap(guest);
    this.outside = outside;
    this.origin = origin;
    this.listener = listener;
  }

  /** Which threads run the copy loops. */
  enum Threads {
    /**
     * A platform thread per loop, with a small stack (the loops are shallow; their buffers are on
     * the heap). A blocked socket read is woken by the kernel directly: one wake-up per read.
     * Measured with scripts/bench-gateway.sh, the 64-byte round trip's median fell from 158 to
     * 116 µs against virtual threads, and the p99 from 292 to 228 µs.
     */
    PLATFORM,
    /**
     * A virtual thread per loop: nearly free to hold, for very many flows; a blocked socket read
     * is woken by the JDK's poller thread, which then schedules the loop on a carrier: two.
     */
    VIRTUAL;

    static final long PLATFORM_STACK_BYTES = 256 * 1024;

    Thread.Builder builder() {
      return this == PLATFORM ? Thread.ofPlatform().daemon().stackSize(PLATFORM_STACK_BYTES) : Thread.ofVirtual();
    }
  }

  /**
   * Starts both directions on {@code threads}: in the channel mode with platform threads and an
   * outside socket that has a channel, else as two blocking copy loops.
   */
  void start(Threads threads) {
    String name = "sluice-gateway-" + guest.getRemoteAddress() + "->" + guest.getLocalAddress();
    SocketChannel channel = outside.getChannel();
    if (threads == Threads.PLATFORM && channel != null) {
      try {
        channel.configureBlocking(false);
      } catch (IOException e) { // closed meanwhile
        end(Ending.OUTSIDE_RESET, true);
        return;
      }
      threads.builder().name(name + "-out").start(() -> guestToChannel(channel));
      threads.builder().name(name + "-in").start(() -> channelToGuest(channel));
      return;
    }
    threads.builder().name(name + "-out").start(this::guestToOutside);
    threads.builder().name(name + "-in").start(this::outsideToGuest);
  }

  /** Resets both sides (the gateway is stopping). */
  void reset() {
    end(Ending.STOPPED, true);
  }

  /**
   * Resets both sides if the flow has moved no byte, either way, for {@code idleNanos} while both
   * directions are open, or for {@code halfClosedNanos} once one has ended; answers whether it did.
   */
  boolean expire(long nowNanos, long idleNanos, long halfClosedNanos) {
    long limit = halfClosed ? halfClosedNanos : idleNanos;
    if (nowNanos - lastActivityNanos < limit) {
      return false;
    }
    return end(Ending.TIMED_OUT, true);
  }

  private void guestToOutside() {
    OutputStream out;
    try {
      out = outside.getOutputStream();
    } catch (IOException e) {
      end(Ending.OUTSIDE_RESET, true);
      return;
    }
    // The guest's FIN, after its last byte, becomes shutdownOutput on the host socket.
    copy(guest::read, Ending.GUEST_RESET, out::write, Ending.OUTSIDE_RESET, outside::shutdownOutput, bytesFromGuest);
  }

  private void outsideToGuest() {
    InputStream in;
    try {
      in = outside.getInputStream();
    } catch (IOException e) {
      end(Ending.OUTSIDE_RESET, true);
      return;
    }
    // The outside's end-of-stream, after its last byte, becomes our FIN to the guest.
    copy(in::read, Ending.OUTSIDE_RESET, guest::write, Ending.GUEST_RESET, () -> {
      outsideInputAtEnd = true;
      guest.shutdownOutput();
    }, bytesToGuest);
  }

  // ------------------------------------------------------------------ the channel mode

  /**
   * What a pump left: nothing to do now; bytes the outside would not take yet; the guest's
   * end-of-stream or failure, unread; or a write to the outside that failed.
   */
  private enum Pumped {
    IDLE, OUTSIDE_FULL, GUEST_ENDED, OUTSIDE_FAILED;

    /** Whether the pump stopped at something to do ({@link ExclusiveRun}'s "done"), not at an empty guest. */
    boolean leftWork() {
      return this != IDLE;
    }
  }

  /**
   * The guest's connection's readiness changed, on the stack thread that changed it: if it may
   * have bytes, an end-of-stream or a failure for us, pump on this thread once it leaves the
   * stack, or, outside the stack, wake the direction's thread.
   */
  private void guestReadinessChanged() {
    if ((guestConnection.readiness() & (Connection.READABLE | Connection.FAILED)) == 0 || pumpQueued) {
      return;
    }
    pumpQueued = true;
    if (!StackExit.defer(pumpTask)) {
      pumpQueued = false;
      wakeOutThread();
    }
  }

  /** The {@link StackExit} task: pumps, or has the pump under way go again; leaves to the thread what must wait. */
  private void pumpOnStackExit() {
    pumpQueued = false; // before pumping: a change after this queues the task again
    Pumped pumped = pumping.run(pumpCountingOnStackExit, Pumped::leftWork);
    if (pumped != null && pumped.leftWork()) {
      wakeOutThread();
    }
  }

  /**
   * Wakes {@link #guestToChannel}'s thread through {@link #outThreadWanted}, not a bare unpark: the
   * thread also parks inside the stack's calls (waiting for a connection's owner), and a permit
   * taken there would be lost to the park that waits for this.
   */
  private void wakeOutThread() {
    outThreadWanted = true;
    LockSupport.unpark(outThread);
  }

  /**
   * Holding {@link #pumping}: writes what is pending, then reads the guest and writes, until the
   * guest has nothing now or the outside takes no more. Never waits, and changes nothing but
   * bytes: the guest's end-of-stream or failure is left unread for {@link #guestToChannel}'s
   * thread, and a failed write is remembered for it. {@code alsoCount}, if given, counts the bytes
   * written as well.
   */
  private Pumped pump(AtomicLong alsoCount) {
    if (outsideWriteFailed) {
      return Pumped.OUTSIDE_FAILED;
    }
    SocketChannel channel = outside.getChannel();
    ByteBuffer buffer = pending;
    while (true) {
      if (buffer.hasRemaining()) {
        int written;
        try {
          written = channel.write(buffer);
        } catch (IOException e) { // the outside reset, or the flow is being reset already
          outsideWriteFailed = true;
          return Pumped.OUTSIDE_FAILED;
        }
        if (written > 0) {
          bytesFromGuest.addAndGet(written);
          if (alsoCount != null) {
            alsoCount.addAndGet(written);
          }
          lastActivityNanos = System.nanoTime();
        }
        if (buffer.hasRemaining()) {
          return Pumped.OUTSIDE_FULL;
        }
      }
      int n;
      try {
        n = guestConnection.readNow(buffer.array(), 0, buffer.capacity());
      } catch (IOException e) {
        return Pumped.GUEST_ENDED; // the thread meets the same failure and ends the flow
      }
      if (n <= 0) {
        return n == 0 ? Pumped.IDLE : Pumped.GUEST_ENDED;
      }
      lastActivityNanos = System.nanoTime();
      buffer.limit(n).position(0);
    }
  }

  /**
   * The guest-to-outside direction's thread: pumps whenever woken, waits for the channel to take
   * more when the outside is slow, and passes on the guest's end-of-stream or failure. Nothing is
   * lost between a pump and a park: a readiness change after this thread's pump pumps on the
   * stack thread, or has the holder of {@link #pumping} pump again ({@link ExclusiveRun}); whichever
   * pump then leaves work for this thread sets {@link #outThreadWanted}, cleared before each of
   * this thread's pumps, so the park that follows does not wait.
   */
  private void guestToChannel(SocketChannel channel) {
    outThread = Thread.currentThread();
    pending = ByteBuffer.allocate(BUFFER_BYTES).limit(0);
    guestConnection.addReadinessListener(readinessListener);
    try {
      while (!ended.get()) {
        outThreadWanted = false;
        Pumped pumped = pumping.run(pumpOnThisThread, Pumped::leftWork);
        if (pumped == null) {
          awaitWanted(); // the pump task has it, pumps again, and wakes this thread if it leaves work
          continue;
        }
        switch (pumped) {
          case IDLE -> awaitWanted();
          case OUTSIDE_FULL -> awaitWritable(channel);
          case OUTSIDE_FAILED -> end(Ending.OUTSIDE_RESET, true);
          case GUEST_ENDED -> {
            if (passEndOrFailure(channel)) {
              return;
            } // else bytes came after all: pump them
          }
        }
      }
    } finally {
      guestConnection.removeReadinessListener(readinessListener);
    }
  }

  private void awaitWanted() {
    while (!outThreadWanted && !ended.get()) {
      LockSupport.park(this);
    }
  }

  /**
   * The pump stopped at the guest's end-of-stream or a failure: reads again, holding {@link
   * #pumping}, to learn which, and ends this direction or the flow; answers whether it did (false:
   * bytes came after all, or another pump took them first).
   */
  private boolean passEndOrFailure(SocketChannel channel) {
    if (!pumping.tryHold()) {
      return false;
    }
    try {
      if (pending.hasRemaining()) {
        return false;
      }
      int n;
      try {
        n = guestConnection.readNow(pending.array(), 0, pending.capacity());
      } catch (IOException e) {
        end(Ending.GUEST_RESET, true);
        return true;
      }
      if (n >= 0) {
        pending.limit(n).position(0);
        return false;
      }
    } finally {
      pumping.release();
    }
    try {
      channel.shutdownOutput(); // the guest's FIN, after its last byte
    } catch (IOException e) {
      end(Ending.OUTSIDE_RESET, true);
      return true;
    }
    directionEnded();
    return true;
  }

  /** Waits until the channel takes bytes again, or the flow ends (which closes the selector). */
  private void awaitWritable(SocketChannel channel) {
    try {
      Selector selector = writeSelector;
      if (selector == null) {
        selector = Selector.open();
        writeSelector = selector;
        if (ended.get()) { // end() may have looked before the field was set
          selector.close();
          return;
        }
        channel.register(selector, SelectionKey.OP_WRITE);
      }
      selector.select(1_000);
      selector.selectedKeys().clear();
    } catch (IOException | ClosedSelectorException e) {
      // closed by end(): the loop sees the flow ended; or the channel failed: the next write says so
    }
  }

  /**
   * The outside-to-guest direction: reads the non-blocking channel, waiting on a selector of its
   * own when it has nothing, and writes the guest's connection, blocking while the guest's window
   * is closed (so the channel is not read and the outside's window closes in turn).
   */
  private void channelToGuest(SocketChannel channel) {
    // Direct: the socket reads into it without the JDK's temporary direct buffer, and Sluice copies
    // from it once, into the send buffer: one copy of each byte fewer than a heap buffer costs.
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    try (Selector selector = Selector.open()) {
      readSelector = selector;
      if (ended.get()) {
        return;
      }
      channel.register(selector, SelectionKey.OP_READ);
      boolean drained = false; // the last read was short: the socket is most likely empty
      while (true) {
        if (drained) { // wait first: a read now would most likely find nothing, a system call for naught
          selector.select();
          selector.selectedKeys().clear();
          if (ended.get()) {
            return;
          }
        }
        buffer.clear();
        int n;
        try {
          n = channel.read(buffer);
        } catch (IOException e) {
          end(Ending.OUTSIDE_RESET, true);
          return;
        }
        if (n == 0) {
          if (ended.get()) {
            return;
          }
          drained = true;
          continue;
        }
        drained = n < buffer.capacity();
        lastActivityNanos = System.nanoTime();
        try {
          if (n < 0) {
            outsideInputAtEnd = true;
            guest.shutdownOutput(); // the outside's end-of-stream, after its last byte: our FIN
            directionEnded();
            return;
          }
          guest.write(buffer.flip());
          bytesToGuest.addAndGet(n);
        } catch (IOException e) {
          end(Ending.GUEST_RESET, true);
          return;
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      end(Ending.OUTSIDE_RESET, true); // the selector could not be opened, or the flow ended under it
    }
  }

  // ------------------------------------------------------------------ the stream mode

  private interface Source {
    int read(byte[] b, int off, int len) throws IOException;
  }

  private interface Sink {
    void write(byte[] b, int off, int len) throws IOException;
  }

  private interface EndOfStream {
    void pass() throws IOException;
  }

  /**
   * One direction's loop: reads {@code from} and writes {@code to} until end-of-stream, which it
   * passes on with {@code atEnd}; a read that fails ends the flow as {@code readFailure} (that side
   * reset, or the flow is being reset already), a write or {@code atEnd} that fails as {@code
   * writeFailure}, both sides reset.
   */
  private void copy(Source from, Ending readFailure, Sink to, Ending writeFailure, EndOfStream atEnd,
      AtomicLong moved) {
    byte[] buf = new byte[BUFFER_BYTES];
    while (true) {
      int n;
      try {
        n = from.read(buf, 0, buf.length);
        lastActivityNanos = System.nanoTime();
      } catch (IOException e) {
        end(readFailure, true);
        return;
      }
      try {
        if (n < 0) {
          atEnd.pass();
          directionEnded();
          return;
        }
        to.write(buf, 0, n);
        moved.addAndGet(n);
      } catch (IOException e) {
        end(writeFailure, true);
        return;
      }
    }
  }

  private void directionEnded() {
    lastActivityNanos = System.nanoTime(); // the half-closed timeout counts from the FIN
    halfClosed = true;
    if (directionsLeft.decrementAndGet() == 0) {
      end(Ending.CLOSED, false);
    }
  }

  /** Ends the flow once: closes both sides, or resets both; answers whether this call ended it. */
  private boolean end(Ending ending, boolean reset) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    if (reset) {
      try {
        outside.setSoLinger(true, 0); // close sends a RST
      } catch (IOException e) {
        // closed already
      }
      try {
        guest.abort();
      } catch (IOException e) {
        // reset already
      }
    } else {
      try {
        guest.close();
      } catch (IOException e) {
        // ended already
      }
    }
    try {
      outside.close();
    } catch (IOException e) {
      // closed already
    }
    // A closed channel still registered with a selector keeps its descriptor (and so sends its
    // FIN or RST) until the selector lets go: closing both wakes their threads and lets go.
    closeQuietly(readSelector);
    closeQuietly(writeSelector);
    LockSupport.unpark(outThread); // awaitWanted looks at ended
    listener.ended(this, ending);
    return true;
  }

  /** Bytes from the guest that went out on the thread that received them, not the flow's own. */
  long bytesFromGuestOnStackExit() {
    return bytesFromGuestOnStackExit.get();
  }

  private static void closeQuietly(Selector selector) {
    if (selector != null) {
      try {
        selector.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /**
   * The flow now. Asks the Sluice connection for its state, which waits at most as long as its
   * owner takes to finish a step.
   */
  Snapshot snapshot() {
    OutsideState outsideState;
    boolean outputShutDown = outside.isOutputShutdown();
    if (outside.isClosed()) {
      outsideState = OutsideState.CLOSED;
    } else if (outputShutDown && outsideInputAtEnd) {
      outsideState = OutsideState.BOTH_SHUT_DOWN;
    } else if (outputShutDown) {
      outsideState = OutsideState.OUTPUT_SHUT_DOWN;
    } else if (outsideInputAtEnd) {
      outsideState = OutsideState.INPUT_AT_END;
    } else {
      outsideState = OutsideState.OPEN;
    }
    InetSocketAddress peer = outside.getRemoteSocketAddress() instanceof InetSocketAddress a ? a : null;
    return new Snapshot(origin, guest.getRemoteAddress(), peer, guest.info().state(), outsideState,
        bytesFromGuest.get(), bytesToGuest.get(), System.nanoTime() - startNanos);
  }

  @Override
  public String toString() {
    return "TcpRelay[" + guest.getRemoteAddress() + " -> " + guest.getLocalAddress() + "]";
  }
}
