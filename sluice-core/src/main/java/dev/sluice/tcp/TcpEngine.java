package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpSegment;

/**
 * One TCP connection, sans-IO (RFC 9293). It reads no clock, runs no thread and does no I/O: the
 * owner feeds it segments ({@link #onSegment}), application calls ({@link #read}, {@link #write},
 * {@link #shutdownOutput}, {@link #close}, {@link #abort}) and due timers ({@link #onTimer}), each
 * with the current time; it answers with segments to send ({@link #pollTransmit}), events for the
 * application ({@link #pollEvent}) and its next deadline ({@link #nextDeadline}).
 *
 * <p>This class is the event processor of RFC 9293 §3.10 and the one place where the state
 * changes ({@link #setState}). The pieces it drives report and never change the state: the
 * {@link Receiver} (receive sequence space, reassembly, the peer's FIN, our window, SACK), the
 * {@link Sender} (send sequence space, the peer's window, Nagle, SWS, persist), the
 * {@link TimerTable}, and, each made only while needed, the {@link Handshake}, the
 * {@link LossRecovery}, the {@link Transmitter} (segment building) and the {@link KeepAlive}.
 *
 * <p><b>The Q114541 invariant.</b> The peer's FIN is recorded at its sequence number and acted on
 * only when RCV.NXT reaches it ({@link #consumeFinIfReached}), so the application always gets every
 * byte and then exactly one end-of-stream, whatever order segments arrive in.
 *
 * <p>Not thread-safe: exactly one thread at a time may call it (the connection's owner; see the
 * stack's ownership protocol).
 */
public final class TcpEngine extends EventQueue {
  static final int TIMESTAMP_OPTION_SPACE = 12; // NOP, NOP, kind 8 length 10
  static final long TIMESTAMP_TICK_NANOS = 1_000_000L; // 1 ms (RFC 7323 §5.4: 1 ms–1 s)
  private static final long NEVER = TimerTable.NEVER;

  final TcpConfig config;
  final TcpEndpoints endpoints;
  final TcpStats stats = new TcpStats();
  /** Read anywhere in the package; changed only by {@link #setState}. */
  TcpState state;
  /** The sending half: SND.UNA/NXT/MAX, the peer's window, MSS, Nagle, SWS, persist. */
  final Sender snd;
  /** The receiving half: RCV.NXT, reassembly, the peer's FIN, our window, SACK, when to ACK. */
  final Receiver rcv;
  /** Loss recovery and RTT timing: made when first needed, dropped when idle (see LossRecovery). */
  LossRecovery recovery;
  final RttEstimator rtt;
  final CongestionControl congestion;
  /** Every timer's deadline; the user timeout's is the oldest unacknowledged data's age limit. */
  final TimerTable timers = new TimerTable();
  /** Builds our segments: made by pollTransmit, dropped by releaseIdleBuffers (idle holds none). */
  private Transmitter tx;
  /** Keepalive, null while off: on if the configuration sets an idle time, until the application says. */
  private KeepAlive keepAlive;
  private boolean applicationClosed;

  /** The opening handshake's own state, from open until ESTABLISHED or CLOSED; null after. */
  Handshake handshake;
  // Options the peer's SYN negotiated (RFC 7323, RFC 2018), set by Handshake#negotiate.
  boolean timestampsOk;
  boolean sackOk;
  /** A RST owed by the next pollTransmit, or null. */
  private PendingRst pendingRst;
  /** RFC 5961 §7: made at the first challenge ACK. */
  private ChallengeAckLimiter challengeAcks;

  /** The latest time handed to the engine, once {@link #clockRead}; see {@link #actAt}. */
  private long latestNow;
  private boolean clockRead;

  private TcpEngine(TcpConfig config, TcpEndpoints endpoints, int iss, TcpState initial) {
    this.config = config;
    this.endpoints = endpoints;
    this.state = initial;
    this.snd = new Sender(this, config, iss);
    this.rtt = new RttEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos(),
        TIMESTAMP_TICK_NANOS);
    this.congestion = config.congestion().create(config.initialWindowSegments());
    this.rcv = new Receiver(this, config, Mss.offered(config.mtu(), endpoints));
    this.keepAlive = config.keepAliveIdleNanos() > 0 ? new KeepAlive() : null;
  }

  /** Active open (RFC 9293 §3.10.1): the engine starts in SYN-SENT and owes a SYN. */
  public static TcpEngine connect(TcpConfig config, TcpEndpoints endpoints, int iss) {
    TcpEngine engine = new TcpEngine(config, endpoints, iss, TcpState.SYN_SENT);
    engine.handshake = new Handshake(engine, true);
    engine.stats.increment(TcpCounter.ACTIVE_OPENS);
    return engine;
  }

  /**
   * Passive open: a listener received {@code syn} (SYN set; ACK, RST and FIN clear) and makes a
   * connection in SYN-RECEIVED that owes a SYN-ACK (RFC 9293 §3.10.7.2).
   */
  public static TcpEngine accept(TcpConfig config, TcpEndpoints endpoints, TcpSegment syn, int iss, long now) {
    TcpEngine engine = new TcpEngine(config, endpoints, iss, TcpState.SYN_RECEIVED);
    engine.actAt(now);
    engine.stats.increment(TcpCounter.PASSIVE_OPENS);
    engine.stats.increment(TcpCounter.SEGMENTS_IN);
    engine.handshake = new Handshake(engine, true);
    engine.handshake.takeSyn(syn, now);
    return engine;
  }

  /**
   * Passive open from a SYN cookie ({@link SynCookies}): {@code ack} completes a handshake whose
   * SYN-ACK this host sent without keeping state, carrying ISS = SEG.ACK - 1 and no options but
   * the MSS. The engine is made as if it had sent that SYN-ACK, then takes the ACK (and any data
   * on it), which makes it ESTABLISHED. Window scaling, SACK and timestamps stay off, because
   * the cookie SYN-ACK did not offer them.
   *
   * @param peerMss the MSS the cookie carries
   */
  public static TcpEngine acceptCookie(TcpConfig config, TcpEndpoints endpoints, TcpSegment ack, int peerMss,
      long now) {
    TcpEngine engine = new TcpEngine(config, endpoints, ack.acknowledgmentNumber() - 1, TcpState.SYN_RECEIVED);
    engine.stats.increment(TcpCounter.PASSIVE_OPENS);
    engine.handshake = new Handshake(engine, false); // the cookie SYN-ACK went out
    engine.rcv.synchronizeFromCookie(ack.sequenceNumber() - 1);
    engine.snd.synchronizeFromCookie(peerMss, engine.rcv.irs);
    engine.onSegment(ack, now);
    return engine;
  }

  // ------------------------------------------------------------------ application calls

  /**
   * Copies up to {@code len} readable bytes. Returns how many, 0 if none is ready yet, or -1 once
   * every byte before the peer's FIN has been read (end-of-stream).
   */
  public int read(byte[] dst, int off, int len) {
    return rcv.read(dst, off, len);
  }

  /** In-order bytes ready to read. */
  public int readable() {
    return rcv.buffer.readable();
  }

  /** True once {@link #read} will return -1 when the readable bytes are gone. */
  public boolean endOfStreamReached() {
    return rcv.endOfStreamReached();
  }

  /**
   * Queues up to {@code len} bytes for sending. Returns how many fitted in the send buffer (0 if
   * none did: a {@link TcpEvent#WRITABLE} event follows when space frees), or -1 if this side can
   * no longer send (shut down, closed or reset).
   */
  public int write(byte[] src, int off, int len, long now) {
    now = actAt(now);
    if (!maySend()) {
      return -1;
    }
    return queued(snd.write(src, off, len), now);
  }

  /**
   * As {@link #write(byte[], int, int, long)}, from {@code src}'s bytes at {@code index}
   * (absolute: its position does not move), which may be a direct buffer: copied once, into the
   * send buffer.
   */
  public int write(java.nio.ByteBuffer src, int index, int len, long now) {
    now = actAt(now);
    if (!maySend()) {
      return -1;
    }
    return queued(snd.write(src, index, len), now);
  }

  private boolean maySend() {
    return !snd.finQueued && (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
        || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED);
  }

  private int queued(int n, long now) {
    if (n > 0) {
      snd.startUserTimeout(now);
    }
    return n;
  }

  /** Send-buffer space left. */
  public int writable() {
    return snd.finQueued ? 0 : snd.buffer.free();
  }

  /** Nagle's algorithm on or off (RFC 9293 §3.7.4; {@code TCP_NODELAY} turns it off). */
  public void setNagle(boolean on) {
    snd.nagle = on;
  }

  public boolean nagle() {
    return snd.nagle;
  }

  /**
   * Keepalive on or off (RFC 1122 §4.2.3.6): on, it probes after the configured idle time, or
   * after {@link TcpConfig#DEFAULT_KEEPALIVE_IDLE_NANOS} if the configuration has none.
   */
  public void setKeepAlive(boolean on, long now) {
    now = actAt(now);
    keepAlive = on ? new KeepAlive() : null;
    timers.set(TcpTimer.KEEPALIVE, on && state == TcpState.ESTABLISHED ? now + KeepAlive.idleNanos(config) : NEVER);
  }

  public boolean keepAlive() {
    return keepAlive != null;
  }

  /** Half-close (RFC 9293 §3.10.4): queue our FIN after the data already written. */
  public void shutdownOutput() {
    switch (state) {
      case SYN_SENT -> enterClosed(null);
      // RFC 9293 §3.10.4: in SYN-RECEIVED the FIN is queued until the handshake completes, since
      // only the SYN states retransmit our SYN-ACK (establish() then moves on to FIN-WAIT-1).
      case SYN_RECEIVED -> snd.finQueued = true;
      case ESTABLISHED -> {
        snd.finQueued = true;
        setState(TcpState.FIN_WAIT_1);
      }
      case CLOSE_WAIT -> {
        snd.finQueued = true;
        setState(TcpState.LAST_ACK);
      }
      default -> { } // already shut down, closing or closed
    }
  }

  /**
   * Close (RFC 9293 §3.10.4). With unread received data this aborts with a RST, as RFC 2525 §2.17
   * recommends, so the peer learns its data was not consumed. Otherwise it half-closes and, once in
   * FIN-WAIT-2, starts the timer that ends that state.
   */
  public void close(long now) {
    now = actAt(now);
    applicationClosed = true;
    if (rcv.buffer.readable() > 0) {
      abort();
      return;
    }
    shutdownOutput();
    if (state == TcpState.FIN_WAIT_2) {
      timers.set(TcpTimer.CLOSE, now + config.finWait2TimeoutNanos());
    }
  }

  /**
   * Abort (RFC 9293 §3.10.5): drop everything and go to CLOSED, sending a RST (an abort's RST,
   * {@link PendingRst#abort}) from SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and
   * CLOSE-WAIT only. In CLOSING, LAST-ACK and TIME-WAIT both FINs have been sent and the peer's
   * acknowledged, so the RFC just deletes the TCB, as Linux's {@code tcp_disconnect} does: a RST
   * there would turn an orderly end into an error at the peer.
   */
  public void abort() {
    applicationClosed = true;
    if (state == TcpState.SYN_RECEIVED || state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1
        || state == TcpState.FIN_WAIT_2 || state == TcpState.CLOSE_WAIT) {
      pendingRst = PendingRst.abort(snd.acceptableSeq(), rcv.nxt, timestampsOk);
    }
    enterClosed(null);
  }

  /**
   * {@code shutdown(SHUT_RD)}. RFC 9293 leaves it to the implementation; Sluice follows BSD: the
   * unread bytes and every in-order byte that arrives later are acknowledged and discarded, so
   * the window stays open and the peer's FIN still gets through. (Linux keeps queueing them, so a
   * peer that goes on sending fills a buffer nobody reads, and its FIN never arrives.) Reads
   * return end-of-stream from now on.
   */
  public void shutdownInput() {
    if (rcv.shutdownInput(state.isSynchronized())) {
      queueEvent(TcpEvent.READABLE); // a blocked reader wakes to its end-of-stream
    }
  }

  /** True once {@link #shutdownInput} was called. */
  public boolean inputShutdown() {
    return rcv.inputShutdown;
  }

  /**
   * The time the engine acts at: {@code now}, or the latest time it has acted at already if {@code
   * now} is earlier. The engine's callers read their clocks at different moments (a receive worker
   * once per burst of steps, an application thread at its call), so across an ownership hand-off
   * the times handed in need not rise. The engine's own records must: RACK (RFC 8985 §6.2) marks a
   * segment lost when one sent after it was delivered, so a retransmission stamped earlier than a
   * segment already delivered would be marked lost again at once and resent in a loop (the demo
   * showed one segment resent ten times in a millisecond, in spray mode); a timestamp value below
   * one already sent would fail the peer's PAWS test (RFC 7323 §5).
   */
  private long actAt(long now) {
    if (clockRead && now - latestNow < 0) {
      return latestNow;
    }
    clockRead = true;
    latestNow = now;
    return now;
  }

  // ------------------------------------------------------------------ segment arrival

  /**
   * Processes one validated segment addressed to this connection (RFC 9293 §3.10.7). Drops are
   * counted in {@link #stats()} by reason; nothing is thrown.
   */
  public void onSegment(TcpSegment seg, long now) {
    now = actAt(now);
    stats.increment(TcpCounter.SEGMENTS_IN);
    if (keepAlive != null) {
      keepAlive.onSegment(this, now);
    }
    if (state == TcpState.ESTABLISHED && onPredictedSegment(seg, now)) {
      return;
    }
    switch (state) {
      case CLOSED, LISTEN -> drop(DropReason.TCP_NO_CONNECTION);
      case SYN_SENT -> onSegmentInSynSent(seg, now);
      default -> onSegmentSynchronizedOrSynReceived(seg, now);
    }
  }

  /**
   * Header prediction (Van Jacobson's, as in 4.4BSD's {@code tcp_input} and Linux's fast path):
   * in ESTABLISHED, the segment that is next in sequence with only ACK (and PSH) set and no SACK
   * blocks, being either in-order data or a pure ACK of new data. For it every test of RFC 9293
   * §3.10.7.4 up to the fifth step passes, and the rest reduces to taking the ACK and storing the
   * text; this does just that, with the outcome the full steps would have. Returns false, having
   * changed nothing, for any other segment. Kept small, with the work in small methods, so that it
   * inlines into the caller's loop.
   */
  private boolean onPredictedSegment(TcpSegment seg, long now) {
    int payload = seg.payloadLength();
    int ack = seg.acknowledgmentNumber();
    Sender s = snd;
    if ((seg.flags() & ~TcpFlags.PSH) != TcpFlags.ACK || seg.options().sackBlockCount() != 0
        || SeqNum.lt(ack, s.una) || SeqNum.gt(ack, s.max) || payload == 0 && ack == s.una
        || !rcv.predicts(seg, payload, now)) {
      return false; // a duplicate or window-only ACK, or anything unusual: the full steps
    }
    rcv.updateTimestampRecent(seg, now);
    if (s.onAckSegment(seg, ack, now)) {
      onUnaAdvanced(now);
    }
    if (payload > 0) {
      rcv.receivePredicted(seg, payload, now);
    }
    return true;
  }

  /** RFC 9293 §3.10.7.3: the handshake checks the segment and takes the peer's SYN. */
  private void onSegmentInSynSent(TcpSegment seg, long now) {
    switch (handshake.onSegmentInSynSent(seg, now)) {
      case DROPPED -> { }
      case REFUSED -> {
        EngineEvents.rstReceived(this, "refused our SYN");
        stats.increment(TcpCounter.RESETS_RECEIVED);
        enterClosed(TcpEvent.REFUSED);
      }
      case SYN_ACK -> {
        acknowledge(seg.acknowledgmentNumber(), seg, now);
        establish(now);
        rcv.ackAtOnce();
        processText(seg, now, 1, false); // data or FIN riding on the SYN-ACK
      }
      case SYN -> setState(TcpState.SYN_RECEIVED); // simultaneous open: our SYN-ACK is owed
    }
  }

  /** RFC 9293 §3.10.7.4 for SYN-RECEIVED and the synchronized states. */
  private void onSegmentSynchronizedOrSynReceived(TcpSegment seg, long now) {
    boolean arrivedInTimeWait = state == TcpState.TIME_WAIT;
    int flags = seg.flags();
    boolean rst = (flags & TcpFlags.RST) != 0;
    int seq = seg.sequenceNumber();

    // RFC 7323 §5.3 (PAWS) comes before the sequence check; RSTs are exempt (§5.3 R1).
    if (!rst && rcv.pawsRejects(seg, now)) {
      rcv.ackNow = !rcv.staleInTimeWait(seg);
      rcv.ackStretchable = false;
      drop(DropReason.TCP_PAWS_REJECTED);
      return;
    }

    // Simultaneous open (RFC 9293 §3.5, Figure 8): the peer's SYN-ACK repeats its SYN, so it sits
    // before RCV.NXT; its ACK of our SYN is what completes the handshake.
    if (state == TcpState.SYN_RECEIVED && !rst && seg.hasFlags(TcpFlags.SYN | TcpFlags.ACK) && seq == rcv.irs) {
      if (completeHandshake(seg, false, now)) {
        rcv.ackAtOnce();
      }
      return;
    }

    // First: sequence number acceptability.
    if (!rcv.acceptable(seq, seg.sequenceLength())) {
      if (rst) {
        drop(DropReason.TCP_RST_OUT_OF_WINDOW);
        return;
      }
      if (state == TcpState.TIME_WAIT && (flags & TcpFlags.FIN) != 0) {
        timers.set(TcpTimer.CLOSE, now + 2 * config.mslNanos()); // a retransmitted FIN restarts 2·MSL
      }
      if (state == TcpState.SYN_RECEIVED && (flags & TcpFlags.SYN) != 0 && seq == rcv.irs) {
        handshake.synNeeded = true; // the peer's SYN again: our SYN-ACK may have been lost
      } else {
        // Anything else unacceptable, in SYN-RECEIVED too, gets <SEQ=SND.NXT><ACK=RCV.NXT><ACK>
        // (RFC 9293 §3.10.7.4), not our SYN-ACK: the peer did not ask for the handshake again.
        rcv.onUnacceptable(seg);
      }
      drop(DropReason.TCP_OUT_OF_WINDOW);
      return;
    }

    // Second: RST (RFC 5961 §3.2; RFC 1337 in TIME-WAIT).
    if (rst) {
      if (state == TcpState.TIME_WAIT) {
        drop(DropReason.TCP_RST_IN_TIME_WAIT);
      } else if (seq == rcv.nxt) {
        EngineEvents.rstReceived(this, state == TcpState.SYN_RECEIVED ? "refused our SYN-ACK" : "reset the connection");
        stats.increment(TcpCounter.RESETS_RECEIVED);
        enterClosed(state == TcpState.SYN_RECEIVED ? TcpEvent.REFUSED : TcpEvent.RESET);
      } else {
        challengeAck(now, DropReason.TCP_RST_NOT_EXACT);
      }
      return;
    }

    // Fourth: SYN in a synchronized state (RFC 5961 §4.2): challenge ACK, never reset.
    if ((flags & TcpFlags.SYN) != 0) {
      if (state == TcpState.SYN_RECEIVED && seq == rcv.irs) {
        handshake.synNeeded = true;
        drop(DropReason.TCP_OUT_OF_WINDOW);
      } else {
        challengeAck(now, DropReason.TCP_SYN_SYNCHRONIZED);
      }
      return;
    }

    // Fifth: ACK.
    if ((flags & TcpFlags.ACK) == 0) {
      drop(DropReason.TCP_NO_ACK_FLAG);
      return;
    }
    if (state == TcpState.SYN_RECEIVED && !completeHandshake(seg, true, now)) {
      return;
    }
    int ack = seg.acknowledgmentNumber();
    if (!snd.ackAcceptable(ack)) {
      rcv.ackAtOnce();
      drop(DropReason.TCP_ACK_NOT_ACCEPTABLE);
      return;
    }
    rcv.updateTimestampRecent(seg, now);
    if (snd.onAckSegment(seg, ack, now)) {
      onUnaAdvanced(now);
    }
    if (state == TcpState.CLOSED) {
      return; // LAST-ACK completed
    }

    // Sixth (URG) is ignored: urgent data is ordinary data here (RFC 6093 §6).
    // Seventh and eighth: text and FIN.
    processText(seg, now, 0, arrivedInTimeWait);
  }

  /**
   * Stores the payload and records the FIN (RFC 9293 §3.10.7.4, seventh and eighth). {@code skip}
   * is 1 when the segment's first sequence number is its SYN. {@code arrivedInTimeWait} tells a
   * segment that met TIME-WAIT from the one whose ACK of our FIN just led there (from CLOSING).
   */
  private void processText(TcpSegment seg, long now, int skip, boolean arrivedInTimeWait) {
    int dataSeq = seg.sequenceNumber() + skip;
    int payload = seg.payloadLength();
    boolean fin = (seg.flags() & TcpFlags.FIN) != 0;
    if (state == TcpState.TIME_WAIT) {
      if (fin) {
        timers.set(TcpTimer.CLOSE, now + 2 * config.mslNanos()); // a retransmitted FIN restarts 2·MSL
      }
      rcv.onSegmentInTimeWait(seg, arrivedInTimeWait);
      return;
    }
    boolean acceptsData = state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1
        || state == TcpState.FIN_WAIT_2;
    if (!acceptsData && (payload > 0 || fin)) {
      // CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN was consumed, so nothing can follow it, not
      // even a second FIN: count it, and tell the peer with an ACK where its stream ended.
      drop(DropReason.TCP_DATA_AFTER_FIN);
      rcv.ackAtOnce();
      return;
    }
    if (payload > 0 && applicationClosed && SeqNum.gt(dataSeq + payload, rcv.nxt)) {
      // RFC 1122 §4.2.2.13: new data after CLOSE can never be read, so a RST tells the peer it
      // was lost (FIN-WAIT-1 and FIN-WAIT-2 after close(); shutdown() keeps reading instead).
      // Linux (tcp_rcv_state_process, then tcp_v4_send_reset) and FreeBSD (dropwithreset) both
      // answer the segment itself, <SEQ=SEG.ACK><CTL=RST> as §3.10.7.1 does for a segment that
      // meets no connection, rather than sending an abort's RST+ACK.
      drop(DropReason.TCP_DATA_AFTER_CLOSE);
      queueRst(seg.acknowledgmentNumber());
      enterClosed(null);
      return;
    }
    if (payload > 0) {
      rcv.onData(seg, dataSeq, payload, now);
    }
    if (fin) {
      rcv.recordFin(dataSeq + payload);
    }
    consumeFinIfReached(now);
  }

  /**
   * Acts on the peer's FIN once, when RCV.NXT reaches it: every byte before it is already
   * readable, and END_OF_STREAM follows their READABLE event. This is the fix for KB Q114541.
   */
  private void consumeFinIfReached(long now) {
    if (!rcv.consumeFinIfReached()) {
      return;
    }
    queueEvent(TcpEvent.END_OF_STREAM);
    switch (state) {
      case SYN_RECEIVED, ESTABLISHED -> setState(TcpState.CLOSE_WAIT);
      case FIN_WAIT_1 -> {
        if (snd.ourFinAcknowledged()) {
          enterTimeWait(now);
        } else {
          setState(TcpState.CLOSING);
        }
      }
      case FIN_WAIT_2 -> enterTimeWait(now);
      default -> { }
    }
  }

  /**
   * SYN-RECEIVED: an ACK of our SYN-ACK completes the handshake (RFC 9293 §3.10.7.4 fifth).
   * {@code sample}: SND.UNA advances with it, so it is an RTT sample too (RFC 6298 §2). Returns
   * true if it completed.
   */
  private boolean completeHandshake(TcpSegment seg, boolean sample, long now) {
    int ack = seg.acknowledgmentNumber();
    if (!handshake.acknowledgesOurSyn(ack)) {
      return false;
    }
    snd.updateWindow(seg, seg.sequenceNumber(), ack, true);
    if (sample) {
      acknowledge(ack, seg, now);
    }
    establish(now);
    return true;
  }

  /** SND.UNA advances to {@code ack} (see {@link Sender#onAck}), and what follows for the state. */
  private void acknowledge(int ack, TcpSegment seg, long now) {
    snd.onAck(ack, seg, now);
    onUnaAdvanced(now);
  }

  /** SND.UNA advanced (the timeout count started over, see LossRecovery): our FIN may be acknowledged. */
  private void onUnaAdvanced(long now) {
    if (!snd.ourFinAcknowledged()) {
      return;
    }
    switch (state) {
      case FIN_WAIT_1 -> {
        setState(TcpState.FIN_WAIT_2);
        if (applicationClosed) {
          timers.set(TcpTimer.CLOSE, now + config.finWait2TimeoutNanos()); // the FIN-WAIT-2 bound
        }
      }
      case CLOSING -> enterTimeWait(now);
      case LAST_ACK -> enterClosed(null);
      default -> { }
    }
  }

  LossRecovery recovery() {
    LossRecovery r = recovery;
    if (r == null) {
      r = recovery = new LossRecovery();
    }
    return r;
  }


  /**
   * An ICMP "destination unreachable" with a hard code (protocol or port unreachable) quoting
   * this connection's segment {@code quotedSeq}. RFC 1122 §4.2.3.9 lets TCP abort on hard errors;
   * RFC 5927 §4.1 (hostile input 11) makes them soft in synchronized states, where a forged one
   * could otherwise reset a working connection. So: in SYN-SENT, for our SYN, the connect is
   * refused; anywhere else the error is counted and ignored. Returns true if it ended the
   * connection.
   */
  public boolean onIcmpUnreachable(int quotedSeq) {
    if (state == TcpState.SYN_SENT && quotedSeq == snd.iss) {
      enterClosed(TcpEvent.REFUSED);
      return true;
    }
    drop(DropReason.ICMP_SOFT_ERROR);
    return false;
  }

  /**
   * An ICMP "fragmentation needed" or "packet too big" error quoting our segment {@code quotedSeq}
   * and reporting {@code mtu}: see {@link Sender#onPathMtu}. Returns true if the path MTU shrank.
   */
  public boolean onPathMtu(int mtu, int quotedSeq) {
    return snd.onPathMtu(mtu, quotedSeq);
  }

  /** The handshake completed (RFC 9293 §3.10.7.3, §3.10.7.4 fifth): ESTABLISHED, or on to FIN-WAIT-1. */
  private void establish(long now) {
    setState(TcpState.ESTABLISHED);
    snd.onEstablished(now);
    handshake.onEstablished();
    congestion.init(snd.mss);
    if (keepAlive != null) {
      timers.set(TcpTimer.KEEPALIVE, now + KeepAlive.idleNanos(config));
    }
    queueEvent(TcpEvent.CONNECTED);
    if (snd.finQueued) {
      setState(TcpState.FIN_WAIT_1); // shut down while in SYN-RECEIVED
    }
    SynText held = handshake.synText;
    handshake = null; // nothing more is owed to the handshake
    if (held != null && rcv.replaySynText(held)) {
      consumeFinIfReached(now);
    }
  }

  /**
   * True if what the segments processed since the last {@link #pollTransmit} drain produced must
   * go out before the next segment is processed: an ACK owed for anything but in-order data (an
   * out-of-order segment's duplicate ACK, which the peer's fast retransmit counts one by one (RFC
   * 5681 §4.2, §3.2); a filled gap; a challenge ACK; a FIN), a change of state, or any state but
   * ESTABLISHED. Otherwise the stack may process the rest of a receive burst first and send one
   * ACK for all of it, as Linux does for a GRO-coalesced segment; in-order data's every-second-
   * segment ACK and readiness are all that wait.
   */
  public boolean outputDue() {
    return state != TcpState.ESTABLISHED || (rcv.ackNow && !rcv.ackStretchable) || stateEventPending();
  }

  // ------------------------------------------------------------------ timers

  /** The earliest time {@link #onTimer} has work, or {@link Long#MAX_VALUE}. */
  public long nextDeadline() {
    return Math.min(timers.nextDeadline(), snd.rackDeadline()); // RACK-TLP keeps its own two
  }

  /** Runs every timer due at {@code now}. */
  public void onTimer(long now) {
    now = actAt(now);
    for (TcpTimer timer : TcpTimer.all()) {
      if (timers.expired(timer, now)) {
        fire(timer, now);
        if (state == TcpState.CLOSED) {
          return;
        }
      }
    }
    snd.onRackTimer(now); // RFC 8985's reordering timer and PTO, after the RTO
  }

  private void fire(TcpTimer timer, long now) {
    switch (timer) {
      case CLOSE -> {
        timers.stop(TcpTimer.CLOSE);
        if (state == TcpState.FIN_WAIT_2) {
          timeOut();
        } else {
          enterClosed(null); // TIME-WAIT's 2·MSL elapsed
        }
      }
      case USER_TIMEOUT -> timeOut(); // RFC 5482 / RFC 9293 §3.8.3: the user timeout
      case RETRANSMIT -> onRetransmitTimeout(now);
      case DELAYED_ACK -> rcv.onDelayedAckTimeout();
      case PERSIST -> {
        if (!snd.onPersistTimeout(now)) {
          timeOut(); // hostile input 29: the peer never opened its window to our queued FIN
        }
      }
      case KEEPALIVE -> {
        if (keepAlive == null) {
          timers.stop(TcpTimer.KEEPALIVE);
        } else if (!keepAlive.onTimeout(this, now)) {
          timeOut(); // RFC 1122 §4.2.3.6: the peer answered none of the probes
        }
      }
    }
  }

  /** RFC 6298 §5.4–5.6, with Karn's rule and go-back-N from SND.UNA; gives up after the limit. */
  private void onRetransmitTimeout(long now) {
    timers.stop(TcpTimer.RETRANSMIT);
    boolean opening = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED;
    LossRecovery r = recovery();
    if (r.timeouts >= (opening ? config.maxSynRetransmits() : config.maxRetransmits())) {
      timeOut();
      return;
    }
    r.timeouts++;
    stats.increment(TcpCounter.TIMEOUT_RETRANSMITS);
    if (opening) {
      handshake.onSynTimeout();
    } else {
      snd.onRetransmitTimeout(now);
    }
  }

  /** A timer gave up on the peer: the connection ends with TIMED_OUT. */
  private void timeOut() {
    stats.increment(TcpCounter.TIMEOUTS);
    enterClosed(TcpEvent.TIMED_OUT);
  }

  // ------------------------------------------------------------------ output

  private Transmitter tx() {
    Transmitter t = tx;
    if (t == null) {
      t = tx = new Transmitter(this);
    }
    return t;
  }

  /**
   * Writes the next segment this connection owes into {@code buf} at {@code off} (header and
   * payload, checksum included) and returns its length, or 0 if it owes nothing now. The buffer
   * needs room for {@link #maxSegmentLength()} bytes.
   */
  public int pollTransmit(byte[] buf, int off, long now) {
    return pollTransmit(buf, off, now, false);
  }

  /**
   * As {@link #pollTransmit(byte[], int, long)}, or, if {@code checksumToDevice}, leaving the TCP
   * checksum field holding only the pseudo-header's sum, for a device that completes it ({@link
   * dev.sluice.link.Device#transmitSegmented}): a 64 KB segment is then never summed by Sluice.
   */
  public int pollTransmit(byte[] buf, int off, long now, boolean checksumToDevice) {
    now = actAt(now);
    if (pendingRst == null && state.isSynchronized()) {
      return tx(checksumToDevice).writeSynchronized(buf, off, now);
    }
    PendingRst owed = pendingRst;
    if (owed != null) {
      pendingRst = null;
      return tx(checksumToDevice).writeRst(owed, buf, off, now);
    }
    // CLOSED owes nothing
    return handshake == null ? 0 : tx(checksumToDevice).writeHandshake(handshake, buf, off, now);
  }

  private Transmitter tx(boolean checksumToDevice) {
    Transmitter t = tx();
    t.checksumToDevice = checksumToDevice;
    return t;
  }

  /** Upper bound on one segment from {@link #pollTransmit}: header with options plus MSS. */
  public int maxSegmentLength() {
    return 60 + Math.max(snd.mss, rcv.mss());
  }

  // ------------------------------------------------------------------ helpers

  private void challengeAck(long now, DropReason reason) {
    drop(reason);
    if (challengeAcks == null) {
      challengeAcks = new ChallengeAckLimiter();
    }
    if (challengeAcks.tryAcquire(now, config.challengeAcksPerSecond())) {
      stats.increment(TcpCounter.CHALLENGE_ACKS);
      rcv.ackAtOnce();
    } else {
      drop(DropReason.TCP_CHALLENGE_ACK_LIMITED);
    }
  }

  /** Queues {@code <SEQ=seq><CTL=RST>}, the answer to a segment that has no place here. */
  void queueRst(int seq) {
    pendingRst = PendingRst.reply(seq);
  }

  private void enterTimeWait(long now) {
    setState(TcpState.TIME_WAIT);
    timers.stop(TcpTimer.RETRANSMIT, TcpTimer.PERSIST, TcpTimer.KEEPALIVE, TcpTimer.USER_TIMEOUT);
    timers.set(TcpTimer.CLOSE, now + 2 * config.mslNanos());
    releaseIdleBuffers();
  }

  private void enterClosed(TcpEvent cause) {
    boolean wasOpen = state != TcpState.CLOSED;
    setState(TcpState.CLOSED);
    timers.stopAll();
    handshake = null;
    snd.probeNow = false;
    snd.returnBufferGrowth(true);
    if (cause != null) {
      queueEvent(cause);
    }
    if (wasOpen) {
      queueEvent(TcpEvent.CLOSED);
    }
  }

  /**
   * The one place the connection's state changes (smoltcp's {@code set_state}): the hook for
   * tracing and state events. The receiver, sender and loss recovery never change it; they report
   * and the engine decides.
   */
  private void setState(TcpState next) {
    EngineEvents.stateChanged(this, state, next);
    state = next;
  }

  void drop(DropReason reason) {
    stats.drop(reason);
  }

  /** Frees empty buffers, so an idle connection holds none. */
  public void releaseIdleBuffers() {
    tx = null;
    snd.returnBufferGrowth(false);
    snd.buffer.releaseIfEmpty();
    rcv.releaseIdleBuffers();
    if (recovery != null && recovery.releaseIfIdle(snd.una)) {
      recovery = null;
    }
  }

  // ------------------------------------------------------------------ observation

  public TcpState state() {
    return state;
  }

  public TcpStats stats() {
    return stats;
  }

  public TcpEndpoints endpoints() {
    return endpoints;
  }

  public int sendMss() {
    return snd.mss;
  }

  public long srttNanos() {
    return rtt.srttNanos();
  }

  public long rttvarNanos() {
    return rtt.rttvarNanos();
  }

  public long rtoNanos() {
    return rtt.rtoNanos();
  }

  public long cwnd() {
    return congestion.cwnd();
  }

  public long ssthresh() {
    return congestion.ssthresh();
  }

  public long sendWindow() {
    return snd.wnd;
  }

  public int bytesUnsentOrUnacked() {
    return snd.buffer.length();
  }

  @Override
  public String toString() {
    return state + " una=" + Integer.toUnsignedString(snd.una) + " nxt=" + Integer.toUnsignedString(snd.nxt)
        + " rcv.nxt=" + Integer.toUnsignedString(rcv.nxt) + " snd.wnd=" + snd.wnd;
  }
}
