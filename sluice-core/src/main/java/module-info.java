/**
 * Sluice core: a user-space TCP/IP stack.
 *
 * <p>Layering (each package depends only on those after it): {@code api} → {@code stack} →
 * {@code tcp}, {@code link} → {@code wire}. {@code wire} is exported for tools that read and build
 * packets. {@code api} is the application surface; {@code link} (devices: TUN, simulated networks
 * with impairments, pcapng capture, and the packet buffers and pools a device of one's own needs)
 * is public because applications choose and build their devices; the ring behind its queues and
 * pools ({@code link.internal}) is not exported. {@code tcp} and {@code stack} (the runtime) are
 * exported only to Sluice's own command-line module, to the torture module ({@code
 * dev.sluice.torture}), which drives hosts through the fault-injection hook ({@code
 * stack.FaultInjection}) and the documented probes, and to the gateway module ({@code
 * dev.sluice.gateway}), which runs a host that forwards what is not addressed to it ({@code
 * Host.forwardTcp} and its kin) with its own TCP settings per flow; so is {@code api.internal},
 * the api's sockets over a host such a tool runs itself ({@code HostSockets}). {@code observe} holds the JFR events;
 * it depends on the JDK only, sits beside {@code wire} at the bottom, and is not exported (JFR reads
 * the events without it; see docs/observability.md).
 */
module dev.sluice.core {
  requires java.management; // each stack's MBean (stack.HostMBean)
  requires jdk.jfr; // the connection events (dev.sluice.observe)
  exports dev.sluice.api;
  exports dev.sluice.wire;
  exports dev.sluice.link;
  exports dev.sluice.nio;
  exports dev.sluice.api.internal to dev.sluice.cli, dev.sluice.torture, dev.sluice.gateway;
  exports dev.sluice.tcp to dev.sluice.cli, dev.sluice.torture, dev.sluice.gateway;
  exports dev.sluice.stack to dev.sluice.cli, dev.sluice.torture, dev.sluice.gateway;
}
