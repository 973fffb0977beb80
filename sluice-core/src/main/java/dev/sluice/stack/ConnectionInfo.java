package dev.sluice.stack;

import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpState;

/** One connection's numbers at a moment, as {@code ss -ti} shows them; read without ownership. */
public record ConnectionInfo(TcpEndpoints endpoints, TcpState state, long srttNanos, long rttvarNanos,
    long rtoNanos, long cwnd, long ssthresh, long retransmits, int backlog) {
}
