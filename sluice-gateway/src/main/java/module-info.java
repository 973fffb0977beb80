/**
 * Sluice gateway: gives a Linux network namespace its network through Sluice, as slirp4netns and
 * pasta do ({@code sluice gateway} is this library with a command line). The one exported package,
 * {@code dev.sluice.gateway}, is the API: {@link dev.sluice.gateway.Gateway} and its builder, and
 * {@link dev.sluice.gateway.GatewayCounters}. The machinery ({@code dev.sluice.gateway.relay}: the
 * relay, UDP flows, pings, forwards, SOCKS5, the destination rules) is not exported; it uses
 * sluice-core's runtime ({@code dev.sluice.stack}, {@code dev.sluice.tcp}, {@code
 * dev.sluice.api.internal}), which sluice-core exports to this module only among libraries.
 */
module dev.sluice.gateway {
  requires dev.sluice.core;

  exports dev.sluice.gateway;
}
