package dev.sluice.stack;

import dev.sluice.link.Direction;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEngine;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv6Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * A live {@link Host} on a simulated link, with a hand-driven peer on the other end that crafts
 * every packet itself (hostile inputs). Runs on the test's thread with a virtual clock: packets
 * are injected with {@link #inject}, the host's workers and timers run in {@link #settle} and
 * {@link #settleUntil}, and everything the host sends is captured in {@link #sent}.
 */
final class HostileWire {
  static final long MS = 1_000_000L;
  static final long S = 1_000 * MS;
  static final int PEER4 = IpAddresses.parseIpv4("198.18.0.1");
  static final int HOST4 = IpAddresses.parseIpv4("198.18.0.2");
  static final long[] PEER6 = IpAddresses.parseIpv6("2001:2::1");
  static final long[] HOST6 = IpAddresses.parseIpv6("2001:2::2");
  /** The peer's ISN sits just below the 2^32 wrap, so every connection crosses it (row 22). */
  static final int PEER_ISN = 0xFFFF_FF00;

  final long[] clock = {1_000 * MS};
  final SimulatedNetwork network = new SimulatedNetwork(29);
  final SimulatedLink link = network.connect("peer0", "host0",
      SimulatedLink.Config.defaults().withQueueCapacity(65_536).withBuffers(65_536));
  final Host host;
  /** Every packet the host sent, oldest first. */
  final List<byte[]> sent = Collections.synchronizedList(new ArrayList<>());

  HostileWire(HostConfig config) {
    host = new Host(config.toBuilder().buildWith(h -> {
      h.clock = () -> clock[0];
      h.random = new java.util.SplittableRandom(1723);
    }));
    host.addInterface(link.b(), "198.18.0.2/24");
    host.addInterface(link.b(), "2001:2::2/64");
    link.b().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.OUTBOUND) {
        sent.add(Arrays.copyOfRange(buf, off, off + len));
      }
    });
  }

  HostileWire() {
    this(HostConfig.builder().buildWith(h -> h.workers = 1));
  }

  // ------------------------------------------------------------------ driving

  void inject(byte[] packet) {
    link.a().transmit(packet, 0, packet.length, clock[0]);
    settle();
  }

  void injectQuietly(byte[] packet) {
    link.a().transmit(packet, 0, packet.length, clock[0]);
  }

  /** Delivers what is in flight and runs the workers until nothing moves (no timer is advanced past 5 ms). */
  void settle() {
    settleUntil(clock[0] + 5 * MS);
  }

  /** Runs the host, firing timers as virtual time advances, until {@code until}. */
  void settleUntil(long until) {
    for (int round = 0; round < 2_000_000; round++) {
      network.advance(clock[0]);
      boolean worked = false;
      for (Worker w : host.workers()) {
        while (w.step(clock[0])) {
          worked = true;
        }
      }
      if (!worked) {
        long next = network.nextDueNanos();
        for (Worker w : host.workers()) {
          next = Math.min(next, Math.max(w.nextTimerHint(), clock[0] + MS));
        }
        if (next == Long.MAX_VALUE || next > until) {
          clock[0] = Math.max(clock[0], until);
          network.advance(clock[0]);
          for (Worker w : host.workers()) {
            while (w.step(clock[0])) {
              // drain what became due at the end
            }
          }
          return;
        }
        clock[0] = Math.max(clock[0] + 1, next);
      }
    }
    throw new AssertionError("the host never went quiet: a loop that runs forever");
  }

  // ------------------------------------------------------------------ what the host sent

  /** One TCP segment the host sent, decoded. */
  record Out(int srcPort, int dstPort, int flags, int seq, int ack, int window, int payload, boolean hasTs,
      int tsVal, int tsEcr, int sackBlocks, long timeNanos) {
    boolean has(int flag) {
      return (flags & flag) != 0;
    }
  }

  /** The TCP segments among {@link #sent}, decoded. */
  List<Out> tcpSent() {
    List<Out> out = new ArrayList<>();
    PacketDecoder d = new PacketDecoder(new DropCounters());
    synchronized (sent) {
      for (byte[] p : sent) {
        if (d.decodeIp(p, 0, p.length) == null && d.protocol() == IpProtocol.TCP) {
          TcpSegment t = d.tcp();
          out.add(new Out(t.sourcePort(), t.destinationPort(), t.flags(), t.sequenceNumber(),
              t.acknowledgmentNumber(), t.window(), t.payloadLength(), t.options().hasTimestamps(),
              t.options().hasTimestamps() ? t.options().tsVal() : 0,
              t.options().hasTimestamps() ? t.options().tsEcr() : 0, t.options().sackBlockCount(), 0));
        }
      }
    }
    return out;
  }

  Out lastTcp() {
    List<Out> all = tcpSent();
    if (all.isEmpty()) {
      throw new AssertionError("the host sent no TCP segment");
    }
    return all.get(all.size() - 1);
  }

  // ------------------------------------------------------------------ packets from the peer

  /** A TCP segment from the peer; {@code options} adds options to the builder. */
  static byte[] tcp(boolean v6, int srcPort, int dstPort, int seq, int ack, int flags, int window, byte[] payload,
      Consumer<TcpBuilder> options) {
    return tcpFrom(v6, PEER4, PEER6, srcPort, dstPort, seq, ack, flags, window, payload, options);
  }

  static byte[] tcpFrom(boolean v6, int src4, long[] src6, int srcPort, int dstPort, int seq, int ack, int flags,
      int window, byte[] payload, Consumer<TcpBuilder> options) {
    TcpBuilder b = new TcpBuilder().sourcePort(srcPort).destinationPort(dstPort).sequenceNumber(seq)
        .acknowledgmentNumber(ack).flags(flags).window(window);
    if (options != null) {
      options.accept(b);
    }
    int tcpLength = b.headerLength() + payload.length;
    int ip = v6 ? 40 : 20;
    byte[] p = new byte[ip + tcpLength];
    System.arraycopy(payload, 0, p, ip + b.headerLength(), payload.length);
    int pseudo;
    if (v6) {
      new Ipv6Builder().protocol(IpProtocol.TCP).hopLimit(64).source(src6[0], src6[1]).destination(HOST6[0], HOST6[1])
          .write(p, 0, tcpLength);
      pseudo = Checksum.pseudoHeaderIpv6(src6[0], src6[1], HOST6[0], HOST6[1], IpProtocol.TCP, tcpLength);
    } else {
      new Ipv4Builder().protocol(IpProtocol.TCP).ttl(64).source(src4).destination(HOST4).write(p, 0, tcpLength);
      pseudo = Checksum.pseudoHeaderIpv4(src4, HOST4, IpProtocol.TCP, tcpLength);
    }
    b.write(p, ip, payload.length, pseudo);
    return p;
  }

  /** Recomputes the TCP checksum of an IPv4 packet after the test edited its header. */
  static void refreshTcpChecksum4(byte[] p) {
    int ihl = (p[0] & 0x0F) * 4;
    int length = p.length - ihl;
    Bytes.put16(p, ihl + 16, 0);
    int sum = Checksum.add(Checksum.pseudoHeaderIpv4(Bytes.i32(p, 12), Bytes.i32(p, 16), IpProtocol.TCP, length),
        Checksum.sum(p, ihl, length));
    Bytes.put16(p, ihl + 16, Checksum.finish(sum));
  }

  /** Recomputes the IPv4 header checksum after the test edited the header. */
  static void refreshIpChecksum(byte[] p) {
    int ihl = (p[0] & 0x0F) * 4;
    Bytes.put16(p, 10, 0);
    Bytes.put16(p, 10, Checksum.finish(Checksum.sum(p, 0, ihl)));
  }

  // ------------------------------------------------------------------ a connection to the host

  /** The peer's side of one connection: its next sequence number and the host's. */
  final class Peer {
    final boolean v6;
    final int port;
    final int hostPort;
    int seq;
    int hostSeq;
    final boolean timestamps;
    int tsVal = 1_000;
    int tsEcr;
    Connection connection;

    Peer(boolean v6, int port, int hostPort, boolean timestamps) {
      this.v6 = v6;
      this.port = port;
      this.hostPort = hostPort;
      this.timestamps = timestamps;
      this.seq = PEER_ISN;
    }

    byte[] segment(int seqNo, int ackNo, int flags, int window, byte[] payload) {
      return tcp(v6, port, hostPort, seqNo, ackNo, flags, window, payload,
          timestamps && (flags & TcpFlags.RST) == 0 ? b -> b.nop().nop().timestamps(tsVal, tsEcr) : null);
    }

    /** Sends data at the current sequence number and advances it. */
    void send(byte[] payload) {
      inject(segment(seq, hostSeq, TcpFlags.ACK | TcpFlags.PSH, 65_535, payload));
      seq += payload.length;
    }

    void ackEverything() {
      Out last = lastTcp();
      hostSeq = last.seq() + last.payload() + (last.has(TcpFlags.FIN) ? 1 : 0);
      inject(segment(seq, hostSeq, TcpFlags.ACK, 65_535, new byte[0]));
    }

    /**
     * The connection's engine, for the memory measurements the public API does not expose, read
     * at a quiescent moment (the test drives every thread itself).
     */
    TcpEngine engine() {
      return connection.engineForTests();
    }
  }

  /**
   * Opens a connection from the peer to {@code listener}'s port: SYN (with {@code synOptions}
   * instead of MSS 1460, SACK-permitted, timestamps if asked, window scale 0, when not null),
   * the host's SYN-ACK, the peer's ACK; returns the peer with the accepted connection.
   */
  Peer open(Listener listener, boolean v6, int peerPort, boolean timestamps, Consumer<TcpBuilder> synOptions) {
    Peer p = new Peer(v6, peerPort, listener.port(), timestamps);
    int before = sent.size();
    inject(tcp(v6, peerPort, listener.port(), p.seq, 0, TcpFlags.SYN, 65_535, new byte[0], b -> {
      if (synOptions != null) {
        synOptions.accept(b); // instead of the usual options
        return;
      }
      b.mss(1460).sackPermitted();
      if (timestamps) {
        b.timestamps(p.tsVal, 0);
      }
      b.nop().windowScale(0);
    }));
    if (sent.size() == before) {
      throw new AssertionError("no SYN-ACK");
    }
    Out synAck = lastTcp();
    if (synAck.flags() != (TcpFlags.SYN | TcpFlags.ACK)) {
      throw new AssertionError("expected a SYN-ACK, got flags " + synAck.flags());
    }
    p.seq += 1;
    p.hostSeq = synAck.seq() + 1;
    p.tsEcr = synAck.tsVal();
    p.tsVal += 10;
    inject(p.segment(p.seq, p.hostSeq, TcpFlags.ACK, 65_535, new byte[0]));
    p.connection = listener.poll();
    if (p.connection == null) {
      throw new AssertionError("the handshake did not complete");
    }
    return p;
  }

  Peer open(int port, TcpConfig tcp) throws java.net.BindException {
    return open(host.listen(port, 16, tcp), false, 40_000 + port, false, null);
  }
}
