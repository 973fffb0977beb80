package dev.sluice.gateway.relay;

import dev.sluice.link.PcapngWriter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link GatewayHost} is told by its command line: its address on the guest's network, its
 * limits and timeouts, and how it reaches the outside. Immutable; built with {@link #builder}.
 */
final class GatewayConfig {
  final String hostAddress;
  /** Sluice's IPv6 address/prefix on the guest's device beside {@link #hostAddress}, or null (IPv4 only). */
  final String hostAddress6;
  final int maxFlows;
  final Duration connectTimeout;
  final Duration idleTimeout;
  final Duration halfClosedTimeout;
  final Duration guestTimeout;
  final int flowBufferBytes;
  final int flowBufferMaxBytes;
  final TcpRelay.Threads relayThreads;
  /** Whether the TUN readers process packets themselves ({@code Steering.INLINE}) instead of the workers. */
  final boolean receiveInline;
  final long maxMemoryBytes;
  final OutsideConnector outside;
  final DestinationPolicy policy;
  final List<PortForwarder.Rule> forwards;
  final PcapngWriter capture;
  final Duration udpIdleTimeout;
  final int maxUdpFlows;

  private GatewayConfig(Builder b) {
    this.hostAddress = Objects.requireNonNull(b.hostAddress, "hostAddress");
    this.hostAddress6 = b.hostAddress6;
    this.maxFlows = b.maxFlows;
    this.connectTimeout = b.connectTimeout;
    this.idleTimeout = b.idleTimeout;
    this.halfClosedTimeout = b.halfClosedTimeout;
    this.guestTimeout = b.guestTimeout;
    this.flowBufferBytes = b.flowBufferBytes;
    this.flowBufferMaxBytes = b.flowBufferMaxBytes;
    this.relayThreads = b.relayThreads;
    this.receiveInline = b.receiveInline;
    this.maxMemoryBytes = b.maxMemoryBytes;
    this.outside = b.outside;
    this.policy = b.policy;
    this.forwards = List.copyOf(b.forwards);
    this.capture = b.capture;
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
    private String hostAddress6;
    private int maxFlows = 4096;
    // Linux's own SYN timeout (tcp_syn_retries 6: 1+2+4+...+64 s), which slirp4netns inherits from
    // the host's connect: the guest has given up by then, so the RST that follows changes nothing
    // for it, and a guest with longer retries learns the outcome instead of waiting on.
    private Duration connectTimeout = Duration.ofSeconds(127);
    // RFC 5382 REQ-5: a NAT's established-flow idle timeout MUST NOT be less than 2 h 4 min.
    private Duration idleTimeout = Duration.ofSeconds(7440);
    // RFC 5382 REQ-5's "transitory" timeout (at least 4 minutes), for flows with one direction closed.
    private Duration halfClosedTimeout = Duration.ofMinutes(4);
    private Duration guestTimeout = Duration.ofSeconds(60);
    private int flowBufferBytes = 256 * 1024;
    private int flowBufferMaxBytes = 4 * 1024 * 1024;
    private TcpRelay.Threads relayThreads = TcpRelay.Threads.PLATFORM;
    // Workers here, where the GatewayTestbed tests build from, so that they keep the workers' path
    // covered; the command and the API default to inline (GatewaySettings), which GatewayInlineReceiveTest
    // and the API's tests cover.
    private boolean receiveInline;
    private long maxMemoryBytes = 1L << 30;
    private OutsideConnector outside = new DirectConnector();
    private DestinationPolicy policy = DestinationPolicy.ALLOW_ALL;
    private List<PortForwarder.Rule> forwards = List.of();
    private PcapngWriter capture;
    private Duration udpIdleTimeout = Duration.ofSeconds(60);
    private int maxUdpFlows = 4096;

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

    /** How long the outside has to accept a flow; then the guest's SYN is answered with a RST. */
    Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** A flow that moves no byte either way for this long, both directions open, is reset both ways. */
    Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** A flow with one direction closed that moves no byte for this long is reset both ways. */
    Builder halfClosedTimeout(Duration halfClosedTimeout) {
      this.halfClosedTimeout = halfClosedTimeout;
      return this;
    }

    /**
     * How long a guest may leave our data unacknowledged (TCP user timeout, RFC 5482), or leave
     * keepalive probes unanswered after it went quiet, before its flow is reset: how a guest that
     * vanished without a RST (killed with its namespace, its link down) is noticed.
     */
    Builder guestTimeout(Duration guestTimeout) {
      this.guestTimeout = guestTimeout;
      return this;
    }

    /**
     * Sluice's buffer for each direction of a flow (its receive window toward the guest, and what it
     * holds for the guest to acknowledge); with the relay's own buffers, a flow's most.
     */
    Builder flowBufferBytes(int flowBufferBytes) {
      this.flowBufferBytes = flowBufferBytes;
      return this;
    }

    /**
     * The most a flow's send buffer toward the guest grows to while its window calls for it, within
     * a quarter of {@link #maxMemoryBytes} for all flows ({@link FlowMemory}); at or below {@link
     * #flowBufferBytes}, it never grows.
     */
    Builder flowBufferMaxBytes(int flowBufferMaxBytes) {
      this.flowBufferMaxBytes = flowBufferMaxBytes;
      return this;
    }

    /** Which threads run each flow's two copy loops. */
    Builder relayThreads(TcpRelay.Threads relayThreads) {
      this.relayThreads = relayThreads;
      return this;
    }

    /** Whether each TUN queue's reader processes its packets itself (see {@code Steering.INLINE}). */
    Builder receiveInline(boolean on) {
      this.receiveInline = on;
      return this;
    }

    /** The most all flows may buffer together; a flow is admitted only if its most still fits. */
    Builder maxMemoryBytes(long maxMemoryBytes) {
      this.maxMemoryBytes = maxMemoryBytes;
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
