package dev.sluice.nio;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A plain JDK program, with nothing of Sluice in it, that {@link JvmWideModeTest} runs in a forked
 * JVM under the JVM-wide provider: a {@link HttpServer} on port {@code args[1]} serving {@code GET
 * /bytes/N} (N bytes of {@link HttpBodies#body}) and {@code POST /echo}, and a {@link HttpClient} that calls
 * it at {@code args[0]} (its own address) and at 127.0.0.1, printing one line per result ({@code
 * client ...}). Then it prints {@code READY} and serves until its standard input closes, or
 * {@code args[2]} seconds at most.
 *
 * <p>Threads: the server's handlers run on a small fixed pool; the main thread makes the client
 * calls, then waits on standard input.
 */
public final class JvmWideHttpProgram {
  private JvmWideHttpProgram() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // Exit at once, so the test sees the end of the output: the server's dispatcher thread
      // would otherwise keep the JVM alive.
      t.printStackTrace();
      System.exit(2);
    }
  }

  private static void run(String[] args) throws Exception {
    String self = args[0];
    int port = Integer.parseInt(args[1]);
    long maxSeconds = Long.parseLong(args[2]);
    ExecutorService handlers = Executors.newFixedThreadPool(4);
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 64);
    server.createContext("/bytes/", exchange -> {
      try (exchange) {
        int n = Integer.parseInt(exchange.getRequestURI().getPath().substring("/bytes/".length()));
        send(exchange, HttpBodies.body(n));
      }
    });
    server.createContext("/echo", exchange -> {
      try (exchange) {
        send(exchange, exchange.getRequestBody().readAllBytes());
      }
    });
    server.setExecutor(handlers);
    server.start();

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(20)).build();
    for (String host : new String[] {self, "127.0.0.1"}) {
      HttpResponse<byte[]> got = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port
          + "/bytes/1000000")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
      System.out.println("client GET " + host + " " + got.statusCode() + " " + got.body().length + " "
          + HttpBodies.sha256(got.body()));
    }
    byte[] posted = HttpBodies.body(300_000);
    HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(URI.create("http://" + self + ":" + port
        + "/echo")).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(posted)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    System.out.println("client POST " + self + " " + echoed.statusCode() + " " + echoed.body().length + " "
        + HttpBodies.sha256(echoed.body()));
    System.out.println("READY");
    System.out.flush();

    Thread stdin = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        System.in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        // the test is gone: stop as at end of input
      }
    });
    stdin.join(Duration.ofSeconds(maxSeconds));
    server.stop(0);
    handlers.shutdownNow();
    System.out.println("STOPPED");
    System.exit(0); // the HttpClient's selector thread is not a daemon in every JDK
  }

  private static void send(HttpExchange exchange, byte[] body) throws IOException {
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
