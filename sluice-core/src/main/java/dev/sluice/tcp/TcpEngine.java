package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;
import java.util.ArrayDeque;

/**
 * One TCP connection, sans-IO (RFC 9293). It reads no clock, runs no thread and does no I/O: the
 * owner feeds it segments ({@link #onSegment}), application calls ({@link #read}, {@link #write},
 * {@link #shutdownOutput}, {@link #close}, {@link #abort}) and due timers ({@link #onTimer}), each
 * with the current time; it answers with segments to send ({@link #pollTransmit}), events for the
 * application ({@link #pollEvent}) and its next deadline ({@link #nextDeadline}).
 *
 * <p><b>The Q114541 invariant.</b> The peer's FIN is recorded at its sequence number and acted on
 * only when RCV.NXT reaches it ({@link #consumeFinIfReached}), so the application always gets every
 * byte and then exactly one end-of-stream, whatever order segments arrive in.
 *
 * <p>Not thread-safe: exactly one thread at a time may call it (the connection's owner; see the
 * stack's ownership protocol).
 */
public final class TcpEngine {
  /** RFC 9293 §3.7.1: the MSS to assume when the SYN carries none. */
  private static final int DEFAULT_MSS_IPV4 = 536;
  private static final int DEFAULT_MSS_IPV6 = 1220;
  private static final int TCP_HEADER = 20;
  private static final int TIMESTAMP_OPTION_SPACE = 12; // NOP, NOP, kind 8 length 10
  private static final long TIMESTAMP_TICK_NANOS = 1_000_000L; // 1 ms (RFC 7323 §5.4: 1 ms–1 s)
  /** RFC 7323 §5.5: TS.Recent is invalid after 24 days of idleness. */
  private static final long PAWS_IDLE_LIMIT_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
  private static final long PERSIST_MAX_NANOS = 60_000_000_000L;
  private static final long NEVER = Long.MAX_VALUE;
  /** RFC 5681 §3.2 / RFC 6675 §2: DupThresh. */
  private static final int DUP_THRESHOLD = 3;

  private final TcpConfig config;
  private final TcpEndpoints endpoints;
  private final TcpStats stats = new TcpStats();
  // Pending events, oldest in the low bits, four bits each (ordinal + 1): sixteen fit without
  // allocating; an application that never polls spills into the overflow deque.
  private long eventBits;
  private int eventCount;
  private ArrayDeque<TcpEvent> eventOverflow;
  // Scratch for building segments: allocated by pollTransmit, dropped by releaseIdleBuffers, so an
  // idle connection holds neither.
  private TcpBuilder out;
  private int[] sackEdges;
  // Per-connection options, from the configuration until the application changes them.
  private boolean nagle;
  private long keepAliveIdleNanos;

  private SackScoreboard scoreboard() {
    SackScoreboard board = scoreboard;
    if (board == null) {
      board = scoreboard = new SackScoreboard(config.maxOutOfOrderRanges());
    }
    return board;
  }

  private TcpBuilder out() {
    TcpBuilder builder = out;
    if (builder == null) {
      builder = out = new TcpBuilder();
    }
    return builder;
  }
  private final RttEstimator rtt;
  private final CongestionControl congestion;
  private final SendBuffer sendBuffer;
  private final ReceiveBuffer receiveBuffer;
  private TcpState state;

  // Send sequence space (RFC 9293 §3.3.1).
  private final int iss;
  private int sndUna;
  private int sndNxt;
  /** One past the highest sequence number ever sent: below it, sending is retransmitting. */
  private int sndMax;
  private long sndWnd;
  private int sndWl1;
  private int sndWl2;
  private long maxSndWnd;
  /** Sequence number of the send buffer's first byte. */
  private int sndBufSeq;
  private boolean finQueued;
  private boolean applicationClosed;
  private boolean writeBlocked;
  private boolean synNeeded;

  // Receive sequence space.
  private int irs;
  private int rcvNxt;
  /** RCV.NXT + the window last advertised: the right edge never moves left (RFC 9293 §3.8.6). */
  private int rcvAdvertisedEdge;
  private boolean peerFinKnown;
  private int peerFinSeq;
  private boolean peerFinConsumed;
  private boolean readableSignalled;
  private int fullSegmentsUnacked;
  /** {@code shutdown(SHUT_RD)}: in-order data is acknowledged and discarded (BSD semantics). */
  private boolean inputShutdown;
  /** Text or FIN that came on the peer's SYN in a simultaneous open, held until ESTABLISHED. */
  private SynText synText;
  /** Data segments still to be ACKed at once in quick-ACK mode ({@link TcpConfig#quickAck()}). */
  private byte quickAcks;
  /** When in-order data last arrived, in ms, for quick-ACK mode's idle test. */
  private int lastDataArrivalMillis;

  // Options negotiated in the handshake.
  /** The largest segment payload allowed by the peer's MSS and our path MTU, before options. */
  private int mssLimit;
  /** The peer's MSS option (or the default), clamped by {@code minPeerMss}. */
  private int peerMss;
  /** The path MTU: the configured link MTU until an ICMP error lowers it (RFC 1191, RFC 8201). */
  private int pathMtu;
  /** SMSS: the payload of a full-sized segment carrying our usual options (RFC 5681 §2). */
  private int sndMss;
  private int rcvMss;
  /** Our SYN or SYN-ACK timed out at least once (RFC 6298 §5.7). */
  private boolean synTimedOut;
  /** The largest payload the peer has sent: our estimate of its MSS, for delayed ACKs. */
  private int largestSegmentReceived;
  private boolean timestampsOk;
  private boolean sackOk;
  private int sndShift;
  private int rcvShift;
  private boolean windowScaleAgreed;
  private final int tsOffset;
  private int tsRecent;
  private long tsRecentTime;
  private boolean tsRecentValid;
  private int lastAckSent;
  private int lastOutOfOrderOffset = -1;
  // D-SACK (RFC 2883 §4): the duplicate bytes the next ACK reports in its first SACK block, once.
  private boolean dsackPending;
  private int dsackStart;
  private int dsackEnd;

  // Loss recovery: fast retransmit (RFC 5681 §3.2), NewReno partial ACKs (RFC 6582), the SACK
  // scoreboard and pipe (RFC 6675), limited transmit (RFC 3042).
  /** Made at the first SACK block (and dropped when idle): most connections never see one. */
  private SackScoreboard scoreboard;
  private int dupAcks;
  private boolean inRecovery;
  /** RFC 6582 "recover": SND.MAX when recovery (or the last timeout) began. */
  private int recoveryPoint;
  private boolean recoveryPointSet;
  /** RFC 6675 HighRxt: everything below it has been retransmitted in this recovery. */
  private int highRxt;

  /** Our TSval when we last retransmitted: echoes older than it may time a waiting period. */
  private int tsAtLastRetransmission;
  private boolean retransmittedSinceConnect;

  // Round-trip timing without timestamps (Karn's rule: never time a retransmission).
  private boolean rttTiming;
  private int rttSeq;
  private long rttStart;

  // Timers, as deadlines; NEVER when off.
  private long retransmitDeadline = NEVER;
  private long delayedAckDeadline = NEVER;
  private long persistDeadline = NEVER;
  private long persistBackoff;
  /** Recovery has begun (or, without SACK, a partial ACK came) and its first retransmission is owed. */
  private boolean retransmitDue;
  /** Zero-window probes sent since the window was last open. */
  private int zeroWindowProbes;
  /** The persist timer fired as the SWS override timeout: send what the window allows. */
  private boolean swsOverride;
  private long keepAliveDeadline = NEVER;
  private int keepAliveProbesSent;
  private long closeDeadline = NEVER;
  private int retransmits;
  private long oldestUnackedSince = NEVER;

  // What the next pollTransmit owes.
  private boolean ackNow;
  private boolean probeNow;
  private boolean rstPending;
  private int rstSeq;
  private int rstAck;
  private boolean rstWithAck;
  private boolean rstWithTimestamps;

  // RFC 5961 §7 challenge-ACK rate limit.
  private long challengeWindowStart = Long.MIN_VALUE;
  private int challengeAcksInWindow;

  private TcpEngine(TcpConfig config, TcpEndpoints endpoints, int iss, TcpState initial, long now) {
    this.config = config;
    this.endpoints = endpoints;
    this.iss = iss;
    this.state = initial;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.sndBufSeq = iss + 1;
    this.tsOffset = Integer.rotateLeft(iss, 13) ^ 0x5A5A_5A5A;
    this.rtt = RttEstimator.withoutMinRtt(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos(),
        TIMESTAMP_TICK_NANOS);
    this.congestion = config.congestion().create(config.initialWindowSegments());
    this.sendBuffer = new SendBuffer(config.sendBufferBytes());
    this.receiveBuffer = new ReceiveBuffer(config.receiveBufferBytes(), config.maxOutOfOrderRanges());
    this.rcvMss = config.mtu() - endpoints.ipHeaderLength() - TCP_HEADER;
    this.sndMss = endpoints.ipv6() ? DEFAULT_MSS_IPV6 : DEFAULT_MSS_IPV4;
    this.mssLimit = sndMss;
    this.peerMss = sndMss;
    this.pathMtu = config.mtu();
    this.nagle = config.nagle();
    this.keepAliveIdleNanos = config.keepAliveIdleNanos();
    int shift = config.windowScaleShift();
    if (shift < 0) { // derive: the smallest shift that covers the buffer
      shift = 0;
      while (shift < TcpOptions.MAX_WINDOW_SCALE && (config.receiveBufferBytes() >>> shift) > 0xFFFF) {
        shift++;
      }
    }
    this.rcvShift = config.windowScaling() ? shift : 0;
  }

  /** Active open (RFC 9293 §3.10.1): the engine starts in SYN-SENT and owes a SYN. */
  public static TcpEngine connect(TcpConfig config, TcpEndpoints endpoints, int iss, long now) {
    TcpEngine engine = new TcpEngine(config, endpoints, iss, TcpState.SYN_SENT, now);
    engine.synNeeded = true;
    engine.stats.increment(TcpCounter.ACTIVE_OPENS);
    return engine;
  }

  /**
   * Passive open: a listener received {@code syn} (SYN set; ACK, RST and FIN clear) and makes a
   * connection in SYN-RECEIVED that owes a SYN-ACK (RFC 9293 §3.10.7.2).
   */
  public static TcpEngine accept(TcpConfig config, TcpEndpoints endpoints, TcpSegment syn, int iss, long now) {
    TcpEngine engine = new TcpEngine(config, endpoints, iss, TcpState.SYN_RECEIVED, now);
    engine.stats.increment(TcpCounter.PASSIVE_OPENS);
    engine.stats.increment(TcpCounter.SEGMENTS_IN);
    engine.irs = syn.sequenceNumber();
    engine.rcvNxt = engine.irs + 1;
    engine.rcvAdvertisedEdge = engine.rcvNxt;
    engine.negotiate(syn.options(), true, now);
    engine.sndWnd = syn.window(); // RFC 7323 §2.2: the window in a SYN is never scaled
    engine.maxSndWnd = engine.sndWnd;
    engine.sndWl1 = syn.sequenceNumber();
    engine.synNeeded = true;
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
    int iss = ack.acknowledgmentNumber() - 1;
    TcpEngine engine = new TcpEngine(config, endpoints, iss, TcpState.SYN_RECEIVED, now);
    engine.stats.increment(TcpCounter.PASSIVE_OPENS);
    engine.irs = ack.sequenceNumber() - 1;
    engine.rcvNxt = ack.sequenceNumber();
    engine.rcvAdvertisedEdge = engine.rcvNxt + (int) Math.min(engine.receiveBuffer.window(), 0xFFFF);
    engine.peerMss = Math.max(peerMss, config.minPeerMss());
    engine.timestampsOk = false;
    engine.sackOk = false;
    engine.windowScaleAgreed = false;
    engine.sndShift = 0;
    engine.rcvShift = 0;
    engine.updateSendMss();
    engine.sndWl1 = engine.irs;
    engine.sndNxt = iss + 1; // the cookie SYN-ACK went out
    engine.sndMax = iss + 1;
    engine.onSegment(ack, now);
    return engine;
  }

  // ------------------------------------------------------------------ application calls

  /**
   * Copies up to {@code len} readable bytes. Returns how many, 0 if none is ready yet, or -1 once
   * every byte before the peer's FIN has been read (end-of-stream).
   */
  public int read(byte[] dst, int off, int len, long now) {
    if (inputShutdown) {
      return -1;
    }
    int n = receiveBuffer.read(dst, off, len);
    if (n > 0) {
      if (receiveBuffer.readable() == 0) {
        readableSignalled = false;
      }
      if (windowUpdateWorthSending()) {
        ackNow = true; // RFC 9293 §3.8.6.2.2: the window opened by a worthwhile amount
      }
      return n;
    }
    // A zero-length read with bytes still readable is not the end of the stream.
    return peerFinConsumed && receiveBuffer.readable() == 0 ? -1 : 0;
  }

  /** In-order bytes ready to read. */
  public int readable() {
    return receiveBuffer.readable();
  }

  /** True once {@link #read} will return -1 when the readable bytes are gone. */
  public boolean endOfStreamReached() {
    return peerFinConsumed;
  }

  /**
   * Queues up to {@code len} bytes for sending. Returns how many fitted in the send buffer (0 if
   * none did: a {@link TcpEvent#WRITABLE} event follows when space frees), or -1 if this side can
   * no longer send (shut down, closed or reset).
   */
  public int write(byte[] src, int off, int len, long now) {
    if (finQueued || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
        || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED)) {
      return -1;
    }
    int n = sendBuffer.write(src, off, len);
    if (n < len) {
      writeBlocked = true;
    }
    if (n > 0 && oldestUnackedSince == NEVER) {
      oldestUnackedSince = now;
    }
    return n;
  }

  /** Nagle's algorithm on or off (RFC 9293 §3.7.4; {@code TCP_NODELAY} turns it off). */
  public void setNagle(boolean on) {
    nagle = on;
  }

  public boolean nagle() {
    return nagle;
  }

  /**
   * Keepalive on or off (RFC 1122 §4.2.3.6): on, it probes after the configured idle time, or
   * after {@link TcpConfig#DEFAULT_KEEPALIVE_IDLE_NANOS} if the configuration has none.
   */
  public void setKeepAlive(boolean on, long now) {
    keepAliveIdleNanos = on
        ? (config.keepAliveIdleNanos() > 0 ? config.keepAliveIdleNanos() : TcpConfig.DEFAULT_KEEPALIVE_IDLE_NANOS)
        : 0;
    keepAliveDeadline = on && state == TcpState.ESTABLISHED ? now + keepAliveIdleNanos : NEVER;
    keepAliveProbesSent = 0;
  }

  public boolean keepAlive() {
    return keepAliveIdleNanos > 0;
  }

  /** Send-buffer space left. */
  public int writable() {
    return finQueued ? 0 : sendBuffer.free();
  }

  /** Half-close (RFC 9293 §3.10.4): queue our FIN after the data already written. */
  public void shutdownOutput(long now) {
    switch (state) {
      case SYN_SENT -> enterClosed(null);
      // RFC 9293 §3.10.4: in SYN-RECEIVED the FIN is queued until the handshake completes, since
      // only the SYN states retransmit our SYN-ACK (establish() then moves on to FIN-WAIT-1).
      case SYN_RECEIVED -> finQueued = true;
      case ESTABLISHED -> {
        finQueued = true;
        setState(TcpState.FIN_WAIT_1);
      }
      case CLOSE_WAIT -> {
        finQueued = true;
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
    applicationClosed = true;
    if (receiveBuffer.readable() > 0) {
      abort(now);
      return;
    }
    shutdownOutput(now);
    if (state == TcpState.FIN_WAIT_2) {
      closeDeadline = now + config.finWait2TimeoutNanos();
    }
  }

  /**
   * Abort (RFC 9293 §3.10.5): send RST if synchronized, drop everything, go to CLOSED. The RST is
   * {@code <SEQ=SND.MAX><ACK=RCV.NXT><CTL=RST,ACK>}, as Linux ({@code tcp_send_active_reset}) and
   * FreeBSD send it: §3.10.5 gives only the sequence number, and an ACK does not change how the
   * peer checks a RST (§3.10.7.4, RFC 5961 §3). SND.MAX rather than a go-back-N SND.NXT is the
   * number the peer expects when everything we sent arrived. With timestamps negotiated it
   * carries them (RFC 7323 §5.2: "If an <RST> is being generated because of a user abort, and
   * Snd.TS.OK is set, then a Timestamps option SHOULD be included").
   */
  public void abort(long now) {
    applicationClosed = true;
    if (state == TcpState.SYN_RECEIVED || state.isSynchronized() && state != TcpState.TIME_WAIT) {
      queueRst(acceptableSeq(), rcvNxt, true);
      rstWithTimestamps = timestampsOk;
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
  public void shutdownInput(long now) {
    if (inputShutdown) {
      return;
    }
    inputShutdown = true;
    boolean freed = receiveBuffer.readable() > 0;
    receiveBuffer.discardReadable();
    readableSignalled = false;
    queueEvent(TcpEvent.READABLE); // a blocked reader wakes to its end-of-stream
    if (freed && state.isSynchronized() && windowUpdateWorthSending()) {
      ackNow = true; // the discarded bytes opened the window: tell a sender that may be waiting
    }
  }

  /** True once {@link #shutdownInput} was called. */
  public boolean inputShutdown() {
    return inputShutdown;
  }

  // ------------------------------------------------------------------ segment arrival

  /**
   * Processes one validated segment addressed to this connection (RFC 9293 §3.10.7). Drops are
   * counted in {@link #stats()} by reason; nothing is thrown.
   */
  public void onSegment(TcpSegment seg, long now) {
    stats.increment(TcpCounter.SEGMENTS_IN);
    keepAliveProbesSent = 0;
    if (keepAliveIdleNanos > 0 && state == TcpState.ESTABLISHED) {
      keepAliveDeadline = now + keepAliveIdleNanos;
    }
    switch (state) {
      case CLOSED, LISTEN -> drop(DropReason.TCP_NO_CONNECTION);
      case SYN_SENT -> onSegmentInSynSent(seg, now);
      default -> onSegmentSynchronizedOrSynReceived(seg, now);
    }
  }

  /** RFC 9293 §3.10.7.3. */
  private void onSegmentInSynSent(TcpSegment seg, long now) {
    int flags = seg.flags();
    boolean hasAck = (flags & TcpFlags.ACK) != 0;
    int ack = seg.acknowledgmentNumber();
    // First: an ACK must acknowledge our SYN and nothing beyond it.
    if (hasAck && (SeqNum.le(ack, iss) || SeqNum.gt(ack, sndMax))) {
      if ((flags & TcpFlags.RST) == 0) {
        queueRst(ack, 0, false);
      }
      drop(DropReason.TCP_BAD_SYN_ACK);
      return;
    }
    // Second: RST. Acceptable only with an acceptable ACK (RFC 5961 §3.2 leaves SYN-SENT as is).
    if ((flags & TcpFlags.RST) != 0) {
      if (hasAck) {
        stats.increment(TcpCounter.RESETS_RECEIVED);
        enterClosed(TcpEvent.REFUSED);
      } else {
        drop(DropReason.TCP_RST_OUT_OF_WINDOW);
      }
      return;
    }
    if ((flags & TcpFlags.SYN) == 0) {
      drop(DropReason.TCP_NO_ACK_FLAG);
      return;
    }
    // Fourth: SYN.
    irs = seg.sequenceNumber();
    rcvNxt = irs + 1;
    rcvAdvertisedEdge = rcvNxt;
    negotiate(seg.options(), hasAck, now);
    if (hasAck) {
      updateTimestampRecent(seg, now);
      acknowledge(ack, seg, now);
      sndWnd = seg.window(); // RFC 7323 §2.2: the window field of a segment with SYN is never scaled
      maxSndWnd = sndWnd;
      sndWl1 = seg.sequenceNumber();
      sndWl2 = ack;
      synNeeded = false;
      establish(now);
      ackNow = true;
      processText(seg, now, 1, false); // data or FIN riding on the SYN-ACK
    } else {
      // Simultaneous open (RFC 9293 §3.5, Figure 8): answer with SYN-ACK from SYN-RECEIVED.
      // §3.10.7.3: "If there are other controls or text in the segment, queue them for
      // processing after the ESTABLISHED state has been reached".
      synText = SynText.of(seg, receiveBuffer.capacity());
      sndWnd = seg.window();
      maxSndWnd = sndWnd;
      sndWl1 = seg.sequenceNumber();
      setState(TcpState.SYN_RECEIVED);
      synNeeded = true;
      sndNxt = iss; // the SYN-ACK reuses our ISS
    }
  }

  /** RFC 9293 §3.10.7.4 for SYN-RECEIVED and the synchronized states. */
  private void onSegmentSynchronizedOrSynReceived(TcpSegment seg, long now) {
    boolean arrivedInTimeWait = state == TcpState.TIME_WAIT;
    int flags = seg.flags();
    boolean rst = (flags & TcpFlags.RST) != 0;
    int seq = seg.sequenceNumber();

    // RFC 7323 §5.3 (PAWS) comes before the sequence check; RSTs are exempt (§5.3 R1).
    if (!rst && timestampsOk && seg.options().hasTimestamps() && tsRecentValid) {
      if (now - tsRecentTime > PAWS_IDLE_LIMIT_NANOS) {
        tsRecentValid = false; // §5.5: forget TS.Recent after 24 days idle
      } else if (SeqNum.lt(seg.options().tsVal(), tsRecent) && !disorderedAck(seg)) {
        ackNow = !staleInTimeWait(seg);
        drop(DropReason.TCP_PAWS_REJECTED);
        return;
      }
    }

    // Simultaneous open (RFC 9293 §3.5, Figure 8): the peer's SYN-ACK repeats its SYN, so it sits
    // before RCV.NXT; its ACK of our SYN is what completes the handshake.
    if (state == TcpState.SYN_RECEIVED && !rst && seg.hasFlags(TcpFlags.SYN | TcpFlags.ACK) && seq == irs) {
      int ack = seg.acknowledgmentNumber();
      if (SeqNum.lt(sndUna, ack) && SeqNum.le(ack, sndMax)) {
        synNeeded = false;
        updateWindow(seg, seq, ack, true);
        establish(now);
        ackNow = true;
      } else {
        queueRst(ack, 0, false);
        drop(DropReason.TCP_ACK_NOT_ACCEPTABLE);
      }
      return;
    }

    // First: sequence number acceptability.
    int segLen = seg.sequenceLength();
    long window = receiveWindowForAcceptance();
    if (!acceptable(seq, segLen, window)) {
      if (rst) {
        drop(DropReason.TCP_RST_OUT_OF_WINDOW);
      } else {
        if (state == TcpState.TIME_WAIT && (flags & TcpFlags.FIN) != 0) {
          closeDeadline = now + 2 * config.mslNanos(); // a retransmitted FIN restarts 2·MSL
        }
        if (state == TcpState.SYN_RECEIVED && (flags & TcpFlags.SYN) != 0 && seq == irs) {
          synNeeded = true; // the peer's SYN again: our SYN-ACK may have been lost
        } else {
          // Anything else unacceptable, in SYN-RECEIVED too, gets <SEQ=SND.NXT><ACK=RCV.NXT><ACK>
          // (RFC 9293 §3.10.7.4), not our SYN-ACK: the peer did not ask for the handshake again.
          ackNow = !staleInTimeWait(seg);
          int payload = seg.payloadLength();
          if (sackOk && payload > 0 && (flags & TcpFlags.SYN) == 0 && SeqNum.le(seq + payload, rcvNxt)) {
            noteDuplicate(seq - rcvNxt, payload); // all of it arrived before (RFC 2883 §4)
          }
        }
        drop(DropReason.TCP_OUT_OF_WINDOW);
      }
      return;
    }

    // Second: RST (RFC 5961 §3.2; RFC 1337 in TIME-WAIT).
    if (rst) {
      if (state == TcpState.TIME_WAIT) {
        drop(DropReason.TCP_RST_IN_TIME_WAIT);
      } else if (seq == rcvNxt) {
        stats.increment(TcpCounter.RESETS_RECEIVED);
        enterClosed(state == TcpState.SYN_RECEIVED ? TcpEvent.REFUSED : TcpEvent.RESET);
      } else {
        challengeAck(now, DropReason.TCP_RST_NOT_EXACT);
      }
      return;
    }

    // Fourth: SYN in a synchronized state (RFC 5961 §4.2): challenge ACK, never reset.
    if ((flags & TcpFlags.SYN) != 0) {
      if (state == TcpState.SYN_RECEIVED && seq == irs) {
        synNeeded = true;
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
    int ack = seg.acknowledgmentNumber();
    if (state == TcpState.SYN_RECEIVED) {
      if (SeqNum.lt(sndUna, ack) && SeqNum.le(ack, sndMax)) {
        synNeeded = false;
        updateWindow(seg, seq, ack, true);
        acknowledge(ack, seg, now); // the ACK of our SYN-ACK is an RTT sample too (RFC 6298 §2)
        establish(now);
      } else {
        queueRst(ack, 0, false);
        drop(DropReason.TCP_ACK_NOT_ACCEPTABLE);
        return;
      }
    }
    // RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT, else ACK and drop (also RFC 9293's
    // "SEG.ACK > SND.NXT: send an ACK, drop the segment").
    if (SeqNum.gt(ack, sndMax) || SeqNum.lt(ack, sndUna - (int) Math.min(maxSndWnd, Integer.MAX_VALUE))) {
      ackNow = true;
      drop(DropReason.TCP_ACK_NOT_ACCEPTABLE);
      return;
    }
    updateTimestampRecent(seg, now);
    // RFC 5681 §2: a duplicate ACK acknowledges nothing new, carries no data, SYN or FIN, leaves
    // the window unchanged, and arrives while data is outstanding.
    boolean duplicate = ack == sndUna && seg.payloadLength() == 0
        && (flags & (TcpFlags.SYN | TcpFlags.FIN)) == 0
        && ((long) seg.window() << sndShift) == sndWnd && sndMax != sndUna;
    long newlySacked = 0;
    if (sackOk && seg.options().sackBlockCount() > 0) {
      SackScoreboard sb = scoreboard();
      long invalidBefore = sb.invalidBlocks();
      newlySacked = sb.apply(seg.options(), sndUna, sndMax);
      long invalid = sb.invalidBlocks() - invalidBefore;
      if (invalid > 0) {
        stats.add(TcpCounter.SACK_BLOCKS_IGNORED, invalid); // hostile input 1: ignored, and counted
      }
    }
    if (SeqNum.gt(ack, sndUna)) {
      acknowledge(ack, seg, now);
    } else if (duplicate || (newlySacked > 0 && ack == sndUna)) {
      onDuplicateAck(now);
    }
    updateWindow(seg, seq, ack, false);
    if (state == TcpState.CLOSED) {
      return; // LAST-ACK completed
    }

    // Sixth (URG) is ignored: urgent data is ordinary data here (RFC 6093 §6).
    // Seventh and eighth: text and FIN.
    processText(seg, now, 0, arrivedInTimeWait);
  }

  /**
   * With {@link TcpConfig#ackStaleInTimeWait()} off: an empty segment without FIN meeting TIME-WAIT
   * below RCV.NXT is taken for an overtaken ACK the peer sent before its FIN. Spray-mode receive
   * reorders a connection's segments inside this host, so that happens routinely there, where
   * Linux's per-flow steering never sees it. §3.10.7.4 says an unacceptable segment "should" get
   * an ACK, but in TIME-WAIT the peer has closed: the ACK would meet CLOSED and draw a RST
   * (§3.10.7.1). A retransmitted FIN, or text, is still answered.
   */
  private boolean staleInTimeWait(TcpSegment seg) {
    return !config.ackStaleInTimeWait() && state == TcpState.TIME_WAIT && seg.payloadLength() == 0
        && (seg.flags() & (TcpFlags.FIN | TcpFlags.SYN)) == 0;
  }

  /**
   * Linux's {@code tcp_disordered_ack}: a pure duplicate ACK at RCV.NXT that changes no window and
   * whose TSval is older than TS.Recent by less than one RTO was merely overtaken (spray-mode
   * receive and the network both reorder), not replayed from an old incarnation. PAWS (RFC 7323
   * §5.3) would drop it and answer with a duplicate ACK of our own; accepting it changes nothing,
   * because it carries nothing new, and keeps that needless ACK off the wire.
   */
  private boolean disorderedAck(TcpSegment seg) {
    return seg.flags() == TcpFlags.ACK
        && seg.payloadLength() == 0
        && seg.sequenceNumber() == rcvNxt
        && seg.acknowledgmentNumber() == sndUna
        && ((long) seg.window() << sndShift) == sndWnd
        && (long) (tsRecent - seg.options().tsVal()) * TIMESTAMP_TICK_NANOS <= rtt.rtoNanos();
  }

  /**
   * Stores the payload and records the FIN (RFC 9293 §3.10.7.4, seventh and eighth). {@code skip}
   * is 1 when the segment's first sequence number is its SYN. {@code arrivedInTimeWait} tells a
   * segment that met TIME-WAIT from the one whose ACK of our FIN just led there (from CLOSING).
   */
  private void processText(TcpSegment seg, long now, int skip, boolean arrivedInTimeWait) {
    int flags = seg.flags();
    int dataSeq = seg.sequenceNumber() + skip;
    int payload = seg.payloadLength();
    boolean fin = (flags & TcpFlags.FIN) != 0;
    if (state == TcpState.TIME_WAIT) {
      if (fin) {
        ackNow = true; // the peer lost our ACK of its FIN (RFC 9293 §3.10.7.4, eighth)
        closeDeadline = now + 2 * config.mslNanos();
      } else if (!arrivedInTimeWait) {
        return; // the ACK that ended CLOSING: nothing to answer
      } else if (payload > 0) {
        // Text after the FIN, inside the window: §3.10.7.4 (seventh) says to ignore it, and Linux
        // and FreeBSD answer with an ACK that shows the peer where the stream ended.
        drop(DropReason.TCP_DATA_AFTER_FIN);
        ackNow = true;
      } else if (seg.sequenceNumber() != rcvNxt) {
        // An empty segment inside the window but not at RCV.NXT is no duplicate of anything we
        // expect: Linux (tcp_timewait_state_process) and FreeBSD ACK it, which shows the peer
        // where we are. Only an empty segment exactly at RCV.NXT, a mere ACK, goes unanswered.
        ackNow = true;
      }
      return;
    }
    boolean acceptsData = state == TcpState.ESTABLISHED || state == TcpState.FIN_WAIT_1
        || state == TcpState.FIN_WAIT_2;
    if (!acceptsData && (payload > 0 || fin)) {
      // CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN was consumed, so nothing can follow it, not
      // even a second FIN: count it, and tell the peer with an ACK where its stream ended.
      drop(DropReason.TCP_DATA_AFTER_FIN);
      ackNow = true;
      return;
    }
    if (payload > 0 && applicationClosed && SeqNum.gt(dataSeq + payload, rcvNxt)) {
      // RFC 1122 §4.2.2.13: new data after CLOSE can never be read, so a RST tells the peer it
      // was lost (FIN-WAIT-1 and FIN-WAIT-2 after close(); shutdown() keeps reading instead).
      // Linux (tcp_rcv_state_process, then tcp_v4_send_reset) and FreeBSD (dropwithreset) both
      // answer the segment itself, <SEQ=SEG.ACK><CTL=RST> as §3.10.7.1 does for a segment that
      // meets no connection, rather than sending an abort's RST+ACK.
      drop(DropReason.TCP_DATA_AFTER_CLOSE);
      queueRst(seg.acknowledgmentNumber(), 0, false);
      enterClosed(null);
      return;
    }
    if (payload > 0) {
      int length = payload;
      if (peerFinKnown) {
        long beforeFin = SeqNum.distance(dataSeq, peerFinSeq);
        if (SeqNum.ge(dataSeq, peerFinSeq)) {
          length = 0;
        } else if (beforeFin < length) {
          length = (int) beforeFin;
        }
        if (length < payload) {
          drop(DropReason.TCP_DATA_AFTER_FIN);
        }
      }
      int offset = dataSeq - rcvNxt; // negative: a retransmission overlapping what we have
      if (sackOk) {
        noteDuplicate(offset, length);
      }
      int advanced = receiveBuffer.write(offset, seg.buffer(), seg.payloadOffset(), length);
      if (advanced == ReceiveBuffer.REFUSED) {
        drop(DropReason.TCP_REASSEMBLY_FULL);
        ackNow = true;
      } else if (advanced > 0) {
        boolean filledHole = advanced > Math.max(0, offset + length);
        rcvNxt += advanced;
        stats.add(TcpCounter.BYTES_RECEIVED, advanced);
        deliverOrDiscard();
        noteDataArrival(now);
        if (filledHole || !receiveBuffer.outOfOrder().isEmpty()) {
          ackNow = true; // RFC 5681 §4.2: ACK at once when a gap fills
        } else if (dsackPending) {
          ackNow = true; // part of it was a duplicate: the sender may be retransmitting needlessly
        } else if (quickAcks > 0) {
          quickAcks--;
          ackNow = true; // quick-ACK mode: the sender is in slow start, so do not hold it back
        } else if (length >= fullSegmentSize(length) && ++fullSegmentsUnacked >= 2) {
          ackNow = true; // RFC 9293 §3.8.6.3: at least every second full-size segment
        } else if (delayedAckDeadline == NEVER) {
          delayedAckDeadline = now + config.delayedAckNanos();
        }
      } else if (offset > 0) {
        lastOutOfOrderOffset = offset;
        ackNow = true; // RFC 5681 §4.2: an out-of-order segment gets an immediate duplicate ACK
      } else {
        ackNow = true; // a pure duplicate: tell the peer where we are (it may have lost our ACK)
      }
    }
    if (fin && !peerFinKnown) {
      int finSeq = dataSeq + payload;
      // A FIN beyond the window cannot be recorded: the peer will send it again.
      if (SeqNum.le(finSeq, rcvNxt + (int) Math.min(receiveBuffer.window(), Integer.MAX_VALUE))) {
        peerFinKnown = true;
        peerFinSeq = finSeq;
      }
    }
    if (fin && !peerFinConsumed && SeqNum.gt(dataSeq + payload, rcvNxt)) {
      ackNow = true; // out-of-order FIN: tell the peer what is missing
    }
    consumeFinIfReached(now);
  }

  /**
   * Quick-ACK mode, as Linux's {@code tcp_event_data_recv} and {@code tcp_incr_quickack} run it:
   * the first data of a connection, and the first after an idle period longer than the RTO, earn
   * min(16, max(2, RCV.WND / (2·MSS))) segments that are each ACKed at once. Linux's exception for
   * interactive ("pingpong") connections is not modelled.
   */
  private void noteDataArrival(long now) {
    if (!config.quickAck()) {
      return;
    }
    int nowMillis = Math.max(1, (int) (now / 1_000_000L)); // 0 means "no data yet"
    if (lastDataArrivalMillis == 0 || nowMillis - lastDataArrivalMillis > rtt.rtoNanos() / 1_000_000L) {
      long segments = receiveWindowForAcceptance() / (2L * rcvMss);
      quickAcks = (byte) Math.max(quickAcks, Math.min(16, Math.max(2, segments)));
    }
    lastDataArrivalMillis = nowMillis;
  }

  /**
   * Records the part of an arrival at {@code offset} (relative to RCV.NXT) that we already had, so
   * the next ACK reports it as a D-SACK (RFC 2883 §4): below RCV.NXT first, else the first overlap
   * with held out-of-order data. The sender learns its retransmission was spurious.
   */
  private void noteDuplicate(int offset, int length) {
    if (length <= 0) {
      return;
    }
    if (offset < 0) {
      if (-(long) offset > stats.get(TcpCounter.BYTES_RECEIVED)) {
        return; // it starts before the peer's first byte: junk, not a duplicate
      }
      dsackStart = rcvNxt + offset;
      dsackEnd = rcvNxt + Math.min(offset + length, 0);
      dsackPending = true;
      stats.increment(TcpCounter.DSACKS_SENT_OLD);
      return;
    }
    Reassembly held = receiveBuffer.outOfOrder();
    int i = held.firstOverlapping(offset, offset + length);
    if (i >= 0) {
      dsackStart = rcvNxt + Math.max(offset, held.rangeStart(i));
      dsackEnd = rcvNxt + Math.min(offset + length, held.rangeEnd(i));
      dsackPending = true;
      stats.increment(TcpCounter.DSACKS_SENT_OUT_OF_ORDER);
    }
  }

  /**
   * Acts on the peer's FIN once, when RCV.NXT reaches it: every byte before it is already
   * readable, and END_OF_STREAM follows their READABLE event. This is the fix for KB Q114541.
   */
  private void consumeFinIfReached(long now) {
    if (!peerFinKnown || peerFinConsumed || rcvNxt != peerFinSeq) {
      return;
    }
    peerFinConsumed = true;
    rcvNxt += 1;
    // Bytes held beyond the FIN can never be delivered, and their offsets are relative to the
    // old RCV.NXT: drop them, as Linux's tcp_fin() purges its out-of-order queue.
    receiveBuffer.discardOutOfOrder();
    lastOutOfOrderOffset = -1;
    ackNow = true;
    delayedAckDeadline = NEVER;
    queueEvent(TcpEvent.END_OF_STREAM);
    switch (state) {
      case SYN_RECEIVED, ESTABLISHED -> setState(TcpState.CLOSE_WAIT);
      case FIN_WAIT_1 -> {
        if (ourFinAcknowledged()) {
          enterTimeWait(now);
        } else {
          setState(TcpState.CLOSING);
        }
      }
      case FIN_WAIT_2 -> enterTimeWait(now);
      default -> { }
    }
  }

  /** SND.UNA advances to {@code ack}: free acknowledged bytes, sample the RTT, grow the window. */
  private void acknowledge(int ack, TcpSegment seg, long now) {
    long acked = SeqNum.distance(sndUna, ack);
    long bytesInFlight = SeqNum.distance(sndUna, sndMax);
    if (sndUna == iss) {
      acked--; // our SYN
    }
    int dataAcked = (int) Math.min(acked, sendBuffer.length());
    if (dataAcked > 0) {
      sendBuffer.acknowledge(dataAcked);
      sndBufSeq += dataAcked;
      stats.add(TcpCounter.BYTES_ACKED, dataAcked);
    }
    if (scoreboard != null) {
      scoreboard.onUnaAdvanced(SeqNum.distance(sndUna, ack));
    }
    sndUna = ack;
    if (SeqNum.lt(sndNxt, sndUna)) {
      sndNxt = sndUna;
    }
    if (inRecovery) {
      if (SeqNum.ge(ack, recoveryPoint)) {
        inRecovery = false; // a full ACK ends recovery (RFC 6582 §3.2 step 6)
        retransmitDue = false;
        congestion.onExitRecovery(now);
      } else if (!sackOk || SeqNum.lt(highRxt, sndUna)) {
        highRxt = sndUna; // a partial ACK: the first unacknowledged segment is lost too (step 5)
        retransmitDue = !sackOk; // RFC 6582 §3.2 step 5: retransmitted whatever the pipe
      }
    }
    dupAcks = 0;
    long sample = -1;
    if (timestampsOk && seg.options().hasTimestamps() && seg.options().tsEcr() != 0
        && !(retransmittedSinceConnect && SeqNum.lt(seg.options().tsEcr(), tsAtLastRetransmission))) {
      // RFC 7323 §4.1 (RTTM): the echoed timestamp dates the transmission that was acknowledged.
      // After a retransmission, RFC 7323 §4.3 makes the peer echo its TS.Recent, which can date
      // from before the loss: such a sample would include the whole retransmission timeout and
      // inflate the RTO (a spiral under heavy loss), so only echoes of our latest round count.
      long ticks = timestampNow(now) - seg.options().tsEcr();
      if (ticks >= 0 && ticks < Integer.MAX_VALUE) {
        sample = ticks * TIMESTAMP_TICK_NANOS;
      }
    } else if (rttTiming && SeqNum.gt(ack, rttSeq)) {
      sample = now - rttStart;
    }
    if (rttTiming && SeqNum.gt(ack, rttSeq)) {
      rttTiming = false;
    }
    if (sample >= 0) {
      rtt.sample(sample, now);
      stats.increment(TcpCounter.RTT_SAMPLES);
    }
    retransmits = 0;
    if (state.isSynchronized() && dataAcked > 0 && !inRecovery) {
      congestion.onAck(dataAcked, sample, bytesInFlight, false, now); // no growth in recovery
    }
    if (sndUna == sndMax) {
      retransmitDeadline = NEVER;
      oldestUnackedSince = sendBuffer.length() > 0 ? now : NEVER;
    } else {
      retransmitDeadline = now + rtt.rtoNanos();
      oldestUnackedSince = now;
    }
    if (writeBlocked && sendBuffer.free() > 0 && !finQueued) {
      writeBlocked = false;
      queueEvent(TcpEvent.WRITABLE);
    }
    if (ourFinAcknowledged()) {
      switch (state) {
        case FIN_WAIT_1 -> {
          setState(TcpState.FIN_WAIT_2);
          if (applicationClosed) {
            closeDeadline = now + config.finWait2TimeoutNanos(); // the FIN-WAIT-2 bound
          }
        }
        case CLOSING -> enterTimeWait(now);
        case LAST_ACK -> enterClosed(null);
        default -> { }
      }
    }
  }

  /**
   * A duplicate ACK, or new SACK information (RFC 6675 §5). At DupThresh, or once DupThresh
   * segments' worth of data above SND.UNA is SACKed (IsLost), recovery begins: but not for
   * duplicates of data sent before the last recovery or timeout (RFC 6582 §3.2 step 1).
   */
  private void onDuplicateAck(long now) {
    dupAcks++;
    if (inRecovery) {
      return; // the scoreboard and dupAcks already shrank the pipe
    }
    boolean lost = dupAcks >= DUP_THRESHOLD
        || (sackOk && scoreboard != null && scoreboard.sackedBytes() >= (long) DUP_THRESHOLD * sndMss);
    if (!lost || (recoveryPointSet && SeqNum.lt(sndUna, recoveryPoint))) {
      return;
    }
    inRecovery = true;
    recoveryPoint = sndMax;
    recoveryPointSet = true;
    highRxt = sndUna;
    retransmitDue = true;
    rttTiming = false;
    stats.increment(TcpCounter.FAST_RETRANSMITS);
    congestion.onEnterRecovery(SeqNum.distance(sndUna, sndMax), now);
  }

  /**
   * RFC 6675 §4 SetPipe, simplified: bytes above the highest SACK are in flight, holes below it
   * are lost unless retransmitted in this recovery. Without SACK, each duplicate ACK stands for
   * one segment that left the network (RFC 5681 §3.2 step 4).
   */
  private long pipe() {
    long outstanding = SeqNum.distance(sndUna, sndMax);
    long retransmitted = SeqNum.gt(highRxt, sndUna) ? SeqNum.distance(sndUna, highRxt) : 0;
    if (sackOk && scoreboard != null && !scoreboard.isEmpty()) {
      int high = scoreboard.highestSackedOffset();
      int rxt = (int) Math.min(retransmitted, high);
      return (outstanding - high) + scoreboard.holeBytes(0, rxt);
    }
    return Math.max(0, outstanding - (long) dupAcks * sndMss) + retransmitted;
  }

  /** RFC 9293 §3.10.7.4 fifth: take the window from the most recent segment only. */
  private void updateWindow(TcpSegment seg, int seq, int ack, boolean synReceivedAck) {
    if (synReceivedAck || SeqNum.lt(sndWl1, seq) || (sndWl1 == seq && SeqNum.le(sndWl2, ack))) {
      long window = (long) seg.window() << sndShift;
      boolean opened = sndWnd == 0 && window > 0;
      sndWnd = window;
      sndWl1 = seq;
      sndWl2 = ack;
      maxSndWnd = Math.max(maxSndWnd, window);
      if (opened) {
        persistDeadline = NEVER;
        persistBackoff = 0;
        zeroWindowProbes = 0;
      }
    }
  }

  /** Timestamp bookkeeping (RFC 7323 §4.3): TS.Recent follows segments at the left window edge. */
  private void updateTimestampRecent(TcpSegment seg, long now) {
    if (timestampsOk && seg.options().hasTimestamps()
        && SeqNum.le(seg.sequenceNumber(), lastAckSent)
        && (!tsRecentValid || SeqNum.ge(seg.options().tsVal(), tsRecent))) {
      tsRecent = seg.options().tsVal();
      tsRecentTime = now;
      tsRecentValid = true;
    }
  }

  /** Reads the options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §1.3, RFC 2018 §2). */
  private void negotiate(TcpOptions options, boolean peerSaysOk, long now) {
    int offered = options.mss() > 0 ? options.mss() : (endpoints.ipv6() ? DEFAULT_MSS_IPV6 : DEFAULT_MSS_IPV4);
    // Hostile input 2: a tiny MSS (CVE-2019-11479) is clamped up to the configured floor.
    peerMss = Math.max(offered, config.minPeerMss());
    timestampsOk = config.timestamps() && options.hasTimestamps();
    sackOk = config.sack() && options.sackPermitted();
    windowScaleAgreed = config.windowScaling() && options.hasWindowScale();
    if (windowScaleAgreed) {
      sndShift = options.effectiveWindowScale(); // clamped to 14 (RFC 7323 §2.3)
    } else {
      sndShift = 0;
      rcvShift = 0; // RFC 7323 §1.3: both sides must offer it, or neither side scales
    }
    if (timestampsOk) {
      tsRecent = options.tsVal();
      tsRecentTime = now;
      tsRecentValid = true;
    }
    updateSendMss();
  }

  /**
   * An ICMP "destination unreachable" with a hard code (protocol or port unreachable) quoting
   * this connection's segment {@code quotedSeq}. RFC 1122 §4.2.3.9 lets TCP abort on hard errors;
   * RFC 5927 §4.1 (hostile input 11) makes them soft in synchronized states, where a forged one
   * could otherwise reset a working connection. So: in SYN-SENT, for our SYN, the connect is
   * refused; anywhere else the error is counted and ignored. Returns true if it ended the
   * connection.
   */
  public boolean onIcmpUnreachable(int quotedSeq, long now) {
    if (state == TcpState.SYN_SENT && quotedSeq == iss) {
      enterClosed(TcpEvent.REFUSED);
      return true;
    }
    drop(DropReason.ICMP_SOFT_ERROR);
    return false;
  }

  /** MSS from the peer's option and the path MTU (RFC 9293 §3.7.1, RFC 6691). */
  private void updateSendMss() {
    int pathMss = pathMtu - endpoints.ipHeaderLength() - TCP_HEADER;
    mssLimit = Math.min(peerMss, pathMss);
    // RFC 6691: the MSS counts no options, so room for the options we send comes off it.
    sndMss = Math.max(1, mssLimit - (timestampsOk ? TIMESTAMP_OPTION_SPACE : 0));
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
  public boolean onPathMtu(int mtu, int quotedSeq, long now) {
    if (state == TcpState.CLOSED || state == TcpState.LISTEN) {
      drop(DropReason.TCP_NO_CONNECTION);
      return false;
    }
    int minimum = endpoints.ipv6() ? 1280 : 576;
    if (mtu < minimum) {
      drop(DropReason.ICMP_MTU_TOO_SMALL);
      return false;
    }
    if (SeqNum.lt(quotedSeq, sndUna) || SeqNum.gt(quotedSeq, sndMax)) {
      drop(DropReason.ICMP_QUOTE_OUT_OF_WINDOW);
      return false;
    }
    if (mtu >= pathMtu) {
      return false;
    }
    pathMtu = mtu;
    stats.increment(TcpCounter.PATH_MTU_DECREASES);
    if (state == TcpState.SYN_SENT) {
      return true; // negotiate() applies it; a SYN is never larger than the minimum MTU
    }
    int oldMss = sndMss;
    updateSendMss();
    if (state == TcpState.SYN_RECEIVED) {
      return true; // establish() starts the congestion window with the new MSS
    }
    if (sndMss < oldMss) {
      congestion.setSmss(sndMss);
    }
    if (SeqNum.lt(sndUna, sndMax)) {
      // Go back to SND.UNA without backing off the timer or shrinking the window: the segments
      // were lost to the MTU, not to congestion. Karn's rule applies to what is sent again.
      goBackToSndUna();
      rttTiming = false;
    }
    return true;
  }

  private void establish(long now) {
    setState(TcpState.ESTABLISHED);
    sndUna = SeqNum.max(sndUna, iss + 1);
    if (SeqNum.lt(sndNxt, sndUna)) {
      sndNxt = sndUna;
    }
    retransmitDeadline = sndUna == sndMax ? NEVER : now + rtt.rtoNanos();
    if (synTimedOut) {
      // RFC 6298 §5.7 (MUST): the SYN or SYN-ACK timed out, so data starts with an RTO of 3 s
      // unless a measurement says otherwise.
      rtt.enterDataTransferAfterSynTimeout();
    }
    retransmits = 0;
    congestion.init(sndMss, now);
    if (keepAliveIdleNanos > 0) {
      keepAliveDeadline = now + keepAliveIdleNanos;
    }
    queueEvent(TcpEvent.CONNECTED);
    if (finQueued) {
      setState(TcpState.FIN_WAIT_1); // shut down while in SYN-RECEIVED
    }
    SynText held = synText;
    if (held != null) {
      synText = null;
      receiveInOrder(held.data(), 0, held.data().length, now);
      if (held.fin()) {
        peerFinKnown = true;
        peerFinSeq = rcvNxt;
        consumeFinIfReached(now);
      }
      ackNow = true;
    }
  }

  /**
   * Text that is already at RCV.NXT and was kept aside (a simultaneous open's SYN): stored as if it
   * had just arrived in order.
   */
  private void receiveInOrder(byte[] data, int off, int length, long now) {
    int advanced = receiveBuffer.write(0, data, off, length);
    if (advanced > 0) {
      rcvNxt += advanced;
      stats.add(TcpCounter.BYTES_RECEIVED, advanced);
      deliverOrDiscard();
    }
  }

  /** New in-order bytes became readable: signal them, or drop them after {@code SHUT_RD}. */
  private void deliverOrDiscard() {
    if (inputShutdown) {
      receiveBuffer.discardReadable();
    } else if (!readableSignalled) {
      readableSignalled = true;
      queueEvent(TcpEvent.READABLE);
    }
  }

  // ------------------------------------------------------------------ timers

  /** The earliest time {@link #onTimer} has work, or {@link Long#MAX_VALUE}. */
  public long nextDeadline() {
    long next = Math.min(retransmitDeadline, delayedAckDeadline);
    next = Math.min(next, persistDeadline);
    next = Math.min(next, keepAliveDeadline);
    next = Math.min(next, closeDeadline);
    if (config.userTimeoutNanos() > 0 && oldestUnackedSince != NEVER) {
      next = Math.min(next, oldestUnackedSince + config.userTimeoutNanos());
    }
    return next;
  }

  /** Runs every timer due at {@code now}. */
  public void onTimer(long now) {
    if (closeDeadline <= now) {
      closeDeadline = NEVER;
      if (state == TcpState.FIN_WAIT_2) {
        stats.increment(TcpCounter.TIMEOUTS);
        enterClosed(TcpEvent.TIMED_OUT);
      } else {
        enterClosed(null); // TIME-WAIT's 2·MSL elapsed
      }
      return;
    }
    if (config.userTimeoutNanos() > 0 && oldestUnackedSince != NEVER
        && now - oldestUnackedSince >= config.userTimeoutNanos()) {
      stats.increment(TcpCounter.TIMEOUTS);
      enterClosed(TcpEvent.TIMED_OUT); // RFC 5482 / RFC 9293 §3.8.3: the user timeout
      return;
    }
    if (retransmitDeadline <= now) {
      onRetransmitTimeout(now);
      if (state == TcpState.CLOSED) {
        return;
      }
    }
    if (delayedAckDeadline <= now) {
      delayedAckDeadline = NEVER;
      ackNow = true;
    }
    if (persistDeadline <= now) {
      persistDeadline = NEVER;
      boolean unsent = sendBuffer.length() > SeqNum.distance(sndBufSeq, sndNxt);
      if (sndWnd == 0 && unsent) {
        if (finQueued && zeroWindowProbes >= config.maxRetransmits()) {
          // Hostile input 29: with our FIN queued behind data a peer never lets in (FIN-WAIT-1,
          // CLOSING, LAST-ACK), probing would hold the connection forever. Once the application
          // has shut down, give up as a retransmission would (Linux bounds orphans' probes too).
          stats.increment(TcpCounter.TIMEOUTS);
          enterClosed(TcpEvent.TIMED_OUT);
          return;
        }
        zeroWindowProbes++;
        probeNow = true; // RFC 9293 §3.8.6.1: probe the zero window
        persistBackoff = Math.min(PERSIST_MAX_NANOS, Math.max(rtt.rtoNanos(), persistBackoff * 2));
        persistDeadline = now + persistBackoff;
      } else if (unsent && sndNxt == sndUna) {
        swsOverride = true; // the SWS override timeout: the next pollTransmit sends what fits
      }
    }
    if (keepAliveDeadline <= now) {
      if (keepAliveProbesSent >= config.keepAliveProbes()) {
        stats.increment(TcpCounter.TIMEOUTS);
        enterClosed(TcpEvent.TIMED_OUT);
        return;
      }
      keepAliveProbesSent++;
      probeNow = true; // RFC 1122 §4.2.3.6
      keepAliveDeadline = now + config.keepAliveIntervalNanos();
    }
  }

  /** RFC 6298 §5.4–5.6, with Karn's rule and go-back-N from SND.UNA. */
  private void onRetransmitTimeout(long now) {
    retransmitDeadline = NEVER;
    boolean opening = state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED;
    int limit = opening ? config.maxSynRetransmits() : config.maxRetransmits();
    if (retransmits >= limit) {
      stats.increment(TcpCounter.TIMEOUTS);
      enterClosed(TcpEvent.TIMED_OUT);
      return;
    }
    retransmits++;
    stats.increment(TcpCounter.TIMEOUT_RETRANSMITS);
    rtt.backoff();
    rttTiming = false; // Karn: the next ACK may answer either transmission
    if (opening) {
      synTimedOut = true;
      synNeeded = true;
      sndNxt = iss;
      return;
    }
    congestion.onRetransmitTimeout(SeqNum.distance(sndUna, sndMax), now);
    goBackToSndUna();
  }

  /**
   * Sends everything again from SND.UNA. Recovery ends, and duplicate ACKs for what was in flight
   * must not start a new one (RFC 6582 §3.2); SACK information is discarded (RFC 6675 §5.1
   * permits it).
   */
  private void goBackToSndUna() {
    inRecovery = false;
    retransmitDue = false;
    dupAcks = 0;
    recoveryPoint = sndMax;
    recoveryPointSet = true;
    if (scoreboard != null) {
      scoreboard.clear();
    }
    sndNxt = sndUna;
  }

  // ------------------------------------------------------------------ output

  /**
   * Writes the next segment this connection owes into {@code buf} at {@code off} (header and
   * payload, checksum included) and returns its length, or 0 if it owes nothing now. The buffer
   * needs room for {@link #maxSegmentLength()} bytes.
   */
  public int pollTransmit(byte[] buf, int off, long now) {
    if (rstPending) {
      rstPending = false;
      return writeRst(buf, off, now);
    }
    switch (state) {
      case CLOSED, LISTEN -> {
        return 0;
      }
      case SYN_SENT, SYN_RECEIVED -> {
        if (synNeeded) {
          synNeeded = false;
          return writeSyn(buf, off, now);
        }
        return ackNow ? writeSegment(buf, off, now, sndNxt, 0, TcpFlags.ACK) : 0;
      }
      default -> {
        return writeEstablished(buf, off, now);
      }
    }
  }

  /**
   * What counts as a full-sized segment from the peer (RFC 9293 §3.8.6.3): its sending MSS, which
   * we only see on the wire. Estimated as Linux's rcv_mss is: the largest payload received so far,
   * at least 536 (RFC 9293 §3.7.1's default), at most what our MSS leaves after the timestamps.
   */
  private int fullSegmentSize(int length) {
    largestSegmentReceived = Math.max(largestSegmentReceived, length);
    int ceiling = rcvMss - (timestampsOk ? TIMESTAMP_OPTION_SPACE : 0);
    return Math.min(ceiling, Math.max(largestSegmentReceived, DEFAULT_MSS_IPV4));
  }

  /** Upper bound on one segment from {@link #pollTransmit}: header with options plus MSS. */
  public int maxSegmentLength() {
    return 60 + Math.max(sndMss, rcvMss);
  }

  private int writeEstablished(byte[] buf, int off, long now) {
    // In synchronized states SND.NXT never falls below the send buffer's first byte.
    int unsent = (int) (sendBuffer.length() - SeqNum.distance(sndBufSeq, sndNxt));
    // RFC 6691: this segment's options (timestamps, SACK blocks) come off the MSS, so that the
    // whole packet still fits the path MTU.
    int maxPayload = Math.max(1, mssLimit - optionSpace());
    if (inRecovery) {
      int written = writeRecoveryRetransmission(buf, off, now, maxPayload);
      if (written > 0) {
        return written;
      }
    }
    int length = sendableLength(unsent, maxPayload, now);
    // Our FIN rides on the segment that carries the last byte, or goes alone once all is sent.
    boolean finDue = finQueued && SeqNum.le(sndNxt, finSeq()) && sndNxt + length == finSeq();
    if (length > 0 || finDue) {
      int flags = TcpFlags.ACK | (finDue ? TcpFlags.FIN : 0) | (length > 0 && length == unsent ? TcpFlags.PSH : 0);
      int seq = sndNxt;
      int written = writeSegment(buf, off, now, seq, length, flags);
      boolean retransmission = SeqNum.lt(seq, sndMax);
      if (retransmission) {
        stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
        noteRetransmission(now);
      } else if (!rttTiming && !timestampsOk) {
        rttTiming = true;
        rttSeq = seq;
        rttStart = now;
      }
      sndNxt = seq + length + (finDue ? 1 : 0);
      if (SeqNum.gt(sndNxt, sndMax)) {
        sndMax = sndNxt;
      }
      if (retransmitDeadline == NEVER) {
        retransmitDeadline = now + rtt.rtoNanos();
      }
      if (oldestUnackedSince == NEVER) {
        oldestUnackedSince = now;
      }
      return written;
    }
    if (probeNow) {
      probeNow = false;
      // A window or keepalive probe: an old sequence number forces the peer to answer with an
      // ACK carrying its current window (RFC 9293 §3.8.6.1, RFC 1122 §4.2.3.6).
      stats.increment(TcpCounter.PROBES);
      return writeSegment(buf, off, now, sndUna - 1, 0, TcpFlags.ACK);
    }
    if (ackNow) {
      // A pure ACK carries the highest sequence number sent, not the go-back-N position: the peer
      // may have received everything up to SND.MAX, and an older number would fail its
      // acceptability test, so the ACK would be dropped unread (RFC 9293 §3.10.7.4 first). The
      // one exception is a window that shrank below SND.MAX (acceptableSeq).
      return writeSegment(buf, off, now, acceptableSeq(), 0, TcpFlags.ACK);
    }
    return 0;
  }

  /**
   * How many new bytes to send now: within the peer's window and the congestion window, and
   * subject to Nagle (RFC 9293 §3.7.4) and sender-side SWS avoidance (§3.8.6.2.1).
   */
  private int sendableLength(int unsent, int maxPayload, long now) {
    if (unsent <= 0) {
      return 0;
    }
    long inFlight = SeqNum.distance(sndUna, sndNxt);
    long cwndRoom = inRecovery
        ? congestion.cwnd() - pipe()
        // RFC 3042: the first two duplicate ACKs may each release one new segment.
        : congestion.cwnd() + (dupAcks < DUP_THRESHOLD ? (long) dupAcks * sndMss : 0) - inFlight;
    long usable = Math.min(sndWnd - inFlight, cwndRoom);
    if (usable <= 0) {
      if (sndWnd == 0 && inFlight == 0 && persistDeadline == NEVER) {
        persistBackoff = rtt.rtoNanos();
        persistDeadline = now + persistBackoff;
      }
      return 0;
    }
    int length = (int) Math.min(Math.min(unsent, usable), maxPayload);
    if (length == maxPayload) {
      return length;
    }
    if (SeqNum.lt(sndNxt, sndMax)) {
      // Resending after a go-back (RTO, path MTU drop): these bytes already went out once, so
      // Nagle and sender-side SWS avoidance, which keep new small segments back, do not apply.
      return (int) Math.min(length, SeqNum.distance(sndNxt, sndMax));
    }
    boolean allQueued = length == unsent;
    if (allQueued && (inFlight == 0 || !nagle || finQueued)) {
      return length; // Nagle: a small segment only when nothing is outstanding (or NODELAY)
    }
    if (length >= maxSndWnd / 2 && inFlight == 0) {
      return length; // SWS: at least half the largest window the peer ever offered
    }
    if (inFlight == 0) {
      // RFC 9293 §3.8.6.2.1 (RFC 1122 §4.2.3.4 (d)): nothing in flight means no ACK will come to
      // re-evaluate this, so the persist timer doubles as the override timeout.
      if (swsOverride) {
        swsOverride = false;
        return length;
      }
      if (persistDeadline == NEVER) {
        persistBackoff = rtt.rtoNanos();
        persistDeadline = now + persistBackoff;
      }
    }
    return 0;
  }

  /**
   * During recovery, retransmits the next hole (RFC 6675 §5 NextSeg rule 1; without SACK, the
   * first unacknowledged segment once per partial ACK, RFC 6582) if the pipe allows. Returns the
   * segment length, or 0 if nothing is to be retransmitted now.
   */
  private int writeRecoveryRetransmission(byte[] buf, int off, long now, int maxPayload) {
    // RFC 5681 §3.2 step 4 and RFC 6675 §5 (4.3): the segment presumed lost MUST be retransmitted
    // on entering recovery, whatever the pipe; only later retransmissions wait for room in cwnd.
    // (Without SACK, a 10-segment flight with cwnd cut to 7 would otherwise wait for the RTO.)
    if (!retransmitDue && pipe() >= congestion.cwnd()) {
      return 0;
    }
    int outstanding = (int) SeqNum.distance(sndUna, sndMax);
    int offset = (int) SeqNum.distance(sndUna, SeqNum.max(highRxt, sndUna));
    int end;
    if (sackOk && scoreboard != null && !scoreboard.isEmpty()) {
      int limit = scoreboard.highestSackedOffset();
      offset = scoreboard.skipSacked(offset);
      if (offset >= limit) {
        return 0;
      }
      end = Math.min(scoreboard.nextSackedAfter(offset), limit);
    } else {
      if (highRxt != sndUna) {
        return 0;
      }
      end = outstanding;
    }
    int seq = sndUna + offset;
    int sentData = (int) Math.min(SeqNum.distance(seq, SeqNum.min(sndMax, finSeq())), Integer.MAX_VALUE);
    int length = Math.min(Math.min(end - offset, maxPayload), sentData);
    boolean fin = finQueued && sndMax == finSeq() + 1 && seq + length == finSeq() && offset + length < end;
    if (length <= 0 && !fin) {
      return 0;
    }
    int flags = TcpFlags.ACK | (fin ? TcpFlags.FIN : 0);
    int written = writeSegment(buf, off, now, seq, Math.max(length, 0), flags);
    stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
    noteRetransmission(now);
    retransmitDue = false;
    highRxt = seq + Math.max(length, 0) + (fin ? 1 : 0);
    if (retransmitDeadline == NEVER) {
      retransmitDeadline = now + rtt.rtoNanos();
    }
    return written;
  }

  private int writeSyn(byte[] buf, int off, long now) {
    boolean synAck = state == TcpState.SYN_RECEIVED;
    out().clearOptions();
    out().mss(rcvMss);
    boolean offerSack = synAck ? sackOk : config.sack();
    boolean offerTs = synAck ? timestampsOk : config.timestamps();
    boolean offerWs = synAck ? windowScaleAgreed : config.windowScaling();
    if (offerSack) {
      out().sackPermitted();
    }
    if (offerTs) {
      if (!offerSack) {
        out().nop().nop();
      }
      out().timestamps(timestampNow(now), synAck ? tsRecent : 0);
    }
    if (offerWs) {
      out().nop().windowScale(rcvShift);
    }
    int flags = TcpFlags.SYN | (synAck ? TcpFlags.ACK : 0);
    int window = Math.min(receiveBuffer.window(), 0xFFFF); // RFC 7323 §2.2: never scaled in a SYN
    int written = finishSegment(buf, off, iss, synAck ? rcvNxt : 0, flags, window, 0);
    // A retransmitted SYN-ACK cannot say more than 65535, but an ACK sent in SYN-RECEIVED may
    // already have offered a larger, scaled window: the edge we accept up to never moves left.
    rcvAdvertisedEdge = SeqNum.max(rcvAdvertisedEdge, rcvNxt + window);
    if (SeqNum.lt(iss, sndMax)) {
      stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
      noteRetransmission(now);
    } else if (!timestampsOk) {
      rttTiming = true;
      rttSeq = iss;
      rttStart = now;
    }
    sndNxt = iss + 1;
    if (SeqNum.gt(sndNxt, sndMax)) {
      sndMax = sndNxt;
    }
    retransmitDeadline = now + rtt.rtoNanos();
    if (oldestUnackedSince == NEVER) {
      oldestUnackedSince = now; // the user timeout bounds the handshake too, as Linux's does
    }
    return written;
  }

  /** Bytes of options the next non-SYN segment will carry. */
  private int optionSpace() {
    int blocks = sackOk ? sackBlocks() : 0;
    return (timestampsOk ? TIMESTAMP_OPTION_SPACE : 0) + (blocks > 0 ? 4 + 8 * blocks : 0);
  }

  /** A non-SYN segment from us: ACK, options, window, optional payload from the send buffer. */
  private int writeSegment(byte[] buf, int off, long now, int seq, int payload, int flags) {
    out().clearOptions();
    if (timestampsOk) {
      out().nop().nop().timestamps(timestampNow(now), tsRecent);
    }
    int blocks = sackOk ? sackBlocks() : 0;
    if (blocks > 0) {
      out().nop().nop().sack(blocks, sackEdges);
      dsackPending = false; // reported once (RFC 2883 §4)
    }
    int window = advertisedWindow();
    int header = out().headerLength();
    if (payload > 0) {
      sendBuffer.copy((int) SeqNum.distance(sndBufSeq, seq), buf, off + header, payload);
      stats.add(TcpCounter.BYTES_SENT, payload);
    }
    return finishSegment(buf, off, seq, rcvNxt, flags, Math.min(window >>> rcvShift, 0xFFFF), payload);
  }

  private int finishSegment(byte[] buf, int off, int seq, int ack, int flags, int windowField, int payload) {
    out().sourcePort(endpoints.localPort())
        .destinationPort(endpoints.remotePort())
        .sequenceNumber(seq)
        .acknowledgmentNumber(ack)
        .flags(flags)
        .window(windowField)
        .urgentPointer(0);
    int header = out().headerLength();
    out().write(buf, off, payload, endpoints.outgoingPseudoHeaderSum(header + payload));
    stats.increment(TcpCounter.SEGMENTS_OUT);
    if ((flags & TcpFlags.ACK) != 0) {
      lastAckSent = ack;
      ackNow = false;
      delayedAckDeadline = NEVER;
      fullSegmentsUnacked = 0;
    }
    return header + payload;
  }

  private int writeRst(byte[] buf, int off, long now) {
    out().clearOptions();
    if (rstWithTimestamps) {
      out().nop().nop().timestamps(timestampNow(now), tsRecent);
    }
    int header = out().headerLength();
    stats.increment(TcpCounter.RESETS_SENT);
    int flags = TcpFlags.RST | (rstWithAck ? TcpFlags.ACK : 0);
    out().sourcePort(endpoints.localPort()).destinationPort(endpoints.remotePort())
        .sequenceNumber(rstSeq).acknowledgmentNumber(rstWithAck ? rstAck : 0)
        .flags(flags).window(0).urgentPointer(0);
    stats.increment(TcpCounter.SEGMENTS_OUT);
    return out().write(buf, off, 0, endpoints.outgoingPseudoHeaderSum(header));
  }

  /**
   * The window to advertise, in bytes, with receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2): the
   * right edge moves right only by at least min(half the buffer, one MSS), and never moves left.
   */
  private int advertisedWindow() {
    // §3.8.6.2.2 measures the reserve against the buffer: once the free space beyond the edge
    // reaches the threshold, the edge moves, as far as the field can show.
    int freeEdge = rcvNxt + receiveBuffer.window();
    if (edgeMoveWorthwhile(freeEdge)) {
      rcvAdvertisedEdge = SeqNum.max(rcvAdvertisedEdge, advertisableEdge());
    }
    return (int) Math.min(Integer.MAX_VALUE, receiveWindowForAcceptance());
  }

  /**
   * The right edge a segment sent now could advertise: the free buffer rounded down to what the
   * scaled field can express, and clamped to the largest window the field holds (65,535 without
   * scaling), so the edge we remember is exactly the one the peer sees.
   */
  private int advertisableEdge() {
    int window = (receiveBuffer.window() >>> rcvShift) << rcvShift;
    return rcvNxt + Math.min(window, 0xFFFF << rcvShift);
  }

  /** RFC 9293 §3.8.6.2.2: move the edge right only by at least min(RCV.BUFF / 2, MSS). */
  private boolean edgeMoveWorthwhile(int edge) {
    return SeqNum.gt(edge, rcvAdvertisedEdge)
        && SeqNum.distance(rcvAdvertisedEdge, edge) >= Math.min(receiveBuffer.capacity() / 2, rcvMss);
  }

  /**
   * After a read: is the opened window worth a segment of its own? Decided on the window the header
   * would actually carry, so a read never sends an ACK identical to the last one (three of those
   * are a duplicate-ACK fast retransmit at the peer). None once the peer's FIN is consumed: nothing
   * more will arrive, and a late window update would reach a peer that may already have closed
   * and answer with a RST (Linux's {@code tcp_cleanup_rbuf} makes the same exception).
   */
  private boolean windowUpdateWorthSending() {
    return !peerFinConsumed && edgeMoveWorthwhile(advertisableEdge());
  }

  /** RCV.WND for the acceptability test: what we last advertised. */
  private long receiveWindowForAcceptance() {
    return SeqNum.gt(rcvAdvertisedEdge, rcvNxt) ? SeqNum.distance(rcvNxt, rcvAdvertisedEdge) : 0;
  }

  /** The four cases of RFC 9293 §3.10.7.4 "first", with a zero-length allowance at RCV.NXT. */
  private boolean acceptable(int seq, int segLen, long window) {
    if (segLen == 0) {
      return window == 0 ? seq == rcvNxt : SeqNum.inWindow(seq, rcvNxt, window);
    }
    if (window == 0) {
      // RFC 9293: "special allowance should be made to accept valid ACKs, URGs, and RSTs". A
      // segment at RCV.NXT is processed for its ACK and FIN; its data is trimmed by the buffer.
      return seq == rcvNxt;
    }
    return SeqNum.inWindow(seq, rcvNxt, window) || SeqNum.inWindow(seq + segLen - 1, rcvNxt, window);
  }

  /**
   * Fills {@link #sackEdges} and returns the block count. A pending D-SACK comes first, followed
   * by the held block that contains it, if any (RFC 2883 §4); then the block holding the latest
   * out-of-order arrival, then the others, newest offsets first (RFC 2018 §4).
   */
  private int sackBlocks() {
    if (sackEdges == null) {
      sackEdges = new int[2 * TcpOptions.MAX_SACK_BLOCKS];
    }
    Reassembly holes = receiveBuffer.outOfOrder();
    int max = timestampsOk ? 3 : 4;
    int count = 0;
    int dsackHolder = -1;
    if (dsackPending) {
      sackEdges[0] = dsackStart;
      sackEdges[1] = dsackEnd;
      count = 1;
      if (SeqNum.gt(dsackEnd, rcvNxt)) {
        dsackHolder = holes.firstOverlapping(dsackStart - rcvNxt, dsackEnd - rcvNxt);
        if (dsackHolder >= 0) {
          count = addSackBlock(count, holes, dsackHolder);
        }
      }
    }
    int latest = -1;
    if (lastOutOfOrderOffset >= 0) {
      int i = holes.firstOverlapping(lastOutOfOrderOffset, lastOutOfOrderOffset + 1);
      if (i >= 0 && i != dsackHolder) {
        latest = i;
        count = addSackBlock(count, holes, i);
      }
    }
    for (int i = holes.rangeCount() - 1; i >= 0 && count < max; i--) {
      if (i != dsackHolder && i != latest) {
        count = addSackBlock(count, holes, i);
      }
    }
    return count;
  }

  private int addSackBlock(int count, Reassembly holes, int index) {
    sackEdges[2 * count] = rcvNxt + holes.rangeStart(index);
    sackEdges[2 * count + 1] = rcvNxt + holes.rangeEnd(index);
    return count + 1;
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The sequence number for a segment without data (a pure ACK, an abort's RST): SND.MAX, the
   * number the peer expects once everything we sent arrived, unless the peer's window has since
   * shrunk below it. Then, as Linux's {@code tcp_acceptable_seq}, the window's edge: a zero
   * window accepts an empty segment only at RCV.NXT (RFC 9293 §3.10.7.4), which is SND.UNA, so
   * SND.MAX there would make the peer drop every ACK we send, and with it the ACK number it is
   * waiting for (a deadlock the deterministic simulation found: seed 72 of the heavy-loss run).
   */
  private int acceptableSeq() {
    int windowEnd = sndUna + (int) Math.min(sndWnd, Integer.MAX_VALUE);
    if (SeqNum.le(sndMax, windowEnd)) {
      return sndMax;
    }
    return sndWnd == 0 ? sndUna : windowEnd - 1; // the last octet the peer's window still accepts
  }

  private int finSeq() {
    return sndBufSeq + sendBuffer.length();
  }

  private boolean ourFinAcknowledged() {
    return finQueued && SeqNum.gt(sndUna, finSeq()) && sendBuffer.length() == 0;
  }

  private void noteRetransmission(long now) {
    retransmittedSinceConnect = true;
    tsAtLastRetransmission = timestampNow(now);
  }

  private int timestampNow(long now) {
    return (int) (now / TIMESTAMP_TICK_NANOS) + tsOffset;
  }

  private void challengeAck(long now, DropReason reason) {
    drop(reason);
    if (challengeWindowStart == Long.MIN_VALUE || now - challengeWindowStart >= 1_000_000_000L) {
      challengeWindowStart = now;
      challengeAcksInWindow = 0;
    }
    if (challengeAcksInWindow < config.challengeAcksPerSecond()) {
      challengeAcksInWindow++;
      stats.increment(TcpCounter.CHALLENGE_ACKS);
      ackNow = true;
    } else {
      drop(DropReason.TCP_CHALLENGE_ACK_LIMITED);
    }
  }

  private void queueRst(int seq, int ack, boolean withAck) {
    rstPending = true;
    rstWithTimestamps = false;
    rstSeq = seq;
    rstAck = ack;
    rstWithAck = withAck;
  }

  private void enterTimeWait(long now) {
    setState(TcpState.TIME_WAIT);
    retransmitDeadline = NEVER;
    persistDeadline = NEVER;
    keepAliveDeadline = NEVER;
    oldestUnackedSince = NEVER;
    closeDeadline = now + 2 * config.mslNanos();
    releaseIdleBuffers();
  }

  private void enterClosed(TcpEvent cause) {
    boolean wasOpen = state != TcpState.CLOSED;
    setState(TcpState.CLOSED);
    retransmitDeadline = NEVER;
    delayedAckDeadline = NEVER;
    persistDeadline = NEVER;
    keepAliveDeadline = NEVER;
    closeDeadline = NEVER;
    oldestUnackedSince = NEVER;
    synNeeded = false;
    probeNow = false;
    if (cause != null) {
      queueEvent(cause);
    }
    if (wasOpen) {
      queueEvent(TcpEvent.CLOSED);
    }
  }

  private void setState(TcpState next) {
    state = next;
  }

  private void drop(DropReason reason) {
    stats.drop(reason);
  }

  /** Frees empty buffers, so an idle connection holds none. */
  public void releaseIdleBuffers() {
    out = null;
    sackEdges = null;
    sendBuffer.releaseIfEmpty();
    receiveBuffer.releaseIfEmpty();
    if (scoreboard != null && scoreboard.isEmpty()) {
      scoreboard = null;
    }
  }

  // ------------------------------------------------------------------ observation

  /** The next event for the application, or {@code null} if none is pending. */
  public TcpEvent pollEvent() {
    if (eventCount > 0) {
      int code = (int) (eventBits & 0xF);
      eventBits >>>= 4;
      eventCount--;
      return TcpEvent.all()[code - 1];
    }
    if (eventOverflow != null) {
      TcpEvent event = eventOverflow.poll();
      if (eventOverflow.isEmpty()) {
        eventOverflow = null;
      }
      return event;
    }
    return null;
  }

  private void queueEvent(TcpEvent event) {
    if (eventOverflow == null && eventCount < 16) {
      eventBits |= (long) (event.ordinal() + 1) << (4 * eventCount);
      eventCount++;
    } else {
      if (eventOverflow == null) {
        eventOverflow = new ArrayDeque<>();
      }
      eventOverflow.add(event);
    }
  }

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
    return sndMss;
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
    return sndWnd;
  }

  public int bytesUnsentOrUnacked() {
    return sendBuffer.length();
  }

  @Override
  public String toString() {
    return state + " una=" + Integer.toUnsignedString(sndUna) + " nxt=" + Integer.toUnsignedString(sndNxt)
        + " rcv.nxt=" + Integer.toUnsignedString(rcvNxt) + " snd.wnd=" + sndWnd;
  }
}
