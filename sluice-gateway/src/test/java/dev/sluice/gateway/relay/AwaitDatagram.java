package dev.sluice.gateway.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;

/** Waits for an {@link OutsideDatagrams}' next datagram on a selector of its own, as the gateway's reader does. */
final class AwaitDatagram {
  private AwaitDatagram() {}

  /**
   * The next datagram's sender, its data put in {@code into}; whatever {@link
   * OutsideDatagrams#receiveNow} throws; a {@link SocketTimeoutException} if none came in time.
   */
  static InetSocketAddress from(OutsideDatagrams path, ByteBuffer into, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Selector selector = Selector.open()) {
      path.readiness().register(selector, SelectionKey.OP_READ);
      while (true) {
        InetSocketAddress from = path.receiveNow(into);
        if (from != null) {
          return from;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("no datagram within " + timeout);
        }
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
      }
    }
  }
}
