package dev.sluice.stack;

/**
 * Takes the TCP connections a host is asked to open to addresses that are not its own: the
 * gateway's role (issue 15), where every flow a guest opens, to any destination, ends in this
 * stack and is relayed outside. Installed with {@link Host#forwardTcp}.
 *
 * <p>The handshake waits for the decision, as slirp4netns's and gVisor's forwarders make it wait:
 * the guest's SYN is held ({@link ForwardedSyn}) and not answered until the forwarder has tried
 * the outside, so a refused destination is a RST to the guest rather than a connection that
 * opens and then resets. While a SYN is held, the guest's retransmissions of it are dropped.
 *
 * <p>{@link #onSyn} runs on a receive worker: it must be quick and must not block (hand the SYN to
 * a thread of the forwarder's own); the decision may come later, from any thread.
 */
@FunctionalInterface
public interface TcpForwarder {
  void onSyn(ForwardedSyn syn);
}
