package dev.sluice.stack;

import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpState;

/**
 * One connection's numbers at a moment, as {@code ss -ti} shows them; read without ownership, so
 * a value may be a moment old.
 *
 * @param receiveQueue bytes received in order and not yet read (ss's Recv-Q)
 * @param sendQueue bytes written and not yet acknowledged (ss's Send-Q)
 */
public record ConnectionInfo(TcpEndpoints endpoints, TcpState state, long srttNanos, long rttvarNanos,
    long rtoNanos, long cwnd, long ssthresh, long retransmits, int backlog, int receiveQueue, int sendQueue,
    int mss, long segmentsIn, long segmentsOut) {
}
