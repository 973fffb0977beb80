package dev.sluice.tcp;

import dev.sluice.link.Impairments;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketTap;
import dev.sluice.link.SimulatedInterface;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import dev.sluice.wire.TcpFlags;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * Two engines talking over an impaired simulated link, driven from one thread by a virtual clock:
 * each side streams a deterministic pseudo-random byte stream to the other, half-closes, reads to
 * end-of-stream and closes. Everything random derives from the seed, so a run replays exactly.
 */
final class TwoEngineSimulation {
  static final int HOST_A = 0xC612_0001;
  static final int HOST_B = 0xC612_0002;
  private static final long MS = 1_000_000L;

  record Result(boolean completed, long virtualNanos, byte[] sentByA, byte[] receivedByB,
      byte[] sentByB, byte[] receivedByA, int endOfStreamAtA, int endOfStreamAtB,
      TcpState finalA, TcpState finalB, byte[] traceHash, TcpEngine a, TcpEngine b) {}

  private final long seed;
  private final long bytesEachWay;
  private final Impairments impairments;
  private final TcpConfig config;
  private final int isnA;
  private final int isnB;
  /** Optional extra tap for debugging a seed. */
  PacketTap debugTrace;
  /**
   * When positive, the packet steps (receive, transmit) hand each engine a time up to this much earlier than
   * the clock's (drawn from the seed), while the application steps hand it the clock's own: as a
   * receive worker does, which reads its clock once per burst of steps, beside application threads
   * that read theirs at each call.
   */
  long staleClockNanos;

  TwoEngineSimulation(long seed, long bytesEachWay, Impairments impairments, TcpConfig config) {
    this.seed = seed;
    this.bytesEachWay = bytesEachWay;
    this.impairments = impairments;
    this.config = config;
    SplittableRandom random = new SplittableRandom(seed);
    // Start near the top of the sequence space so the transfer wraps (hostile input 22).
    this.isnA = -1 - random.nextInt(1 << 16);
    this.isnB = -1 - random.nextInt(1 << 16);
  }

  /** One side: its engine, its stream generator and its digests. */
  private final class Side {
    final SimulatedInterface device;
    final PacketDecoder decoder = new PacketDecoder(new DropCounters());
    final Ipv4Builder ip = new Ipv4Builder();
    final TcpReset reset = new TcpReset();
    final int address;
    final int peerAddress;
    final SplittableRandom streamOut;
    final SplittableRandom streamIn;
    final MessageDigest sent = sha256();
    final MessageDigest received = sha256();
    final byte[] chunk = new byte[16 * 1024];
    final byte[] readBuffer = new byte[64 * 1024];
    final byte[] frame = new byte[70_000];
    TcpEngine engine;
    long written;
    long read;
    int pendingLength; // bytes of chunk generated but not yet accepted by write()
    int pendingOffset;
    int endOfStream;
    boolean closed;
    long lag; // how far behind the clock this step's engine time is (staleClockNanos)

    Side(SimulatedInterface device, int address, int peerAddress, long outSeed, long inSeed) {
      this.device = device;
      this.address = address;
      this.peerAddress = peerAddress;
      this.streamOut = new SplittableRandom(outSeed);
      this.streamIn = new SplittableRandom(inSeed);
    }

    void receive(long now) {
      for (int q = 0; q < device.receiveQueueCount(); q++) {
        PacketBuffer packet;
        while ((packet = device.poll(q)) != null) {
          try {
            if (decoder.decodeIp(packet.data(), 0, packet.length()) != null
                || decoder.protocol() != IpProtocol.TCP) {
              continue;
            }
            if (engine == null) {
              if (decoder.tcp().flags() == TcpFlags.SYN) {
                engine = TcpEngine.accept(config, TcpEndpoints.ipv4(address, 80, peerAddress, 40_000),
                    decoder.tcp(), isnB, now - lag);
              }
              continue;
            }
            if (engine.state() == TcpState.CLOSED) {
              // What a host does for a segment that reaches no connection (RFC 9293 §3.10.7.1).
              int length = reset.write(decoder.tcp(), engine.endpoints(), frame, 20);
              if (length > 0) {
                ip.protocol(IpProtocol.TCP).source(address).destination(peerAddress);
                ip.write(frame, 0, length);
                device.transmit(frame, 0, 20 + length, now);
              }
              continue;
            }
            engine.onSegment(decoder.tcp(), now - lag);
          } finally {
            packet.release();
          }
        }
      }
    }

    void application(long now) {
      if (engine == null) {
        return;
      }
      // Write the stream until the send buffer is full.
      while (written < bytesEachWay) {
        if (pendingLength == 0) {
          pendingLength = (int) Math.min(chunk.length, bytesEachWay - written);
          pendingOffset = 0;
          for (int i = 0; i < pendingLength; i++) {
            chunk[i] = (byte) streamOut.nextInt();
          }
        }
        int n = engine.write(chunk, pendingOffset, pendingLength, now);
        if (n <= 0) {
          break;
        }
        sent.update(chunk, pendingOffset, n);
        pendingOffset += n;
        pendingLength -= n;
        written += n;
      }
      if (written == bytesEachWay && !closed && engine.state() != TcpState.SYN_SENT
          && engine.state() != TcpState.SYN_RECEIVED) {
        engine.shutdownOutput();
        closed = true;
      }
      // Read everything readable.
      while (true) {
        int n = engine.read(readBuffer, 0, readBuffer.length);
        if (n > 0) {
          received.update(readBuffer, 0, n);
          read += n;
        } else {
          break;
        }
      }
      TcpEvent event;
      while ((event = engine.pollEvent()) != null) {
        if (event == TcpEvent.END_OF_STREAM) {
          endOfStream++;
        }
      }
    }

    void transmit(long now) {
      if (engine == null) {
        return;
      }
      int length;
      while ((length = engine.pollTransmit(frame, 20, now - lag)) > 0) {
        ip.protocol(IpProtocol.TCP).source(address).destination(peerAddress);
        ip.write(frame, 0, length);
        device.transmit(frame, 0, 20 + length, now);
      }
    }

    long deadline() {
      return engine == null ? Long.MAX_VALUE : engine.nextDeadline();
    }

    void timers(long now) {
      if (engine != null && engine.nextDeadline() <= now) {
        engine.onTimer(now);
      }
    }

    boolean finished() {
      return engine != null && (engine.state() == TcpState.CLOSED || engine.state() == TcpState.TIME_WAIT)
          && read == bytesEachWay && written == bytesEachWay;
    }
  }

  Result run(long virtualLimitNanos) {
    SimulatedNetwork network = new SimulatedNetwork(seed);
    SimulatedLink link = network.connect("a", "b",
        SimulatedLink.Config.defaults().withMtu(config.mtu()).withImpairments(impairments).withBuffers(8192));
    MessageDigest trace = sha256();
    PacketTap tap = (device, direction, buf, off, len, time) -> {
      trace.update((byte) direction.ordinal());
      trace.update(longBytes(time));
      trace.update(buf, off, len);
    };
    link.a().addTap(tap);
    if (debugTrace != null) {
      link.a().addTap(debugTrace);
    }
    Side a = new Side(link.a(), HOST_A, HOST_B, seed * 31 + 1, seed * 31 + 2);
    Side b = new Side(link.b(), HOST_B, HOST_A, seed * 31 + 2, seed * 31 + 1);
    long now = 0;
    a.engine = TcpEngine.connect(config, TcpEndpoints.ipv4(HOST_A, 40_000, HOST_B, 80), isnA);
    boolean completed = false;
    SplittableRandom staleness = new SplittableRandom(seed ^ 0x5eed);
    while (now <= virtualLimitNanos) {
      if (staleClockNanos > 0) {
        a.lag = Math.min(now, staleness.nextLong(staleClockNanos + 1));
        b.lag = Math.min(now, staleness.nextLong(staleClockNanos + 1));
      }
      network.advance(now);
      a.receive(now);
      b.receive(now);
      a.timers(now);
      b.timers(now);
      a.application(now);
      b.application(now);
      a.transmit(now);
      b.transmit(now);
      if (a.finished() && b.finished()) {
        completed = true;
        break;
      }
      long next = Math.min(network.nextDueNanos(), Math.min(a.deadline(), b.deadline()));
      if (next == Long.MAX_VALUE) {
        break; // nothing will ever happen again: a hang
      }
      now = Math.max(now + 1, next);
    }
    return new Result(completed, now, a.sent.digest(), b.received.digest(), b.sent.digest(),
        a.received.digest(), a.endOfStream, b.endOfStream,
        a.engine.state(), b.engine == null ? TcpState.CLOSED : b.engine.state(), trace.digest(), a.engine, b.engine);
  }

  private static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (v >>> (56 - 8 * i));
    }
    return b;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
