package dev.sluice.api;

import dev.sluice.stack.Listener;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A listening TCP port (RFC 9293 §3.10.1 passive OPEN), like {@link java.net.ServerSocket}. */
public final class TcpServer implements AutoCloseable {
  private final NetStack stack;
  private final Listener listener;
  private volatile Duration acceptTimeout = Duration.ZERO;

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

  /** {@link #accept()} on a virtual thread. */
  public CompletableFuture<TcpConnection> acceptAsync() {
    return stack.async(this::accept);
  }

  /** Stops accepting; connections already accepted are not affected. */
  @Override
  public void close() {
    listener.close();
  }
}
