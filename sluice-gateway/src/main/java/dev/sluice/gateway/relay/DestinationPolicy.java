package dev.sluice.gateway.relay;

import java.net.InetSocketAddress;

/**
 * Which destinations the guest may reach through the gateway, and where each one really goes.
 * Asked once per TCP flow (before the outside connect) and once per new UDP flow, on the thread
 * that handles the guest's packet, so an implementation answers at once without blocking, and is
 * thread-safe.
 */
interface DestinationPolicy {
  /** Everything is allowed, and goes where the guest asked. */
  DestinationPolicy ALLOW_ALL = destination -> destination;

  /**
   * Where the gateway connects for a guest that asked for {@code destination}: usually {@code
   * destination} itself, another address for a mapped one (the host's loopback, say), or null if
   * the guest may not go there (a TCP flow gets a RST).
   */
  InetSocketAddress route(InetSocketAddress destination);
}
