package dev.sluice.tcp;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.TcpFlags;
import dev.sluice.wire.TcpOptions;
import dev.sluice.wire.TcpSegment;

/**
 * The opening handshake of one connection (RFC 9293 §3.5): what only SYN-SENT and SYN-RECEIVED
 * need, the options the peer's SYN negotiates, and the checks of §3.10.7.3 on the answer to our
 * SYN. Made at open and dropped once the connection is ESTABLISHED or CLOSED, so an established
 * connection carries none of it. It reports what a segment leads to, and the engine changes the
 * state. Driven by the engine's owner, one thread at a time.
 */
final class Handshake {
  /** What a segment that arrives in SYN-SENT leads to (RFC 9293 §3.10.7.3). */
  enum Answer {
    /** Dropped, and answered with a RST if it asked for one. */
    DROPPED,
    /** An acceptable RST: the peer refused the connection. */
    REFUSED,
    /** The peer's SYN-ACK, taken: its ACK of our SYN makes the connection ESTABLISHED. */
    SYN_ACK,
    /** The peer's SYN alone, taken: a simultaneous open (§3.5, Figure 8), SYN-RECEIVED next. */
    SYN
  }

  private final TcpEngine engine;
  /** Our SYN, or SYN-ACK, is owed by the next pollTransmit. */
  boolean synNeeded;
  /** Our SYN or SYN-ACK timed out at least once (RFC 6298 §5.7). */
  boolean synTimedOut;
  /** Both sides offered window scaling (RFC 7323 §1.3): a SYN-ACK says so again. */
  boolean windowScaleAgreed;
  /** Text or FIN that came on the peer's SYN in a simultaneous open, held until ESTABLISHED. */
  SynText synText;

  Handshake(TcpEngine engine, boolean synNeeded) {
    this.engine = engine;
    this.synNeeded = synNeeded;
  }

  /**
   * The peer's SYN: its sequence number, its options, and its window, which a SYN never scales
   * (RFC 7323 §2.2).
   */
  void takeSyn(TcpSegment syn, long now) {
    engine.rcv.synchronize(syn.sequenceNumber());
    negotiate(syn.options(), now);
    engine.snd.takeSynWindow(syn);
  }

  /** Reads the options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323 §1.3, RFC 2018 §2). */
  private void negotiate(TcpOptions options, long now) {
    TcpConfig config = engine.config;
    engine.timestampsOk = config.timestamps() && options.hasTimestamps();
    engine.sackOk = config.sack() && options.sackPermitted();
    windowScaleAgreed = config.windowScaling() && options.hasWindowScale();
    engine.rcv.negotiate(options, windowScaleAgreed, engine.timestampsOk, now);
    engine.snd.negotiate(options, windowScaleAgreed);
  }

  /**
   * SYN-RECEIVED: true if SEG.ACK = {@code ack} acknowledges our SYN-ACK (SND.UNA < SEG.ACK ≤
   * SND.MAX); any other ACK is dropped and answered with {@code <SEQ=SEG.ACK><CTL=RST>} (RFC 9293
   * §3.10.7.4 fifth).
   */
  boolean acknowledgesOurSyn(int ack) {
    Sender snd = engine.snd;
    if (SeqNum.lt(snd.una, ack) && SeqNum.le(ack, snd.max)) {
      return true;
    }
    engine.queueRst(ack);
    engine.drop(DropReason.TCP_ACK_NOT_ACCEPTABLE);
    return false;
  }

  /**
   * The handshake completed. RFC 6298 §5.7 (MUST): if our SYN or SYN-ACK timed out, data starts
   * with an RTO of 3 s unless a measurement says otherwise; and the count of timeouts starts over.
   */
  void onEstablished() {
    if (synTimedOut) {
      engine.rtt.enterDataTransferAfterSynTimeout();
    }
    LossRecovery recovery = engine.recovery;
    if (recovery != null) {
      recovery.timeouts = 0;
    }
  }

  /**
   * Our SYN or SYN-ACK timed out (RFC 6298 §5.5): back off, stop timing it (Karn: the next ACK may
   * answer either transmission), and send it again.
   */
  void onSynTimeout() {
    engine.rtt.backoff();
    engine.recovery().stopTiming();
    synTimedOut = true;
    synNeeded = true;
    engine.snd.nxt = engine.snd.iss;
  }

  /**
   * RFC 9293 §3.10.7.3: checks a segment that arrived in SYN-SENT, drops (and answers) what is
   * not acceptable, and takes the peer's SYN.
   */
  Answer onSegmentInSynSent(TcpSegment seg, long now) {
    int flags = seg.flags();
    boolean hasAck = (flags & TcpFlags.ACK) != 0;
    int ack = seg.acknowledgmentNumber();
    Sender snd = engine.snd;
    // First: an ACK must acknowledge our SYN and nothing beyond it.
    if (hasAck && (SeqNum.le(ack, snd.iss) || SeqNum.gt(ack, snd.max))) {
      if ((flags & TcpFlags.RST) == 0) {
        engine.queueRst(ack);
      }
      engine.drop(DropReason.TCP_BAD_SYN_ACK);
      return Answer.DROPPED;
    }
    // Second: RST. Acceptable only with an acceptable ACK (RFC 5961 §3.2 leaves SYN-SENT as is).
    if ((flags & TcpFlags.RST) != 0) {
      if (hasAck) {
        return Answer.REFUSED;
      }
      engine.drop(DropReason.TCP_RST_OUT_OF_WINDOW);
      return Answer.DROPPED;
    }
    if ((flags & TcpFlags.SYN) == 0) {
      engine.drop(DropReason.TCP_NO_ACK_FLAG);
      return Answer.DROPPED;
    }
    // Fourth: SYN.
    takeSyn(seg, now);
    if (hasAck) {
      engine.rcv.updateTimestampRecent(seg, now);
      snd.wl2 = ack;
      synNeeded = false;
      return Answer.SYN_ACK;
    }
    // Simultaneous open: we answer with a SYN-ACK, reusing our ISS. §3.10.7.3: "If there are
    // other controls or text in the segment, queue them for processing after the ESTABLISHED
    // state has been reached".
    synText = SynText.of(seg, engine.rcv.buffer.capacity());
    synNeeded = true;
    snd.nxt = snd.iss;
    return Answer.SYN;
  }
}
