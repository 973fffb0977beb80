package dev.sluice.gateway.relay;

import dev.sluice.gateway.GatewayCounters;
import dev.sluice.link.PcapngWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * A running gateway: the capture (if any), the guest's TUN device and the {@link GatewayHost} with
 * its forwards, started from {@link GatewaySettings} and stopped together. Public only for {@code
 * dev.sluice.gateway.Gateway}, which wraps it (this package is not exported).
 *
 * <p>Thread-safe: the getters may be called from any thread while it runs; {@link #close} is
 * idempotent and may race with them (they then answer from what the gateway had at its close).
 */
public final class StartedGateway implements AutoCloseable {
  // What the getters report, copied at start: the settings may be changed and started again after.
  private final GatewayAddresses cidr;
  private final GatewayAddresses cidr6;
  private final String netns;
  private final String tun;
  private final String policy;
  private final PcapngWriter capture;
  private final GuestNetwork network;
  private final GatewayHost host;
  private boolean closed; // guarded by this

  private StartedGateway(GatewaySettings settings, String policy, PcapngWriter capture, GuestNetwork network,
      GatewayHost host) {
    this.cidr = settings.cidr;
    this.cidr6 = settings.cidr6;
    this.netns = settings.netnsName;
    this.tun = settings.tun;
    this.policy = policy;
    this.capture = capture;
    this.network = network;
    this.host = host;
  }

  /**
   * Opens the capture file, creates the TUN device in the namespace and gives the guest its
   * addresses and routes, then starts the gateway host and its forwards. Blocks until they run
   * (ip(8) is run a few times). Whatever fails, nothing is left open or running: a namespace that is
   * not there is a NoSuchFileException, a forward whose port is taken a BindException, an
   * interrupt an InterruptedIOException (with the thread's interrupt flag set again), anything
   * else (no privilege, a device name in use, ip(8) refusing) an IOException saying what failed.
   */
  public static StartedGateway start(GatewaySettings settings) throws IOException {
    if (!Files.exists(settings.netns)) {
      throw new NoSuchFileException(settings.netns.toString(), null, "no such network namespace (create it first, "
          + "e.g. ip netns add " + settings.netns.getFileName() + ")");
    }
    DestinationRules rules = DestinationRules.fromCommandLine(settings.cidr, settings.allowHostLoopback,
        settings.allow, settings.deny);
    OutsideConnector outside = settings.socks5 == null ? new DirectConnector()
        : new Socks5Connector(settings.socks5, settings.connectTimeout, settings.socks5Log);
    GatewayConfig.Builder config = GatewayConfig.builder(settings.cidr.hostWithPrefix())
        .hostAddress6(settings.cidr6 == null ? null : settings.cidr6.hostWithPrefix())
        .maxFlows(settings.maxFlows)
        .connectTimeout(settings.connectTimeout)
        .idleTimeout(settings.idleTimeout)
        .halfClosedTimeout(settings.halfClosedTimeout)
        .guestTimeout(settings.guestTimeout)
        .flowBufferBytes((int) settings.flowBufferBytes)
        .flowBufferMaxBytes((int) settings.flowBufferMaxBytes)
        .relayThreads(settings.virtualRelayThreads ? TcpRelay.Threads.VIRTUAL : TcpRelay.Threads.PLATFORM)
        .receiveInline(settings.receiveInline)
        .maxMemoryBytes(settings.maxMemoryBytes)
        .policy(rules)
        .outside(outside)
        .forwards(settings.forwards)
        .udpIdleTimeout(settings.udpTimeout)
        .maxUdpFlows(settings.maxUdpFlows);
    String policy = rules.describe() + "; TCP and UDP relayed through " + outside.describe();
    PcapngWriter capture = null;
    GuestNetwork network = null;
    try {
      if (settings.capture != null) { // stamped as written: see PcapngWriter
        capture = PcapngWriter.realTime(settings.capture, PcapngWriter.SNAPLEN_ALL);
      }
      network = GuestNetwork.open(settings.netns.toString(), settings.tun, settings.mtu, settings.cidr,
          settings.cidr6);
      network.device().busyPoll(settings.busyPoll);
      GatewayHost host = new GatewayHost(network.device(), config.capture(capture).build());
      return new StartedGateway(settings, policy, capture, network, host);
    } catch (InterruptedException e) {
      closeQuietly(network, capture, e);
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted while the gateway started");
      interrupted.initCause(e);
      throw interrupted;
    } catch (IOException | RuntimeException | Error e) { // GatewayHost closed itself already
      closeQuietly(network, capture, e);
      throw e;
    }
  }

  private static void closeQuietly(GuestNetwork network, PcapngWriter capture, Throwable failure) {
    if (network != null) {
      network.close();
    }
    if (capture != null) {
      try {
        capture.close();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** The guest's IPv4 address (the first host address of the cidr). */
  public InetAddress guestAddress() {
    return InetAddress.ofLiteral(cidr.guest());
  }

  /** Sluice's IPv4 address on the guest's link (the next). */
  public InetAddress address() {
    return InetAddress.ofLiteral(cidr.host());
  }

  /** The guest's IPv6 address, or null without a cidr6. */
  public InetAddress guestAddress6() {
    return cidr6 == null ? null : InetAddress.ofLiteral(cidr6.guest());
  }

  /** Sluice's IPv6 address, or null without a cidr6. */
  public InetAddress address6() {
    return cidr6 == null ? null : InetAddress.ofLiteral(cidr6.host());
  }

  /** Each forward's bound address, in the order given. */
  public List<InetSocketAddress> forwardAddresses() {
    return host.forwardAddresses();
  }

  /** The most TCP flows at once. */
  public int flowLimit() {
    return host.flowLimit();
  }

  /** The most one flow buffers. */
  public long flowMemoryBytes() {
    return host.flowMemoryBytes();
  }

  /** The counters now. */
  public GatewayCounters counters() {
    return host.snapshot();
  }

  /** The flow table's text, as {@code --stats} prints it. */
  public String flowTable() {
    return FlowTable.format(host.flowTable());
  }

  /** Each forward's counters line. */
  public List<String> forwardCounters() {
    return host.forwardCounters();
  }

  private String growth() {
    int max = host.guestTcp().sendBufferMaxBytes();
    return max <= host.guestTcp().sendBufferBytes() ? "" : ", a send buffer growing to " + size(max)
        + " while the " + size(host.memory().growthCapBytes()) + " of --max-memory kept for growth allow";
  }

  private static String size(long bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes / 1024 + " KiB";
  }

  /** What the command prints at start, one line each: the networks, the rules, each forward. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    GatewayAddresses v4 = cidr;
    GatewayAddresses v6 = cidr6;
    lines.add("guest " + v4.guestWithPrefix() + (v6 == null ? "" : " and " + v6.guestWithPrefix()) + " in "
        + netns + " on " + tun + ", Sluice " + v4.host() + (v6 == null ? "" : " and "
        + v6.host()) + "; at most " + flowLimit() + " flows of at most " + flowMemoryBytes() / 1024
        + " KiB buffered each" + growth());
    lines.add(policy);
    lines.addAll(forwardCounters());
    return lines;
  }

  /** Packets written to the capture so far (all of them once closed); 0 without one. */
  public long capturedPackets() {
    return capture == null ? 0 : capture.packets();
  }

  /**
   * Stops the forwards, resets every flow both ways, stops the host, closes the device (which
   * takes the guest's addresses and routes with it), then flushes and closes the capture. Blocks
   * until done (a few seconds at most); the second and later calls return at once. An interrupt
   * does not cut it short: the device is still closed, and the interrupt flag is set again after.
   * IOException: the capture could not be flushed, everything else is closed.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    // A pending interrupt would cut the waits for the forwards' threads short and leave flows
    // unreset: it is held back until everything is closed.
    boolean interrupted = Thread.interrupted();
    try {
      host.close();
    } catch (InterruptedException e) { // interrupted again meanwhile: the device is still closed below
      interrupted = true;
    }
    network.close();
    try {
      if (capture != null) { // after the device: no tap writes any more
        capture.close();
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
