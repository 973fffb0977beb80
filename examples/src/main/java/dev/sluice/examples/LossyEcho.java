package dev.sluice.examples;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Example: an echo server and its client, each on a Sluice stack of its own, joined by a
 * simulated network that loses 5% of the packets each way. TCP's retransmissions repair the
 * losses, so the client gets back every byte it sent. Everything runs in this process: no root,
 * no network device.
 *
 * <p>Threads: the stacks run their own receive workers; the server echoes each connection on a
 * virtual thread; the client writes on a virtual thread while the calling thread reads, so
 * neither side waits for the other to drain its buffers.
 */
public final class LossyEcho {
  /** What a run saw: how many bytes came back, whether they were the ones sent, and how many
   *  segments the client's TCP had to send again. */
  public record Result(int bytesEchoed, boolean intact, long retransmits) {}

  private static final int PORT = 7;

  private LossyEcho() {}

  /** Runs the example with 200,000 bytes and prints what happened. */
  public static void main(String[] args) throws Exception {
    run(System.out, 200_000);
  }

  /** Sends {@code bytes} random bytes through the echo server and reads them back. */
  public static Result run(PrintStream out, int bytes) throws Exception {
    // The network's random choices (which packets vanish) all come from this seed.
    SimulatedNetwork network = new SimulatedNetwork(17);
    Impairments lossy = Impairments.NONE.withLoss(0.05).withDelay(1_000_000); // 5% loss, 1 ms
    SimulatedLink link = network.connect("client0", "server0", SimulatedLink.Config.defaults().withImpairments(lossy));
    try (AutoCloseable clock = network.runInRealTime(); // delivers delayed packets when due
        NetStack server = NetStack.builder().addInterface(link.b(), "198.18.170.2/24").workers(1).build();
        NetStack client = NetStack.builder().addInterface(link.a(), "198.18.170.1/24").workers(1).build();
        TcpServer listener = server.listen(PORT)) {
      Thread.ofVirtual().start(() -> acceptLoop(listener)); // ends when the listener closes

      byte[] sent = new byte[bytes];
      new SplittableRandom(1).nextBytes(sent);
      byte[] received = new byte[bytes];
      int got = 0;
      try (TcpConnection c = client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.170.2"), PORT))) {
        c.setSoTimeout(Duration.ofSeconds(30)); // a read waits at most this long, then throws
        Thread writer = Thread.ofVirtual().start(() -> {
          try {
            c.getOutputStream().write(sent);
            c.shutdownOutput(); // our FIN: the server's read returns -1 after the last byte
          } catch (IOException e) {
            out.println("write failed: " + e.getMessage());
          }
        });
        // read returns -1 once the server has echoed everything and closed its side.
        for (int n; got < bytes && (n = c.read(received, got, bytes - got)) > 0; ) {
          got += n;
        }
        writer.join(Duration.ofSeconds(30));
        long retransmits = c.stats().retransmits();
        boolean intact = got == bytes && Arrays.equals(sent, received);
        out.printf("echoed %,d of %,d bytes over a link that loses 5%% of packets: %s, %d segments retransmitted%n",
            got, bytes, intact ? "intact" : "CORRUPTED", retransmits);
        return new Result(got, intact, retransmits);
      }
    }
  }

  /** Takes connections until the listener is closed; each is echoed on a virtual thread. */
  private static void acceptLoop(TcpServer listener) {
    try {
      while (true) {
        TcpConnection c = listener.accept(); // blocks; throws once the listener is closed
        Thread.ofVirtual().start(() -> echo(c));
      }
    } catch (IOException closed) {
      // the listener was closed: the example is over
    }
  }

  /** Writes back what {@code c} reads until the peer's FIN, then closes: a half-close done right. */
  private static void echo(TcpConnection c) {
    try (c) {
      c.getInputStream().transferTo(c.getOutputStream());
    } catch (IOException e) {
      // the stack was closed under us: nothing left to echo to
    }
  }
}
