package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** Reaches the outside over this host's own sockets: the kernel's connect, with its own errors. */
final class DirectConnector implements OutsideConnector {
  @Override
  public Socket connect(InetSocketAddress destination, Duration timeout) throws IOException {
    Socket socket = SocketChannel.open().socket(); // on a channel: TcpRelay's channel mode
    try {
      socket.connect(destination, Math.toIntExact(Math.max(1, timeout.toMillis())));
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  @Override
  public OutsideDatagrams openDatagrams(InetSocketAddress destination) throws IOException {
    return new DirectDatagrams(destination);
  }

  @Override
  public String describe() {
    return "this host's sockets";
  }
}
