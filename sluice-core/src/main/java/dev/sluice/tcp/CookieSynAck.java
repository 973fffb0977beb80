package dev.sluice.tcp;

import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;

/**
 * The SYN-ACK a listener at its cap sends instead of keeping state (RFC 4987 §3.6; hostile input
 * 10): its ISS is a {@link SynCookies SYN cookie}, and it offers only the MSS, because window
 * scaling, SACK and timestamps need state that a cookie does not hold. The stateless counterpart
 * of the engine's SYN-ACK, as {@link TcpReset} is of its RST.
 *
 * <p>Not thread-safe: one per owner context, reused, so answering a SYN allocates nothing.
 */
public final class CookieSynAck {
  private final TcpBuilder builder = new TcpBuilder();

  /**
   * Writes the SYN-ACK answering {@code syn} at {@code buf[off...]} and returns its length.
   * {@code reply} is the tuple seen from the listener's side; {@code tcp} are the listener's
   * settings, whose MTU sets the MSS offered and whose receive buffer the window (unscaled).
   */
  public int write(SynCookies cookies, TcpConfig tcp, TcpEndpoints reply, TcpSegment syn, long nowNanos,
      byte[] buf, int off) {
    int peerMss = syn.options().mss() > 0 ? syn.options().mss() : Mss.assumed(reply);
    int iss = cookies.iss(reply, syn.sequenceNumber(), peerMss, nowNanos);
    builder.clearOptions().sourcePort(reply.localPort()).destinationPort(reply.remotePort())
        .sequenceNumber(iss).acknowledgmentNumber(syn.sequenceNumber() + 1).flags(TcpFlags.SYN | TcpFlags.ACK)
        .window(Math.min(tcp.receiveBufferBytes(), 0xFFFF)).urgentPointer(0)
        .mss(Mss.offered(tcp.mtu(), reply));
    return builder.write(buf, off, 0, reply.outgoingPseudoHeaderSum(builder.headerLength()));
  }
}
