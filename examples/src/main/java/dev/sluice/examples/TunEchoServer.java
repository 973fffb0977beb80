package dev.sluice.examples;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.TunDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Example: a Sluice stack embedded in a program on a Linux TUN device, serving TCP echo on port 7
 * to the kernel and to whatever the kernel routes to it. The kernel sees the device as a network
 * interface; the packets written to it come up to this process, whose stack answers them.
 *
 * <p>Creating a TUN device needs root (CAP_NET_ADMIN), {@code /dev/net/tun}, and native access
 * for Sluice's module ({@code --enable-native-access=dev.sluice.core}). Try it:
 *
 * <pre>{@code
 * java --enable-native-access=dev.sluice.core -p ... -m dev.sluice.examples/dev.sluice.examples.TunEchoServer sluice0 198.18.171.2/24
 * ip addr add 198.18.171.1/24 dev sluice0 && ip link set sluice0 up   # the kernel's side
 * echo hello | nc -q 1 198.18.171.2 7
 * }</pre>
 *
 * <p>(To relay a namespace's flows to the outside instead of serving them, embed the gateway:
 * {@link EmbeddedGateway}.)
 *
 * <p>Threads: the device has a reader thread per queue, the stack its receive workers; each
 * accepted connection is echoed on a virtual thread. {@link #close()} may be called from any thread.
 */
public final class TunEchoServer implements AutoCloseable {
  /** The port the echo service listens on (RFC 862). */
  public static final int PORT = 7;

  private final TunDevice tun;
  private final NetStack stack;
  private final TcpServer listener;
  private final AtomicInteger served = new AtomicInteger();

  private TunEchoServer(TunDevice tun, NetStack stack, TcpServer listener) {
    this.tun = tun;
    this.stack = stack;
    this.listener = listener;
    Thread.ofVirtual().start(this::acceptLoop); // ends when the listener closes
  }

  /** Runs the example until Enter is pressed: {@code TunEchoServer DEVICE ADDRESS/PREFIX}. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: TunEchoServer DEVICE ADDRESS/PREFIX, e.g. sluice0 198.18.171.2/24");
      System.exit(2);
    }
    try (TunEchoServer server = start(null, args[0], args[1])) {
      System.out.println("echo on " + args[1] + " port " + PORT + " via " + args[0] + "; press Enter to stop");
      System.in.read();
    }
  }

  /**
   * Creates the TUN device {@code device} (in the network namespace file {@code netns}, or in this
   * process's namespace if null), puts a stack with {@code addressWithPrefix} on it and starts
   * echoing. The kernel's side of the device is left to the caller to configure.
   */
  public static TunEchoServer start(Path netns, String device, String addressWithPrefix) throws IOException {
    TunDevice tun = TunDevice.open(netns, device, 1, 1500); // one queue, MTU 1500
    NetStack stack = null;
    try {
      stack = NetStack.builder().addInterface(tun, addressWithPrefix).build();
      return new TunEchoServer(tun, stack, stack.listen(PORT));
    } catch (IOException | RuntimeException e) { // a bad address, say: undo what was made
      if (stack != null) {
        stack.close();
      }
      tun.close();
      throw e;
    }
  }

  /** How many connections this server has accepted so far. */
  public int served() {
    return served.get();
  }

  /** Stops listening, resets open connections, stops the stack, then removes the device. */
  @Override
  public void close() {
    listener.close();
    stack.close(); // a stack does not close its devices: their owner does, after it
    tun.close();
  }

  private void acceptLoop() {
    try {
      while (true) {
        TcpConnection c = listener.accept(); // blocks; throws once the listener is closed
        served.incrementAndGet();
        Thread.ofVirtual().start(() -> echo(c));
      }
    } catch (IOException closed) {
      // the listener was closed: the server is stopping
    }
  }

  private static void echo(TcpConnection c) {
    try (c) {
      c.getInputStream().transferTo(c.getOutputStream()); // until the peer's FIN
    } catch (IOException e) {
      // reset by the peer, or the stack closed: nothing left to echo to
    }
  }
}
