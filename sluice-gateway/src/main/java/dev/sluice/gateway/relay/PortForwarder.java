package dev.sluice.gateway.relay;

import dev.sluice.stack.Connection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@code --forward tcp:[HOSTADDR:]HOSTPORT:GUESTPORT} (issue 15): a kernel listening socket in
 * this process's namespace whose clients are relayed into the guest. For each accepted client the
 * gateway's Sluice host opens a connection from its own address to the guest's address and
 * GUESTPORT, and once the guest completes the handshake a {@link TcpRelay} joins the two, with the
 * relay's half-close and reset rules. As slirp4netns's {@code add_hostfwd} does, the client's
 * connection is accepted by the kernel before the guest is asked; so a guest that refuses (its RST:
 * nothing listens on the port) or does not answer within the connect timeout gets the client a
 * reset ({@code SO_LINGER} 0), not a clean end-of-stream that would look like an empty reply.
 * Forwarded flows take slots of the gateway's {@code --max-flows}; a client beyond it is reset.
 *
 * <p>Threads: one virtual thread accepts (started by {@link #start}, joined by {@link #close}); each
 * client is connected into the guest on a virtual thread of its own. {@link #close} is called once,
 * by the gateway, which then resets the flows.
 */
final class PortForwarder implements AutoCloseable {
  /**
   * What one {@code --forward} asks for: listen on {@code hostAddress:hostPort} (port 0: any free
   * port), connect to the guest's {@code guestPort}.
   */
  record Rule(boolean udp, InetAddress hostAddress, int hostPort, int guestPort) {
    /** All of this host's IPv4 addresses, slirp4netns's default for a forward. */
    static final InetAddress ANY = InetAddress.ofLiteral("0.0.0.0");

    /**
     * Parses {@code PROTO:HOSTPORT:GUESTPORT} or {@code PROTO:HOSTADDR:HOSTPORT:GUESTPORT} (PROTO
     * tcp or udp, HOSTADDR an IPv4 literal); IllegalArgumentException says, in one line, what is
     * wrong.
     */
    static Rule parse(String spec) {
      String[] parts = spec.split(":", -1);
      if (!parts[0].equals("tcp") && !parts[0].equals("udp")) {
        throw new IllegalArgumentException("--forward " + spec + ": unknown protocol '" + parts[0]
            + "'; expected tcp or udp, as tcp:HOSTPORT:GUESTPORT or udp:HOSTADDR:HOSTPORT:GUESTPORT");
      }
      if (parts.length != 3 && parts.length != 4) {
        throw new IllegalArgumentException("--forward " + spec
            + ": expected " + parts[0] + ":HOSTPORT:GUESTPORT or " + parts[0] + ":HOSTADDR:HOSTPORT:GUESTPORT");
      }
      InetAddress address = ANY;
      if (parts.length == 4) {
        try {
          address = InetAddress.ofLiteral(parts[1]);
        } catch (IllegalArgumentException e) {
          address = null;
        }
        if (!(address instanceof java.net.Inet4Address)) {
          throw new IllegalArgumentException("--forward " + spec + ": HOSTADDR must be an IPv4 address: " + parts[1]);
        }
      }
      int hostPort = port(spec, "HOSTPORT", parts[parts.length - 2], 0);
      int guestPort = port(spec, "GUESTPORT", parts[parts.length - 1], 1);
      return new Rule(parts[0].equals("udp"), address, hostPort, guestPort);
    }

    private static int port(String spec, String name, String text, int lowest) {
      int port;
      try {
        port = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--forward " + spec + ": " + name + " is not a number: " + text);
      }
      if (port < lowest || port > 65_535) {
        throw new IllegalArgumentException("--forward " + spec + ": " + name + " must be in [" + lowest
            + ", 65535]: " + port);
      }
      return port;
    }

    @Override
    public String toString() {
      return (udp ? "udp:" : "tcp:") + hostAddress.getHostAddress() + ":" + hostPort + ":" + guestPort;
    }
  }

  private final Rule rule;
  private final GatewayHost gateway;
  private final InetSocketAddress guest;
  private final ServerSocket server;
  private Thread acceptor;
  final LongAdder relayed = new LongAdder();
  final LongAdder refusedByGuest = new LongAdder();
  final LongAdder timedOut = new LongAdder();
  final LongAdder overLimit = new LongAdder();

  private PortForwarder(Rule rule, GatewayHost gateway, InetSocketAddress guest, ServerSocket server) {
    this.rule = rule;
    this.gateway = gateway;
    this.guest = guest;
    this.server = server;
  }

  /**
   * Listens as {@code rule} says and starts accepting, relaying each client to the guest (the
   * first host address of the gateway's network, see {@link GatewayAddresses}) through {@code gateway}.
   * Throws {@link java.net.BindException} if the host port is taken.
   */
  static PortForwarder start(Rule rule, GatewayHost gateway, GatewayConfig config) throws IOException {
    GatewayAddresses addresses = GatewayAddresses.parse(config.hostAddress);
    InetSocketAddress guest = new InetSocketAddress(InetAddress.ofLiteral(addresses.guest()), rule.guestPort());
    // On a channel, so that its connections have channels: TcpRelay's channel mode.
    ServerSocket server = ServerSocketChannel.open().socket();
    try {
      server.setReuseAddress(true); // a restarted gateway need not wait out its old connections' TIME-WAIT
      server.bind(new InetSocketAddress(rule.hostAddress(), rule.hostPort()), 128);
    } catch (IOException e) {
      server.close();
      throw new java.net.BindException("--forward " + rule + ": cannot listen on "
          + rule.hostAddress().getHostAddress() + ":" + rule.hostPort() + ": " + e.getMessage());
    }
    PortForwarder forwarder = new PortForwarder(rule, gateway, guest, server);
    forwarder.acceptor = Thread.ofVirtual().name("sluice-gateway-forward-" + forwarder.port())
        .start(forwarder::acceptLoop);
    return forwarder;
  }

  /** The port it listens on (the one the kernel chose, for a rule with port 0). */
  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (true) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
        try { // out of descriptors (EMFILE), say: the listener stays, and clients wait in its backlog
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      if (gateway.closing()) {
        reset(client);
        continue;
      }
      if (!gateway.takeFlow()) {
        overLimit.increment();
        reset(client);
        continue;
      }
      Thread.ofVirtual().name("sluice-gateway-forward-connect").start(() -> connect(client));
    }
  }

  /** Connects into the guest for {@code client}, whose flow slot is taken, and relays. */
  private void connect(Socket client) {
    Connection connection;
    try {
      connection = gateway.connectToGuest(guest);
    } catch (IOException e) {
      if (e instanceof SocketTimeoutException) {
        timedOut.increment(); // the guest dropped our SYNs, or is gone
      } else if (e instanceof ConnectException) {
        refusedByGuest.increment(); // the guest's RST: nothing listens on the port
      }
      gateway.releaseFlow();
      reset(client);
      return;
    }
    try {
      client.setTcpNoDelay(true);
    } catch (IOException e) {
      // the client went away meanwhile: the relay's first read or write finds out
    }
    relayed.increment();
    gateway.relay(connection, client, TcpRelay.Origin.FORWARD);
  }

  /**
   * Stops accepting, and returns once the port is closed (at most 5 s): a socket closed while a
   * virtual thread accepts on it keeps its descriptor until that thread wakes up and lets go, so
   * until then clients would still be accepted by the kernel. Flows already relayed go on until the
   * gateway resets them.
   */
  @Override
  public void close() throws InterruptedException {
    try {
      server.close();
    } catch (IOException e) {
      // closed already
    }
    acceptor.join(java.time.Duration.ofSeconds(5));
  }

  /** This forward and its counters, for the stats. */
  String counters() {
    return "forward " + rule.hostAddress().getHostAddress() + ":" + port() + " -> "
        + guest.getAddress().getHostAddress() + ":" + guest.getPort() + ": relayed " + relayed.sum()
        + ", refused by the guest " + refusedByGuest.sum() + ", timed out " + timedOut.sum() + ", over the limit "
        + overLimit.sum();
  }

  /** Closes {@code client} with a RST ({@code SO_LINGER} 0), so it reads "Connection reset". */
  private static void reset(Socket client) {
    try {
      client.setSoLinger(true, 0);
    } catch (IOException e) {
      // closed already
    }
    try {
      client.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
