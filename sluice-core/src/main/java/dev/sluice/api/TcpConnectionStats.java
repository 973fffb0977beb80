package dev.sluice.api;

/**
 * One connection's numbers, as {@code ss -ti} shows them: state, smoothed RTT, RTT variance, RTO
 * (nanoseconds), congestion window and slow-start threshold (bytes), and counters.
 */
public record TcpConnectionStats(String state, long srttNanos, long rttvarNanos, long rtoNanos, long cwnd,
    long ssthresh, long segmentsIn, long segmentsOut, long bytesReceived, long bytesSent, long retransmits) {
}
