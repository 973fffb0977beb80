/**
 * Sluice's JDK Flight Recorder events, category "Sluice": a connection's state changes ({@link
 * dev.sluice.observe.ConnectionStateEvent}), retransmissions ({@link
 * dev.sluice.observe.RetransmissionEvent}), RSTs sent and received ({@link
 * dev.sluice.observe.RstSentEvent}, {@link dev.sluice.observe.RstReceivedEvent}), the FIN
 * delivered to the application ({@link dev.sluice.observe.FinDeliveredEvent}) and ownership
 * hand-offs under contention ({@link dev.sluice.observe.OwnershipHandoffEvent}). docs/observability.md
 * lists their fields.
 *
 * <p>At the bottom of the layering, beside {@code wire}: it depends on the JDK only, and {@code
 * tcp} and {@code stack} call it (through {@code tcp.EngineEvents} and {@code stack.StackEvents},
 * which turn their objects into the events' plain fields). Every emission is guarded by {@link
 * dev.sluice.observe.SluiceEvents}: with no recording, a guard is one read of a static flag and no
 * event object is made.
 */
package dev.sluice.observe;
