package dev.sluice.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The same HTTP service as {@code sluice serve} (the JDK's {@code HttpServer} with the same
 * handlers), on the kernel's own sockets: the baseline that {@code scripts/bench-serve.sh} measures
 * Sluice against. Run it without Sluice's provider.
 *
 * <p>Usage: {@code java -cp ... dev.sluice.cli.KernelHttpServer ADDRESS PORT}
 */
public final class KernelHttpServer {
  private KernelHttpServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: KernelHttpServer ADDRESS PORT");
      System.exit(2);
    }
    HttpService http = new HttpService(
        new InetSocketAddress(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1])));
    System.out.println("kernel http on " + args[0] + ":" + http.port());
    Thread.currentThread().join(); // serves until the process is stopped
  }
}
