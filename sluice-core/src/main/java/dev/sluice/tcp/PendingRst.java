package dev.sluice.tcp;

/**
 * A RST the next {@link TcpEngine#pollTransmit} owes: {@code <SEQ=seq><ACK=ack><CTL=RST(,ACK)>},
 * with our timestamps if {@code withTimestamps}. Made only when a RST is queued, which an idle
 * connection never has.
 */
record PendingRst(int seq, int ack, boolean withAck, boolean withTimestamps) {

  /** {@code <SEQ=seq><CTL=RST>}: the answer to a segment that has no place in this connection. */
  static PendingRst reply(int seq) {
    return new PendingRst(seq, 0, false, false);
  }

  /**
   * An abort's RST (RFC 9293 §3.10.5): {@code <SEQ=SND.MAX><ACK=RCV.NXT><CTL=RST,ACK>}, as Linux
   * ({@code tcp_send_active_reset}) and FreeBSD send it. §3.10.5 gives only the sequence number,
   * and an ACK does not change how the peer checks a RST (§3.10.7.4, RFC 5961 §3). SND.MAX rather
   * than a go-back-N SND.NXT is the number the peer expects when everything we sent arrived
   * ({@code seq} is {@link Sender#acceptableSeq}). With timestamps negotiated it carries them (RFC
   * 7323 §5.2: "If an <RST> is being generated because of a user abort, and Snd.TS.OK is set, then
   * a Timestamps option SHOULD be included").
   */
  static PendingRst abort(int seq, int rcvNxt, boolean timestampsOk) {
    return new PendingRst(seq, rcvNxt, true, timestampsOk);
  }
}
