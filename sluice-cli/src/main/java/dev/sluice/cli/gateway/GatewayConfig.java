package dev.sluice.cli.gateway;

import dev.sluice.link.PcapngWriter;
import java.time.Duration;
import java.util.List;
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
  final List<PortForwarder.Rule> forwards;
  final PcapngWriter capture;

  private GatewayConfig(Builder b) {
    this.hostAddress = Objects.requireNonNull(b.hostAddress, "hostAddress");
    this.maxFlows = b.maxFlows;
    this.connectTimeout = b.connectTimeout;
    this.outside = b.outside;
    this.policy = b.policy;
    this.forwards = List.copyOf(b.forwards);
    this.capture = b.capture;
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
    private List<PortForwarder.Rule> forwards = List.of();
    private PcapngWriter capture;

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

    /** Host ports that outside clients reach the guest through ({@code --forward}). */
    Builder forwards(List<PortForwarder.Rule> forwards) {
      this.forwards = forwards;
      return this;
    }

    /**
     * Where the TUN side's packets are written ({@code --capture}); the caller keeps it, and closes
     * it once the device is closed.
     */
    Builder capture(PcapngWriter capture) {
      this.capture = capture;
      return this;
    }

    GatewayConfig build() {
      return new GatewayConfig(this);
    }
  }
}
