package dev.sluice.stack;

/**
 * Deliberate departures from normal behaviour, for torture runs, mutation tests and benchmarks:
 * the one hook through which a {@link Host} can be made to misbehave on purpose. Configure it with
 * {@link HostConfig.Builder#faults}; the default, {@link #NONE}, changes nothing.
 *
 * <p>The host asks each question once, when it builds the worker, listener or host that the answer
 * applies to, and keeps the answer in a final field, so the production paths pay a field test and
 * never a call through this interface. Implementations must therefore answer the same way every
 * time they are asked.
 */
public interface FaultInjection {
  /** Injects nothing: the host behaves as its documentation says. */
  FaultInjection NONE = new FaultInjection() { };

  /**
   * The most a receive worker spins, for a random time, before it handles each packet: a slow core
   * on purpose, so that torture runs make the races between workers happen (0: none).
   */
  default long workerJitterNanos() {
    return 0;
  }

  /**
   * True if connections accepted on {@code localPort} have what they receive consumed by the stack
   * itself, on the owner's thread (RFC 863's discard service), so a receive-path benchmark needs no
   * application reader. They still wait in the accept queue for whoever wants to write to them or
   * close them.
   */
  default boolean discardReceived(int localPort) {
    return false;
  }

  /**
   * A deliberate breakage of the ownership protocol, so that the concurrency checks can be shown to
   * catch the Q114541 bug (mutation testing). {@link OwnershipMutation#NONE} outside those tests.
   */
  default OwnershipMutation ownershipMutation() {
    return OwnershipMutation.NONE;
  }

  /**
   * A port whose connections (to it or from it) throw from every step their owner runs, as a bug in the engine
   * would: the proof that one connection's fault is contained (the others go on, its callers get a
   * {@link java.net.SocketException}, nothing is stranded). -1, the default, for none.
   */
  default int throwingPort() {
    return -1;
  }
}
