package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;

/**
 * A UDP flow's path over a datagram socket of this host, connected to the flow's destination, so
 * the kernel passes back only that destination's answers (as a NAT with endpoint-dependent
 * filtering does, RFC 4787 §5) and reports its ICMP port unreachable as an error on the socket.
 *
 * <p>A connected {@link DatagramChannel} cannot send an empty datagram (its write skips an empty
 * buffer without a system call), so an empty one goes out through a second, unconnected channel
 * bound to the same address and port ({@code SO_REUSEADDR} on both), opened the first time one is
 * needed; the answers still reach the connected channel, the better match for them.
 */
final class DirectDatagrams implements OutsideDatagrams {
  private final DatagramChannel channel;
  private DatagramChannel emptySender; // guarded by this
  private boolean closed; // guarded by this

  DirectDatagrams(InetSocketAddress destination) throws IOException {
    channel = DatagramChannel.open(destination.getAddress() instanceof java.net.Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      channel.connect(destination);
      channel.configureBlocking(false);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public boolean send(ByteBuffer payload, InetSocketAddress destination) throws IOException {
    if (payload.hasRemaining()) {
      return channel.write(payload) > 0; // connected: the destination is the flow's own
    }
    emptySender().send(payload, channel.getRemoteAddress());
    return true; // an empty datagram's send answers 0 either way
  }

  private synchronized DatagramChannel emptySender() throws IOException {
    if (closed) {
      throw new java.nio.channels.ClosedChannelException();
    }
    if (emptySender == null) {
      DatagramChannel sibling = DatagramChannel.open(channel.getRemoteAddress() instanceof InetSocketAddress a
          && a.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
      try {
        sibling.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        sibling.bind(channel.getLocalAddress());
        sibling.configureBlocking(false);
      } catch (IOException | RuntimeException e) {
        sibling.close();
        throw e;
      }
      emptySender = sibling;
    }
    return emptySender;
  }

  @Override
  public SelectableChannel readiness() {
    return channel;
  }

  @Override
  public InetSocketAddress receiveNow(ByteBuffer into) throws IOException {
    return (InetSocketAddress) channel.receive(into); // null when none is waiting: non-blocking
  }

  @Override
  public void close() throws IOException {
    DatagramChannel sibling;
    synchronized (this) {
      closed = true;
      sibling = emptySender;
    }
    try {
      channel.close();
    } finally {
      if (sibling != null) {
        sibling.close();
      }
    }
  }
}
