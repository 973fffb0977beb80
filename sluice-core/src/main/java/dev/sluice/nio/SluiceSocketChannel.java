package dev.sluice.nio;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.tcp.TcpConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link SocketChannel} on a Sluice stack: one TCP connection, blocking or not.
 *
 * <p>Behaviour is the JDK's on Linux: a non-blocking connect returns false, as Linux's always
 * does; a failed connect closes the channel and throws {@link ConnectException}; a reset makes
 * reads throw {@link java.net.SocketException} ("Connection reset"); writing after {@link
 * #shutdownOutput()} throws {@link AsynchronousCloseException}, as JDK 25's does; readiness
 * follows {@code tcp_poll} (see {@link #readyOps}). {@code SelectorSemanticsTest} and {@code
 * ChannelSemanticsTest} run the same scenarios on the JDK's channels and on these.
 *
 * <p>Differences, on purpose: {@link #bind} takes only port 0 (the stack picks an outgoing
 * connection's port); {@code SO_RCVBUF} and {@code SO_SNDBUF} apply when the connection is made,
 * so setting them afterwards is kept but changes nothing, as on Linux once the window is scaled;
 * a write after a reset throws {@link java.net.SocketException} "Connection reset", where the
 * JDK's passes on the kernel's errno as a plain {@link IOException} ("Connection reset by peer",
 * then "Broken pipe").
 *
 * <p>A connection to one of the stack's own addresses, to 127.0.0.1 or ::1, or to the wildcard
 * address (which the JDK takes as loopback) is delivered inside the stack through its loopback
 * device, when the stack has one ({@code NetStack.Builder.loopback}, on by default).
 *
 * <p><b>Threads.</b> As the JDK's: one reader and one writer at a time ({@code readLock}, {@code
 * writeLock}), connecting and closing under {@code stateLock}. The connection itself is
 * thread-safe, so a read and a write run at once.
 */
final class SluiceSocketChannel extends SocketChannel implements SelectableSluiceChannel {
  private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.TCP_NODELAY,
      StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
      StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_LINGER);

  private final Host host;
  private final ChannelKeys keys = new ChannelKeys();
  private final Object stateLock = new Object();
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final ByteStaging staging = new ByteStaging();

  private volatile Connection connection;
  /** The handshake is done and {@link #finishConnect} (or a blocking connect) saw it. */
  private volatile boolean connected;
  private volatile boolean bound;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;
  private SluiceSocket socket; // stateLock

  // Options: kept here, given to the connection when it is made (and after, where TCP allows).
  private volatile boolean noDelay;
  private volatile boolean keepAlive;
  private volatile boolean reuseAddress;
  private volatile int receiveBuffer;
  private volatile int sendBuffer;
  private volatile int lingerSeconds = -1;

  SluiceSocketChannel(SluiceSelectorProvider provider, Host host) {
    super(provider);
    this.host = host;
    TcpConfig tcp = host.config().tcp();
    this.noDelay = !tcp.nagle();
    this.receiveBuffer = tcp.receiveBufferBytes();
    this.sendBuffer = tcp.sendBufferBytes();
  }

  /** An accepted connection: connected from the start, with its listener's options. */
  SluiceSocketChannel(SluiceSelectorProvider provider, Host host, Connection accepted) {
    this(provider, host);
    this.connection = accepted;
    this.connected = true;
    this.bound = true;
    this.noDelay = accepted.noDelay();
    this.keepAlive = accepted.keepAlive();
    accepted.addReadinessListener(keys);
  }

  @Override
  public ChannelKeys keys() {
    return keys;
  }

  /** The stack's connection, or null before {@link #connect}. */
  Connection connection() {
    return connection;
  }

  /** The lock a reader holds: the socket adaptor's timed reads take it too ({@link SluiceSocket}). */
  Object readLock() {
    return readLock;
  }

  // ------------------------------------------------------------------ connecting

  @Override
  public SocketChannel bind(SocketAddress local) throws IOException {
    synchronized (stateLock) {
      ensureOpen();
      if (connection != null && !connected) {
        throw new ConnectionPendingException();
      }
      if (bound) { // a connected channel is bound: the JDK's says AlreadyBoundException
        throw new AlreadyBoundException();
      }
      InetSocketAddress address = local == null ? new InetSocketAddress(0) : Addresses.check(local);
      if (address.getPort() != 0) {
        throw new BindException("Cannot assign requested address: Sluice picks the local port of an outgoing"
            + " connection, so only port 0 can be bound: " + address);
      }
      bound = true;
      return this;
    }
  }

  @Override
  public boolean connect(SocketAddress remote) throws IOException {
    return connect(remote, 0);
  }

  /**
   * As {@link #connect(SocketAddress)}; a positive {@code handshakeTimeoutNanos} gives the
   * connection its own timer for the handshake, which {@link SluiceSocket}'s timed connect waits on
   * (see {@link Host#connect(InetSocketAddress, dev.sluice.tcp.TcpConfig, long)}).
   */
  boolean connect(SocketAddress remote, long handshakeTimeoutNanos) throws IOException {
    InetSocketAddress address = Addresses.check(remote);
    Connection c;
    synchronized (stateLock) {
      ensureOpen();
      if (connected) {
        throw new AlreadyConnectedException();
      }
      if (connection != null) {
        throw new ConnectionPendingException();
      }
      try {
        c = host.connect(Addresses.loopbackIfAny(address), tcpConfig(), handshakeTimeoutNanos);
      } catch (IOException e) {
        close();
        throw e;
      }
      bound = true;
      connection = c;
      c.addReadinessListener(keys);
      if (keepAlive) {
        c.setKeepAlive(true);
      }
    }
    keys.readinessChanged(); // keys registered before connect look again: no longer a hang-up
    if (!isBlocking()) {
      // Linux answers a non-blocking TCP connect with EINPROGRESS even on loopback (the SYN-ACK
      // waits in the socket's backlog until connect returns), so the JDK's returns false and
      // finishConnect completes it; so does this one, however fast the handshake was.
      return false;
    }
    awaitHandshake(c);
    return true;
  }

  /**
   * Waits for the handshake, as a blocking connect does. A refused or timed-out connect closes the
   * channel and throws {@link ConnectException}; a close from another thread throws {@link
   * java.nio.channels.AsynchronousCloseException}, an interrupt {@link
   * java.nio.channels.ClosedByInterruptException}.
   */
  private void awaitHandshake(Connection c) throws IOException {
    IOException failure = null;
    try {
      begin();
      c.awaitConnected(0);
    } catch (IOException e) {
      failure = e;
    } finally {
      end(failure == null || isOpen());
    }
    if (failure != null) {
      close();
      throw failure instanceof ConnectException ? failure : new ConnectException(failure.getMessage());
    }
    synchronized (stateLock) {
      connected = true;
    }
  }

  @Override
  public boolean finishConnect() throws IOException {
    Connection c;
    synchronized (stateLock) {
      ensureOpen();
      if (connected) {
        return true;
      }
      c = connection;
      if (c == null) {
        throw new NoConnectionPendingException();
      }
      if (c.isConnected() && c.failure() == null) {
        connected = true;
        return true;
      }
      if (c.failure() != null || c.isClosed()) {
        close();
        throw new ConnectException(c.failure() == dev.sluice.tcp.TcpEvent.TIMED_OUT
            ? "Connection timed out" : "Connection refused");
      }
      if (!isBlocking()) {
        return false;
      }
    }
    awaitHandshake(c);
    return true;
  }

  @Override
  public boolean isConnected() {
    return connected && isOpen(); // as the JDK's: a closed channel is no longer connected
  }

  @Override
  public boolean isConnectionPending() {
    return connection != null && !connected && isOpen();
  }

  /** The settings a new connection starts with: the stack's, with this channel's options. */
  private TcpConfig tcpConfig() {
    TcpConfig base = host.config().tcp();
    if (base.nagle() == !noDelay && base.receiveBufferBytes() == receiveBuffer
        && base.sendBufferBytes() == sendBuffer) {
      return base;
    }
    return base.toBuilder().buildWith(b -> {
      b.nagle = !noDelay;
      b.receiveBufferBytes = receiveBuffer;
      b.sendBufferBytes = sendBuffer;
    });
  }

  // ------------------------------------------------------------------ reading and writing

  @Override
  public int read(ByteBuffer dst) throws IOException {
    Objects.requireNonNull(dst, "dst");
    synchronized (readLock) {
      Connection c = connectedConnection();
      if (inputShutdown) {
        return -1;
      }
      requireWritable(dst);
      if (!dst.hasRemaining()) {
        return 0;
      }
      boolean blocking = isBlocking();
      int n = 0;
      try {
        beginBlocking(blocking);
        n = staging.read(c, dst, blocking);
        return n;
      } finally {
        endBlocking(blocking, n != 0);
      }
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, dsts.length);
    synchronized (readLock) {
      Connection c = connectedConnection();
      if (inputShutdown) {
        return -1;
      }
      for (int i = offset; i < offset + length; i++) {
        requireWritable(dsts[i]);
      }
      long total = 0;
      boolean blocking = isBlocking();
      try {
        beginBlocking(blocking);
        for (int i = offset; i < offset + length; i++) {
          ByteBuffer dst = dsts[i];
          if (!dst.hasRemaining()) {
            continue;
          }
          int want = dst.remaining();
          // Only the first read may wait: after bytes arrived, take what is there and return.
          int n = staging.read(c, dst, blocking && total == 0);
          if (n < 0) {
            return total == 0 ? -1 : total;
          }
          total += n;
          if (n < want) {
            break;
          }
        }
        return total;
      } finally {
        endBlocking(blocking, total != 0);
      }
    }
  }

  /**
   * As the JDK's reads (its {@code IOUtil.read}): a read-only buffer is refused before anything is
   * read, rather than failing with {@link java.nio.ReadOnlyBufferException} once bytes arrive.
   */
  private static void requireWritable(ByteBuffer dst) {
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("Read-only buffer");
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    Objects.requireNonNull(src, "src");
    synchronized (writeLock) {
      Connection c = connectedConnection();
      if (outputShutdown) {
        throw outputShutDown();
      }
      boolean blocking = isBlocking();
      int n = 0;
      try {
        beginBlocking(blocking);
        n = staging.write(c, src, blocking);
        return n;
      } catch (IOException e) {
        throw outputShutdown ? outputShutDown() : e;
      } finally {
        endBlocking(blocking, n > 0);
      }
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    synchronized (writeLock) {
      Connection c = connectedConnection();
      if (outputShutdown) {
        throw outputShutDown();
      }
      long total = 0;
      boolean blocking = isBlocking();
      try {
        beginBlocking(blocking);
        for (int i = offset; i < offset + length; i++) {
          ByteBuffer src = srcs[i];
          int want = src.remaining();
          int n = staging.write(c, src, blocking);
          total += n;
          if (n < want) {
            break; // the send buffer is full (non-blocking)
          }
        }
        return total;
      } catch (IOException e) {
        throw outputShutdown && total == 0 ? outputShutDown() : e;
      } finally {
        endBlocking(blocking, total > 0);
      }
    }
  }

  /**
   * What a write that finds the output shut down throws. The JDK's channel throws {@link
   * AsynchronousCloseException} (a {@link ClosedChannelException}, as the specification asks),
   * whether the shutdown came before the write or while it waited: its {@code implWrite} ends with
   * that exception whenever nothing was written and the output is shut down.
   */
  private static AsynchronousCloseException outputShutDown() {
    return new AsynchronousCloseException();
  }

  // ------------------------------------------------------------------ ending

  @Override
  public SocketChannel shutdownInput() throws IOException {
    synchronized (stateLock) {
      Connection c = connectedConnection();
      if (!inputShutdown) {
        c.shutdownInput();
        inputShutdown = true;
      }
    }
    keys.readinessChanged();
    return this;
  }

  @Override
  public SocketChannel shutdownOutput() throws IOException {
    synchronized (stateLock) {
      Connection c = connectedConnection();
      if (!outputShutdown) {
        c.shutdownOutput();
        outputShutdown = true;
      }
    }
    keys.readinessChanged();
    return this;
  }

  boolean isInputShutdown() {
    return inputShutdown;
  }

  boolean isOutputShutdown() {
    return outputShutdown;
  }

  /**
   * Closes as the JDK does: our FIN after what was written (a RST if received bytes were left
   * unread, RFC 2525 §2.17), or a RST at once with {@code SO_LINGER} 0. With a positive linger
   * time, a blocking channel waits up to that long for the FIN's acknowledgement, then resets.
   */
  @Override
  protected void implCloseSelectableChannel() throws IOException {
    Connection c;
    synchronized (stateLock) {
      c = connection;
    }
    if (c == null) {
      return;
    }
    int linger = lingerSeconds;
    if (linger == 0) {
      c.abort();
    } else {
      c.close();
      if (linger > 0 && isBlocking() && !c.awaitFinAcknowledged(linger * 1_000_000_000L)) {
        c.abort();
      }
    }
    keys.readinessChanged();
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // Each call reads the mode when it starts; nothing to change underneath.
  }

  // ------------------------------------------------------------------ readiness

  /**
   * As {@code tcp_poll} and the JDK's translation of it: an error, a reset, a finished connection,
   * both directions shut down, or no connection at all is a hang-up, which makes every interesting
   * operation ready; otherwise {@code OP_CONNECT} once the handshake is done, and, after {@link
   * #finishConnect}, {@code OP_READ} with bytes or the end-of-stream to read and {@code OP_WRITE}
   * with send-buffer room or after {@link #shutdownOutput()} (a write then fails at once).
   */
  @Override
  public int readyOps(int interest) {
    Connection c = connection;
    if (c == null) {
      return interest;
    }
    int r = c.readiness();
    boolean inputDone = inputShutdown || c.endOfStreamDelivered();
    boolean outputDone = outputShutdown || c.applicationClosed();
    if ((r & Connection.FAILED) != 0 || c.isClosed() || inputDone && outputDone) {
      return interest;
    }
    int ready = 0;
    if (!connected) {
      if (c.isConnected()) {
        ready |= SelectionKey.OP_CONNECT;
      }
      return ready & interest;
    }
    if ((r & Connection.READABLE) != 0 || inputDone) {
      ready |= SelectionKey.OP_READ;
    }
    if ((r & Connection.WRITABLE) != 0 || outputDone) {
      ready |= SelectionKey.OP_WRITE;
    }
    return ready & interest;
  }

  // ------------------------------------------------------------------ options and addresses

  @Override
  public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    SocketOptions.checkSettable(OPTIONS, name, value);
    synchronized (stateLock) {
      ensureOpen();
      Connection c = connection;
      if (name == StandardSocketOptions.TCP_NODELAY) {
        noDelay = (Boolean) value;
        if (c != null) {
          c.setNoDelay(noDelay);
        }
      } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
        keepAlive = (Boolean) value;
        if (c != null) {
          c.setKeepAlive(keepAlive);
        }
      } else if (name == StandardSocketOptions.SO_REUSEADDR) {
        reuseAddress = (Boolean) value;
      } else if (name == StandardSocketOptions.SO_RCVBUF) {
        receiveBuffer = positive(name, (Integer) value);
      } else if (name == StandardSocketOptions.SO_SNDBUF) {
        sendBuffer = positive(name, (Integer) value);
      } else if (name == StandardSocketOptions.SO_LINGER) {
        int seconds = (Integer) value;
        lingerSeconds = seconds < 0 ? -1 : seconds;
      }
      return this;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getOption(SocketOption<T> name) throws IOException {
    SocketOptions.checkSupported(OPTIONS, name);
    ensureOpen();
    Object value;
    if (name == StandardSocketOptions.TCP_NODELAY) {
      value = noDelay;
    } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
      value = keepAlive;
    } else if (name == StandardSocketOptions.SO_REUSEADDR) {
      value = reuseAddress;
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      value = receiveBuffer;
    } else if (name == StandardSocketOptions.SO_SNDBUF) {
      value = sendBuffer;
    } else {
      value = lingerSeconds;
    }
    return (T) value;
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  private static int positive(SocketOption<?> name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException("Invalid value for " + name + ": " + value);
    }
    return value;
  }

  @Override
  public SocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    Connection c = connection;
    if (c != null) {
      return Addresses.local(c.endpoints());
    }
    return bound ? Addresses.wildcard(0) : null;
  }

  @Override
  public SocketAddress getRemoteAddress() throws IOException {
    ensureOpen();
    Connection c = connection;
    return c == null ? null : Addresses.remote(c.endpoints());
  }

  @Override
  public Socket socket() {
    synchronized (stateLock) {
      if (socket == null) {
        socket = SluiceSocket.of(this);
      }
      return socket;
    }
  }

  // ------------------------------------------------------------------ checks

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  private Connection connectedConnection() throws ClosedChannelException {
    ensureOpen();
    if (!connected) {
      throw new NotYetConnectedException();
    }
    return connection;
  }

  /**
   * Marks the start of a read or write that may block, so that an interrupt or an asynchronous
   * close ends it. A non-blocking call is not interruptible, as in the JDK's {@code
   * SocketChannelImpl}: it ignores the thread's interrupt status rather than closing the channel
   * (an event loop whose thread has the status set, by code that restored it after catching
   * {@link InterruptedException}, would otherwise close whichever channel it touches next).
   */
  private void beginBlocking(boolean blocking) {
    if (blocking) {
      begin();
    }
  }

  /** Ends what {@link #beginBlocking} began. */
  private void endBlocking(boolean blocking, boolean completed) throws AsynchronousCloseException {
    if (blocking) {
      end(completed);
    }
  }

  @Override
  public String toString() {
    Connection c = connection;
    return "SluiceSocketChannel[" + (!isOpen() ? "closed" : c == null ? "unconnected" : c.toString()) + "]";
  }
}
