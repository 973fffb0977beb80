package dev.sluice.cli.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Gateway} is told by its command line: its address on the guest's network, its
 * limits and timeouts, and how it reaches the outside. Immutable; built with {@link #builder}.
 */
final class GatewayConfig {
  final String hostAddress;
  final int maxFlows;
  final Duration connectTimeout;
  final OutsideConnector outside;
  final DestinationPolicy policy;
  final Duration udpIdleTimeout;
  final int maxUdpFlows;

  private GatewayConfig(Builder b) {
    this.hostAddress = Objects.requireNonNull(b.hostAddress, "hostAddress");
    this.maxFlows = b.maxFlows;
    this.connectTimeout = b.connectTimeout;
    this.outside = b.outside;
    this.policy = b.policy;
    this.udpIdleTimeout = b.udpIdleTimeout;
    this.maxUdpFlows = b.maxUdpFlows;
  }

  /** A gateway whose Sluice host has {@code hostAddress} (address/prefix) on the guest's device. */
  static Builder builder(String hostAddress) {
    return new Builder(hostAddress);
  }

  /** Builds a {@link GatewayConfig}; the defaults are the command's. */
  static final class Builder {
    private final String hostAddress;
    private int maxFlows = 4096;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private OutsideConnector outside = new DirectConnector();
    private DestinationPolicy policy = DestinationPolicy.ALLOW_ALL;
    private Duration udpIdleTimeout = Duration.ofSeconds(60);
    private int maxUdpFlows = 4096;

    private Builder(String hostAddress) {
      this.hostAddress = hostAddress;
    }

    /** Most TCP flows at once, counting SYNs still being decided; a SYN beyond it is refused. */
    Builder maxFlows(int maxFlows) {
      this.maxFlows = maxFlows;
      return this;
    }

    /** How long the outside has to accept a flow. */
    Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** How flows reach the outside: this host's sockets (the default) or a proxy. */
    Builder outside(OutsideConnector outside) {
      this.outside = outside;
      return this;
    }

    /** Which destinations the guest may reach. */
    Builder policy(DestinationPolicy policy) {
      this.policy = policy;
      return this;
    }

    /** How long a UDP flow lives without a datagram either way. */
    Builder udpIdleTimeout(Duration udpIdleTimeout) {
      this.udpIdleTimeout = udpIdleTimeout;
      return this;
    }

    /** Most UDP flows at once; a datagram that would open one more is dropped. */
    Builder maxUdpFlows(int maxUdpFlows) {
      this.maxUdpFlows = maxUdpFlows;
      return this;
    }

    GatewayConfig build() {
      return new GatewayConfig(this);
    }
  }
}
