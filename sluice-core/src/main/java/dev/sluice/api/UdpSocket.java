package dev.sluice.api;

import dev.sluice.stack.UdpEndpoint;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/** A UDP port, like {@link java.net.DatagramSocket}: send and receive {@link DatagramPacket}s. */
public final class UdpSocket implements AutoCloseable {
  private final UdpEndpoint endpoint;
  private volatile long timeoutNanos;

  UdpSocket(UdpEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  public int localPort() {
    return endpoint.port();
  }

  /** {@code SO_TIMEOUT}: how long {@link #receive} waits; zero is forever. */
  public void setSoTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("receive timeout must not be negative: " + timeout);
    }
    timeoutNanos = timeout.toNanos();
  }

  /** Sends {@code p}'s data to its address. Datagrams are never fragmented: too long is an error. */
  public void send(DatagramPacket p) throws IOException {
    SocketAddress to = p.getSocketAddress();
    if (!(to instanceof InetSocketAddress address)) {
      throw new IllegalArgumentException("the packet needs an InetSocketAddress: " + to);
    }
    endpoint.send(p.getData(), p.getOffset(), p.getLength(), address);
  }

  /**
   * Waits for a datagram and copies it into {@code p}, setting its length and sender; throws
   * {@link java.net.SocketTimeoutException} after the timeout.
   */
  public void receive(DatagramPacket p) throws IOException {
    endpoint.receive(p, timeoutNanos);
  }

  @Override
  public void close() {
    endpoint.close();
  }
}
