package dev.sluice.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.api.NetStack;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP service of {@code sluice serve}: the JDK's own {@link HttpServer}, unmodified, running on
 * a Sluice stack through the JVM-wide {@link java.nio.channels.spi.SelectorProvider} (issue 14): the
 * server opens its channels with {@code ServerSocketChannel.open()} and {@code Selector.open()},
 * which the JVM, started with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider} (the {@code
 * sluice} launcher does that for {@code serve}), hands to the stack bound by {@link
 * NetStack#bindJvmWideProvider()}.
 *
 * <p>{@code GET /} returns a short page; {@code GET /bytes/N} returns N bytes of a deterministic
 * pattern (byte i is {@code i % 251}, so a client can check any range); {@code HEAD} answers both
 * without the body; other methods get 405, other paths 404. Each exchange runs on a virtual thread.
 * The same handlers serve on the kernel's sockets in {@link KernelHttpServer}, the baseline.
 */
final class HttpService {
  /** The pattern's period: a prime, so it never lines up with buffer sizes. */
  static final int PATTERN_PERIOD = 251;
  private static final long MAX_BODY_BYTES = 1L << 40;
  private static final byte[] PATTERN = new byte[PATTERN_PERIOD * 261]; // ≈ 64 KB, whole periods
  private static final byte[] PAGE = ("<!doctype html><title>Sluice</title><h1>Sluice</h1>"
      + "<p>A user-space TCP/IP stack for the JVM. Try <a href=\"/bytes/1000000\">/bytes/1000000</a>.\n")
      .getBytes(StandardCharsets.UTF_8);

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = (byte) (i % PATTERN_PERIOD);
    }
  }

  private final HttpServer server;
  private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * Serves on {@code port} of {@code stack}, which becomes the stack behind the JVM-wide provider.
   * Throws {@link IllegalStateException} if the JVM was not started with Sluice's provider.
   */
  HttpService(NetStack stack, int port) throws IOException {
    stack.bindJvmWideProvider();
    this.server = create(new InetSocketAddress(port));
  }

  /** Serves at {@code address} on whatever the JVM-wide provider is (the kernel's, for the baseline). */
  HttpService(InetSocketAddress address) throws IOException {
    this.server = create(address);
  }

  private HttpServer create(InetSocketAddress address) throws IOException {
    HttpServer s = HttpServer.create(address, 1024);
    s.createContext("/", HttpService::handle);
    s.setExecutor(exchanges);
    s.start();
    return s;
  }

  /** The port it listens on (for port 0, the one the stack picked). */
  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
    exchanges.shutdownNow();
  }

  private static void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        text(exchange, 405, "only GET and HEAD\n");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/")) {
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        send(exchange, head, PAGE.length);
        if (!head) {
          exchange.getResponseBody().write(PAGE);
        }
      } else if (path.startsWith("/bytes/")) {
        long n;
        try {
          n = Long.parseLong(path.substring(7));
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0 || n > MAX_BODY_BYTES) {
          text(exchange, 400, "N must be a whole number of bytes up to 2^40\n");
          return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        send(exchange, head, n);
        if (!head) {
          writePattern(exchange.getResponseBody(), n);
        }
      } else {
        text(exchange, 404, "not found\n");
      }
    }
  }

  /**
   * Sends a 200 head for a body of {@code length} bytes. {@link HttpExchange#sendResponseHeaders}
   * reads a length of 0 as "chunked" and -1 as "no body", so an empty body and a HEAD answer are
   * sent as -1, with the length a GET would have in the header for HEAD (RFC 9110 §9.3.2).
   */
  private static void send(HttpExchange exchange, boolean head, long length) throws IOException {
    if (head) {
      exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
    }
    exchange.sendResponseHeaders(200, head || length == 0 ? -1 : length);
  }

  private static void text(HttpExchange exchange, int status, String message) throws IOException {
    byte[] body = message.getBytes(StandardCharsets.US_ASCII);
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  /** {@code n} bytes of the pattern, in chunks of whole periods. */
  private static void writePattern(OutputStream out, long n) throws IOException {
    long left = n;
    while (left > 0) {
      int chunk = (int) Math.min(left, PATTERN.length);
      out.write(PATTERN, 0, chunk); // PATTERN holds whole periods, so every chunk starts in phase
      left -= chunk;
    }
  }
}
