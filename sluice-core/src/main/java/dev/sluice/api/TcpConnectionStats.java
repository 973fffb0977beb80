package dev.sluice.api;

/**
 * One connection's numbers, as {@code ss -ti} shows them: state, smoothed RTT, RTT variance, RTO
 * (nanoseconds), congestion window and slow-start threshold (bytes), and counters.
 * {@link TcpConnection#stats()} returns it; a value may be a moment old. Immutable.
 *
 * @param state the RFC 9293 state, as {@code ESTABLISHED} or {@code CLOSE_WAIT}
 * @param srttNanos smoothed round-trip time (0 before the first sample)
 * @param rttvarNanos round-trip time variation
 * @param rtoNanos retransmission timeout
 * @param cwnd congestion window, bytes
 * @param ssthresh slow-start threshold, bytes
 * @param segmentsIn segments received
 * @param segmentsOut segments sent, retransmissions included
 * @param bytesReceived payload bytes received in sequence
 * @param bytesSent payload bytes sent, retransmissions included
 * @param retransmits segments retransmitted
 */
public record TcpConnectionStats(String state, long srttNanos, long rttvarNanos, long rtoNanos, long cwnd,
    long ssthresh, long segmentsIn, long segmentsOut, long bytesReceived, long bytesSent, long retransmits) {
}
