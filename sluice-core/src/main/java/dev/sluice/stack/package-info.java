/**
 * The host runtime: interfaces, routes, the connection table, listeners, receive workers, timer
 * wheels, and the per-connection ownership protocol that lets every core receive at once without
 * ever running one connection's engine on two threads (the KB Q114541 fix). The locking rules are
 * written where each lock lives: {@link dev.sluice.stack.Connection} for ownership and the backlog,
 * {@link dev.sluice.stack.Worker} for timers, {@link dev.sluice.stack.Host} for the tables.
 *
 * <p>The receive workers and the host's clock live here, at the edge; the engine in
 * {@code dev.sluice.tcp} has neither. {@code dev.sluice.link} has threads and clocks of its own
 * (TUN readers, the real-time simulation pump): docs/architecture.md lists them all.
 */
package dev.sluice.stack;
