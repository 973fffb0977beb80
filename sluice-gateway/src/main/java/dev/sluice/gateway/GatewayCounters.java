package dev.sluice.gateway;

/**
 * A snapshot of a {@link Gateway}'s counters, as {@code sluice gateway} prints them: TCP flows the
 * guest opened and how each ended, UDP flows and datagrams, and pings. Each count is read a moment
 * apart from the others (they are kept by many threads without a common lock), so two of them may
 * disagree by a flow in flight; every count only grows, except {@code flows} and {@code udpFlows},
 * which are the flows open now. Immutable, so safe to pass between threads.
 *
 * @param flows TCP flows now: relayed, or SYNs whose outside connect is still being decided
 * @param accepted TCP flows the outside accepted and that were relayed
 * @param refused SYNs refused because the outside refused (the guest got a RST)
 * @param unreachable SYNs answered with an ICMP unreachable (the outside has no route)
 * @param forgotten SYNs left unanswered because the outside (a proxy, say) could not be asked; the
 *     guest's next SYN asks again
 * @param overLimit SYNs refused because the flow limit was reached
 * @param denied SYNs refused by the allow and deny rules
 * @param closed flows that ended with a FIN both ways
 * @param resetByGuest flows the guest reset
 * @param resetByOutside flows the outside reset
 * @param timedOut flows reset both ways after their idle or half-closed timeout
 * @param connectsTimedOut SYNs refused because the outside did not answer within the connect timeout
 * @param udpFlows UDP flows now
 * @param udpOpened UDP flows opened
 * @param udpClosedIdle UDP flows closed after their idle timeout
 * @param udpOverLimit datagrams dropped because they would have opened one UDP flow too many
 * @param udpDenied UDP flows refused by the rules (the guest got ICMP administratively prohibited)
 * @param udpOpenFailed UDP flows whose outside path could not be opened
 * @param udpPortUnreachable outside port unreachables passed on to the guest
 * @param udpDatagramsOut datagrams from the guest sent outside
 * @param udpDatagramsIn datagrams from outside given to the guest
 * @param udpDropped datagrams dropped (a queue full while a flow opens, or a failed send)
 * @param pingsRelayed echo requests sent outside
 * @param pingSocket which socket carries IPv4 pings ("ping socket", "raw socket", "no socket yet",
 *     "no socket allowed")
 * @param pingsAnswered echo replies given back to the guest
 * @param pingsDenied echo requests refused by the rules
 * @param pingsUnreachable echo requests to a destination with no route
 * @param pingsOverLimit echo requests dropped because too many were waiting for replies
 * @param pingsFailed echo requests that could not be sent
 */
public record GatewayCounters(
    int flows, long accepted, long refused, long unreachable, long forgotten, long overLimit, long denied,
    long closed, long resetByGuest, long resetByOutside, long timedOut, long connectsTimedOut,
    int udpFlows, long udpOpened, long udpClosedIdle, long udpOverLimit, long udpDenied, long udpOpenFailed,
    long udpPortUnreachable, long udpDatagramsOut, long udpDatagramsIn, long udpDropped,
    long pingsRelayed, String pingSocket, long pingsAnswered, long pingsDenied, long pingsUnreachable,
    long pingsOverLimit, long pingsFailed) {

  /** The counters in one line, as {@code sluice gateway} prints them at stop and with {@code --stats}. */
  @Override
  public String toString() {
    return "flows " + flows + ", accepted " + accepted + ", refused " + refused + ", unreachable " + unreachable
        + ", forgotten " + forgotten + ", over the limit " + overLimit + ", denied " + denied + ", closed " + closed
        + ", reset by the guest " + resetByGuest + ", reset by the outside " + resetByOutside + ", timed out "
        + timedOut + ", connects timed out " + connectsTimedOut
        + "; udp flows " + udpFlows + ", opened " + udpOpened + ", closed idle " + udpClosedIdle
        + ", over the limit " + udpOverLimit + ", denied " + udpDenied + ", open failed " + udpOpenFailed
        + ", port unreachable " + udpPortUnreachable + ", datagrams out " + udpDatagramsOut + ", in "
        + udpDatagramsIn + ", dropped " + udpDropped
        + "; pings relayed " + pingsRelayed + " (" + pingSocket + "), answered " + pingsAnswered + ", denied "
        + pingsDenied + ", unreachable " + pingsUnreachable + ", over the limit " + pingsOverLimit + ", failed "
        + pingsFailed;
  }
}
