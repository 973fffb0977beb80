package dev.sluice.gateway.relay;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One UDP flow's path to the outside: a datagram socket of this host, or a SOCKS5 UDP association.
 * {@link #send} is called from the thread that handles the guest's datagrams and {@link #receive}
 * from the flow's own reader thread, at the same time; {@link #close} from either, or from the
 * gateway's idle sweep, and it wakes a blocked {@code receive}.
 */
interface OutsideDatagrams extends Closeable {
  /**
   * Sends {@code payload} (position to limit) to {@code destination}. Never blocks for long: a
   * datagram the outside cannot take now is dropped, as UDP allows.
   */
  void send(ByteBuffer payload, InetSocketAddress destination) throws IOException;

  /**
   * Blocks until a datagram arrives, puts it in {@code into} (position to limit; a longer one is
   * cut) and answers who sent it; a {@link java.nio.channels.ClosedChannelException} (or another
   * {@link IOException}) once closed. {@link UdpFlows} takes a {@link
   * java.net.PortUnreachableException} (from either method) as the destination's port being closed
   * (the guest gets an ICMP port unreachable and the flow goes on), and any other exception from
   * this method as the end of the flow.
   */
  InetSocketAddress receive(ByteBuffer into) throws IOException;
}
