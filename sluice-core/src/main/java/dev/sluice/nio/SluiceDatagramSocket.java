package dev.sluice.nio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link DatagramSocket} view of a {@link SluiceDatagramChannel}, as the JDK's {@code
 * socket()} adaptor is: every call goes to the channel, with the channel's exceptions turned into
 * the ones {@link DatagramSocket} documents ({@link SocketException} "Socket is closed", {@link
 * IllegalArgumentException} for a packet addressed elsewhere than the connected peer, {@link
 * java.nio.channels.IllegalBlockingModeException} while the channel is non-blocking).
 *
 * <p>{@link DatagramSocket}'s only extensible constructor takes a {@link DatagramSocketImpl}; this
 * class hands it {@link Inert}, which nothing calls because every public method is overridden.
 *
 * <p>Differences, on purpose: {@link #receive} fills the packet's array from its offset to the end
 * (the JDK remembers the length set before the receive, which is not visible to other classes);
 * {@link #connect} to another address while connected disconnects first, as {@code connect(2)}
 * does; multicast ({@link #joinGroup}, {@link #leaveGroup}) throws {@link
 * UnsupportedOperationException}, as the channel's {@code join}; traffic class ({@code IP_TOS})
 * is not supported and throws {@link SocketException}.
 *
 * <p><b>Threads.</b> Those of the channel; the receive timeout is volatile.
 */
final class SluiceDatagramSocket extends DatagramSocket {
  private final SluiceDatagramChannel channel;
  private volatile int timeoutMillis;

  SluiceDatagramSocket(SluiceDatagramChannel channel) {
    super(new Inert());
    this.channel = channel;
  }

  // ------------------------------------------------------------------ binding and connecting

  @Override
  public void bind(SocketAddress local) throws SocketException {
    try {
      channel.bind(local);
    } catch (AlreadyBoundException e) {
      throw new SocketException("Already bound");
    } catch (IOException | RuntimeException e) {
      throw socketException(e);
    }
  }

  @Override
  public void connect(InetAddress address, int port) {
    if (address == null) {
      throw new IllegalArgumentException("Address can't be null");
    }
    try {
      connect(new InetSocketAddress(address, port));
    } catch (SocketException e) {
      throw new UncheckedIOException(e); // as DatagramSocket: this overload declares no exception
    }
  }

  @Override
  public void connect(SocketAddress remote) throws SocketException {
    if (remote == null) {
      throw new IllegalArgumentException("Address can't be null");
    }
    if (!(remote instanceof InetSocketAddress)) {
      throw new IllegalArgumentException("Unsupported address type");
    }
    try {
      SocketAddress now = channel.getRemoteAddress();
      if (remote.equals(now)) {
        return;
      }
      if (now != null) {
        channel.disconnect(); // connect(2) on a connected UDP socket moves it to the new peer
      }
      channel.connect(remote);
    } catch (IOException | RuntimeException e) {
      throw socketException(e);
    }
  }

  @Override
  public void disconnect() {
    try {
      channel.disconnect();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean isBound() {
    return localOrNull() != null;
  }

  @Override
  public boolean isConnected() {
    return channel.isConnected();
  }

  @Override
  public InetAddress getInetAddress() {
    InetSocketAddress r = remoteOrNull();
    return r == null ? null : r.getAddress();
  }

  @Override
  public int getPort() {
    InetSocketAddress r = remoteOrNull();
    return r == null ? -1 : r.getPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return remoteOrNull();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return localOrNull();
  }

  /** The local address; the wildcard before binding, null once closed (as {@link DatagramSocket}). */
  @Override
  public InetAddress getLocalAddress() {
    if (isClosed()) {
      return null;
    }
    InetSocketAddress local = localOrNull();
    return local == null ? Addresses.wildcard(0).getAddress() : local.getAddress();
  }

  @Override
  public int getLocalPort() {
    if (isClosed()) {
      return -1;
    }
    InetSocketAddress local = localOrNull();
    return local == null ? 0 : local.getPort();
  }

  private InetSocketAddress localOrNull() {
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      return null; // closed
    }
  }

  private InetSocketAddress remoteOrNull() {
    try {
      return (InetSocketAddress) channel.getRemoteAddress();
    } catch (IOException e) {
      return null; // closed
    }
  }

  // ------------------------------------------------------------------ sending and receiving

  /**
   * Sends {@code p}'s data to its address, or to the peer when connected and the packet has none;
   * a connected socket refuses a packet for anyone else with {@link IllegalArgumentException}.
   */
  @Override
  public void send(DatagramPacket p) throws IOException {
    Objects.requireNonNull(p, "p");
    SocketAddress to = p.getAddress() == null ? null : p.getSocketAddress();
    InetSocketAddress peer = remoteOrNull();
    if (to == null) {
      if (peer == null) {
        throw new IllegalArgumentException("Address not set");
      }
      to = peer;
    } else if (peer != null && !peer.equals(to)) {
      throw new IllegalArgumentException("Connected address and packet address differ");
    }
    if (!channel.isBlocking()) {
      throw new java.nio.channels.IllegalBlockingModeException();
    }
    try {
      channel.send(ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength()), to);
    } catch (AlreadyConnectedException e) {
      throw new IllegalArgumentException("Connected address and packet address differ");
    } catch (IOException | RuntimeException e) {
      throw translate(e);
    }
  }

  /**
   * Waits for a datagram (at most {@link #getSoTimeout()} milliseconds, if set: then {@link
   * java.net.SocketTimeoutException}) and copies it into {@code p}, truncated to the room from its
   * offset, setting its length and sender.
   */
  @Override
  public void receive(DatagramPacket p) throws IOException {
    Objects.requireNonNull(p, "p");
    byte[] data = p.getData();
    ByteBuffer into = ByteBuffer.wrap(data, p.getOffset(), data.length - p.getOffset());
    SocketAddress from;
    try {
      from = channel.receive(into, timeoutMillis * 1_000_000L);
    } catch (ClosedByInterruptException e) {
      throw new SocketException("Closed by interrupt");
    } catch (IOException | RuntimeException e) {
      throw translate(e);
    }
    p.setSocketAddress(from);
    p.setLength(into.position() - p.getOffset());
  }

  // ------------------------------------------------------------------ options

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    ensureOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    ensureOpen();
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
  public void setReuseAddress(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return get(StandardSocketOptions.SO_REUSEADDR);
  }

  @Override
  public void setBroadcast(boolean on) throws SocketException {
    set(StandardSocketOptions.SO_BROADCAST, on);
  }

  @Override
  public boolean getBroadcast() throws SocketException {
    return get(StandardSocketOptions.SO_BROADCAST);
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    throw new SocketException("IP_TOS is not supported by Sluice");
  }

  @Override
  public int getTrafficClass() throws SocketException {
    throw new SocketException("IP_TOS is not supported by Sluice");
  }

  @Override
  public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
    try {
      channel.setOption(name, value);
      return this;
    } catch (ClosedChannelException e) {
      throw translate(e);
    }
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    try {
      return channel.getOption(name);
    } catch (ClosedChannelException e) {
      throw translate(e);
    }
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return channel.supportedOptions();
  }

  private <T> void set(SocketOption<T> name, T value) throws SocketException {
    try {
      channel.setOption(name, value);
    } catch (IOException e) {
      throw socketException(e);
    }
  }

  private <T> T get(SocketOption<T> name) throws SocketException {
    try {
      return channel.getOption(name);
    } catch (IOException e) {
      throw socketException(e);
    }
  }

  /** Unsupported: Sluice does not do multicast (no IGMP or MLD). */
  @Override
  public void joinGroup(SocketAddress group, NetworkInterface netIf) {
    throw new UnsupportedOperationException("Sluice does not support multicast");
  }

  /** Unsupported: Sluice does not do multicast (no IGMP or MLD). */
  @Override
  public void leaveGroup(SocketAddress group, NetworkInterface netIf) {
    throw new UnsupportedOperationException("Sluice does not support multicast");
  }

  // ------------------------------------------------------------------ closing

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // DatagramSocket.close declares nothing; the channel's close does not fail in practice
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean isClosed() {
    return !channel.isOpen();
  }

  @Override
  public DatagramChannel getChannel() {
    return channel;
  }

  private void ensureOpen() throws SocketException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
  }

  /**
   * A channel's exception as {@link DatagramSocket} reports it, as the JDK's adaptor translates:
   * a closed channel is "Socket is closed" ("Socket closed" when closed while waiting), an
   * unresolved name {@link UnknownHostException}, another address type a {@link SocketException};
   * other {@link IOException}s as they are.
   */
  private static IOException translate(Exception e) {
    if (e instanceof java.nio.channels.AsynchronousCloseException) {
      return new SocketException("Socket closed");
    }
    if (e instanceof ClosedChannelException) {
      return new SocketException("Socket is closed");
    }
    if (e instanceof UnresolvedAddressException) {
      return new UnknownHostException("Unresolved address");
    }
    if (e instanceof UnsupportedAddressTypeException) {
      return new SocketException("Unsupported address type");
    }
    if (e instanceof IOException io) {
      return io;
    }
    throw (RuntimeException) e;
  }

  /** As {@link #translate}, for the methods that may throw only a {@link SocketException}. */
  private static SocketException socketException(Exception e) {
    IOException io = translate(e);
    return io instanceof SocketException se ? se : new SocketException(io.getMessage(), io);
  }

  /**
   * What {@link DatagramSocket}'s constructor requires and nothing here uses: every public method
   * of the socket is overridden, so none of these is reached.
   */
  private static final class Inert extends DatagramSocketImpl {
    private static SocketException unused() {
      return new SocketException("not used: SluiceDatagramSocket works through its channel");
    }

    @Override
    protected void create() throws SocketException {
      throw unused();
    }

    @Override
    protected void bind(int port, InetAddress address) throws SocketException {
      throw unused();
    }

    @Override
    protected void send(DatagramPacket p) throws IOException {
      throw unused();
    }

    @Override
    protected int peek(InetAddress i) throws IOException {
      throw unused();
    }

    @Override
    protected int peekData(DatagramPacket p) throws IOException {
      throw unused();
    }

    @Override
    protected void receive(DatagramPacket p) throws IOException {
      throw unused();
    }

    @Override
    @SuppressWarnings("deprecation")
    protected void setTTL(byte ttl) throws IOException {
      throw unused();
    }

    @Override
    @SuppressWarnings("deprecation")
    protected byte getTTL() throws IOException {
      throw unused();
    }

    @Override
    protected void setTimeToLive(int ttl) throws IOException {
      throw unused();
    }

    @Override
    protected int getTimeToLive() throws IOException {
      throw unused();
    }

    @Override
    protected void join(InetAddress group) throws IOException {
      throw unused();
    }

    @Override
    protected void leave(InetAddress group) throws IOException {
      throw unused();
    }

    @Override
    protected void joinGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
      throw unused();
    }

    @Override
    protected void leaveGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
      throw unused();
    }

    @Override
    protected void close() {
      // nothing was opened
    }

    @Override
    public void setOption(int optionId, Object value) throws SocketException {
      throw unused();
    }

    @Override
    public Object getOption(int optionId) throws SocketException {
      throw unused();
    }
  }
}
