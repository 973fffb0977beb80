package dev.sluice.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ServerSocket} view of a {@link SluiceServerSocketChannel}, which {@code
 * channel.socket()} returns and {@link SluiceServerSocketFactory} hands out: bind with a backlog,
 * a blocking {@link #accept()} that honours {@code SO_TIMEOUT}, and the channel's options. It
 * behaves as the JDK's own adaptor ({@code ServerSocketChannel.open().socket()}) does, exceptions
 * included (see {@link SocketExceptions}); accepted sockets are {@link SluiceSocket}s in blocking
 * mode.
 *
 * <p>A Sluice listener takes its port on every address of the stack (see {@link
 * SluiceServerSocketChannel}), so {@link #getInetAddress()} is the wildcard address whatever
 * address was bound.
 *
 * <p><b>Threads.</b> Accepts are serialized by the channel; a close from another thread ends a
 * blocked accept with {@link java.nio.channels.AsynchronousCloseException}, as the JDK's does.
 * {@code SO_TIMEOUT} is read when each accept starts.
 */
final class SluiceServerSocket extends ServerSocket {
  /** {@link ServerSocket}'s backlog when none is given, or one below 1. */
  static final int DEFAULT_BACKLOG = 50;

  private final SluiceServerSocketChannel channel;
  /** {@code SO_TIMEOUT} in milliseconds; 0 waits forever. */
  private volatile int timeoutMillis;

  SluiceServerSocket(SluiceServerSocketChannel channel) {
    super(NoPlatformSocket.INSTANCE);
    this.channel = channel;
  }

  @Override
  public void bind(SocketAddress endpoint) throws IOException {
    bind(endpoint, DEFAULT_BACKLOG);
  }

  /** A null {@code endpoint} takes an ephemeral port, as {@link ServerSocket#bind} does. */
  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    try {
      channel.bind(endpoint == null ? new InetSocketAddress(0) : endpoint,
          backlog < 1 ? DEFAULT_BACKLOG : backlog);
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
  }

  /** The wildcard address once bound (see the class comment), still after close; null before. */
  @Override
  public InetAddress getInetAddress() {
    // The JDK's own wildcard address, which prints as 0.0.0.0/0.0.0.0 as a JDK server socket's does
    return isBound() ? new InetSocketAddress(0).getAddress() : null;
  }

  /** The bound port, still after close; -1 before {@link #bind}. */
  @Override
  public int getLocalPort() {
    return channel.localPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    int port = channel.localPort();
    return port < 0 ? null : new InetSocketAddress(getInetAddress(), port);
  }

  /**
   * The next connection. With {@code SO_TIMEOUT} set, a wait that long throws {@link
   * java.net.SocketTimeoutException} and leaves the server socket open, as the JDK's does. A
   * non-blocking channel throws {@link IllegalBlockingModeException}, except that a connection
   * already queued is returned when no timeout is set: the JDK's adaptor does the same.
   */
  @Override
  public Socket accept() throws IOException {
    int timeout = timeoutMillis;
    SocketChannel accepted;
    try {
      if (timeout > 0 && !channel.isBlocking()) {
        throw new IllegalBlockingModeException();
      }
      accepted = channel.accept(TimeUnit.MILLISECONDS.toNanos(timeout));
    } catch (SocketTimeoutException e) {
      SocketTimeoutException timedOut = new SocketTimeoutException("Accept timed out"); // the JDK's words
      timedOut.initCause(e);
      throw timedOut;
    } catch (RuntimeException e) {
      throw SocketExceptions.forState(e);
    }
    if (accepted == null) {
      throw new IllegalBlockingModeException(); // non-blocking and none queued
    }
    return accepted.socket();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public ServerSocketChannel getChannel() {
    return channel;
  }

  @Override
  public boolean isBound() {
    return channel.localPort() >= 0;
  }

  @Override
  public boolean isClosed() {
    return !channel.isOpen();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    requireOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    requireOpen();
    return timeoutMillis;
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return get(StandardSocketOptions.SO_REUSEADDR);
  }

  /** {@code SO_RCVBUF} of the connections it will accept, set before {@link #bind}. */
  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("size cannot be 0 or negative");
    }
    set(StandardSocketOptions.SO_RCVBUF, size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return get(StandardSocketOptions.SO_RCVBUF);
  }

  /** Does nothing, as {@link ServerSocket}'s own does. */
  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    // no preference changes what the stack does
  }

  @Override
  public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
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

  /** In {@link ServerSocket}'s format: {@code ServerSocket[addr=...,localport=...]}. */
  @Override
  public String toString() {
    if (!isBound()) {
      return "ServerSocket[unbound]";
    }
    return "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]";
  }
}
