package dev.sluice.gateway.relay;

import dev.sluice.api.TcpConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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

  TcpRelay(TcpConnection guest, Socket outside, Origin origin, Listener listener) {
    this.guest = guest;
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

  /** Starts both copy loops on {@code threads}. */
  void start(Threads threads) {
    String name = "sluice-gateway-" + guest.getRemoteAddress() + "->" + guest.getLocalAddress();
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
    listener.ended(this, ending);
    return true;
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
