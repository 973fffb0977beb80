package dev.sluice.api;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Listener;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A listening TCP port (RFC 9293 §3.10.1 passive OPEN), like {@link java.net.ServerSocket}. The
 * stack completes handshakes in the background and queues the established connections (up to the
 * backlog) until the application takes them.
 *
 * <p>Thread-safe: any number of threads may accept at once, and each queued connection goes to
 * exactly one of them. {@link #accept()} blocks up to the {@link #setAcceptTimeout accept
 * timeout}; {@link #acceptNow()} never waits; {@link #acceptAsync()} waits without a thread and
 * can be cancelled. {@link #close()} from another thread wakes blocked acceptors, which throw
 * {@link SocketException}.
 */
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

  /**
   * The port this server listens on.
   *
   * @return the port, also when it was picked for a {@code listen(0)}
   */
  public int localPort() {
    return listener.port();
  }

  /**
   * Like {@code SO_TIMEOUT} on a server socket: how long {@link #accept()} waits; zero is forever.
   * Applies to accepts that start afterwards.
   *
   * @param timeout the accept timeout, not negative
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public void setAcceptTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("accept timeout must not be negative: " + timeout);
    }
    acceptTimeout = timeout;
  }

  /**
   * The next established connection, blocking until one is queued, the accept timeout passes,
   * the server is closed or the thread is interrupted.
   *
   * @return the connection, established
   * @throws java.net.SocketTimeoutException if the accept timeout passes first; the server stays
   *     usable
   * @throws SocketException "Socket closed" once the server is closed (also by another thread, or
   *     by the stack's close, while this waits), or "Accept interrupted" if the thread is
   *     interrupted while it waits (the interrupt status stays set and the server stays open)
   * @throws IOException if the accept fails for another reason
   */
  public TcpConnection accept() throws IOException {
    return new TcpConnection(stack, listener.accept(acceptTimeout.toNanos()));
  }

  /**
   * Accepts as {@link #accept()} does, without a thread waiting: the future completes with the
   * next established connection. Cancelling it never drops a connection: one it did not take
   * stays queued for the next accept. Built on {@link #acceptNow()} and the stack's readiness
   * notifications; the first attempt runs on the calling thread, later ones, and the future's
   * completion, on the stack's virtual threads.
   *
   * @return a future of the next connection; it fails with {@link SocketException} once the server
   *     or the stack is closed
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
   *
   * @return the next queued connection, or null if none is queued
   * @throws SocketException if the server is closed and no connection is queued
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
   * not 0, which is when {@code poll(2)} reports a listening socket readable. Never waits.
   *
   * @return the number of queued connections
   */
  public int queued() {
    return listener.queued();
  }

  /**
   * Stops accepting and frees the port; connections already accepted are not affected. Threads
   * blocked in {@link #accept()} wake and throw {@link SocketException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    listener.close();
  }
}
