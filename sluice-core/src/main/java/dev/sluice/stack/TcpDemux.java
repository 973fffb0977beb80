package dev.sluice.stack;

import dev.sluice.link.PacketBuffer;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;
import java.net.BindException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a TCP segment addressed to this host goes (RFC 9293 §3.10.7): to its connection, found by
 * 4-tuple in the connection table; else to the listener on its destination port ({@link
 * PassiveOpen}); else it is answered with a RST. Holds the listeners by port.
 *
 * <p>The IP layer ({@link Host#receive}) has already checked that the segment is for one of our
 * addresses and not from one; the addresses come in as primitives, so delivering to a connection
 * allocates nothing. Only a segment without a connection makes a {@link TcpEndpoints}.
 *
 * <p><b>Threads.</b> Workers call {@link #receive} concurrently; application threads listen and
 * close listeners. The connection table is lock-free for readers and the listener map is a {@link
 * ConcurrentHashMap}; nothing else here changes after construction.
 */
final class TcpDemux {
  private final Host host;
  private final ConnectionTable<Connection> table;
  private final TcpTotals totals;
  private final PassiveOpen passiveOpen;
  private final Map<Integer, Listener> listeners = new ConcurrentHashMap<>();
  /**
   * SYNs to addresses not ours, held while the forwarder decides, by their connection's endpoints.
   * Bounded ({@link #MAX_PENDING_FORWARDS}): a SYN flood to made-up destinations costs at most that
   * many copies of a SYN (hostile input 10, for the gateway).
   */
  private final Map<TcpEndpoints, ForwardedSyn> pendingForwards = new ConcurrentHashMap<>();
  static final int MAX_PENDING_FORWARDS = 4096;

  TcpDemux(Host host, ConnectionTable<Connection> table, TcpTotals totals, PassiveOpen passiveOpen) {
    this.host = host;
    this.table = table;
    this.totals = totals;
    this.passiveOpen = passiveOpen;
  }

  /** See {@link Host#listen(int, int, TcpConfig)}. */
  Listener listen(int port, int cap, TcpConfig tcp) throws BindException {
    java.util.Objects.requireNonNull(tcp, "tcp");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range [0, 65535]: " + port);
    }
    if (cap < 1) {
      throw new IllegalArgumentException("listen cap must be positive: " + cap);
    }
    if (port == 0) {
      return listenOnEphemeralPort(cap, tcp);
    }
    Listener listener = new Listener(host, port, cap, host.config().faults().discardReceived(port), tcp);
    if (listeners.putIfAbsent(port, listener) != null) {
      throw new BindException("Address already in use: port " + port + " already has a listener");
    }
    return listener;
  }

  /**
   * Port 0: the first free port of the ephemeral range (the one outgoing connections use, IANA's
   * dynamic ports) from a random start, as {@code bind} to port 0 picks one.
   */
  private Listener listenOnEphemeralPort(int cap, TcpConfig tcp) throws BindException {
    int first = EphemeralPorts.DEFAULT_FIRST;
    int count = EphemeralPorts.DEFAULT_LAST - first + 1;
    int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(count);
    for (int i = 0; i < count; i++) {
      int port = first + (start + i) % count;
      Listener listener = new Listener(host, port, cap, host.config().faults().discardReceived(port), tcp);
      if (listeners.putIfAbsent(port, listener) == null) {
        return listener;
      }
    }
    throw new BindException("Address already in use: every ephemeral port has a listener");
  }

  void unlisten(Listener listener) {
    listeners.remove(listener.port(), listener);
  }

  /**
   * A worker's segment to an address that is not ours, with a forwarder installed (see {@link
   * TcpForwarder}): to its connection if there is one; a SYN is held and offered to the forwarder;
   * anything else is answered with a RST, as a segment without a connection is.
   */
  Connection receiveForwarded(PacketBuffer packet, dev.sluice.wire.PacketDecoder decoder, boolean v6, long dstHigh,
      long dstLow, long srcHigh, long srcLow, OwnerContext ctx, long now) {
    TcpSegment seg = decoder.tcp();
    Connection c = table.get(v6, dstHigh, dstLow, seg.destinationPort(), srcHigh, srcLow, seg.sourcePort());
    if (c != null) {
      Connection.Delivery outcome = c.deliver(packet, seg, now);
      if (outcome == Connection.Delivery.OWNED_DIRECT) {
        packet.release();
      }
      return outcome.owned() ? c : null;
    }
    TcpEndpoints endpoints = new TcpEndpoints(v6, dstHigh, dstLow, seg.destinationPort(), srcHigh, srcLow, seg.sourcePort());
    int control = seg.flags() & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST);
    if (control != TcpFlags.SYN) {
      // No listener can take it (they are for our own addresses): answered as a closed port would.
      resetWithoutConnection(packet, seg, endpoints, ctx, now);
      return null;
    }
    if (pendingForwards.containsKey(endpoints)) {
      totals.drop(DropReason.TCP_FORWARD_PENDING);
      packet.release();
      return null;
    }
    if (pendingForwards.size() >= MAX_PENDING_FORWARDS) {
      totals.drop(DropReason.TCP_FORWARD_LIMIT);
      packet.release();
      return null;
    }
    ForwardedSyn syn = new ForwardedSyn(host, endpoints, java.util.Arrays.copyOf(packet.data(), packet.length()));
    packet.release();
    if (pendingForwards.putIfAbsent(endpoints, syn) != null) {
      totals.drop(DropReason.TCP_FORWARD_PENDING); // a copy of it, on another worker (spray mode)
      return null;
    }
    try {
      host.forwarder().onSyn(syn);
    } catch (RuntimeException e) {
      syn.forget(); // a broken forwarder must not strand the SYN, nor the worker
    }
    return null;
  }

  void forwardDecided(ForwardedSyn syn) {
    pendingForwards.remove(syn.endpoints(), syn);
  }

  /** A held SYN accepted: the half-open connection, owned by the caller, or null if none was made. */
  Connection acceptForwarded(TcpEndpoints endpoints, byte[] packet, TcpConfig tcp, OwnerContext ctx, long now) {
    if (ctx.decoder.decodeIp(packet, 0, packet.length) != null) {
      return null; // cannot happen: the worker validated it before holding it
    }
    return passiveOpen.forwarded(endpoints, ctx.decoder.tcp(), tcp, ctx, now);
  }

  /** A held SYN refused: answered with a RST (RFC 9293 §3.10.7.1), as a closed port answers. */
  void refuseForwarded(TcpEndpoints endpoints, byte[] packet, OwnerContext ctx, long now) {
    if (ctx.decoder.decodeIp(packet, 0, packet.length) != null) {
      return;
    }
    int length = ctx.reset.write(ctx.decoder.tcp(), endpoints, ctx.tx, endpoints.ipHeaderLength());
    if (length > 0) {
      StackEvents.rstSentWithoutConnection(host, endpoints, "SYN refused by the forwarder");
      totals.increment(TcpCounter.RESETS_SENT);
      totals.increment(TcpCounter.SEGMENTS_OUT);
      host.transmitTcp(endpoints, host.deviceFor(endpoints), ctx, length, now);
    }
  }

  /** The stack is closing: every listener stops accepting, and blocked accepts fail. */
  void closeListeners() {
    for (Listener l : listeners.values()) {
      l.close();
    }
  }

  /**
   * A worker's segment {@code seg}, decoded from {@code packet}, from {@code src} to our address
   * {@code dst}. Returns the connection the worker now owns and must drain, or null. The buffer is
   * released here, or handed to a connection's backlog.
   */
  Connection receive(PacketBuffer packet, TcpSegment seg, boolean v6, long dstHigh, long dstLow, long srcHigh,
      long srcLow, OwnerContext ctx, long now) {
    Connection c = table.get(v6, dstHigh, dstLow, seg.destinationPort(), srcHigh, srcLow, seg.sourcePort());
    if (c != null) {
      Connection.Delivery outcome = c.deliver(packet, seg, now);
      if (outcome == Connection.Delivery.OWNED_DIRECT) {
        packet.release();
      }
      return outcome.owned() ? c : null;
    }
    TcpEndpoints endpoints = new TcpEndpoints(v6, dstHigh, dstLow, seg.destinationPort(), srcHigh, srcLow, seg.sourcePort());
    int control = seg.flags() & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST);
    Listener listener = listeners.get(seg.destinationPort());
    if (listener != null && control == TcpFlags.SYN) {
      Connection created = passiveOpen.syn(listener, endpoints, seg, ctx, now);
      packet.release();
      return created;
    }
    if (listener != null && control == TcpFlags.ACK) {
      // The ACK may complete a handshake whose SYN-ACK carried a cookie (RFC 4987 §3.6).
      int mss = passiveOpen.cookieMss(listener, endpoints, seg, now);
      if (mss > 0) {
        Connection created = passiveOpen.cookieAck(listener, endpoints, seg, mss, ctx, now);
        packet.release();
        return created;
      }
      // Not a cookie: answered with a RST below, as any stray ACK.
    }
    if (listener != null && control == 0) {
      // RFC 9293 §3.10.7.2, fourth: a listener drops a segment with none of SYN, ACK or RST (a
      // FIN alone, no flags at all); only a port nobody listens on answers it with a RST.
      totals.drop(DropReason.TCP_LISTEN_NO_SYN);
      packet.release();
      return null;
    }
    resetWithoutConnection(packet, seg, endpoints, ctx, now);
    return null;
  }

  /** RFC 9293 §3.10.7.1: no connection, and no listener that takes it: answer with a RST. */
  private void resetWithoutConnection(PacketBuffer packet, TcpSegment seg, TcpEndpoints endpoints, OwnerContext ctx,
      long now) {
    totals.drop(DropReason.TCP_NO_CONNECTION);
    int ipHeader = endpoints.ipHeaderLength();
    int length = ctx.reset.write(seg, endpoints, ctx.tx, ipHeader);
    packet.release();
    if (length > 0) {
      StackEvents.rstSentWithoutConnection(host, endpoints, "no connection or listener for the segment (closed port)");
      totals.increment(TcpCounter.RESETS_SENT);
      totals.increment(TcpCounter.SEGMENTS_OUT);
      host.transmitTcp(endpoints, host.deviceFor(endpoints), ctx, length, now);
    }
  }
}
