package dev.sluice.gateway;

import dev.sluice.gateway.relay.GatewaySettings;
import dev.sluice.gateway.relay.StartedGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A gateway that gives a Linux network namespace (the guest) its network through Sluice, as
 * slirp4netns and pasta do: what {@code sluice gateway} runs, for a program to embed. It creates a
 * TUN device in the namespace, gives the guest the first host address of its network and a default
 * route through the device, and runs a Sluice host on the device's other end. Every TCP flow the
 * guest opens, to any destination, ends in Sluice and is relayed over a socket of this process (or
 * through a SOCKS5 proxy), with half-close (FIN) and reset (RST) carried end to end; UDP flows and
 * pings are relayed too, and {@link Builder#forward} ports of this host reach ports of the guest.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder("guest").cidr("198.18.0.0/24").forward("tcp:8080:80").start()) {
 *   // the namespace "guest" now reaches what this host reaches; this host's port 8080 is its port 80
 *   Thread.sleep(60_000);
 *   System.out.println(gateway.counters());
 * }
 * }</pre>
 *
 * <p>Needs Linux, {@code /dev/net/tun}, the {@code ip} command and the privilege to create a
 * device in the namespace (CAP_NET_ADMIN there: root, usually), and native access for the {@code
 * dev.sluice.core} module. The guest never reaches this host itself (its loopback, the addresses of
 * its interfaces) unless {@link Builder#allowHostLoopback} maps its loopback in.
 *
 * <p>Threading: a started gateway runs on threads of its own (TUN readers, receive workers, two
 * copy threads per TCP flow, virtual threads for connects, forwards and sweeps); none of its
 * methods blocks except {@link #close}, and all of them may be called from any thread at any time,
 * before or after {@code close} (after it they report what the gateway had when it closed).
 */
public final class Gateway implements AutoCloseable {
  private final StartedGateway started;

  private Gateway(StartedGateway started) {
    this.started = started;
  }

  /**
   * A builder for a gateway into the network namespace {@code netns}: a name under {@code
   * /var/run/netns} (as {@code ip netns add} makes), or, with a {@code /} in it, the path of a
   * namespace file ({@code /proc/PID/ns/net}, say). The namespace is looked up by {@link
   * Builder#start}, not here.
   *
   * @param netns the namespace's name or path
   * @return a builder with {@code sluice gateway}'s defaults
   * @throws IllegalArgumentException if {@code netns} is blank
   * @throws NullPointerException if {@code netns} is null
   */
  public static Builder builder(String netns) {
    return new Builder(netns);
  }

  /**
   * Which threads copy each TCP flow's bytes between Sluice and the outside socket.
   */
  public enum RelayThreads {
    /** Platform threads (the default): the kernel wakes a blocked socket read directly, the lower latency. */
    PLATFORM,
    /** Virtual threads: nearly free to hold, for very many flows, at one wake-up more per read. */
    VIRTUAL
  }

  /**
   * The settings of a gateway, one setter per {@code sluice gateway} option, each taking the values
   * the command line takes, with the command's defaults. Each setter checks its value at once and
   * throws IllegalArgumentException with one line naming the setting as the command's option
   * (like {@code --mtu must be in [576, 65535]: 70000}); settings that must agree (the MTU and
   * IPv6, the flow buffer and the memory cap, the host loopback and the network's size) are checked
   * by whichever is set second. Null arguments throw NullPointerException, except where a setter says
   * null turns the setting off. The repeatable settings ({@link #allow}, {@link #deny}, {@link
   * #forward}) add one each call.
   *
   * <p>Not thread-safe: fill it in on one thread. {@link #start} may be called more than once (each
   * call starts a gateway of its own, so each needs a device name and forward ports of its own).
   */
  public static final class Builder {
    private final GatewaySettings settings;

    private Builder(String netns) {
      this.settings = new GatewaySettings(netns);
    }

    /**
     * The guest's IPv4 network, {@code a.b.c.d/n} with {@code n} at most 30 (default
     * 198.18.0.0/24): the guest takes the first host address, Sluice the next. Host bits are ignored.
     *
     * @param cidr the network
     * @return this builder
     * @throws IllegalArgumentException if it is not an IPv4 network of prefix 1 to 30, or too narrow
     *     for {@link #allowHostLoopback}
     */
    public Builder cidr(String cidr) {
      settings.cidr(cidr);
      return this;
    }

    /**
     * Also gives the guest IPv6, from this network (like {@code 2001:2:0:1::/64}, prefix at most
     * 126): the guest takes its first host address, Sluice the next. Null (the default): IPv4 only.
     *
     * @param cidr6 the network, or null
     * @return this builder
     * @throws IllegalArgumentException if it is not an IPv6 network of prefix 1 to 126, or the MTU is
     *     below 1280
     */
    public Builder cidr6(String cidr6) {
      settings.cidr6(cidr6);
      return this;
    }

    /**
     * The name of the TUN device created in the namespace (default {@code sluice0}).
     *
     * @param tun a device name of 1 to 15 characters, no {@code /}
     * @return this builder
     * @throws IllegalArgumentException if it is not a device name
     */
    public Builder tun(String tun) {
      settings.tun(tun);
      return this;
    }

    /**
     * The device's MTU (default 65520, as slirp4netns's).
     *
     * @param mtu 576 to 65535, at least 1280 with {@link #cidr6}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder mtu(int mtu) {
      settings.mtu(mtu);
      return this;
    }

    /**
     * The most TCP flows relayed at once, counting those still connecting (default 4096); a SYN
     * beyond it is refused.
     *
     * @param maxFlows 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxFlows(int maxFlows) {
      settings.maxFlows(maxFlows);
      return this;
    }

    /**
     * How long the outside has to accept a flow (default 127 s, Linux's own SYN timeout); then the
     * guest's SYN is answered with a RST.
     *
     * @param timeout 1 second to 30 days
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder connectTimeout(Duration timeout) {
      settings.connectTimeout(timeout);
      return this;
    }

    /**
     * How long a flow may move no byte either way before it is reset both ways (default 7440 s, RFC
     * 5382's least for a NAT).
     *
     * @param timeout 1 second to 30 days
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder idleTimeout(Duration timeout) {
      settings.idleTimeout(timeout);
      return this;
    }

    /**
     * The same once one direction has closed (default 240 s, RFC 5382's transitory timeout).
     *
     * @param timeout 1 second to 30 days
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder halfClosedTimeout(Duration timeout) {
      settings.halfClosedTimeout(timeout);
      return this;
    }

    /**
     * How long the guest may leave data unacknowledged, or keepalive probes unanswered once quiet,
     * before its flow is reset (default 60 s): how a guest that vanished without a RST is noticed.
     *
     * @param timeout 1 second to 30 days
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder guestTimeout(Duration timeout) {
      settings.guestTimeout(timeout);
      return this;
    }

    /**
     * Sluice's buffer for each direction of a flow (default 256 KiB): the window the guest may fill
     * before the outside reads. With the relay's own 2 x 64 KiB, a flow's most.
     *
     * @param bytes 4 KiB to 1 GiB
     * @return this builder
     * @throws IllegalArgumentException if it is out of range, or one flow would not fit {@link #maxMemoryBytes}
     */
    public Builder flowBufferBytes(long bytes) {
      settings.flowBufferBytes(bytes);
      return this;
    }

    /**
     * The most a flow's send buffer toward the guest grows to (default 4 MiB), as Linux's
     * send-buffer autotuning grows toward {@code tcp_wmem[2]}: it grows while the guest
     * acknowledges faster than one buffer per round trip, within a quarter of {@link
     * #maxMemoryBytes} for all flows, and shrinks back when the flow is idle or closes. At or below
     * {@link #flowBufferBytes}, it never grows.
     *
     * @param bytes 4 KiB to 1 GiB
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder flowBufferMaxBytes(long bytes) {
      settings.flowBufferMaxBytes(bytes);
      return this;
    }

    /**
     * The most all flows buffer together (default 1 GiB): fewer flows than {@link #maxFlows} are
     * admitted if their buffers would not fit.
     *
     * @param bytes at least one flow's most (see {@link #flowBufferBytes})
     * @return this builder
     * @throws IllegalArgumentException if one flow would not fit
     */
    public Builder maxMemoryBytes(long bytes) {
      settings.maxMemoryBytes(bytes);
      return this;
    }

    /**
     * Which threads copy each TCP flow's bytes (default {@link RelayThreads#PLATFORM}).
     *
     * @param threads the kind
     * @return this builder
     */
    public Builder relayThreads(RelayThreads threads) {
      settings.virtualRelayThreads(Objects.requireNonNull(threads, "relayThreads") == RelayThreads.VIRTUAL);
      return this;
    }

    /**
     * Whether each TUN queue's reader processes what it read itself (true, the default) instead of
     * handing it to the receive workers (false): one thread hand-off fewer per packet, which
     * measured ahead on throughput, latency and CPU per byte alike.
     *
     * @param inline whether to
     * @return this builder
     */
    public Builder receiveInline(boolean inline) {
      settings.receiveInline(inline);
      return this;
    }

    /**
     * How long each TUN queue's reader keeps looking for the guest's next packet after a burst
     * before it blocks (default 100 µs; {@link dev.sluice.link.TunDevice#busyPoll}): a request
     * that comes within it is read without a thread wake-up. A request/response round trip through
     * the gateway is about 70 µs, and its wake-up was most of what the gateway took beyond
     * slirp4netns's. The price is the reader's CPU for the window after each burst, none when idle.
     *
     * @param window zero (block at once) to one millisecond
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder busyPoll(Duration window) {
      settings.busyPoll(java.util.Objects.requireNonNull(window, "window"));
      return this;
    }

    /**
     * Sends every flow through this SOCKS5 proxy (RFC 1928) instead of this host's sockets: TCP as
     * CONNECT, UDP as UDP ASSOCIATE. {@code [USER:PASSWORD@]HOST:PORT}; HOST is a name (resolved
     * now), an IPv4 address or a bracketed IPv6 one. Null (the default): this host's sockets.
     *
     * @param proxy the proxy, or null
     * @return this builder
     * @throws IllegalArgumentException if it is not of that form or the name does not resolve (the
     *     message never shows the password)
     */
    public Builder socks5(String proxy) {
      settings.socks5(proxy);
      return this;
    }

    /**
     * Where the SOCKS5 proxy's troubles go, one line when it starts failing and one when it answers
     * again (default: the {@code dev.sluice.gateway} system logger, at WARNING). Called from the
     * gateway's threads, one line at a time per failure; it must not block for long.
     *
     * @param log the line sink
     * @return this builder
     */
    public Builder socks5Log(Consumer<String> log) {
      settings.socks5Log(log);
      return this;
    }

    /**
     * Lets the guest reach this host's loopback (127.0.0.1, same port) at the fourth address of the
     * cidr (default false). This host's other addresses stay out of reach.
     *
     * @param allow whether to
     * @return this builder
     * @throws IllegalArgumentException if the cidr is narrower than /29, so has no fourth address
     */
    public Builder allowHostLoopback(boolean allow) {
      settings.allowHostLoopback(allow);
      return this;
    }

    /**
     * Adds a network the guest may reach; once one is given, destinations inside none are refused.
     *
     * @param cidr an IPv4 or IPv6 network, or one address
     * @return this builder
     * @throws IllegalArgumentException if it is not a network (host bits set, a name, a zone)
     */
    public Builder allow(String cidr) {
      settings.allow(cidr);
      return this;
    }

    /**
     * Adds a network the guest may not reach, even inside an {@link #allow}. A refused flow gets a RST.
     *
     * @param cidr an IPv4 or IPv6 network, or one address
     * @return this builder
     * @throws IllegalArgumentException if it is not a network
     */
    public Builder deny(String cidr) {
      settings.deny(cidr);
      return this;
    }

    /**
     * Adds a port forward, {@code tcp|udp:[HOSTADDR:]HOSTPORT:GUESTPORT}: listens on this host's
     * HOSTPORT (on HOSTADDR, default 0.0.0.0; port 0 takes a free one, see {@link
     * Gateway#forwardAddresses}) and relays each client into the guest's GUESTPORT.
     *
     * @param rule the forward
     * @return this builder
     * @throws IllegalArgumentException if it is not of that form
     */
    public Builder forward(String rule) {
      settings.forward(rule);
      return this;
    }

    /**
     * How long a UDP flow lives without a datagram either way (default 60 s).
     *
     * @param timeout 1 second to 30 days
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder udpTimeout(Duration timeout) {
      settings.udpTimeout(timeout);
      return this;
    }

    /**
     * The most UDP flows at once (default 4096); a datagram that would open one more is dropped.
     *
     * @param maxUdpFlows 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maxUdpFlows(int maxUdpFlows) {
      settings.maxUdpFlows(maxUdpFlows);
      return this;
    }

    /**
     * Writes every packet to and from the guest (the TUN side) to this file as pcapng, replaced if
     * it exists; nothing is opened until {@link #start}, and the file is complete once the gateway
     * is closed. Null (the default): no capture.
     *
     * @param file the file, or null
     * @return this builder
     */
    public Builder capture(Path file) {
      settings.capture(file);
      return this;
    }

    /**
     * Starts a gateway with these settings: opens the capture, creates the TUN device in the
     * namespace and gives the guest its addresses and default routes (with {@code ip}), then starts
     * Sluice's host and the forwards. Blocks until all of that is done (well under a second,
     * usually). If anything fails, nothing is left open or running.
     *
     * @return the running gateway
     * @throws java.nio.file.NoSuchFileException if the namespace does not exist
     * @throws java.net.BindException if a forward's host port cannot be bound
     * @throws java.io.InterruptedIOException if the thread was interrupted meanwhile (its interrupt
     *     flag is set again)
     * @throws IOException if the device cannot be created or configured (no privilege, the name in
     *     use), the capture file cannot be written, or this host's addresses cannot be read
     */
    public Gateway start() throws IOException {
      return new Gateway(StartedGateway.start(settings));
    }
  }

  /**
   * The guest's IPv4 address: the first host address of the cidr.
   *
   * @return the address
   */
  public InetAddress guestAddress() {
    return started.guestAddress();
  }

  /**
   * Sluice's IPv4 address on the guest's link, the guest's default gateway: the cidr's second host
   * address.
   *
   * @return the address
   */
  public InetAddress address() {
    return started.address();
  }

  /**
   * The guest's IPv6 address, with {@link Builder#cidr6}.
   *
   * @return the address, or empty for an IPv4-only guest
   */
  public Optional<InetAddress> guestAddress6() {
    return Optional.ofNullable(started.guestAddress6());
  }

  /**
   * Sluice's IPv6 address on the guest's link, with {@link Builder#cidr6}.
   *
   * @return the address, or empty for an IPv4-only guest
   */
  public Optional<InetAddress> address6() {
    return Optional.ofNullable(started.address6());
  }

  /**
   * Where each {@link Builder#forward} listens, in the order they were added, with the port the
   * kernel chose for a HOSTPORT of 0.
   *
   * @return the bound addresses (an immutable list)
   */
  public List<InetSocketAddress> forwardAddresses() {
    return started.forwardAddresses();
  }

  /**
   * The most TCP flows at once: {@link Builder#maxFlows}, or fewer if that many flows' buffers
   * would not fit {@link Builder#maxMemoryBytes}.
   *
   * @return the limit
   */
  public int flowLimit() {
    return started.flowLimit();
  }

  /**
   * The most one TCP flow buffers: Sluice's two buffers and the relay's two.
   *
   * @return bytes
   */
  public long flowMemoryBytes() {
    return started.flowMemoryBytes();
  }

  /**
   * The counters now. Cheap (a few dozen reads); no lock is taken.
   *
   * @return a snapshot
   */
  public GatewayCounters counters() {
    return started.counters();
  }

  /**
   * The TCP flows being relayed now as text, in the style of {@code ss -tn}: a header line, then
   * one line per flow with who opened it ({@code guest} or {@code forward}), the Sluice
   * connection's state, the outside socket's, bytes each way, age, and who connected to whom. What
   * {@code sluice gateway --stats} prints.
   *
   * @return the table, each line ending in a line separator
   */
  public String flowTable() {
    return started.flowTable();
  }

  /**
   * Each forward's counters, one line each: TCP forwards first, then UDP ones, each in the order
   * they were added.
   *
   * @return the lines (an immutable list)
   */
  public List<String> forwardCounters() {
    return List.copyOf(started.forwardCounters());
  }

  /**
   * What {@code sluice gateway} prints when it starts, one line each: the guest's and Sluice's
   * addresses and the flow limit, who may go where and through what, then each forward.
   *
   * @return the lines (an immutable list)
   */
  public List<String> describe() {
    return List.copyOf(started.describe());
  }

  /**
   * Packets written to the {@link Builder#capture} file so far; after {@link #close}, all of them.
   *
   * @return the count, 0 without a capture
   */
  public long capturedPackets() {
    return started.capturedPackets();
  }

  /**
   * Stops the gateway: closes the forwards' listening sockets, resets every live flow both ways (a
   * RST, not a FIN: a relay may hold bytes one side has not been given), stops Sluice's host,
   * removes the TUN device (which takes the guest's addresses and routes with it), then flushes and
   * closes the capture. Blocks until done, a few seconds at most. Idempotent, and callable from any
   * thread: a call made while another is closing waits for it to finish, and later calls return at
   * once. An interrupt does not cut it short; the interrupt flag
   * is set again when it returns.
   *
   * @throws IOException if the capture could not be written out; everything else is closed anyway
   */
  @Override
  public void close() throws IOException {
    started.close();
  }
}
