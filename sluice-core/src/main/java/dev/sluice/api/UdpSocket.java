package dev.sluice.api;

import dev.sluice.stack.UdpEndpoint;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * A UDP port, like {@link java.net.DatagramSocket}: send and receive {@link DatagramPacket}s.
 * Datagrams that arrive while nobody receives wait in a queue of 1024; more are dropped.
 *
 * <p>Thread-safe. {@link #send} never waits for the network; {@link #receive} blocks up to the
 * {@link #setSoTimeout receive timeout}, and receivers take turns (one waits at a time, the others
 * wait for it). {@link #close()} from another thread wakes a blocked receiver, which throws {@link
 * java.net.SocketException}.
 */
public final class UdpSocket implements AutoCloseable {
  private final UdpEndpoint endpoint;
  private volatile long timeoutNanos;

  UdpSocket(UdpEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * The port this socket is bound to.
   *
   * @return the port, also when it was picked for an {@code openUdp(0)}
   */
  public int localPort() {
    return endpoint.port();
  }

  /**
   * {@code SO_TIMEOUT}: how long {@link #receive} waits; zero is forever.
   *
   * @param timeout the receive timeout, not negative
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public void setSoTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("receive timeout must not be negative: " + timeout);
    }
    timeoutNanos = timeout.toNanos();
  }

  /**
   * Sends {@code p}'s data to its address. Datagrams are never fragmented: too long is an error.
   * Never waits for the network: the datagram is handed to the device, or dropped as UDP may.
   *
   * @param p the datagram, with its data, offset, length and destination
   * @throws IllegalArgumentException if {@code p} has no {@link InetSocketAddress} to go to
   * @throws java.net.SocketException if the socket is closed or the datagram is longer than the
   *     outgoing device's MTU allows ("Message too long")
   * @throws java.net.NoRouteToHostException if no interface leads to the destination
   * @throws IOException if the datagram cannot be sent for another reason
   */
  public void send(DatagramPacket p) throws IOException {
    SocketAddress to = p.getSocketAddress();
    if (!(to instanceof InetSocketAddress address)) {
      throw new IllegalArgumentException("the packet needs an InetSocketAddress: " + to);
    }
    endpoint.send(p.getData(), p.getOffset(), p.getLength(), address);
  }

  /**
   * Waits for a datagram and copies it into {@code p}, setting its length and sender; a datagram
   * longer than {@code p}'s buffer is truncated. Blocks until a datagram arrives, the receive
   * timeout passes, the socket is closed or the thread is interrupted.
   *
   * @param p where the datagram goes
   * @throws java.net.SocketTimeoutException if the receive timeout passes first; the socket stays
   *     usable
   * @throws java.io.InterruptedIOException if the thread is interrupted while it waits; the
   *     interrupt status stays set and the socket stays open
   * @throws java.net.SocketException once the socket is closed (also by another thread, or by the
   *     stack's close, while this waits)
   * @throws IOException if the receive fails for another reason
   */
  public void receive(DatagramPacket p) throws IOException {
    endpoint.receive(p, timeoutNanos);
  }

  /** Closes the socket and frees the port; a blocked {@link #receive} wakes and throws. Idempotent. */
  @Override
  public void close() {
    endpoint.close();
  }
}
