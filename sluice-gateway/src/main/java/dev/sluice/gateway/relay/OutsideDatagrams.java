package dev.sluice.gateway.relay;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;

/**
 * One UDP flow's path to the outside: a datagram socket of this host, or a SOCKS5 UDP association.
 * Nothing in it blocks: {@link #send} is called from the thread that handles the guest's datagrams,
 * and {@link #receiveNow} from the {@link UdpAnswerReader}'s thread once {@link #readiness} selects
 * as readable, at the same time; {@link #close} from either, or from the gateway's idle sweep.
 */
interface OutsideDatagrams extends Closeable {
  /**
   * Sends {@code payload} (position to limit) to {@code destination}, or drops it if the outside
   * cannot take it now, as UDP allows.
   *
   * @return whether the datagram went out
   */
  boolean send(ByteBuffer payload, InetSocketAddress destination) throws IOException;

  /**
   * The channel that selects as readable when {@link #receiveNow} may have something to say: in
   * non-blocking mode, for the reader's selector. Closing the path closes it.
   */
  SelectableChannel readiness();

  /**
   * Takes one datagram that has arrived, if any, puts it in {@code into} (position to limit; a
   * longer one is cut) and answers who sent it; null if none is waiting. {@link UdpFlows} takes a
   * {@link java.net.PortUnreachableException} as the destination's port being closed (the guest
   * gets an ICMP port unreachable and the flow goes on), and any other {@link IOException} as the
   * end of the flow: a closed path, or one its far end ended.
   */
  InetSocketAddress receiveNow(ByteBuffer into) throws IOException;
}
