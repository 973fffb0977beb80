package dev.sluice.stack;

import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEndpoints;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A guest's SYN to an address that is not the host's, held until the {@link TcpForwarder} decides
 * (issue 15): {@link #accept} makes the connection as a listener would (SYN-RECEIVED, our SYN-ACK
 * goes out), {@link #refuse} answers the SYN with a RST (the destination refused, RFC 9293
 * §3.10.7.1), {@link #unreachable} with an ICMP destination unreachable, {@link #forget} drops it
 * (the guest's next retransmission asks again). Exactly one of them takes effect; the others then
 * do nothing.
 *
 * <p>It keeps a copy of the SYN's IP packet, which the decision replays: the options (MSS, window
 * scale, SACK, timestamps) are the guest's own, whenever the decision comes. Thread-safe.
 */
public final class ForwardedSyn {
  private final Host host;
  private final TcpEndpoints endpoints;
  private final byte[] packet;
  private final AtomicBoolean decided = new AtomicBoolean();

  ForwardedSyn(Host host, TcpEndpoints endpoints, byte[] packet) {
    this.host = host;
    this.endpoints = endpoints;
    this.packet = packet;
  }

  /** The connection's addresses as the host will hold them: local = where the guest connects to. */
  public TcpEndpoints endpoints() {
    return endpoints;
  }

  /**
   * Completes the handshake with the guest: the connection, in SYN-RECEIVED with our SYN-ACK sent,
   * which becomes ESTABLISHED when the guest's ACK arrives ({@link Connection#awaitConnected}).
   * Throws {@link SocketException} if the host is at its connection limit or this SYN was decided
   * already.
   */
  public Connection accept(TcpConfig tcp) throws SocketException {
    if (!decided.compareAndSet(false, true)) {
      throw new SocketException("this SYN was decided already: " + host.format(endpoints));
    }
    host.forwardDecided(this);
    return host.acceptForwarded(endpoints, packet, tcp);
  }

  /** Answers the SYN with a RST, as a closed port would: the guest's connect is refused. */
  public void refuse() {
    if (decided.compareAndSet(false, true)) {
      host.forwardDecided(this);
      host.refuseForwarded(endpoints, packet);
    }
  }

  /**
   * Answers the SYN with an ICMP destination unreachable (host unreachable, or ICMPv6 address
   * unreachable) from the host's address toward the guest, as a router answers for a destination
   * it cannot reach: the guest's connect fails with "No route to host" at once.
   */
  public void unreachable() {
    if (decided.compareAndSet(false, true)) {
      host.forwardDecided(this);
      host.unreachableForwarded(packet);
    }
  }

  /** Drops the SYN without an answer; a retransmission of it is offered to the forwarder again. */
  public void forget() {
    if (decided.compareAndSet(false, true)) {
      host.forwardDecided(this);
    }
  }

  @Override
  public String toString() {
    return "ForwardedSyn[" + host.format(endpoints) + "]";
  }
}
