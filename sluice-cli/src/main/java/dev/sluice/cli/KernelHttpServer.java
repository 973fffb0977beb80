package dev.sluice.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The same HTTP service as {@code sluice serve}, on the kernel's own sockets: the baseline that
 * {@code scripts/bench-serve.sh} measures Sluice against. One virtual thread per connection, as
 * in Sluice's server.
 *
 * <p>Usage: {@code java -cp ... dev.sluice.cli.KernelHttpServer ADDRESS PORT}
 */
public final class KernelHttpServer {
  private KernelHttpServer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: KernelHttpServer ADDRESS PORT");
      System.exit(2);
    }
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1])), 1024);
      System.out.println("kernel http on " + server.getLocalSocketAddress());
      while (true) {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> {
          try (s) {
            HttpService.serveStreams(s.getInputStream(), s.getOutputStream(), s::shutdownOutput);
          } catch (IOException e) {
            // the client went away
          }
        });
      }
    }
  }
}
