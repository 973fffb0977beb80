package dev.sluice.cli.gateway;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Gateway} is told by its command line: its address on the guest's network, its
 * limits and timeouts, and how it reaches the outside. Immutable; built with {@link #builder}.
 */
final class GatewayConfig {
  final String hostAddress;
  /** Sluice's IPv6 address/prefix on the guest's device beside {@link #hostAddress}, or null (IPv4 only). */
  final String hostAddress6;
  final int maxFlows;
  final Duration connectTimeout;
  final OutsideConnector outside;
  final DestinationPolicy policy;

  private GatewayConfig(Builder b) {
    this.hostAddress = Objects.requireNonNull(b.hostAddress, "hostAddress");
    this.hostAddress6 = b.hostAddress6;
    this.maxFlows = b.maxFlows;
    this.connectTimeout = b.connectTimeout;
    this.outside = b.outside;
    this.policy = b.policy;
  }

  /** A gateway whose Sluice host has {@code hostAddress} (address/prefix) on the guest's device. */
  static Builder builder(String hostAddress) {
    return new Builder(hostAddress);
  }

  /** Builds a {@link GatewayConfig}; the defaults are the command's. */
  static final class Builder {
    private final String hostAddress;
    private String hostAddress6;
    private int maxFlows = 4096;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private OutsideConnector outside = new DirectConnector();
    private DestinationPolicy policy = DestinationPolicy.ALLOW_ALL;

    private Builder(String hostAddress) {
      this.hostAddress = hostAddress;
    }

    /** Sluice's IPv6 address/prefix on the guest's device too (--cidr6): the guest is dual-stack. */
    Builder hostAddress6(String hostAddress6) {
      this.hostAddress6 = hostAddress6;
      return this;
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

    GatewayConfig build() {
      return new GatewayConfig(this);
    }
  }
}
