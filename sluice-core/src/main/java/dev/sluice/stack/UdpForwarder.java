package dev.sluice.stack;

/**
 * Takes the UDP datagrams a host receives for addresses that are not its own: the gateway's role
 * (issue 15), where every datagram a guest sends, to any destination, ends in this stack and is
 * relayed outside. Installed with {@link Host#forwardUdp}; the answers go back with {@link
 * Host#sendUdp}, and an undeliverable datagram is answered with {@link ForwardedDatagram#unreachable}.
 *
 * <p>{@link #onDatagram} runs on a receive worker, once per datagram: it must be quick and must not
 * block (hand anything slow, such as opening a proxy association, to a thread of its own). The
 * datagram it gets is a copy, which it may keep and use from any thread. If it throws, the datagram
 * is dropped and counted ({@code FORWARD_FAILED}) and the worker goes on.
 */
@FunctionalInterface
public interface UdpForwarder {
  void onDatagram(ForwardedDatagram datagram);
}
