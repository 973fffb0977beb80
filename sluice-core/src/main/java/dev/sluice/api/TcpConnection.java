package dev.sluice.api;

import dev.sluice.api.internal.HostSockets;
import dev.sluice.stack.Connection;
import dev.sluice.stack.ConnectionInfo;
import dev.sluice.stack.Listener;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One TCP connection, like {@link java.net.Socket}: streams, half-close, close and abort,
 * timeouts and options. {@code read} returns -1 after the peer's FIN, once every byte before it
 * was read: that is the disconnect indication.
 *
 * <p>Besides the blocking calls it has a non-blocking surface, as a socket in non-blocking mode:
 * {@link #readNow} and {@link #writeNow} return 0 where a blocking call would wait, and {@link
 * #readiness()} says, as {@code poll(2)} does, which of them would do something now.
 *
 * <p>Thread-safe: one thread may read while another writes, and calls from many threads are
 * serialized on the connection. Blocking calls park (virtual threads unmount) and spin only for a
 * stack built with {@link NetStack.Builder#busyPoll}.
 *
 * <p><b>Blocking, timeouts and interrupts.</b> {@link #read} waits up to {@link #setSoTimeout
 * SO_TIMEOUT} and then throws {@link java.net.SocketTimeoutException}, after which the connection
 * stays usable and no byte is lost. {@link #write} waits for send-buffer space without a time
 * limit. An interrupt of a thread blocked in either ends the wait with {@link
 * java.io.InterruptedIOException} and leaves the thread's interrupt status set; unlike an
 * interruptible NIO channel, the connection stays open. {@link #close()} or {@link #abort()} from
 * another thread wakes the blocked callers, which then throw {@link SocketException}; so does
 * {@link NetStack#close()}. For a call that waits without holding a thread and can be cancelled,
 * use {@link #readAsync}, {@link #writeAsync} and {@code CompletableFuture.orTimeout}.
 */
public final class TcpConnection implements AutoCloseable {
  static {
    // Sluice's own tools (the drill runner, the torture run) make these over a host they run
    // themselves; HostSockets reaches the package-private constructors through this factory.
    HostSockets.register(new HostSockets.Factory() {
      @Override
      public TcpConnection connection(Connection connection) {
        return new TcpConnection(null, connection);
      }

      @Override
      public TcpServer server(Listener listener) {
        return new TcpServer(null, listener);
      }
    });
  }

  /** The stack that made this connection, for the async calls; null over a host the caller runs. */
  private final NetStack stack;
  private final Connection connection;
  // Made on first use: an idle connection that is never streamed costs neither (32 bytes a
  // connection, at 100,000 idle connections 3 MB). A race makes two equal views, which is harmless.
  private InputStream in;
  private OutputStream out;
  // Kept small: 100,000 idle connections hold one of these each. Closed-ness is the connection's
  // own (Connection.applicationClosed), and the read timeout is whole milliseconds, as SO_TIMEOUT.
  private volatile int readTimeoutMillis;
  private volatile int lingerSeconds = -1;

  TcpConnection(NetStack stack, Connection connection) {
    this.stack = stack;
    this.connection = connection;
  }

  // ------------------------------------------------------------------ data

  /**
   * The receiving half as a stream, for code that reads {@link InputStream}s. Its reads are {@link
   * #read(byte[], int, int)} (blocking, with {@code SO_TIMEOUT}, as described there); closing it
   * closes the connection, as in {@code java.net}. The same stream on every call.
   *
   * @return the connection's input stream
   */
  public InputStream getInputStream() {
    InputStream stream = in;
    if (stream == null) {
      in = stream = new ConnectionInputStream(this);
    }
    return stream;
  }

  /**
   * The sending half as a stream. Its writes are {@link #write(byte[], int, int)} (blocking while
   * the send buffer is full); {@code flush} does nothing, since every write hands its bytes to TCP
   * at once (Nagle may coalesce small ones: see {@link #setTcpNoDelay}). Closing it closes the
   * connection, as in {@code java.net}. The same stream on every call.
   *
   * @return the connection's output stream
   */
  public OutputStream getOutputStream() {
    OutputStream stream = out;
    if (stream == null) {
      out = stream = new ConnectionOutputStream(this);
    }
    return stream;
  }

  /**
   * Reads up to {@code len} bytes, blocking until at least one is readable, the peer's FIN arrives
   * after the bytes before it, the connection fails or is closed, the read timeout passes or the
   * thread is interrupted.
   *
   * @param b where the bytes go
   * @param off the first index of {@code b} to fill
   * @param len the most bytes to read
   * @return the number of bytes read, at least 1 (0 only if {@code len} is 0), or -1 at
   *     end-of-stream
   * @throws java.net.SocketTimeoutException if the {@link #setSoTimeout read timeout} passes
   *     first; nothing was read and the connection stays usable
   * @throws java.io.InterruptedIOException if the thread is interrupted while it waits; the
   *     interrupt status stays set and the connection stays open
   * @throws SocketException "Connection reset" if the peer reset the connection, "Connection timed
   *     out" if the stack gave up on the peer, "Socket closed" after {@link #close()} (also when
   *     another thread closes the connection, or the stack is closed, while this waits)
   * @throws IOException if the read fails for another reason
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public int read(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    return connection.read(b, off, len, readTimeoutMillis * 1_000_000L);
  }

  /**
   * Writes all of {@code b[off, off + len)}, blocking while the send buffer is full until the
   * peer acknowledges enough to make room. There is no write timeout. If the call throws, some of
   * the bytes may already be in the send buffer, and those are sent.
   *
   * @param b the bytes to write
   * @param off the first index of {@code b} to send
   * @param len how many bytes to send
   * @throws java.io.InterruptedIOException if the thread is interrupted while it waits for room;
   *     the interrupt status stays set and the connection stays open
   * @throws SocketException once this side can no longer send: after {@link #shutdownOutput()},
   *     {@link #close()} or {@link #abort()} (also from another thread while this waits), a reset,
   *     a timeout, or the stack's close
   * @throws IOException if the write fails for another reason
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    connection.write(b, off, len, 0);
  }

  /**
   * Writes every remaining byte of {@code src}, as {@link #write(byte[], int, int)} does; {@code
   * src}'s position moves past each byte the send buffer takes (after a failure, past the last one
   * taken). The bytes of a direct buffer, or a read-only one, are copied once, into the send
   * buffer: read from a socket or a file into a direct buffer and written here, they are not staged
   * through a heap array first.
   *
   * @param src the bytes to write, from its position to its limit
   * @throws java.io.InterruptedIOException as {@link #write(byte[], int, int)}
   * @throws SocketException as {@link #write(byte[], int, int)}
   * @throws IOException if the write fails for another reason
   */
  public void write(java.nio.ByteBuffer src) throws IOException {
    ensureOpen();
    connection.write(src, 0);
  }

  /**
   * Reads as {@link #read(byte[], int, int)} does, without a thread waiting: the future completes
   * with the count, or -1 at end-of-stream, once bytes are readable. Cancelling it, or a timeout
   * ({@code orTimeout}), never loses data: either the read took bytes and the future completes with
   * them, or it ends having taken none, and bytes that arrive later go to the next read. {@code b}
   * must not be touched until the future completes. Built on {@link #readNow} and the stack's
   * readiness notifications, as a selector loop would be. The first attempt runs on the calling
   * thread; later ones, and the future's completion, on the stack's virtual threads.
   *
   * @param b where the bytes go
   * @param off the first index of {@code b} to fill
   * @param len the most bytes to read
   * @return a future of the count, or of -1 at end-of-stream; it fails with the exceptions of
   *     {@link #readNow}
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public CompletableFuture<Integer> readAsync(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    return new ReadinessCall<Integer>(NetStack.executor(stack), ReadinessCall.ReadinessSource.of(connection)) {
      @Override
      boolean tryNow() throws IOException {
        int n = readNow(b, off, len);
        result(n);
        return n != 0 || len == 0;
      }
    }.start();
  }

  /**
   * Writes as {@link #write(byte[], int, int)} does, without a thread waiting: the future completes
   * once every byte is in the send buffer, so a writer that waits for it before writing more is
   * paced by the peer (back-pressure). Cancelling it stops further writing; bytes already in the
   * send buffer are sent. Built on {@link #writeNow} and the stack's readiness notifications;
   * the first attempt runs on the calling thread, later ones on the stack's virtual threads.
   * {@code b} must not be changed until the future completes.
   *
   * @param b the bytes to write
   * @param off the first index of {@code b} to send
   * @param len how many bytes to send
   * @return a future that completes once every byte is in the send buffer; it fails with the
   *     exceptions of {@link #writeNow}
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public CompletableFuture<Void> writeAsync(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    return new ReadinessCall<Void>(NetStack.executor(stack), ReadinessCall.ReadinessSource.of(connection)) {
      private int written;

      @Override
      boolean tryNow() throws IOException {
        while (written < len) {
          int n = writeNow(b, off + written, len - written);
          if (n == 0) {
            return false; // the send buffer is full: the next readiness change tries again
          }
          written += n;
        }
        return true;
      }
    }.start();
  }

  // ------------------------------------------------------------------ without waiting

  /**
   * Reads what is readable now, without waiting: the count, -1 at end-of-stream (the peer's FIN,
   * once every byte before it was read, or after {@link #shutdownInput()}), or 0 if nothing has
   * arrived yet, where {@link #read(byte[], int, int)} would wait. Throws {@link SocketException}
   * ("Connection reset", "Connection timed out") once the connection failed, and ("Socket closed")
   * after {@link #close()}. Never waits for the network; it waits only as long as the connection's
   * owner (a stack thread, or another application thread) takes to finish what it is doing.
   *
   * @param b where the bytes go
   * @param off the first index of {@code b} to fill
   * @param len the most bytes to read
   * @return the number of bytes read, 0 if none are readable yet, or -1 at end-of-stream
   * @throws SocketException if the connection failed or was closed
   * @throws IOException if the read fails for another reason
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public int readNow(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    return connection.readNow(b, off, len);
  }

  /**
   * Puts what fits into the send buffer now, without waiting: the count, which may be less than
   * {@code len}, or 0 if the buffer is full, where {@link #write(byte[], int, int)} would wait.
   * Before the handshake of {@link NetStack#connectNow} completes, the bytes wait in the send
   * buffer. Throws {@link SocketException} once this side can no longer send (after {@link
   * #shutdownOutput()}, a reset or a timeout). Never waits for the network, as {@link #readNow}.
   *
   * @param b the bytes to write
   * @param off the first index of {@code b} to send
   * @param len how many bytes to send
   * @return the number of bytes taken, from 0 to {@code len}
   * @throws SocketException once this side can no longer send, or after {@link #close()}
   * @throws IOException if the write fails for another reason
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
   */
  public int writeNow(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    return connection.writeNow(b, off, len);
  }

  /**
   * Puts what fits of {@code src}'s remaining bytes into the send buffer now, as {@link
   * #writeNow(byte[], int, int)} does; {@code src}'s position moves past those taken.
   *
   * @param src the bytes to write, from its position to its limit
   * @return the number of bytes taken, from 0 to what remained
   * @throws SocketException as {@link #writeNow(byte[], int, int)}
   * @throws IOException if the write fails for another reason
   */
  public int writeNow(java.nio.ByteBuffer src) throws IOException {
    ensureOpen();
    return connection.writeNow(src);
  }

  /**
   * {@link #readiness()}: a read returns at once: bytes or end-of-stream wait, or reading was shut
   * down ({@code POLLIN}). A failed connection reports {@link #FAILED} instead.
   */
  public static final int READABLE = 1;
  /**
   * {@link #readiness()}: the connection is established, the send buffer has room and this side
   * may still send, so {@link #writeNow} takes bytes ({@code POLLOUT}).
   */
  public static final int WRITABLE = 2;
  /**
   * {@link #readiness()}: the connection was reset, refused or timed out; {@link #failure()} says
   * which, and reads and writes throw ({@code POLLERR}).
   */
  public static final int FAILED = 4;
  /**
   * {@link #readiness()}: the peer's FIN has arrived in sequence, so after the bytes before it,
   * reads return end-of-stream ({@code POLLRDHUP}). Stays set.
   */
  public static final int PEER_SHUTDOWN = 8;
  /**
   * {@link #readiness()}: the connection has ended (CLOSED: after TIME-WAIT, the last ACK, or a
   * reset); nothing more will be sent or received ({@code POLLHUP}).
   */
  public static final int ENDED = 16;

  /**
   * What the connection would do now, as {@code poll(2)} reports it: a combination of {@link
   * #READABLE}, {@link #WRITABLE}, {@link #FAILED}, {@link #PEER_SHUTDOWN} and {@link #ENDED}; 0
   * while nothing would happen (a connection still connecting, or one with nothing to read and a
   * full send buffer). Exact while nobody else is working on the connection, else a moment old,
   * which is all poll promises too. Never waits.
   *
   * @return the readiness bits
   */
  public int readiness() {
    int runtime = connection.readiness();
    int bits = 0;
    if ((runtime & Connection.READABLE) != 0) {
      bits |= READABLE;
    }
    if ((runtime & Connection.WRITABLE) != 0) {
      bits |= WRITABLE;
    }
    if ((runtime & Connection.FAILED) != 0) {
      bits |= FAILED;
    }
    if (connection.endOfStreamDelivered()) {
      bits |= PEER_SHUTDOWN;
    }
    if (connection.isClosed()) {
      bits |= ENDED;
    }
    return bits;
  }

  /**
   * True once the handshake has completed; it stays true after the connection ends. A connection
   * from {@link NetStack#connect} or {@link TcpServer#accept} is connected from the start; one
   * from {@link NetStack#connectNow} becomes connected, or {@link #FAILED}, later. Never waits.
   *
   * @return whether the handshake has completed
   */
  public boolean isConnected() {
    return connection.isConnected();
  }

  /** Why a connection failed: what {@link #failure()} returns. */
  public enum Failure {
    /** The peer answered our SYN with a RST: nobody listens there ({@code ECONNREFUSED}). */
    REFUSED,
    /** The peer reset the connection ({@code ECONNRESET}). */
    RESET,
    /** Retransmissions, the user timeout or keepalive gave up on the peer ({@code ETIMEDOUT}). */
    TIMED_OUT
  }

  /**
   * The failure that ended the connection. Never waits.
   *
   * @return why the connection failed, or null if it has not failed
   */
  public Failure failure() {
    TcpEvent f = connection.failure();
    if (f == null) {
      return null;
    }
    return switch (f) {
      case REFUSED -> Failure.REFUSED;
      case TIMED_OUT -> Failure.TIMED_OUT;
      default -> Failure.RESET;
    };
  }

  // ------------------------------------------------------------------ ending

  /**
   * Shuts down reading, as {@link java.net.Socket#shutdownInput()}: reads return -1 from now on,
   * and bytes the peer still sends are acknowledged and discarded (BSD semantics), so the peer's
   * own FIN still gets through. Nothing is sent to the peer. Never waits for the network.
   *
   * @throws SocketException after {@link #close()}
   * @throws IOException if the connection cannot be shut down for another reason
   */
  public void shutdownInput() throws IOException {
    ensureOpen();
    connection.shutdownInput();
  }

  /**
   * Half-close (RFC 9293 §3.10.4): our FIN follows what was written; reading goes on. Returns at
   * once; the stack sends the rest of the send buffer and the FIN in the background. Later writes
   * throw {@link SocketException}.
   *
   * @throws SocketException after {@link #close()}
   * @throws IOException if the connection cannot be shut down for another reason
   */
  public void shutdownOutput() throws IOException {
    ensureOpen();
    connection.shutdownOutput();
  }

  /**
   * Closes. With {@code SO_LINGER} off (the default) it returns at once and the stack sends the
   * data and our FIN in the background. With linger on and a time of 0 it aborts (RST). With
   * linger on and a positive time it waits up to that long for our FIN to be acknowledged, and
   * aborts if it is not; an interrupt ends that wait early, and close then aborts too (the
   * interrupt status stays set). Unread received data makes close abort (RFC 2525 §2.17). Calls
   * blocked on this connection in other threads wake and throw {@link SocketException} ("Socket
   * closed"). Idempotent.
   *
   * @throws IOException if the connection fails while it is closed
   */
  @Override
  public void close() throws IOException {
    if (connection.applicationClosed()) {
      return;
    }
    int linger = lingerSeconds;
    if (linger == 0) {
      connection.abort();
      return;
    }
    connection.close();
    if (linger > 0 && !connection.awaitFinAcknowledged(Duration.ofSeconds(linger).toNanos())) {
      connection.abort();
    }
  }

  /**
   * Aborts at once with a RST (RFC 9293 §3.10.5); queued data is dropped, and calls blocked on
   * this connection in other threads wake and throw {@link SocketException}. Never waits for the
   * network.
   *
   * @throws IOException if the connection cannot be aborted
   */
  public void abort() throws IOException {
    connection.abort();
  }

  /**
   * True once the application closed or aborted this connection (not when the peer did: see
   * {@link #readiness()} for that).
   *
   * @return whether {@link #close()} or {@link #abort()} was called
   */
  public boolean isClosed() {
    return connection.applicationClosed();
  }

  // ------------------------------------------------------------------ options

  /**
   * {@code SO_TIMEOUT}: how long a read waits; zero is forever. Kept in whole milliseconds, as
   * {@link java.net.Socket#setSoTimeout} does: a fraction rounds up, so a timeout is never shorter.
   * Applies to reads that start afterwards, not to a read already waiting; never to writes.
   *
   * @param timeout the read timeout, not negative
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public void setSoTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("read timeout must not be negative: " + timeout);
    }
    long millis = Math.ceilDiv(timeout.toNanos(), 1_000_000L);
    readTimeoutMillis = (int) Math.min(millis, Integer.MAX_VALUE);
  }

  /**
   * {@code SO_TIMEOUT}.
   *
   * @return the read timeout, in whole milliseconds; zero waits forever
   */
  public Duration getSoTimeout() {
    return Duration.ofMillis(readTimeoutMillis);
  }

  /**
   * {@code TCP_NODELAY}: true sends small segments at once instead of coalescing (Nagle off).
   *
   * @param on true to turn Nagle's algorithm off
   * @throws SocketException after {@link #close()}
   * @throws IOException if the option cannot be set
   */
  public void setTcpNoDelay(boolean on) throws IOException {
    ensureOpen();
    connection.setNoDelay(on);
  }

  /**
   * {@code TCP_NODELAY}.
   *
   * @return true if Nagle's algorithm is off
   */
  public boolean getTcpNoDelay() {
    return connection.noDelay();
  }

  /**
   * {@code SO_KEEPALIVE}: probe an idle peer (RFC 1122 §4.2.3.6), and fail the connection with
   * {@link Failure#TIMED_OUT} if it stops answering.
   *
   * @param on true to probe
   * @throws SocketException after {@link #close()}
   * @throws IOException if the option cannot be set
   */
  public void setKeepAlive(boolean on) throws IOException {
    ensureOpen();
    connection.setKeepAlive(on);
  }

  /**
   * {@code SO_KEEPALIVE}.
   *
   * @return true if an idle peer is probed
   */
  public boolean getKeepAlive() {
    return connection.keepAlive();
  }

  /**
   * {@code SO_LINGER}, as {@link java.net.Socket#setSoLinger}: see {@link #close()}.
   *
   * @param on whether close lingers
   * @param seconds how long close waits for our FIN to be acknowledged; 0 makes close abort
   * @throws IllegalArgumentException if {@code on} and {@code seconds} is negative
   */
  public void setSoLinger(boolean on, int seconds) {
    if (on && seconds < 0) {
      throw new IllegalArgumentException("linger time must not be negative: " + seconds);
    }
    lingerSeconds = on ? seconds : -1;
  }

  /**
   * {@code SO_LINGER}.
   *
   * @return the linger time in seconds, or -1 when linger is off
   */
  public int getSoLinger() {
    return lingerSeconds;
  }

  // ------------------------------------------------------------------ observation

  /**
   * This side's address and port.
   *
   * @return the local address and port
   */
  public InetSocketAddress getLocalAddress() {
    TcpEndpoints e = connection.endpoints();
    return new InetSocketAddress(address(e.ipv6(), e.localHigh(), e.localLow()), e.localPort());
  }

  /**
   * The peer's address and port.
   *
   * @return the remote address and port
   */
  public InetSocketAddress getRemoteAddress() {
    TcpEndpoints e = connection.endpoints();
    return new InetSocketAddress(address(e.ipv6(), e.remoteHigh(), e.remoteLow()), e.remotePort());
  }

  /**
   * Its TCP numbers now, as Linux's {@code TCP_INFO}: RTT, RTO, windows, MSS and the bytes waiting
   * on either side (they may be a moment old). Waits only as long as the connection's owner takes
   * to finish what it is doing.
   *
   * @return the connection's TCP numbers
   */
  public TcpInfo info() {
    ConnectionInfo i = connection.info();
    return new TcpInfo(i.state().name(), i.srttNanos(), i.rttvarNanos(), i.rtoNanos(), i.cwnd(), i.ssthresh(),
        i.mss(), i.receiveQueue(), i.sendQueue());
  }

  /**
   * The connection's numbers now, with its counters (they may be a moment old). Waits as {@link
   * #info()} does.
   *
   * @return the connection's numbers and counters
   */
  public TcpConnectionStats stats() {
    ConnectionInfo info = connection.info();
    var s = connection.stats();
    return new TcpConnectionStats(info.state().name(), info.srttNanos(), info.rttvarNanos(), info.rtoNanos(),
        info.cwnd(), info.ssthresh(), s.segmentsIn(), s.segmentsOut(), s.bytesReceived(), s.bytesSent(),
        s.retransmittedSegments());
  }

  @Override
  public String toString() {
    return "TcpConnection[" + connection + "]";
  }

  private static InetAddress address(boolean ipv6, long high, long low) {
    byte[] bytes = ipv6
        ? ByteBuffer.allocate(16).putLong(high).putLong(low).array()
        : ByteBuffer.allocate(4).putInt((int) low).array();
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
    }
  }

  private void ensureOpen() throws SocketException {
    if (connection.applicationClosed()) {
      throw new SocketException("Socket closed: " + connection);
    }
  }
}
