package dev.sluice.nio;

import dev.sluice.stack.Connection;
import dev.sluice.stack.Host;
import dev.sluice.stack.Listener;
import dev.sluice.tcp.TcpConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * A {@link ServerSocketChannel} on a Sluice stack: a listening port and its accept queue.
 *
 * <p>A Sluice listener takes its port on every address of the stack, so binding to a particular
 * address binds the port on all of them (the stack has only its own addresses), though {@link
 * #getLocalAddress} reports the address given, as the JDK's does. Port 0 takes a
 * free ephemeral port. The backlog caps half-open plus not-yet-accepted connections; 0 or less
 * means the stack's default, as in the JDK. Options set here are inherited by the connections it
 * accepts, as on Linux.
 *
 * <p><b>Threads.</b> Accepts are serialized ({@code acceptLock}); binding and closing take {@code
 * stateLock}.
 */
final class SluiceServerSocketChannel extends ServerSocketChannel implements SelectableSluiceChannel {
  private static final Set<SocketOption<?>> OPTIONS =
      Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
  private static final int DEFAULT_BACKLOG = 128;

  private final SluiceSelectorProvider provider;
  private final Host host;
  private final ChannelKeys keys = new ChannelKeys();
  private final Object stateLock = new Object();
  private final Object acceptLock = new Object();
  private volatile Listener listener;
  /** The address {@link #bind} was given, which {@link #getLocalAddress} reports, as the JDK's does. */
  private volatile InetAddress boundAddress;
  private volatile int receiveBuffer;
  private volatile boolean reuseAddress = true; // the JDK's default for a server socket
  private SluiceServerSocket socket; // stateLock

  SluiceServerSocketChannel(SluiceSelectorProvider provider, Host host) {
    super(provider);
    this.provider = provider;
    this.host = host;
    this.receiveBuffer = host.config().tcp().receiveBufferBytes();
  }

  @Override
  public ChannelKeys keys() {
    return keys;
  }

  @Override
  public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
    synchronized (stateLock) {
      ensureOpen();
      if (listener != null) {
        throw new AlreadyBoundException();
      }
      InetSocketAddress address = local == null ? new InetSocketAddress(0) : Addresses.check(local);
      if (!host.canBindTo(address.getAddress())) {
        throw new BindException("Cannot assign requested address: " + address.getAddress().getHostAddress()
            + " is not an address of this stack");
      }
      TcpConfig base = host.config().tcp();
      int buffer = receiveBuffer;
      TcpConfig tcp = base.receiveBufferBytes() == buffer ? base
          : base.toBuilder().buildWith(b -> b.receiveBufferBytes = buffer);
      Listener l = host.listen(address.getPort(), backlog < 1 ? DEFAULT_BACKLOG : backlog, tcp);
      l.addReadinessListener(keys);
      boundAddress = address.getAddress();
      listener = l;
    }
    keys.readinessChanged();
    return this;
  }

  /**
   * The next connection, as a connected {@link SocketChannel} in blocking mode; null at once when
   * this channel is non-blocking and none is queued.
   */
  @Override
  public SocketChannel accept() throws IOException {
    return accept(0);
  }

  /**
   * {@link #accept()}, with a blocking wait bounded by {@code timeoutNanos} (0: none) that ends in
   * {@link java.net.SocketTimeoutException}: the server socket adaptor's {@code SO_TIMEOUT}.
   */
  SocketChannel accept(long timeoutNanos) throws IOException {
    synchronized (acceptLock) {
      ensureOpen();
      Listener l = listener;
      if (l == null) {
        throw new NotYetBoundException();
      }
      Connection c = null;
      boolean blocking = isBlocking();
      try {
        if (blocking) {
          begin(); // only a blocking accept is interruptible, as in the JDK's ServerSocketChannelImpl
        }
        c = blocking ? l.accept(timeoutNanos) : l.poll();
      } catch (java.net.SocketException e) {
        if (isOpen()) {
          throw e;
        }
      } finally {
        if (blocking) {
          end(c != null);
        }
      }
      return c == null ? null : new SluiceSocketChannel(provider, host, c);
    }
  }

  /** As the JDK's: {@code OP_ACCEPT} with a connection queued; an unbound channel is a hang-up. */
  @Override
  public int readyOps(int interest) {
    Listener l = listener;
    if (l == null) {
      return interest;
    }
    return l.queued() > 0 ? interest & SelectionKey.OP_ACCEPT : 0;
  }

  @Override
  protected void implCloseSelectableChannel() {
    Listener l;
    synchronized (stateLock) {
      l = listener;
    }
    if (l != null) {
      l.close(); // wakes a blocked accept, which then fails
      Connection c;
      while ((c = l.poll()) != null) {
        try {
          c.abort(); // queued and never accepted: the peer learns with a RST, as on Linux
        } catch (IOException e) {
          // failed already: its peer has been told
        }
      }
    }
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // accept reads the mode each time
  }

  @Override
  public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    SocketOptions.checkSettable(OPTIONS, name, value);
    ensureOpen();
    if (name == StandardSocketOptions.SO_RCVBUF) {
      int bytes = (Integer) value;
      if (bytes <= 0) {
        throw new IllegalArgumentException("Invalid value for " + name + ": " + bytes);
      }
      receiveBuffer = bytes;
    } else {
      reuseAddress = (Boolean) value;
    }
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getOption(SocketOption<T> name) throws IOException {
    SocketOptions.checkSupported(OPTIONS, name);
    ensureOpen();
    Object value = name == StandardSocketOptions.SO_RCVBUF ? (Object) receiveBuffer : (Object) reuseAddress;
    return (T) value;
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  @Override
  public SocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    Listener l = listener;
    return l == null ? null : new InetSocketAddress(boundAddress, l.port());
  }

  /** The bound port, or -1 before {@link #bind}. */
  int localPort() {
    Listener l = listener;
    return l == null ? -1 : l.port();
  }

  @Override
  public ServerSocket socket() {
    synchronized (stateLock) {
      if (socket == null) {
        socket = new SluiceServerSocket(this);
      }
      return socket;
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  @Override
  public String toString() {
    Listener l = listener;
    return "SluiceServerSocketChannel[" + (!isOpen() ? "closed" : l == null ? "unbound" : "port " + l.port()) + "]";
  }
}
