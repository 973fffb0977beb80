/**
 * Sluice core: a user-space TCP/IP stack.
 *
 * <p>Layering (each package depends only on those after it): {@code api} → {@code stack} →
 * {@code tcp}, {@code link} → {@code wire}. {@code wire} is exported for tools that read and build
 * packets. {@code link} (simulated networks, capture), {@code tcp} and {@code stack} (the runtime)
 * are exported only to Sluice's own command-line module until the public API wraps them.
 */
module dev.sluice.core {
  exports dev.sluice.wire;
  exports dev.sluice.link to dev.sluice.cli;
  exports dev.sluice.tcp to dev.sluice.cli;
  exports dev.sluice.stack to dev.sluice.cli;
}
