package dev.sluice.tcp;

import dev.sluice.wire.TcpSegment;

/**
 * The sending half of a connection (gVisor's {@code snd.go}): the send sequence space (RFC 9293
 * §3.3.1) over the {@link SendBuffer}, the peer's window, the MSS, Nagle and sender-side SWS
 * avoidance, the persist timer's zero-window probes, and how much may be sent now. It changes no
 * connection state: the engine acts on what it reports.
 */
final class Sender {
  private static final long PERSIST_MAX_NANOS = 60_000_000_000L;

  private final TcpEngine engine;
  final SendBuffer buffer;
  final int iss;
  int una;
  int nxt;
  /** One past the highest sequence number ever sent: below it, sending is retransmitting. */
  int max;
  long wnd;
  int wl1;
  int wl2;
  long maxWnd;
  /** Sequence number of the send buffer's first byte. */
  int bufSeq;
  /** Our FIN follows the data in the buffer (shutdown or close). */
  boolean finQueued;
  /** A write did not fit: WRITABLE is owed when space frees. */
  boolean writeBlocked;
  /** Nagle's algorithm (RFC 9293 §3.7.4), from the configuration until TCP_NODELAY changes it. */
  boolean nagle;
  /** The peer's window scale, 0 unless both sides offered scaling (RFC 7323 §1.3). */
  int shift;
  /** The largest segment payload allowed by the peer's MSS and our path MTU, before options. */
  int mssLimit;
  /** The peer's MSS option (or the default), clamped by {@code minPeerMss}. */
  int peerMss;
  /** The path MTU: the configured link MTU until an ICMP error lowers it (RFC 1191, RFC 8201). */
  int pathMtu;
  /** SMSS: the payload of a full-sized segment carrying our usual options (RFC 5681 §2). */
  int mss;
  private long persistBackoff;
  /** Zero-window probes sent since the window was last open. */
  private int zeroWindowProbes;
  /** The persist timer fired as the SWS override timeout: send what the window allows. */
  private boolean swsOverride;
  /** Our TSval when we last retransmitted: echoes older than it may time a waiting period. */
  int tsAtLastRetransmission;
  boolean retransmittedSinceConnect;

  Sender(TcpEngine engine, TcpConfig config, int iss, int defaultMss) {
    this.engine = engine;
    this.buffer = new SendBuffer(config.sendBufferBytes());
    this.iss = iss;
    this.una = iss;
    this.nxt = iss;
    this.max = iss;
    this.bufSeq = iss + 1;
    this.mss = defaultMss;
    this.mssLimit = defaultMss;
    this.peerMss = defaultMss;
    this.pathMtu = config.mtu();
    this.nagle = config.nagle();
  }

  /** The window from a segment with SYN, which is never scaled (RFC 7323 §2.2). */
  void takeSynWindow(TcpSegment seg) {
    wnd = seg.window();
    maxWnd = wnd;
    wl1 = seg.sequenceNumber();
  }

  /** Queues application bytes; returns how many fitted. */
  int write(byte[] src, int off, int len) {
    int n = buffer.write(src, off, len);
    if (n < len) {
      writeBlocked = true;
    }
    return n;
  }

  /** Bytes in the buffer not yet sent (from SND.NXT). */
  int unsent() {
    return (int) (buffer.length() - SeqNum.distance(bufSeq, nxt));
  }

  /** RFC 9293 §3.10.7.4 fifth: take the window from the most recent segment only. */
  void updateWindow(TcpSegment seg, int seq, int ack, boolean synReceivedAck) {
    if (synReceivedAck || SeqNum.lt(wl1, seq) || (wl1 == seq && SeqNum.le(wl2, ack))) {
      long window = (long) seg.window() << shift;
      boolean opened = wnd == 0 && window > 0;
      wnd = window;
      wl1 = seq;
      wl2 = ack;
      maxWnd = Math.max(maxWnd, window);
      if (opened) {
        engine.timers.stop(TcpTimer.PERSIST);
        persistBackoff = 0;
        zeroWindowProbes = 0;
      }
    }
  }

  /** MSS from the peer's option and the path MTU (RFC 9293 §3.7.1, RFC 6691). */
  void updateSendMss() {
    int pathMss = pathMtu - engine.endpoints.ipHeaderLength() - TcpEngine.TCP_HEADER;
    mssLimit = Math.min(peerMss, pathMss);
    // RFC 6691: the MSS counts no options, so room for the options we send comes off it.
    mss = Math.max(1, mssLimit - (engine.timestampsOk ? TcpEngine.TIMESTAMP_OPTION_SPACE : 0));
  }

  /**
   * How many new bytes to send now: within the peer's window and the engine.congestion window, and
   * subject to Nagle (RFC 9293 §3.7.4) and sender-side SWS avoidance (§3.8.6.2.1).
   */
  int sendableLength(int unsent, int maxPayload, long now) {
    if (unsent <= 0) {
      return 0;
    }
    long inFlight = SeqNum.distance(una, nxt);
    LossRecovery r = engine.recovery;
    int dupAcks = r == null ? 0 : r.dupAcks;
    long cwndRoom = r != null && r.inRecovery
        ? engine.congestion.cwnd() - r.pipe(una, max, engine.sackOk, mss)
        // RFC 3042: the first two duplicate ACKs may each release one new segment.
        : engine.congestion.cwnd() + (dupAcks < LossRecovery.DUP_THRESHOLD ? (long) dupAcks * mss : 0) - inFlight;
    long usable = Math.min(wnd - inFlight, cwndRoom);
    if (usable <= 0) {
      if (wnd == 0 && inFlight == 0 && !engine.timers.isSet(TcpTimer.PERSIST)) {
        persistBackoff = engine.rtt.rtoNanos();
        engine.timers.set(TcpTimer.PERSIST, now + persistBackoff);
      }
      return 0;
    }
    int length = (int) Math.min(Math.min(unsent, usable), maxPayload);
    if (length == maxPayload) {
      return length;
    }
    if (SeqNum.lt(nxt, max)) {
      // Resending after a go-back (RTO, path MTU drop): these bytes already went out once, so
      // Nagle and sender-side SWS avoidance, which keep new small segments back, do not apply.
      return (int) Math.min(length, SeqNum.distance(nxt, max));
    }
    boolean allQueued = length == unsent;
    if (allQueued && (inFlight == 0 || !nagle || finQueued)) {
      return length; // Nagle: a small segment only when nothing is outstanding (or NODELAY)
    }
    if (length >= maxWnd / 2 && inFlight == 0) {
      return length; // SWS: at least half the largest window the peer ever offered
    }
    if (inFlight == 0) {
      // RFC 9293 §3.8.6.2.1 (RFC 1122 §4.2.3.4 (d)): nothing in flight means no ACK will come to
      // re-evaluate this, so the persist timer doubles as the override timeout.
      if (swsOverride) {
        swsOverride = false;
        return length;
      }
      if (!engine.timers.isSet(TcpTimer.PERSIST)) {
        persistBackoff = engine.rtt.rtoNanos();
        engine.timers.set(TcpTimer.PERSIST, now + persistBackoff);
      }
    }
    return 0;
  }

  /**
   * The sequence number for a segment without data (a pure ACK, an abort's RST): SND.MAX, the
   * number the peer expects once everything we sent arrived, unless the peer's window has since
   * shrunk below it. Then, as Linux's {@code tcp_acceptable_seq}, the window's edge: a zero
   * window accepts an empty segment only at RCV.NXT (RFC 9293 §3.10.7.4), which is SND.UNA, so
   * SND.MAX there would make the peer drop every ACK we send, and with it the ACK number it is
   * waiting for (a deadlock the deterministic simulation found: seed 72 of the heavy-loss run).
   */
  int acceptableSeq() {
    int windowEnd = una + (int) Math.min(wnd, Integer.MAX_VALUE);
    if (SeqNum.le(max, windowEnd)) {
      return max;
    }
    return wnd == 0 ? una : windowEnd - 1; // the last octet the peer's window still accepts
  }

  int finSeq() {
    return bufSeq + buffer.length();
  }

  boolean ourFinAcknowledged() {
    return finQueued && SeqNum.gt(una, finSeq()) && buffer.length() == 0;
  }

  void noteRetransmission(long now) {
    retransmittedSinceConnect = true;
    tsAtLastRetransmission = timestampNow(now);
  }

  int timestampNow(long now) {
    // The offset hides our uptime (RFC 7323 §7.1) and is derived from the ISS, not stored.
    return (int) (now / TcpEngine.TIMESTAMP_TICK_NANOS) + (Integer.rotateLeft(iss, 13) ^ 0x5A5A_5A5A);
  }

  /**
   * The persist timer fired: probe a zero window (RFC 9293 §3.8.6.1), or let the next segment
   * override sender-side SWS avoidance. Returns false if the engine should give up instead.
   */
  boolean onPersistTimeout(long now) {
    engine.timers.stop(TcpTimer.PERSIST);
    boolean unsent = buffer.length() > SeqNum.distance(bufSeq, nxt);
    if (wnd == 0 && unsent) {
      if (finQueued && zeroWindowProbes >= engine.config.maxRetransmits()) {
        // Hostile input 29: with our FIN queued behind data a peer never lets in (FIN-WAIT-1,
        // CLOSING, LAST-ACK), probing would hold the connection forever. Once the application
        // has shut down, give up as a retransmission would (Linux bounds orphans' probes too).
        return false;
      }
      zeroWindowProbes++;
      engine.probeNow = true; // RFC 9293 §3.8.6.1: probe the zero window
      persistBackoff = Math.min(PERSIST_MAX_NANOS, Math.max(engine.rtt.rtoNanos(), persistBackoff * 2));
      engine.timers.set(TcpTimer.PERSIST, now + persistBackoff);
    } else if (unsent && nxt == una) {
      swsOverride = true; // the SWS override timeout: the next pollTransmit sends what fits
    }
    return true;
  }
}
