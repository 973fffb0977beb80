package dev.sluice.gateway.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One UDP flow's path through a SOCKS5 proxy's UDP ASSOCIATE (RFC 1928 §7): the TCP connection of
 * the request, held open for the association's life, and a datagram socket of this host that
 * talks to the proxy's relay. Each datagram sent carries the UDP request header (RSV 0, FRAG 0,
 * ATYP, DST.ADDR, DST.PORT) before its payload; each one received must come from the relay and
 * carry that header with FRAG 0, which is checked and taken off. A datagram from anyone else, a
 * fragment (we do no reassembly, which RFC 1928 leaves optional) and a header that is not whole
 * are dropped and counted. The association ends when the flow closes it, or when the proxy closes
 * the TCP connection (RFC 1928: the association ends with it), which the next {@link #receiveNow}
 * reports.
 *
 * <p>Threading as {@link OutsideDatagrams}: {@link #send} on one thread, {@link #receiveNow} on
 * another, {@link #close} from any; a virtual thread of its own watches the TCP connection.
 */
final class Socks5Datagrams implements OutsideDatagrams {
  /** The UDP request header's most: RSV (2), FRAG, ATYP, an IPv6 address, the port. */
  private static final int MAX_HEADER = 2 + 1 + 1 + 16 + 2;
  /** Datagrams one {@link #receiveNow} drops at most before it answers none for now. */
  private static final int MAX_DROPPED_PER_CALL = 64;

  private final Socket control;
  private final DatagramChannel channel;
  private final InetSocketAddress relay;
  private final ByteBuffer received = ByteBuffer.allocate(65_535 + MAX_HEADER); // receiveNow()'s only
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Set once the proxy has closed the TCP connection, which ends the association (RFC 1928 §7). */
  private volatile boolean proxyEnded;
  /** Datagrams dropped because they did not come from the relay. */
  final LongAdder notFromRelay = new LongAdder();
  /** Datagrams dropped because they were fragments (FRAG not 0). */
  final LongAdder fragments = new LongAdder();
  /** Datagrams dropped because their header was not whole, or named a domain. */
  final LongAdder malformed = new LongAdder();

  /**
   * Asks for the association on {@code handshake}'s connection (methods negotiated already), from
   * a datagram socket bound to that connection's local address, which the request names so the
   * proxy knows where our datagrams come from.
   */
  Socks5Datagrams(Socks5Handshake handshake, Socks5Proxy proxy) throws IOException {
    this.control = handshake.socket();
    InetSocketAddress local = (InetSocketAddress) control.getLocalSocketAddress();
    channel = DatagramChannel.open(local.getAddress() instanceof java.net.Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      channel.bind(new InetSocketAddress(local.getAddress(), 0));
      InetSocketAddress bound = handshake.request(Socks5Handshake.UDP_ASSOCIATE,
          (InetSocketAddress) channel.getLocalAddress());
      if (bound.isUnresolved()) {
        throw new Socks5Handshake.ProxyFault("the SOCKS5 proxy at " + proxy + " named its UDP relay "
            + bound.getHostString() + ", not an address");
      }
      // A relay at the unspecified address is at the proxy's own, as most clients take it.
      relay = bound.getAddress().isAnyLocalAddress()
          ? new InetSocketAddress(proxy.address().getAddress(), bound.getPort()) : bound;
      control.setSoTimeout(0);
      channel.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    Thread.ofVirtual().name("sluice-socks5-udp-" + relay).start(this::watchControl);
  }

  /** The proxy's UDP relay, where datagrams go and must come from. */
  InetSocketAddress relay() {
    return relay;
  }

  @Override
  public boolean send(ByteBuffer payload, InetSocketAddress destination) throws IOException {
    ByteBuffer datagram = ByteBuffer.allocate(MAX_HEADER + payload.remaining());
    datagram.putShort((short) 0).put((byte) 0); // RSV, FRAG 0: a whole datagram
    Socks5Handshake.putAddress(datagram, destination);
    datagram.put(payload).flip();
    return channel.send(datagram, relay) > 0;
  }

  @Override
  public SelectableChannel readiness() {
    return channel;
  }

  @Override
  public InetSocketAddress receiveNow(ByteBuffer into) throws IOException {
    // Bounded, so a stream of datagrams to drop cannot hold the reader here; the rest wait for
    // the next selection, which the channel still being readable brings at once. The flag is
    // looked at before each receive: the datagram that watchControl sends after setting it may
    // be the one this loop just dropped.
    for (int i = 0; ; i++) {
      if (proxyEnded) {
        throw new SocketException("the SOCKS5 proxy closed the UDP association's TCP connection");
      }
      if (i == MAX_DROPPED_PER_CALL) {
        return null;
      }
      received.clear();
      InetSocketAddress from = (InetSocketAddress) channel.receive(received);
      if (from == null) {
        return null;
      }
      received.flip();
      if (!relay.equals(from)) {
        if (!proxyEnded) { // else it is watchControl's own, sent after the flag
          notFromRelay.increment();
        }
        continue;
      }
      if (received.remaining() < 4 || received.getShort() != 0) {
        malformed.increment();
        continue;
      }
      if (received.get() != 0) {
        fragments.increment();
        continue;
      }
      InetSocketAddress source = Socks5Handshake.takeAddress(received);
      if (source == null) {
        malformed.increment();
        continue;
      }
      if (received.remaining() > into.remaining()) {
        received.limit(received.position() + into.remaining()); // cut, as a short read of a datagram is
      }
      into.put(received);
      return source;
    }
  }

  /** Ends the association: the datagram socket, and the TCP connection the proxy holds it by. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } finally {
      control.close();
    }
  }

  /**
   * Waits for the proxy to close the TCP connection (nothing else comes on it), then has the
   * association end: an empty datagram to our own socket makes it readable, and the reader's next
   * {@link #receiveNow} throws, so the flow ends and closes this. If that datagram cannot be sent,
   * this closes itself.
   */
  private void watchControl() {
    byte[] ignored = new byte[64];
    try {
      InputStream in = control.getInputStream();
      while (in.read(ignored) >= 0) {
        // RFC 1928 sends nothing more on it; whatever a proxy sends is not ours to act on
      }
    } catch (IOException e) {
      // reset, or closed by close()
    }
    proxyEnded = true;
    if (closed.get()) {
      return;
    }
    try {
      channel.send(ByteBuffer.allocate(0), channel.getLocalAddress()); // a full buffer is readable already
    } catch (IOException e) {
      try {
        close();
      } catch (IOException closing) {
        // closed already
      }
    }
  }
}
