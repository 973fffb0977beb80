package dev.sluice.tcp;

import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;

/**
 * Builds the segments a connection sends (smoltcp's {@code dispatch}): the SYN or SYN-ACK with
 * its options, data and FIN within what the sender allows, retransmissions in recovery, probes,
 * pure ACKs and RSTs. The engine decides which is owed ({@link TcpEngine#pollTransmit}); this
 * writes it and records that it went out. Made by the first {@code pollTransmit} and dropped
 * when the connection is idle, so an idle connection holds no builder. Driven by the engine's
 * owner, one thread at a time.
 */
final class Transmitter {
  private final TcpEngine engine;
  // The engine's halves, held directly: this object exists only while the connection is busy.
  private final Sender snd;
  private final Receiver rcv;
  private final TcpBuilder out = new TcpBuilder();
  /**
   * Whether the segment being written leaves its checksum to the device ({@link
   * TcpEngine#pollTransmit(byte[], int, long, boolean)}); set by the engine for each one.
   */
  boolean checksumToDevice;

  Transmitter(TcpEngine engine) {
    this.engine = engine;
    this.snd = engine.snd;
    this.rcv = engine.rcv;
  }

  /**
   * The next segment in a synchronized state: a retransmission in recovery, new data or our FIN,
   * a probe, or an ACK, in that order of precedence; 0 if none is owed. The common call owes
   * nothing or only an ACK, and is answered without looking at the send buffer's window.
   */
  int writeSynchronized(byte[] buf, int off, long now) {
    int unsent = snd.unsent(); // SND.NXT never falls below the buffer's first byte here
    RackTlp rt = snd.rack();
    if (rt != null && rt.probeOwed) {
      int written = writeProbe(rt, buf, off, now, unsent);
      if (written > 0) {
        return written;
      }
    }
    if (unsent > 0 || snd.finQueued || snd.inRecovery()) {
      int written = writeDataOrRetransmission(buf, off, now, unsent);
      if (written > 0) {
        return written;
      }
    }
    if (snd.probeNow) {
      snd.probeNow = false;
      // A window or keepalive probe: an old sequence number forces the peer to answer with an
      // ACK carrying its current window (RFC 9293 §3.8.6.1, RFC 1122 §4.2.3.6).
      engine.stats.increment(TcpCounter.PROBES);
      return writeSegment(buf, off, now, snd.una - 1, 0, TcpFlags.ACK);
    }
    if (rcv.ackNow) {
      // A pure ACK carries the highest sequence number sent, not the go-back-N position: the peer
      // may have received everything up to SND.MAX, and an older number would fail its
      // acceptability test, so the ACK would be dropped unread (RFC 9293 §3.10.7.4 first). The
      // one exception is a window that shrank below SND.MAX (acceptableSeq).
      return writeSegment(buf, off, now, snd.acceptableSeq(), 0, TcpFlags.ACK);
    }
    return 0;
  }

  /** A retransmission in recovery, or new data and our FIN as the sender allows; 0 if neither. */
  private int writeDataOrRetransmission(byte[] buf, int off, long now, int unsent) {
    // RFC 6691: this segment's options (timestamps, SACK blocks) come off the MSS, so that the
    // whole packet still fits the path MTU.
    int maxPayload = Math.max(1, snd.mssLimit - optionSpace());
    if (snd.inRecovery()) {
      int written = writeRecoveryRetransmission(buf, off, now, maxPayload);
      if (written > 0) {
        return written;
      }
    }
    int length = snd.sendableLength(unsent, maxPayload, now);
    // Our FIN rides on the segment that carries the last byte, or goes alone once all is sent.
    boolean finDue = snd.finQueued && SeqNum.le(snd.nxt, snd.finSeq()) && snd.nxt + length == snd.finSeq();
    if (length <= 0 && !finDue) {
      return 0;
    }
    int flags = TcpFlags.ACK | (finDue ? TcpFlags.FIN : 0) | (length > 0 && length == unsent ? TcpFlags.PSH : 0);
    int seq = snd.nxt;
    int written = writeSegment(buf, off, now, seq, length, flags);
    boolean newData = !SeqNum.lt(seq, snd.max);
    sentFromNxt(seq, length, finDue, now);
    RackTlp rt = snd.rack();
    if (rt != null && newData) {
      rt.afterNewData(now); // RFC 8985 §7.2: new data (re)starts the PTO
    }
    return written;
  }

  /**
   * Bookkeeping for a segment sent from SND.NXT (new data, or a resend after a go-back): counts,
   * timing, SND.NXT and SND.MAX, RACK's records, the retransmission and user timers.
   */
  private void sentFromNxt(int seq, int length, boolean fin, long now) {
    boolean retransmission = SeqNum.lt(seq, snd.max);
    int end = seq + length + (fin ? 1 : 0);
    RackTlp rt = snd.rack() != null ? snd.rack() : length > 0 || fin ? snd.rackTlp(now) : null;
    if (retransmission) {
      EngineEvents.retransmitted(engine, seq, length, "RTO");
      engine.stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
      snd.noteRetransmission(now);
      if (rt != null) {
        rt.onRetransmitted(seq, end, now);
      }
    } else {
      if (!engine.timestampsOk) {
        engine.recovery().startTiming(seq, now);
      }
      if (rt != null) {
        rt.onSentNew(seq, end, now);
      }
    }
    snd.nxt = end;
    if (SeqNum.gt(snd.nxt, snd.max)) {
      snd.max = snd.nxt;
    }
    if (!engine.timers.isSet(TcpTimer.RETRANSMIT)) {
      engine.timers.set(TcpTimer.RETRANSMIT, now + engine.rtt.rtoNanos());
    }
    snd.startUserTimeout(now);
  }

  /**
   * The tail loss probe (RFC 8985 §7.3): new data if there is some the peer's window allows
   * (even beyond cwnd), else the last segment sent, at most one MSS ending at SND.MAX. Returns the
   * segment length, or 0 if there is nothing to probe with.
   */
  private int writeProbe(RackTlp rt, byte[] buf, int off, long now, int unsent) {
    rt.probeOwed = false;
    if (snd.nxt != snd.max || SeqNum.ge(snd.una, snd.max)) {
      return 0;
    }
    int maxPayload = Math.max(1, snd.mssLimit - optionSpace());
    long room = snd.wnd - SeqNum.distance(snd.una, snd.nxt);
    if (unsent > 0 && room > 0) {
      int length = (int) Math.min(Math.min(unsent, maxPayload), room);
      boolean finDue = snd.finQueued && snd.nxt + length == snd.finSeq();
      int flags = TcpFlags.ACK | TcpFlags.PSH | (finDue ? TcpFlags.FIN : 0);
      int seq = snd.nxt;
      int written = writeSegment(buf, off, now, seq, length, flags);
      sentFromNxt(seq, length, finDue, now);
      rt.probeSent(false, now);
      return written;
    }
    boolean finSent = snd.finQueued && snd.max == snd.finSeq() + 1;
    int dataEnd = finSent ? snd.finSeq() : snd.max;
    int length = (int) Math.min(maxPayload, SeqNum.distance(snd.una, dataEnd));
    int seq = dataEnd - length;
    if (length <= 0 && !finSent) {
      return 0;
    }
    int written = writeSegment(buf, off, now, seq, length, TcpFlags.ACK | (finSent ? TcpFlags.FIN : 0));
    EngineEvents.retransmitted(engine, seq, length, "TLP");
    engine.stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
    snd.noteRetransmission(now);
    LossRecovery r = engine.recovery;
    if (r != null) {
      r.stopTiming(); // Karn
    }
    rt.onRetransmitted(seq, seq + length + (finSent ? 1 : 0), now);
    rt.probeSent(true, now);
    return written;
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
    LossRecovery r = engine.recovery;
    if (!r.retransmitDue && r.pipe(snd.una, snd.max, engine.sackOk, snd.mss) >= engine.congestion.cwnd()) {
      return 0;
    }
    RackTlp rt = snd.rack();
    // RFC 8985 §6.2: with RACK, NextSeg is the first segment RACK marked lost.
    long hole = rt != null ? rt.nextLost(snd.una) : r.nextHole(snd.una, snd.max, engine.sackOk);
    if (hole < 0) {
      return 0;
    }
    int offset = (int) hole;
    int end = (int) (hole >>> 32);
    int seq = snd.una + offset;
    int sentData = (int) Math.min(SeqNum.distance(seq, SeqNum.min(snd.max, snd.finSeq())), Integer.MAX_VALUE);
    int length = Math.min(Math.min(end - offset, maxPayload), sentData);
    boolean fin = snd.finQueued && snd.max == snd.finSeq() + 1 && seq + length == snd.finSeq() && offset + length < end;
    if (length <= 0 && !fin) {
      return 0;
    }
    int flags = TcpFlags.ACK | (fin ? TcpFlags.FIN : 0);
    int written = writeSegment(buf, off, now, seq, Math.max(length, 0), flags);
    EngineEvents.retransmitted(engine, seq, Math.max(length, 0), "FAST");
    engine.stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
    snd.noteRetransmission(now);
    r.retransmitDue = false;
    int rxtEnd = seq + Math.max(length, 0) + (fin ? 1 : 0);
    r.highRxt = rt != null ? SeqNum.max(r.highRxt, rxtEnd) : rxtEnd;
    if (rt != null) {
      rt.onRetransmitted(seq, rxtEnd, now);
    }
    if (!engine.timers.isSet(TcpTimer.RETRANSMIT)) {
      engine.timers.set(TcpTimer.RETRANSMIT, now + engine.rtt.rtoNanos());
    }
    return written;
  }

  /** In SYN-SENT or SYN-RECEIVED: our SYN or SYN-ACK if owed, else an ACK if owed; 0 if neither. */
  int writeHandshake(Handshake handshake, byte[] buf, int off, long now) {
    if (handshake.synNeeded) {
      handshake.synNeeded = false;
      return writeSyn(handshake, buf, off, now);
    }
    return rcv.ackNow ? writeSegment(buf, off, now, snd.nxt, 0, TcpFlags.ACK) : 0;
  }

  private int writeSyn(Handshake handshake, byte[] buf, int off, long now) {
    boolean synAck = engine.state == TcpState.SYN_RECEIVED;
    out.clearOptions();
    out.mss(rcv.mss());
    boolean offerSack = synAck ? engine.sackOk : engine.config.sack();
    boolean offerTs = synAck ? engine.timestampsOk : engine.config.timestamps();
    boolean offerWs = synAck ? handshake.windowScaleAgreed : engine.config.windowScaling();
    if (offerSack) {
      out.sackPermitted();
    }
    if (offerTs) {
      if (!offerSack) {
        out.nop().nop();
      }
      out.timestamps(snd.timestampNow(now), synAck ? rcv.tsRecent : 0);
    }
    if (offerWs) {
      out.nop().windowScale(rcv.shift);
    }
    int flags = TcpFlags.SYN | (synAck ? TcpFlags.ACK : 0);
    int window = Math.min(rcv.buffer.window(), 0xFFFF); // RFC 7323 §2.2: never scaled in a SYN
    int written = finishSegment(buf, off, snd.iss, synAck ? rcv.nxt : 0, flags, window, 0);
    // A retransmitted SYN-ACK cannot say more than 65535, but an ACK sent in SYN-RECEIVED may
    // already have offered a larger, scaled window: the edge we accept up to never moves left.
    rcv.advertisedEdge = SeqNum.max(rcv.advertisedEdge, rcv.nxt + window);
    if (SeqNum.lt(snd.iss, snd.max)) {
      EngineEvents.retransmitted(engine, snd.iss, 0, "SYN");
      engine.stats.increment(TcpCounter.RETRANSMITTED_SEGMENTS);
      snd.noteRetransmission(now);
    } else if (!engine.timestampsOk) {
      engine.recovery().restartTiming(snd.iss, now);
    }
    snd.nxt = snd.iss + 1;
    if (SeqNum.gt(snd.nxt, snd.max)) {
      snd.max = snd.nxt;
    }
    engine.timers.set(TcpTimer.RETRANSMIT, now + engine.rtt.rtoNanos());
    snd.startUserTimeout(now); // the user timeout bounds the handshake too, as Linux's does
    return written;
  }

  /** Bytes of options the next non-SYN segment will carry. */
  private int optionSpace() {
    return (engine.timestampsOk ? TcpEngine.TIMESTAMP_OPTION_SPACE : 0) + rcv.sackOptionSpace();
  }

  /** A non-SYN segment from us: ACK, options, window, optional payload from the send buffer. */
  private int writeSegment(byte[] buf, int off, long now, int seq, int payload, int flags) {
    out.clearOptions();
    if (engine.timestampsOk) {
      out.nop().nop().timestamps(snd.timestampNow(now), rcv.tsRecent);
    }
    int blocks = engine.sackOk ? rcv.sackBlocks() : 0;
    if (blocks > 0) {
      out.nop().nop().sack(blocks, rcv.sackEdges);
      rcv.dsackPending = false; // reported once (RFC 2883 §4)
    }
    int window = rcv.advertisedWindow();
    int header = out.headerLength();
    if (payload > 0) {
      snd.buffer.copy((int) SeqNum.distance(snd.bufSeq, seq), buf, off + header, payload);
      engine.stats.add(TcpCounter.BYTES_SENT, payload);
    }
    return finishSegment(buf, off, seq, rcv.nxt, flags, Math.min(window >>> rcv.shift, 0xFFFF), payload);
  }

  private int finishSegment(byte[] buf, int off, int seq, int ack, int flags, int windowField, int payload) {
    out.sourcePort(engine.endpoints.localPort())
        .destinationPort(engine.endpoints.remotePort())
        .sequenceNumber(seq)
        .acknowledgmentNumber(ack)
        .flags(flags)
        .window(windowField)
        .urgentPointer(0);
    int header = out.headerLength();
    out.write(buf, off, payload, engine.endpoints.outgoingPseudoHeaderSum(header + payload), checksumToDevice);
    engine.stats.increment(TcpCounter.SEGMENTS_OUT);
    if ((flags & TcpFlags.ACK) != 0) {
      rcv.onAckSent(ack);
    }
    return header + payload;
  }

  int writeRst(PendingRst rst, byte[] buf, int off, long now) {
    out.clearOptions();
    if (rst.withTimestamps()) {
      out.nop().nop().timestamps(snd.timestampNow(now), rcv.tsRecent);
    }
    int header = out.headerLength();
    EngineEvents.rstSent(engine, rst);
    engine.stats.increment(TcpCounter.RESETS_SENT);
    int flags = TcpFlags.RST | (rst.withAck() ? TcpFlags.ACK : 0);
    out.sourcePort(engine.endpoints.localPort()).destinationPort(engine.endpoints.remotePort())
        .sequenceNumber(rst.seq()).acknowledgmentNumber(rst.withAck() ? rst.ack() : 0)
        .flags(flags).window(0).urgentPointer(0);
    engine.stats.increment(TcpCounter.SEGMENTS_OUT);
    return out.write(buf, off, 0, engine.endpoints.outgoingPseudoHeaderSum(header), checksumToDevice);
  }
}
