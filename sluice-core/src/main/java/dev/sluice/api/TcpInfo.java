package dev.sluice.api;

/**
 * One connection's TCP numbers at a moment, like Linux's {@code TCP_INFO}: read without waiting for
 * the connection's owner to finish, so a value may be a moment old. {@link TcpConnection#info()}
 * returns it; {@link TcpConnectionStats} adds the counters.
 *
 * @param state the RFC 9293 state, as {@code ESTABLISHED} or {@code CLOSE_WAIT}
 * @param srttNanos smoothed round-trip time (0 before the first sample)
 * @param rttvarNanos round-trip time variation
 * @param rtoNanos retransmission timeout
 * @param cwnd congestion window, bytes
 * @param ssthresh slow-start threshold, bytes
 * @param mss the most payload one segment we send carries: the smaller of the peer's MSS option and
 *     our MTU's, less the options every segment carries (timestamps), bytes
 * @param unreadBytes received in order and not yet read (ss's Recv-Q, {@code FIONREAD})
 * @param unacknowledgedBytes written and not yet acknowledged by the peer, whether sent or not
 *     (ss's Send-Q)
 */
public record TcpInfo(String state, long srttNanos, long rttvarNanos, long rtoNanos, long cwnd, long ssthresh,
    int mss, int unreadBytes, int unacknowledgedBytes) {
}
