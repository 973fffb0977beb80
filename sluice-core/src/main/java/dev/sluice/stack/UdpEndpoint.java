package dev.sluice.stack;

import dev.sluice.link.Device;
import dev.sluice.link.internal.MpmcRing;
import dev.sluice.link.PacketBuffer;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpAddress;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.UdpDatagram;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * A bound UDP port. Workers queue received datagrams here without copying them (the packet
 * buffer itself waits in a bounded ring; a full ring drops and counts); {@link #receive} copies
 * one out. Thread-safe: any thread may send; receivers take turns.
 */
public final class UdpEndpoint implements AutoCloseable {
  private final Host host;
  private final Udp udp;
  private final int port;
  private final MpmcRing<PacketBuffer> queue;
  private final PacketDecoder decoder;
  private volatile Thread waiter;
  private volatile boolean closed;
  /** Closed because the stack closed, not by its owner: calls say so. */
  private volatile boolean closedByStack;
  /** The only sender accepted once connected ({@link #connect}), or null for any. */
  private volatile Peer peer;
  private final ReadinessListeners readinessListeners = new ReadinessListeners();

  /** A connected port's peer, as the demultiplexer compares it with a datagram's source. */
  private record Peer(IpAddress address, int port) {}

  UdpEndpoint(Host host, Udp udp, int port, int queueCapacity) {
    this.host = host;
    this.udp = udp;
    this.port = port;
    this.queue = new MpmcRing<>(Math.max(2, queueCapacity));
    this.decoder = new PacketDecoder(host.drops());
  }

  public int port() {
    return port;
  }

  /**
   * From now on accept datagrams from {@code remote} only, as a connected UDP socket does on Linux:
   * the lookup skips a connected socket whose peer does not match ({@code compute_score} in {@code
   * net/ipv4/udp.c}), so a datagram from anyone else is never queued and makes nothing readable.
   * Datagrams queued before are left for the caller to discard.
   */
  public void connect(InetSocketAddress remote) {
    peer = new Peer(IpAddress.of(remote.getAddress()), remote.getPort());
  }

  /** Accept datagrams from any sender again. */
  public void disconnect() {
    peer = null;
  }

  /** Whether the datagram {@code d} has decoded may be queued here: from the peer, if connected. */
  boolean accepts(PacketDecoder d) {
    Peer p = peer;
    if (p == null) {
      return true;
    }
    if (d.udp().sourcePort() != p.port()) {
      return false;
    }
    return d.ipVersion() == 6
        ? p.address().is(true, d.ipv6().sourceHigh(), d.ipv6().sourceLow())
        : p.address().is(false, 0, Integer.toUnsignedLong(d.ipv4().source()));
  }

  /**
   * The local address a datagram to {@code remote} leaves from, or null without a route: what
   * {@code getsockname} reports for a connected UDP socket.
   */
  public InetAddress sourceAddressFor(InetAddress remote) throws IOException {
    IpAddress local = host.interfaces().sourceFor(IpAddress.of(remote));
    return local == null ? null : inetAddress(local.ipv6(), local.high(), local.low());
  }

  private static InetAddress inetAddress(boolean v6, long high, long low) throws IOException {
    return InetAddress.getByAddress(v6
        ? ByteBuffer.allocate(16).putLong(high).putLong(low).array()
        : ByteBuffer.allocate(4).putInt((int) low).array());
  }

  boolean offer(PacketBuffer packet) {
    if (closed || !queue.offer(packet)) {
      return false;
    }
    Thread t = waiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
    readinessListeners.fire();
    return true;
  }

  /**
   * Tells {@code listener} whenever a datagram is queued or this port closes (see {@link
   * ReadinessListener}); read {@link #queued()} after adding it.
   */
  public void addReadinessListener(ReadinessListener listener) {
    readinessListeners.add(listener);
  }

  public void removeReadinessListener(ReadinessListener listener) {
    readinessListeners.remove(listener);
  }

  /** Datagrams received and not yet taken. */
  public int queued() {
    return queue.size();
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Receives one datagram into {@code p} (data, length, sender), as
   * {@link java.net.DatagramSocket#receive} does; a datagram longer than the buffer is truncated.
   * Throws {@link SocketTimeoutException} after {@code timeoutNanos} (0: forever), {@link
   * SocketException} once closed, and {@link java.io.InterruptedIOException} if the thread is
   * interrupted while it waits.
   */
  public synchronized void receive(DatagramPacket p, long timeoutNanos) throws IOException {
    long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
    PacketBuffer packet;
    waiter = Thread.currentThread();
    try {
      while ((packet = queue.poll()) == null) {
        if (closed) {
          throw closedException();
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("Receive interrupted: UDP port " + port); // the interrupt stays set
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("Receive timed out: UDP port " + port);
        }
        // No periodic re-check: a datagram's arrival and close() unpark the waiter after their
        // change, and the waiter is published before the queue is looked at again.
        if (deadline == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, left);
        }
      }
    } finally {
      waiter = null;
    }
    int n = copyOut(packet, p.getData(), p.getOffset(), p.getData().length - p.getOffset(), p);
    p.setLength(n);
  }

  /**
   * Takes one datagram without waiting: copies up to {@code len} bytes of it (the rest is dropped,
   * as a {@code recvfrom} into a short buffer does) into {@code b} and returns its sender with the
   * copied length in {@code copied[0]}; null if none is queued. Throws {@link SocketException} once
   * closed.
   */
  public InetSocketAddress receiveNow(byte[] b, int off, int len, int[] copied) throws IOException {
    PacketBuffer packet = queue.poll();
    if (packet == null) {
      if (closed) {
        throw closedException();
      }
      return null;
    }
    DatagramPacket sender = new DatagramPacket(b, off, 0);
    copied[0] = copyOut(packet, b, off, len, sender);
    return (InetSocketAddress) sender.getSocketAddress();
  }

  /** Copies {@code packet}'s payload out, sets {@code from}'s sender, and releases the packet. */
  private synchronized int copyOut(PacketBuffer packet, byte[] b, int off, int len, DatagramPacket from)
      throws IOException {
    try {
      decoder.decodeIp(packet.data(), 0, packet.length()); // validated by the worker already
      UdpDatagram d = decoder.udp();
      int n = Math.min(d.payloadLength(), len);
      System.arraycopy(d.buffer(), d.payloadOffset(), b, off, n);
      InetAddress source = decoder.ipVersion() == 6
          ? inetAddress(true, decoder.ipv6().sourceHigh(), decoder.ipv6().sourceLow())
          : inetAddress(false, 0, Integer.toUnsignedLong(decoder.ipv4().source()));
      from.setSocketAddress(new InetSocketAddress(source, d.sourcePort()));
      return n;
    } finally {
      packet.release();
    }
  }

  private SocketException closedException() {
    return new SocketException("Socket closed: " + (closedByStack ? "the stack was closed (NetStack.close): " : "")
        + "UDP port " + port);
  }

  /** Sends {@code len} bytes of {@code data} to {@code to}. */
  public void send(byte[] data, int off, int len, InetSocketAddress to) throws IOException {
    if (closed) {
      throw closedException();
    }
    InetAddress address = to.getAddress();
    if (address == null) {
      throw new SocketException("Unresolved address (Sluice does no DNS): " + to);
    }
    IpAddress remote = IpAddress.of(address);
    boolean v6 = remote.ipv6();
    long high = remote.high();
    long low = remote.low();
    IpAddress local = host.interfaces().sourceFor(remote);
    Device device = host.interfaces().deviceFor(v6, high, low);
    if (local == null || device == null) {
      throw new NoRouteToHostException("No route to host: " + to);
    }
    int ipHeader = v6 ? 40 : 20;
    int total = ipHeader + UdpDatagram.HEADER_LENGTH + len;
    if (total > device.mtu()) {
      throw new SocketException("Message too long: " + len + " bytes do not fit the MTU of " + device.mtu()
          + " (Sluice does not fragment)");
    }
    OwnerContext ctx = host.borrowContext();
    try {
      System.arraycopy(data, off, ctx.tx, ipHeader + UdpDatagram.HEADER_LENGTH, len);
      ctx.udp.sourcePort(port).destinationPort(to.getPort());
      if (v6) {
        ctx.udp.write(ctx.tx, 40, len,
            Checksum.pseudoHeaderIpv6(local.high(), local.low(), high, low, IpProtocol.UDP, 0));
        ctx.ipv6.protocol(IpProtocol.UDP).hopLimit(64).source(local.high(), local.low()).destination(high, low)
            .write(ctx.tx, 0, UdpDatagram.HEADER_LENGTH + len);
      } else {
        ctx.udp.write(ctx.tx, 20, len, Checksum.pseudoHeaderIpv4(local.ipv4(), (int) low, IpProtocol.UDP, 0));
        ctx.ipv4.protocol(IpProtocol.UDP).ttl(64).dontFragment(true).source(local.ipv4()).destination((int) low)
            .write(ctx.tx, 0, UdpDatagram.HEADER_LENGTH + len);
      }
      device.transmit(ctx.tx, 0, total, host.clock().nanos());
    } finally {
      host.returnContext(ctx);
    }
  }

  /** The stack is closing: as {@link #close}, and calls then fail saying the stack was closed. */
  void closeByStack() {
    closedByStack = true;
    close();
  }

  /** Unbinds the port; datagrams still queued are dropped. */
  @Override
  public void close() {
    closed = true;
    udp.unbind(this);
    PacketBuffer p;
    while ((p = queue.poll()) != null) {
      p.release();
    }
    Thread t = waiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
    readinessListeners.fire();
  }
}
