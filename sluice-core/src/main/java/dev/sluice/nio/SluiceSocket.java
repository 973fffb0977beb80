package dev.sluice.nio;

import dev.sluice.stack.Connection;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Socket} view of a {@link SluiceSocketChannel}, which {@code channel.socket()} returns
 * and the {@code javax.net} factories hand out: blocking streams, {@code SO_TIMEOUT}, and the
 * options and state of the channel beneath. It behaves as the JDK's own adaptor ({@code
 * SocketChannel.open().socket()}) does on Linux, exceptions and their messages included: channel
 * exceptions that are {@link IOException}s pass through (a read after close throws {@link
 * ClosedChannelException}), the others become the {@link SocketException}s the adaptor throws
 * ("Socket is not connected", "Already connected"...); streams and blocking calls throw {@link
 * IllegalBlockingModeException} while the channel is non-blocking.
 *
 * <p>Where Sluice differs, on purpose:
 * <ul>
 *   <li>The local port of an outgoing connection is the stack's choice, made when it connects:
 *       {@link #bind} takes port 0 only, and a socket bound but not yet connected reports port 0.
 *   <li>Urgent data is ordinary data in Sluice (RFC 6093 §6): {@link #sendUrgentData} throws
 *       {@code SocketException("Urgent data not supported")}, as {@link Socket} does over an
 *       implementation without urgent data, and {@code SO_OOBINLINE} always reads as on, since
 *       urgent bytes that arrive are delivered inline.
 *   <li>The stack sends no traffic class: {@link #setTrafficClass} checks its argument and is
 *       then ignored, which {@link Socket#setTrafficClass} allows, and {@link #getTrafficClass}
 *       reports 0.
 *   <li>{@link #connect(SocketAddress, int)} with a timeout puts the channel in non-blocking mode
 *       while it waits for the handshake (the JDK toggles only the file descriptor), so a {@link
 *       SocketChannel#isBlocking()} from another thread meanwhile may say false.
 * </ul>
 *
 * <p><b>Threads.</b> As the channel's: one reader and one writer at a time (stream reads take the
 * channel's read lock, writes go through the channel's write), and a read and a write may run at
 * once. A close from another thread wakes a blocked read, which throws {@link
 * AsynchronousCloseException}; an interrupt closes the socket and the read throws {@link
 * ClosedByInterruptException}, as the JDK's channels do. {@code SO_TIMEOUT} is read when each read
 * starts.
 */
final class SluiceSocket extends Socket {
  /** The most {@code SO_LINGER} seconds the JDK's sockets keep; more is reduced to this, as there. */
  private static final int MAX_LINGER_SECONDS = 65_535;

  private final SluiceSocketChannel channel;
  /** {@code SO_TIMEOUT} in milliseconds; 0 waits forever. */
  private volatile int timeoutMillis;

  private SluiceSocket(SluiceSocketChannel channel) throws SocketException {
    super(NoPlatformSocket.INSTANCE);
    this.channel = channel;
  }

  /** The view of {@code channel}; {@link SluiceSocketChannel#socket()} keeps the one it makes. */
  static SluiceSocket of(SluiceSocketChannel channel) {
    try {
      return new SluiceSocket(channel);
    } catch (SocketException e) {
      // Socket's constructor only declares it: given an implementation, it just keeps it
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ connecting

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  /**
   * Connects, waiting up to {@code timeout} milliseconds (0: as long as TCP tries) for the
   * handshake. A timeout closes the socket and throws {@link SocketTimeoutException}; a refusal
   * closes it and throws {@link java.net.ConnectException}; an unresolved address closes it and
   * throws {@link UnknownHostException}, all as the JDK does.
   */
  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    if (endpoint == null) {
      throw new IllegalArgumentException("connect: The address can't be null");
    }
    if (endpoint instanceof InetSocketAddress inet && inet.isUnresolved()) {
      if (!channel.isOpen()) {
        throw new SocketException("Socket is closed");
      }
      if (channel.isConnected()) {
        throw new SocketException("Already connected");
      }
      close(); // a socket that cannot reach its peer is closed, as the JDK's is
      throw new UnknownHostException(endpoint.toString());
    }
    if (timeout < 0) {
      throw new IllegalArgumentException("connect: timeout can't be negative");
    }
    try {
      if (!channel.isBlocking()) {
        throw new IllegalBlockingModeException();
      }
      if (timeout == 0) {
        channel.connect(endpoint);
      } else {
        connectWithin(endpoint, TimeUnit.MILLISECONDS.toNanos(timeout));
      }
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
  }

  /**
   * Starts the handshake without blocking, then waits for it on the connection itself, which can
   * bound the wait; the channel is blocking again afterwards if it is still open.
   */
  private void connectWithin(SocketAddress endpoint, long nanos) throws IOException {
    channel.configureBlocking(false);
    try {
      if (channel.connect(endpoint, nanos)) {
        return;
      }
      Connection c = channel.connection();
      try {
        c.awaitConnected(nanos);
      } catch (SocketTimeoutException e) {
        channel.close();
        SocketTimeoutException timedOut = new SocketTimeoutException("Connect timed out");
        timedOut.initCause(e);
        throw timedOut;
      } catch (IOException e) {
        IOException interrupted = closedByWake(e);
        channel.close(); // a connect that failed leaves the socket closed, as the JDK's does
        throw interrupted != null ? interrupted : e;
      }
      channel.finishConnect();
    } finally {
      if (channel.isOpen()) {
        channel.configureBlocking(true);
      }
    }
  }

  /** Sluice picks the local port when it connects, so only port 0 binds (see the class comment). */
  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    try {
      channel.bind(bindpoint);
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
  }

  // ------------------------------------------------------------------ addresses

  /** The remote address; still known after close, as {@link Socket} promises. */
  @Override
  public InetAddress getInetAddress() {
    InetSocketAddress remote = remote();
    return remote == null ? null : remote.getAddress();
  }

  /** The local address; the wildcard address while unbound or once closed, as the JDK's adaptor. */
  @Override
  public InetAddress getLocalAddress() {
    InetSocketAddress local = channel.isOpen() ? local() : null;
    return local == null ? new InetSocketAddress(0).getAddress() : local.getAddress();
  }

  @Override
  public int getPort() {
    InetSocketAddress remote = remote();
    return remote == null ? 0 : remote.getPort();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress local = local();
    return local == null ? -1 : local.getPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return remote();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return local();
  }

  /** The connection's remote end, or null before connect; the connection outlives a close. */
  private InetSocketAddress remote() {
    Connection c = channel.connection();
    return c == null ? null : Addresses.remote(c.endpoints());
  }

  /** The connection's local end, the wildcard with port 0 if bound only, or null if neither. */
  private InetSocketAddress local() {
    Connection c = channel.connection();
    if (c != null) {
      return Addresses.local(c.endpoints());
    }
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      return null; // closed before it connected: never had an address that mattered
    }
  }

  @Override
  public SocketChannel getChannel() {
    return channel;
  }

  // ------------------------------------------------------------------ streams

  /** A new stream each call, as the JDK's adaptor gives; closing it closes the socket. */
  @Override
  public InputStream getInputStream() throws IOException {
    requireUsable();
    if (channel.isInputShutdown()) {
      throw new SocketException("Socket input is shutdown");
    }
    return new In();
  }

  /** A new stream each call, as the JDK's adaptor gives; closing it closes the socket. */
  @Override
  public OutputStream getOutputStream() throws IOException {
    requireUsable();
    if (channel.isOutputShutdown()) {
      throw new SocketException("Socket output is shutdown");
    }
    return new Out();
  }

  private void requireUsable() throws SocketException {
    if (!channel.isOpen()) {
      throw new SocketException("Socket is closed");
    }
    if (!channel.isConnected()) {
      throw new SocketException("Socket is not connected");
    }
  }

  /**
   * A blocking read honouring {@code SO_TIMEOUT}: the count, or -1 at end-of-stream. A timeout
   * throws {@link SocketTimeoutException} and leaves the socket as it was (no byte is taken), so
   * a later read gets what arrives, as with the JDK's sockets.
   */
  private int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    synchronized (channel.readLock()) {
      Connection c = openConnected();
      if (!channel.isBlocking()) {
        throw new IllegalBlockingModeException();
      }
      if (Thread.currentThread().isInterrupted()) {
        channel.close(); // as the JDK's interruptible channels: an interrupted thread closes them
        throw new ClosedByInterruptException();
      }
      if (channel.isInputShutdown()) {
        return -1;
      }
      try {
        return c.read(b, off, len, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
      } catch (SocketTimeoutException e) {
        SocketTimeoutException timedOut = new SocketTimeoutException("Read timed out");
        timedOut.initCause(e);
        throw timedOut;
      } catch (IOException e) {
        IOException woken = closedByWake(e);
        throw woken != null ? woken : e;
      }
    }
  }

  /**
   * What a blocked call that failed with {@code e} reports when it was woken rather than failed
   * by the connection: an interrupt closes the channel ({@link ClosedByInterruptException}), a
   * close from another thread gives {@link AsynchronousCloseException}; null otherwise.
   */
  private IOException closedByWake(IOException e) throws IOException {
    if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)
        && Thread.currentThread().isInterrupted()) {
      channel.close();
      return withCause(new ClosedByInterruptException(), e);
    }
    if (!channel.isOpen()) {
      return withCause(new AsynchronousCloseException(), e);
    }
    return null;
  }

  private static IOException withCause(IOException e, Throwable cause) {
    e.initCause(cause);
    return e;
  }

  private void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return;
    }
    openConnected();
    if (!channel.isBlocking()) {
      throw new IllegalBlockingModeException();
    }
    if (channel.isOutputShutdown()) {
      // The JDK's adaptor stream checks this itself (ClosedChannelException), where the channel's
      // own write reports AsynchronousCloseException.
      throw new ClosedChannelException();
    }
    ByteBuffer src = ByteBuffer.wrap(b, off, len);
    channel.write(src); // blocking: returns once all of it is in the send buffer
    if (src.hasRemaining()) {
      throw new IllegalBlockingModeException(); // made non-blocking by another thread meanwhile
    }
  }

  /** The bytes that can be read without blocking, or 0 after {@link #shutdownInput()}. */
  private int available() throws IOException {
    Connection c = openConnected();
    return channel.isInputShutdown() ? 0 : c.info().receiveQueue();
  }

  /** The checks the JDK's channel makes first: {@link ClosedChannelException}, then not connected. */
  private Connection openConnected() throws ClosedChannelException {
    if (!channel.isOpen()) {
      throw new ClosedChannelException();
    }
    if (!channel.isConnected()) {
      throw new NotYetConnectedException();
    }
    return channel.connection();
  }

  /** The socket's input: blocking reads with {@code SO_TIMEOUT}. */
  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = SluiceSocket.this.read(one, 0, 1);
      return n > 0 ? one[0] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return SluiceSocket.this.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      return SluiceSocket.this.available();
    }

    @Override
    public void close() throws IOException {
      SluiceSocket.this.close();
    }
  }

  /** The socket's output: each write returns once all its bytes are in the send buffer. */
  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      SluiceSocket.this.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      SluiceSocket.this.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      SluiceSocket.this.close();
    }
  }

  // ------------------------------------------------------------------ options

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    set(StandardSocketOptions.TCP_NODELAY, on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return get(StandardSocketOptions.TCP_NODELAY);
  }

  /** {@code on} false, or a negative time, turns lingering off, as the JDK's adaptor does. */
  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    set(StandardSocketOptions.SO_LINGER, on ? Math.min(linger, MAX_LINGER_SECONDS) : -1);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return get(StandardSocketOptions.SO_LINGER);
  }

  /** Urgent data is ordinary data in Sluice (RFC 6093 §6); see the class comment. */
  @Override
  public void sendUrgentData(int data) throws IOException {
    openConnected();
    throw new SocketException("Urgent data not supported");
  }

  /** Ignored: urgent bytes are always delivered inline (RFC 6093 §6); see the class comment. */
  @Override
  public void setOOBInline(boolean on) throws SocketException {
    requireOpen();
  }

  /** Always true: urgent bytes are delivered inline (RFC 6093 §6). */
  @Override
  public boolean getOOBInline() throws SocketException {
    requireOpen();
    return true;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    requireOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    this.timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    requireOpen();
    return timeoutMillis;
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("Invalid send size");
    }
    set(StandardSocketOptions.SO_SNDBUF, size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return get(StandardSocketOptions.SO_SNDBUF);
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("Invalid receive size");
    }
    set(StandardSocketOptions.SO_RCVBUF, size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return get(StandardSocketOptions.SO_RCVBUF);
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_KEEPALIVE, on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return get(StandardSocketOptions.SO_KEEPALIVE);
  }

  /** Checked, then ignored: the stack sends no traffic class (see the class comment). */
  @Override
  public void setTrafficClass(int tc) throws SocketException {
    if (tc < 0 || tc > 255) {
      throw new IllegalArgumentException("Invalid IP_TOS value");
    }
    requireOpen();
  }

  /** 0: the stack sends no traffic class. */
  @Override
  public int getTrafficClass() throws SocketException {
    requireOpen();
    return 0;
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return get(StandardSocketOptions.SO_REUSEADDR);
  }

  /** Does nothing, as {@link Socket}'s own does: TCP here has one kind of service. */
  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    // no preference changes what the stack does
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    channel.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return channel.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return channel.supportedOptions();
  }

  /** A socket-style option setter: every failure is a {@link SocketException}, as {@link Socket}'s. */
  private <T> void set(SocketOption<T> name, T value) throws SocketException {
    try {
      channel.setOption(name, value);
    } catch (IOException | RuntimeException e) {
      throw SocketExceptions.forOption(e);
    }
  }

  private <T> T get(SocketOption<T> name) throws SocketException {
    try {
      return channel.getOption(name);
    } catch (IOException | RuntimeException e) {
      throw SocketExceptions.forOption(e);
    }
  }

  private void requireOpen() throws SocketException {
    if (!channel.isOpen()) {
      throw new SocketException("Socket is closed");
    }
  }

  // ------------------------------------------------------------------ ending and state

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public void shutdownInput() throws IOException {
    try {
      channel.shutdownInput();
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
  }

  @Override
  public void shutdownOutput() throws IOException {
    try {
      channel.shutdownOutput();
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
  }

  @Override
  public boolean isConnected() {
    return channel.isConnected();
  }

  @Override
  public boolean isBound() {
    return local() != null;
  }

  @Override
  public boolean isClosed() {
    return !channel.isOpen();
  }

  /** True after {@link #shutdownInput()}; a close alone does not make it so, as in the JDK's adaptor. */
  @Override
  public boolean isInputShutdown() {
    return channel.isInputShutdown();
  }

  /** True after {@link #shutdownOutput()}; a close alone does not make it so, as in the JDK's adaptor. */
  @Override
  public boolean isOutputShutdown() {
    return channel.isOutputShutdown();
  }

  /** In {@link Socket}'s format: {@code Socket[addr=...,port=...,localport=...]}. */
  @Override
  public String toString() {
    if (!channel.isConnected()) {
      return "Socket[unconnected]";
    }
    return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "]";
  }
}
