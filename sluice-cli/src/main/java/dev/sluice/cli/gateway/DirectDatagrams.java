package dev.sluice.cli.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A UDP flow's path over a datagram socket of this host, connected to the flow's destination, so
 * the kernel passes back only that destination's answers (as a NAT with endpoint-dependent
 * filtering does, RFC 4787 §5) and reports its ICMP port unreachable as an error on the socket.
 */
final class DirectDatagrams implements OutsideDatagrams {
  private final DatagramChannel channel;

  DirectDatagrams(InetSocketAddress destination) throws IOException {
    channel = DatagramChannel.open(destination.getAddress() instanceof java.net.Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      channel.connect(destination);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void send(ByteBuffer payload, InetSocketAddress destination) throws IOException {
    channel.write(payload); // connected: the destination is the flow's own
  }

  @Override
  public InetSocketAddress receive(ByteBuffer into) throws IOException {
    SocketAddress from = channel.receive(into);
    return (InetSocketAddress) from;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
