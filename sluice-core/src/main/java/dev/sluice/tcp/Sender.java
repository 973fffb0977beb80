package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;

/**
 * The sending half of a connection (gVisor's {@code snd.go}): the send sequence space (RFC 9293
 * §3.3.1) over the {@link SendBuffer}, the peer's window, the MSS, Nagle and sender-side SWS
 * avoidance, the persist timer's zero-window probes, the user timeout, and how much may be sent
 * now. It changes no connection state: the engine acts on what it reports.
 *
 * <p>Owned by its engine and, like it, driven by one thread at a time (the connection's owner).
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
  /** The peer's window scale (0 to 14), 0 unless both sides offered scaling (RFC 7323 §1.3). */
  byte shift;
  /** A window or keepalive probe is owed by the next pollTransmit. */
  boolean probeNow;
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

  Sender(TcpEngine engine, TcpConfig config, int iss) {
    this.engine = engine;
    int defaultMss = defaultMss();
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

  /**
   * The handshake completed: SND.UNA is past our SYN, and the retransmission timer runs only for
   * data already outstanding.
   */
  void onEstablished(long now) {
    una = SeqNum.max(una, iss + 1);
    if (SeqNum.lt(nxt, una)) {
      nxt = una;
    }
    engine.timers.set(TcpTimer.RETRANSMIT, una == max ? TimerTable.NEVER : now + engine.rtt.rtoNanos());
  }

  /** Queues application bytes; returns how many fitted. */
  int write(byte[] src, int off, int len) {
    return fitted(buffer.write(src, off, len), len);
  }

  /** Queues application bytes from {@code src} at {@code index} (absolute); returns how many fitted. */
  int write(java.nio.ByteBuffer src, int index, int len) {
    return fitted(buffer.write(src, index, len), len);
  }

  private int fitted(int n, int len) {
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
    int pathMss = Mss.offered(pathMtu, engine.endpoints);
    mssLimit = Math.min(peerMss, pathMss);
    // RFC 6691: the MSS counts no options, so room for the options we send comes off it.
    mss = Math.max(1, mssLimit - (engine.timestampsOk ? TcpEngine.TIMESTAMP_OPTION_SPACE : 0));
  }

  /**
   * How many new bytes to send now: within the peer's window and the congestion window, and
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
      probeNow = true; // RFC 9293 §3.8.6.1: probe the zero window
      persistBackoff = Math.min(PERSIST_MAX_NANOS, Math.max(engine.rtt.rtoNanos(), persistBackoff * 2));
      engine.timers.set(TcpTimer.PERSIST, now + persistBackoff);
    } else if (unsent && nxt == una) {
      swsOverride = true; // the SWS override timeout: the next pollTransmit sends what fits
    }
    return true;
  }

  /**
   * The fifth step of RFC 9293 §3.10.7.4 for an acceptable ACK in a synchronized state: SND.UNA
   * advances ({@link #onAck}), or a duplicate ACK or new SACK information goes to loss recovery
   * (RFC 5681 §3.2, RFC 6675 §5); then the window is taken from the segment. Returns true if
   * SND.UNA advanced, which the engine may act on (our FIN acknowledged).
   */
  boolean onAckSegment(TcpSegment seg, int ack, long now) {
    boolean duplicate = isDuplicateAck(seg, ack);
    RackTlp rt = rack(); // null on a connection that only receives: RACK is not on its path
    boolean wasInRecovery = rt != null && inRecovery();
    long newlySacked = engine.sackOk && seg.options().sackBlockCount() > 0
        ? engine.recovery().onSackBlocks(seg.options(), una, max, engine.config.maxOutOfOrderRanges(), engine.stats)
        : 0;
    boolean advanced = SeqNum.gt(ack, una);
    if (advanced) {
      onAck(ack, seg, now);
    } else if (duplicate || (newlySacked > 0 && ack == una)) {
      onDuplicateAck(now);
    }
    if (rt != null && (advanced || seg.options().sackBlockCount() > 0)) {
      rt.onAck(seg, ack, advanced, wasInRecovery, now); // RFC 8985 §6.2, §7.4: never for received data alone
    }
    updateWindow(seg, seg.sequenceNumber(), ack, false);
    return advanced;
  }

  /**
   * RFC 5681 §2: a duplicate ACK acknowledges nothing new, carries no data, SYN or FIN, leaves the
   * window unchanged, and arrives while data is outstanding.
   */
  private boolean isDuplicateAck(TcpSegment seg, int ack) {
    return ack == una && seg.payloadLength() == 0 && (seg.flags() & (TcpFlags.SYN | TcpFlags.FIN)) == 0
        && ((long) seg.window() << shift) == wnd && max != una;
  }

  /** A duplicate ACK, or new SACK information: recovery may begin (LossRecovery#onDuplicateAck). */
  private void onDuplicateAck(long now) {
    if (engine.recovery().onDuplicateAck(una, max, engine.sackOk, mss, rackOn())) {
      engine.stats.increment(TcpCounter.FAST_RETRANSMITS);
      engine.congestion.onEnterRecovery(SeqNum.distance(una, max));
    }
  }

  /** RACK-TLP applies: on in the configuration and SACK negotiated (RFC 8985 §2 needs SACK). */
  boolean rackOn() {
    return engine.sackOk && engine.config.rackTlp();
  }

  /** The connection's RACK-TLP, made now if it applies and is not made yet; null if it does not apply. */
  RackTlp rackTlp(long now) {
    if (!rackOn()) {
      return null;
    }
    LossRecovery r = engine.recovery();
    RackTlp rt = r.rack;
    if (rt == null) {
      rt = r.rack = new RackTlp(engine, now);
    }
    return rt;
  }

  /**
   * The connection's RACK-TLP, or null: it lives in the {@link LossRecovery}, made at the first
   * data segment and dropped with it when the connection is idle.
   */
  RackTlp rack() {
    LossRecovery r = engine.recovery;
    return r == null ? null : r.rack;
  }

  /** RACK-TLP's next deadline (RackTlp keeps its two timers), or NEVER without RACK or data in flight. */
  long rackDeadline() {
    RackTlp rt = rack();
    return rt == null || una == max || !engine.state.isSynchronized() ? TimerTable.NEVER : rt.nextDeadline();
  }

  /** Runs RACK-TLP's due timers, if any. */
  void onRackTimer(long now) {
    if (rackDeadline() <= now) {
      rack().onTimer(now);
    }
  }

  /**
   * SND.UNA advances to {@code ack}: free the acknowledged bytes, take an RTT sample, let the
   * congestion controller grow the window, run the retransmission and user timers again, and
   * tell a blocked writer that space freed.
   */
  void onAck(int ack, TcpSegment seg, long now) {
    long acked = SeqNum.distance(una, ack);
    long bytesInFlight = SeqNum.distance(una, max);
    if (una == iss) {
      acked--; // our SYN
    }
    int dataAcked = (int) Math.min(acked, buffer.length());
    if (dataAcked > 0) {
      buffer.acknowledge(dataAcked);
      bufSeq += dataAcked;
      engine.stats.add(TcpCounter.BYTES_ACKED, dataAcked);
    }
    LossRecovery r = engine.recovery;
    boolean recoveryEnded = r != null && r.onUnaAdvanced(una, ack, engine.sackOk);
    una = ack;
    if (SeqNum.lt(nxt, una)) {
      nxt = una;
    }
    if (recoveryEnded) {
      engine.congestion.onExitRecovery();
    }
    long sample = -1;
    boolean timestampSample = false;
    if (engine.timestampsOk && seg.options().hasTimestamps() && seg.options().tsEcr() != 0
        && !(retransmittedSinceConnect && SeqNum.lt(seg.options().tsEcr(), tsAtLastRetransmission))) {
      // RFC 7323 §4.1 (RTTM): the echoed timestamp dates the transmission that was acknowledged.
      // After a retransmission, RFC 7323 §4.3 makes the peer echo its TS.Recent, which can date
      // from before the loss: such a sample would include the whole retransmission timeout and
      // inflate the RTO (a spiral under heavy loss), so only echoes of our latest round count.
      timestampSample = true;
      long ticks = timestampNow(now) - seg.options().tsEcr();
      if (ticks >= 0 && ticks < Integer.MAX_VALUE) {
        sample = ticks * TcpEngine.TIMESTAMP_TICK_NANOS;
      }
    }
    if (r != null) {
      long timed = r.timedSample(ack, now, !timestampSample); // Karn: one timed segment, RFC 6298 §3
      if (!timestampSample) {
        sample = timed;
      }
    }
    if (sample >= 0) {
      engine.rtt.sample(sample);
      engine.stats.increment(TcpCounter.RTT_SAMPLES);
      RackTlp rt = rack();
      if (rt != null) {
        rt.onRttSample(sample, now);
      }
    }
    if (engine.state.isSynchronized() && dataAcked > 0 && !inRecovery()) {
      engine.congestion.onAck(dataAcked, sample, bytesInFlight, now); // no growth in recovery
    }
    if (una == max) {
      engine.timers.stop(TcpTimer.RETRANSMIT);
      if (buffer.length() > 0) {
        restartUserTimeout(now);
      } else {
        engine.timers.stop(TcpTimer.USER_TIMEOUT);
      }
    } else {
      engine.timers.set(TcpTimer.RETRANSMIT, now + engine.rtt.rtoNanos());
      restartUserTimeout(now);
    }
    if (writeBlocked && dataAcked > 0 && !finQueued) {
      growBufferForTheWindow();
    }
    if (writeBlocked && buffer.free() > 0 && !finQueued) {
      writeBlocked = false;
      engine.queueEvent(TcpEvent.WRITABLE);
    }
  }

  /**
   * Linux's {@code tcp_sndbuf_expand}, on an ACK while a writer waits for space: a send buffer
   * smaller than twice what may be in flight (the congestion window, or the peer's window if
   * smaller: one window in flight and the next one queued behind it) grows towards {@link
   * TcpConfig#sendBufferMaxBytes()}, at least doubling so a flow asks a few times, not on every
   * ACK, and only as far as the budget grants. Without it a fixed buffer caps a flow at one
   * buffer per round trip, and on a path whose round trip is mostly a thread's wake-up (a TUN
   * device, the gateway's guest) that cap is what limits the flow.
   */
  private void growBufferForTheWindow() {
    int capacity = buffer.capacity();
    int max = engine.config.sendBufferMaxBytes();
    if (capacity >= max) {
      return; // a maximum of 0, or one at or below the configured size: no growth
    }
    long window = Math.min(engine.congestion.cwnd(), wnd);
    if (2 * window <= capacity) {
      return;
    }
    int target = (int) Math.min(max, Math.max(2 * window, 2L * capacity));
    if (engine.config.sendBufferBudget().tryReserve(target - capacity)) {
      buffer.capacity(target);
      engine.stats.increment(TcpCounter.SEND_BUFFER_GROWN);
    }
  }

  /**
   * Gives a grown buffer's growth back to the budget: when it is empty (the idle sweep, TIME-WAIT),
   * or whatever it holds when the connection closes, whose bytes will never be sent.
   */
  void returnBufferGrowth(boolean closed) {
    int initial = engine.config.sendBufferBytes(); // the buffer's size at the start (the constructor's)
    int grown = buffer.capacity() - initial;
    if (grown <= 0 || (!closed && buffer.length() > initial)) {
      return;
    }
    if (buffer.length() > initial) {
      buffer.discard();
    }
    buffer.capacity(initial);
    engine.config.sendBufferBudget().release(grown);
  }

  /**
   * The user timeout runs from the oldest unacknowledged data (RFC 5482): started when data is
   * first outstanding, restarted when an ACK makes progress, off without a configured timeout.
   */
  void startUserTimeout(long now) {
    if (!engine.timers.isSet(TcpTimer.USER_TIMEOUT)) {
      restartUserTimeout(now);
    }
  }

  private void restartUserTimeout(long now) {
    if (engine.config.userTimeoutNanos() > 0) {
      engine.timers.set(TcpTimer.USER_TIMEOUT, now + engine.config.userTimeoutNanos());
    }
  }

  /**
   * RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.MAX, or the segment is answered with an
   * ACK and dropped (also RFC 9293's "SEG.ACK > SND.NXT: send an ACK, drop the segment").
   */
  boolean ackAcceptable(int ack) {
    return !SeqNum.gt(ack, max) && !SeqNum.lt(ack, una - (int) Math.min(maxWnd, Integer.MAX_VALUE));
  }

  /**
   * The options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §2.3): its MSS, clamped up to the
   * configured floor (hostile input 2: a tiny MSS, CVE-2019-11479), and its window scale.
   */
  void negotiate(TcpOptions options, boolean windowScaleAgreed) {
    int offered = options.mss() > 0 ? options.mss() : defaultMss();
    peerMss = Math.max(offered, engine.config.minPeerMss());
    shift = (byte) (windowScaleAgreed ? options.effectiveWindowScale() : 0); // clamped to 14
    updateSendMss();
  }

  /** RFC 9293 §3.7.1: the MSS to assume when the SYN carries none (needs the engine's endpoints). */
  private int defaultMss() {
    return Mss.assumed(engine.endpoints);
  }

  /**
   * The handshake a SYN cookie completed: our SYN-ACK (ISS) went out without options but the MSS,
   * the peer's SYN was at {@code irs}, and {@code cookieMss} is the MSS the cookie carries.
   */
  void synchronizeFromCookie(int cookieMss, int irs) {
    peerMss = Math.max(cookieMss, engine.config.minPeerMss());
    shift = 0;
    updateSendMss();
    wl1 = irs;
    nxt = iss + 1;
    max = iss + 1;
  }

  /**
   * The retransmission timer fired on data (RFC 6298 §5.4–5.7): back off the timer, stop timing
   * (Karn: the next ACK may answer either transmission), shrink the congestion window, and send
   * everything again from SND.UNA.
   */
  void onRetransmitTimeout(long now) {
    engine.rtt.backoff();
    stopRttTiming();
    RackTlp rt = rack();
    if (rt != null) {
      rt.onRetransmitTimeout(now);
    }
    engine.congestion.onRetransmitTimeout(SeqNum.distance(una, max));
    goBackToUna();
  }

  boolean inRecovery() {
    LossRecovery r = engine.recovery;
    return r != null && r.inRecovery;
  }

  /** Karn's rule: after a retransmission the next ACK may answer either transmission. */
  private void stopRttTiming() {
    LossRecovery r = engine.recovery;
    if (r != null) {
      r.stopTiming();
    }
  }

  /**
   * Sends everything again from SND.UNA. Recovery ends, and duplicate ACKs for what was in flight
   * must not start a new one (RFC 6582 §3.2); SACK information is discarded (RFC 6675 §5.1
   * permits it).
   */
  private void goBackToUna() {
    engine.recovery().goBack(max);
    nxt = una;
  }

  /**
   * An ICMP "fragmentation needed" (RFC 1191 §6.4) or "packet too big" (RFC 8201 §5.4) error that
   * quotes this connection's segment with sequence number {@code quotedSeq} and reports
   * {@code mtu}. Returns true if the path MTU shrank.
   *
   * <p>Forged errors are the threat (RFC 5927): an error quoting a sequence number outside
   * [SND.UNA, SND.NXT] is dropped (hostile input 11), and an MTU below the family's minimum, 576
   * for IPv4 (RFC 791) or 1280 for IPv6 (RFC 8200 §5), is ignored so the MSS never collapses
   * (hostile input 12, CVE-2004-1060). A larger MTU is ignored too: increases come only from
   * probing, which Sluice does not do. Data in flight in segments now too large is sent again at
   * the new size at once, and the congestion window keeps its size in segments: a smaller MTU is
   * not a sign of congestion (RFC 1191 §6.5).
   */
  boolean onPathMtu(int mtu, int quotedSeq) {
    if (engine.state == TcpState.CLOSED || engine.state == TcpState.LISTEN) {
      engine.drop(DropReason.TCP_NO_CONNECTION);
      return false;
    }
    int minimum = engine.endpoints.ipv6() ? 1280 : 576;
    if (mtu < minimum) {
      engine.drop(DropReason.ICMP_MTU_TOO_SMALL);
      return false;
    }
    if (SeqNum.lt(quotedSeq, una) || SeqNum.gt(quotedSeq, max)) {
      engine.drop(DropReason.ICMP_QUOTE_OUT_OF_WINDOW);
      return false;
    }
    if (mtu >= pathMtu) {
      return false;
    }
    pathMtu = mtu;
    engine.stats.increment(TcpCounter.PATH_MTU_DECREASES);
    if (engine.state == TcpState.SYN_SENT) {
      return true; // negotiate() applies it; a SYN is never larger than the minimum MTU
    }
    int oldMss = mss;
    updateSendMss();
    if (engine.state == TcpState.SYN_RECEIVED) {
      return true; // establish() starts the congestion window with the new MSS
    }
    if (mss < oldMss) {
      engine.congestion.setSmss(mss);
    }
    if (SeqNum.lt(una, max)) {
      // Go back to SND.UNA without backing off the timer or shrinking the window: the segments
      // were lost to the MTU, not to congestion. Karn's rule applies to what is sent again.
      goBackToUna();
      stopRttTiming();
    }
    return true;
  }
}
