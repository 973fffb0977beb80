package dev.sluice.stack;

/**
 * Takes the ICMP and ICMPv6 echo requests a host receives for addresses that are not its own (the
 * gateway's role, issue 15), so that a guest's ping to any address is relayed outside. Installed
 * with {@link Host#forwardIcmpEcho}; the answer goes back with {@link ForwardedEcho#reply}.
 *
 * <p>{@link #onEcho} runs on a receive worker: it must be quick and must not block. The request it
 * gets is a copy, which it may keep and use from any thread. If it throws, the request is dropped
 * and counted ({@code FORWARD_FAILED}).
 */
@FunctionalInterface
public interface IcmpEchoForwarder {
  void onEcho(ForwardedEcho echo);
}
