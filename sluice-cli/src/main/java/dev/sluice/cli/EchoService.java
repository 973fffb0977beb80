package dev.sluice.cli;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The echo service (RFC 862) on a Sluice {@link TcpServer}: every byte comes back; when the client
 * half-closes, the service finishes writing and half-closes too.
 */
final class EchoService {
  private final TcpServer server;
  private volatile boolean running = true;

  EchoService(TcpServer server) {
    this.server = server;
  }

  void run() {
    while (running) {
      TcpConnection c;
      try {
        c = server.accept();
      } catch (IOException e) {
        return;
      }
      Thread.ofVirtual().start(() -> echo(c));
    }
  }

  void stop() {
    running = false;
    server.close();
  }

  static void echo(TcpConnection c) {
    try (c) {
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      c.shutdownOutput();
    } catch (IOException e) {
      // the peer reset or went away
    }
  }
}
