package dev.sluice.api;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Listener;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A listening TCP port (RFC 9293 §3.10.1 passive OPEN), like {@link java.net.ServerSocket}. */
public final class TcpServer implements AutoCloseable {
  /** The stack that made this server, for the async calls; null over a host the caller runs. */
  private final NetStack stack;
  private final Listener listener;
  private volatile Duration acceptTimeout = Duration.ZERO;
  private volatile boolean closed;

  TcpServer(NetStack stack, Listener listener) {
    this.stack = stack;
    this.listener = listener;
  }

  public int localPort() {
    return listener.port();
  }

  /** Like {@code SO_TIMEOUT} on a server socket: how long {@link #accept()} waits; zero is forever. */
  public void setAcceptTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("accept timeout must not be negative: " + timeout);
    }
    acceptTimeout = timeout;
  }

  /**
   * The next established connection. Throws {@link java.net.SocketTimeoutException} after the
   * accept timeout and {@link java.net.SocketException} ("Socket closed") once closed.
   */
  public TcpConnection accept() throws IOException {
    return new TcpConnection(stack, listener.accept(acceptTimeout.toNanos()));
  }

  /**
   * Accepts as {@link #accept()} does, without a thread waiting: the future completes with the
   * next established connection. Cancelling it never drops a connection: one it did not take
   * stays queued for the next accept. Built on {@link #acceptNow()} and the stack's readiness
   * notifications.
   */
  public CompletableFuture<TcpConnection> acceptAsync() {
    return new ReadinessCall<TcpConnection>(NetStack.executor(stack), ReadinessCall.ReadinessSource.of(listener)) {
      @Override
      boolean tryNow() throws IOException {
        TcpConnection c = acceptNow();
        result(c);
        return c != null;
      }
    }.start();
  }

  /**
   * The next established connection if one is waiting, else null at once: {@link #accept()}
   * without waiting. Throws {@link SocketException} ("Socket closed") once closed and none waits.
   */
  public TcpConnection acceptNow() throws SocketException {
    Connection c = listener.poll();
    if (c == null) {
      if (closed) {
        throw new SocketException("Socket closed: listener on port " + listener.port());
      }
      return null;
    }
    return new TcpConnection(stack, c);
  }

  /**
   * Connections established and not yet accepted: {@link #acceptNow()} returns one when this is
   * not 0, which is when {@code poll(2)} reports a listening socket readable.
   */
  public int queued() {
    return listener.queued();
  }

  /** Stops accepting; connections already accepted are not affected. */
  @Override
  public void close() {
    closed = true;
    listener.close();
  }
}
