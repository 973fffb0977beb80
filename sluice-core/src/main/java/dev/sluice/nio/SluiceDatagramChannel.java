package dev.sluice.nio;

import dev.sluice.stack.Host;
import dev.sluice.stack.ReadinessListener;
import dev.sluice.stack.UdpEndpoint;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link DatagramChannel} on a Sluice stack: one UDP port ({@link UdpEndpoint}), blocking or
 * not, selectable with {@link SluiceSelector}.
 *
 * <p>Behaviour is the JDK's on Linux: an unbound channel binds an ephemeral port on its first
 * send, receive or connect; a datagram longer than the buffer is truncated and the rest discarded
 * ({@code recvfrom} without {@code MSG_TRUNC}); a connected channel hears only its peer (the port
 * drops everyone else's datagrams before they queue, as Linux's lookup does) and sending to
 * another address throws {@link AlreadyConnectedException}; {@link #read} and {@link #write} need a
 * connection ({@link NotYetConnectedException}); a datagram too long to send throws {@link
 * SocketException} "Message too long", as {@code EMSGSIZE} does. A blocking receive is woken by a
 * close ({@link java.nio.channels.AsynchronousCloseException}) or an interrupt ({@link
 * java.nio.channels.ClosedByInterruptException}).
 *
 * <p>Differences, on purpose: the stack does not fragment, so "too long" means longer than the
 * route's MTU (Linux would fragment up to 65,507 bytes); ports are bound, not addresses, so a bound
 * address is reported back but any of the host's addresses reaches the port; the receive queue
 * holds the stack's 1024 datagrams whatever {@code SO_RCVBUF} says, and {@code SO_SNDBUF}, {@code
 * SO_REUSEADDR} and {@code SO_BROADCAST} are kept and reported only; multicast ({@link #join}) is
 * unsupported and throws {@link UnsupportedOperationException}.
 *
 * <p><b>Threads.</b> As the JDK's: one receiver at a time ({@code readLock}), one sender at a time
 * ({@code writeLock}), binding under {@code stateLock}; {@link #connect} and {@link #disconnect}
 * take all three, so they wait for a blocked receive to end. The port is thread-safe, so a receive
 * and a send run at once. A blocked receiver parks; the port's readiness notification unparks it.
 */
final class SluiceDatagramChannel extends DatagramChannel implements SelectableSluiceChannel {
  /** The largest UDP payload (RFC 768: a 16-bit length that includes the 8-byte header). */
  private static final int MAX_PAYLOAD = 65_535 - 8;
  /** Datagrams a port queues, as {@code NetStack.openUdp} gives its ports. */
  private static final int QUEUE_DATAGRAMS = 1024;
  /** Linux's {@code net.core.rmem_default} and {@code wmem_default}: what the options start at. */
  private static final int DEFAULT_BUFFER = 212_992;
  private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF,
      StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_BROADCAST);

  private final Host host;
  private final ChannelKeys keys = new ChannelKeys();
  private final ReadinessListener wakeReceiver = this::wakeReceiver;
  private final Object stateLock = new Object();
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final int[] copied = new int[1]; // readLock

  private volatile UdpEndpoint endpoint;
  /** The address asked for at bind, null for the wildcard; reported by {@link #getLocalAddress}. */
  private volatile InetAddress boundAddress;
  private volatile InetSocketAddress remote;
  /** The thread parked in a blocking receive, for the port's notification to unpark. */
  private volatile Thread receiver;
  private SluiceDatagramSocket socket; // stateLock
  private byte[] receiveStaging; // readLock
  private byte[] sendStaging; // writeLock

  private volatile int receiveBuffer = DEFAULT_BUFFER;
  private volatile int sendBuffer = DEFAULT_BUFFER;
  private volatile boolean reuseAddress;
  private volatile boolean broadcast;

  SluiceDatagramChannel(SluiceSelectorProvider provider, Host host) {
    super(provider);
    this.host = host;
  }

  @Override
  public ChannelKeys keys() {
    return keys;
  }

  // ------------------------------------------------------------------ binding and connecting

  @Override
  public DatagramChannel bind(SocketAddress local) throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (endpoint != null) {
            throw new AlreadyBoundException();
          }
          bindPort(local == null ? new InetSocketAddress(0) : Addresses.check(local));
          return this;
        }
      }
    }
  }

  /** The port, bound to an ephemeral one first if need be, as the JDK binds implicitly. */
  private UdpEndpoint boundEndpoint() throws IOException {
    UdpEndpoint e = endpoint;
    if (e != null) {
      return e;
    }
    synchronized (stateLock) {
      ensureOpen();
      if (endpoint == null) {
        bindPort(new InetSocketAddress(0));
      }
      return endpoint;
    }
  }

  /** stateLock held, channel open. */
  private void bindPort(InetSocketAddress address) throws IOException {
    UdpEndpoint e = host.bindUdp(address.getPort(), QUEUE_DATAGRAMS);
    e.addReadinessListener(keys);
    e.addReadinessListener(wakeReceiver);
    boundAddress = address.getAddress().isAnyLocalAddress() ? null : address.getAddress();
    endpoint = e;
    keys.readinessChanged();
  }

  /**
   * Connects as the JDK does: the channel then hears only {@code remote}, and datagrams that were
   * queued and not yet received are discarded (the JDK drains the socket after {@code connect(2)},
   * so none from another sender slip through).
   */
  @Override
  public DatagramChannel connect(SocketAddress remote) throws IOException {
    InetSocketAddress peer = Addresses.check(remote);
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (this.remote != null) {
            throw new AlreadyConnectedException();
          }
          UdpEndpoint e = boundEndpoint();
          if (e.sourceAddressFor(peer.getAddress()) == null) {
            throw new NoRouteToHostException("No route to host: " + peer);
          }
          e.connect(peer);
          byte[] scratch = new byte[1];
          while (e.receiveNow(scratch, 0, 0, copied) != null) {
            // discarded, as the JDK's connect flushes the receive buffer
          }
          this.remote = peer;
        }
      }
    }
    keys.readinessChanged();
    return this;
  }

  @Override
  public DatagramChannel disconnect() throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          if (!isOpen() || remote == null) {
            return this;
          }
          endpoint.disconnect();
          remote = null;
        }
      }
    }
    return this;
  }

  @Override
  public boolean isConnected() {
    return isOpen() && remote != null;
  }

  // ------------------------------------------------------------------ receiving

  @Override
  public SocketAddress receive(ByteBuffer dst) throws IOException {
    requireWritable(dst);
    synchronized (readLock) {
      ensureOpen();
      UdpEndpoint e = boundEndpoint();
      InetSocketAddress from = null;
      try {
        begin();
        from = receiveInto(e, dst, 0);
        return from;
      } finally {
        end(from != null);
      }
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    requireWritable(dst);
    synchronized (readLock) {
      UdpEndpoint e = connectedEndpoint();
      if (!dst.hasRemaining()) {
        return 0; // as the JDK's IOUtil: no system call for an empty buffer, nothing consumed
      }
      int before = dst.position();
      InetSocketAddress from = null;
      try {
        begin();
        from = receiveInto(e, dst, 0);
        return from == null ? 0 : dst.position() - before;
      } finally {
        end(from != null);
      }
    }
  }

  /** Reads one datagram across {@code dsts}, in order; what does not fit is discarded. */
  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, dsts.length);
    long room = 0;
    for (int i = offset; i < offset + length; i++) {
      requireWritable(dsts[i]);
      room += dsts[i].remaining();
    }
    synchronized (readLock) {
      UdpEndpoint e = connectedEndpoint();
      if (room == 0) {
        return 0;
      }
      ByteBuffer staged = ByteBuffer.wrap(receiveStaging(), 0, (int) Math.min(room, MAX_PAYLOAD));
      InetSocketAddress from = null;
      try {
        begin();
        from = receiveInto(e, staged, 0);
      } finally {
        end(from != null);
      }
      if (from == null) {
        return 0;
      }
      staged.flip();
      long total = staged.remaining();
      for (int i = offset; i < offset + length && staged.hasRemaining(); i++) {
        int n = Math.min(staged.remaining(), dsts[i].remaining());
        dsts[i].put(dsts[i].position(), staged, staged.position(), n);
        dsts[i].position(dsts[i].position() + n);
        staged.position(staged.position() + n);
      }
      return total;
    }
  }

  /**
   * A blocking receive that waits at most {@code timeoutNanos} (0: no limit), then throws {@link
   * SocketTimeoutException}: {@code SO_TIMEOUT} for the {@link #socket()} view.
   */
  InetSocketAddress receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    requireWritable(dst);
    synchronized (readLock) {
      ensureOpen();
      if (!isBlocking()) {
        throw new IllegalBlockingModeException();
      }
      UdpEndpoint e = boundEndpoint();
      InetSocketAddress from = null;
      try {
        begin();
        from = receiveInto(e, dst, timeoutNanos);
        return from;
      } finally {
        end(from != null);
      }
    }
  }

  /**
   * Takes one datagram into {@code dst}, truncated to its room, and returns its sender; in
   * non-blocking mode null when none is queued, in blocking mode waits, up to {@code timeoutNanos}
   * if not 0. readLock held, between begin() and end(): a close or an interrupt closes the port,
   * whose notification unparks this thread, and the port's "closed" exception then becomes end()'s
   * asynchronous-close one.
   */
  private InetSocketAddress receiveInto(UdpEndpoint e, ByteBuffer dst, long timeoutNanos) throws IOException {
    long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
    boolean blocking = isBlocking();
    boolean direct = !dst.hasArray();
    byte[] into = direct ? receiveStaging() : dst.array();
    int off = direct ? 0 : dst.arrayOffset() + dst.position();
    int len = direct ? Math.min(dst.remaining(), into.length) : dst.remaining();
    // Published before the queue is polled, and the port queues before it notifies: an arrival
    // after an empty poll finds this thread and unparks it, so no wake-up is lost.
    receiver = Thread.currentThread();
    try {
      while (true) {
        InetSocketAddress from = e.receiveNow(into, off, len, copied);
        if (from != null) {
          if (direct) {
            dst.put(into, 0, copied[0]);
          } else {
            dst.position(dst.position() + copied[0]);
          }
          return from;
        }
        if (!blocking) {
          return null;
        }
        if (deadline == 0) {
          LockSupport.park(this);
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new SocketTimeoutException("Receive timed out");
          }
          LockSupport.parkNanos(this, left);
        }
      }
    } finally {
      receiver = null;
    }
  }

  private void wakeReceiver() {
    Thread t = receiver;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  private byte[] receiveStaging() {
    if (receiveStaging == null) {
      receiveStaging = new byte[MAX_PAYLOAD];
    }
    return receiveStaging;
  }

  private static void requireWritable(ByteBuffer dst) {
    Objects.requireNonNull(dst, "dst");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("Read-only buffer");
    }
  }

  // ------------------------------------------------------------------ sending

  @Override
  public int send(ByteBuffer src, SocketAddress target) throws IOException {
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(target, "target");
    InetSocketAddress to = Addresses.check(target);
    synchronized (writeLock) {
      ensureOpen();
      InetSocketAddress peer = remote;
      if (peer != null && !peer.equals(to)) {
        throw new AlreadyConnectedException();
      }
      return sendOne(boundEndpoint(), src, to);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    Objects.requireNonNull(src, "src");
    synchronized (writeLock) {
      UdpEndpoint e = connectedEndpoint();
      if (!src.hasRemaining()) {
        return 0; // as the JDK's IOUtil: an empty buffer sends nothing
      }
      return sendOne(e, src, remote);
    }
  }

  /** Sends what remains of {@code srcs}, gathered in order, as one datagram. */
  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += srcs[i].remaining();
    }
    synchronized (writeLock) {
      UdpEndpoint e = connectedEndpoint();
      if (total == 0) {
        return 0;
      }
      if (total > MAX_PAYLOAD) {
        throw messageTooLong(total);
      }
      byte[] gathered = sendStaging();
      int at = 0;
      for (int i = offset; i < offset + length; i++) {
        int n = srcs[i].remaining();
        srcs[i].get(srcs[i].position(), gathered, at, n);
        at += n;
      }
      sendBytes(e, gathered, 0, at, remote);
      for (int i = offset; i < offset + length; i++) {
        srcs[i].position(srcs[i].limit());
      }
      return total;
    }
  }

  /** Sends what remains of {@code src} as one datagram; writeLock held. */
  private int sendOne(UdpEndpoint e, ByteBuffer src, InetSocketAddress to) throws IOException {
    int n = src.remaining();
    if (n > MAX_PAYLOAD) {
      throw messageTooLong(n);
    }
    if (src.hasArray()) {
      sendBytes(e, src.array(), src.arrayOffset() + src.position(), n, to);
    } else {
      byte[] staged = sendStaging();
      src.get(src.position(), staged, 0, n);
      sendBytes(e, staged, 0, n, to);
    }
    src.position(src.position() + n);
    return n;
  }

  private void sendBytes(UdpEndpoint e, byte[] b, int off, int len, InetSocketAddress to) throws IOException {
    boolean sent = false;
    try {
      begin(); // a send never waits, but an interrupted thread's I/O closes the channel, as the JDK's
      e.send(b, off, len, to);
      sent = true;
    } finally {
      end(sent);
    }
  }

  private byte[] sendStaging() {
    if (sendStaging == null) {
      sendStaging = new byte[MAX_PAYLOAD];
    }
    return sendStaging;
  }

  private static SocketException messageTooLong(long bytes) {
    return new SocketException("Message too long: " + bytes + " bytes is more than a UDP datagram holds");
  }

  // ------------------------------------------------------------------ closing and readiness

  /** Unbinds the port, which wakes a blocked receiver and tells the selectors. */
  @Override
  protected void implCloseSelectableChannel() {
    UdpEndpoint e;
    synchronized (stateLock) {
      e = endpoint;
    }
    if (e != null) {
      e.close();
    }
    wakeReceiver();
    keys.readinessChanged();
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // Each call reads the mode when it starts; nothing to change underneath.
  }

  /**
   * As {@code udp_poll}: {@code OP_READ} while a datagram is queued, {@code OP_WRITE} always (a
   * send never waits here; on Linux it waits only for a full send buffer). A port the stack closed
   * is an error, which makes every interesting operation ready, so the call fails at once.
   */
  @Override
  public int readyOps(int interest) {
    UdpEndpoint e = endpoint;
    if (e != null && e.isClosed()) {
      return interest;
    }
    int ready = SelectionKey.OP_WRITE;
    if (e != null && e.queued() > 0) {
      ready |= SelectionKey.OP_READ;
    }
    return ready & interest;
  }

  // ------------------------------------------------------------------ options and addresses

  @Override
  public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
    SocketOptions.checkSettable(OPTIONS, name, value);
    synchronized (stateLock) {
      ensureOpen();
      if (name == StandardSocketOptions.SO_RCVBUF) {
        receiveBuffer = bufferSize((Integer) value);
      } else if (name == StandardSocketOptions.SO_SNDBUF) {
        sendBuffer = bufferSize((Integer) value);
      } else if (name == StandardSocketOptions.SO_REUSEADDR) {
        reuseAddress = (Boolean) value;
      } else {
        broadcast = (Boolean) value;
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
    if (name == StandardSocketOptions.SO_RCVBUF) {
      value = receiveBuffer;
    } else if (name == StandardSocketOptions.SO_SNDBUF) {
      value = sendBuffer;
    } else if (name == StandardSocketOptions.SO_REUSEADDR) {
      value = reuseAddress;
    } else {
      value = broadcast;
    }
    return (T) value;
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  /** As the JDK: a negative size is refused, zero is taken (Linux raises it to its minimum). */
  private static int bufferSize(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("Invalid send/receive buffer size");
    }
    return value;
  }

  /**
   * Where the channel is bound: null before, the local address datagrams to the peer leave from
   * while connected (as {@code getsockname} after {@code connect(2)}), else the bound address, the
   * wildcard unless one was given.
   */
  @Override
  public SocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    UdpEndpoint e = endpoint;
    if (e == null) {
      return null;
    }
    InetSocketAddress peer = remote;
    InetAddress local = peer != null ? e.sourceAddressFor(peer.getAddress()) : boundAddress;
    return local == null ? Addresses.wildcard(e.port()) : new InetSocketAddress(local, e.port());
  }

  @Override
  public SocketAddress getRemoteAddress() throws IOException {
    ensureOpen();
    return remote;
  }

  /** A {@link DatagramSocket} view of this channel, as the JDK's {@code socket()} adaptor is. */
  @Override
  public DatagramSocket socket() {
    synchronized (stateLock) {
      if (socket == null) {
        socket = new SluiceDatagramSocket(this);
      }
      return socket;
    }
  }

  /** Unsupported: Sluice does not do multicast (no IGMP or MLD). */
  @Override
  public MembershipKey join(InetAddress group, NetworkInterface interf) {
    throw new UnsupportedOperationException("Sluice does not support multicast");
  }

  /** Unsupported: Sluice does not do multicast (no IGMP or MLD). */
  @Override
  public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) {
    throw new UnsupportedOperationException("Sluice does not support multicast");
  }

  // ------------------------------------------------------------------ checks

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  private UdpEndpoint connectedEndpoint() throws ClosedChannelException {
    ensureOpen();
    if (remote == null) {
      throw new NotYetConnectedException();
    }
    return endpoint;
  }

  @Override
  public String toString() {
    UdpEndpoint e = endpoint;
    InetSocketAddress peer = remote;
    return "SluiceDatagramChannel[" + (!isOpen() ? "closed" : e == null ? "unbound"
        : "port " + e.port() + (peer == null ? "" : " connected to " + peer)) + "]";
  }
}
