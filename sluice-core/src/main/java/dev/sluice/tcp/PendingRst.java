package dev.sluice.tcp;

/**
 * A RST the next {@link TcpEngine#pollTransmit} owes: {@code <SEQ=seq><ACK=ack><CTL=RST(,ACK)>},
 * with our timestamps when an abort sends it and they were negotiated (RFC 7323 §5.2). Made
 * only when a RST is queued, which an idle connection never has.
 */
record PendingRst(int seq, int ack, boolean withAck, boolean withTimestamps) {}
