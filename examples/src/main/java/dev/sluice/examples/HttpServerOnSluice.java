package dev.sluice.examples;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.api.NetStack;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Example: the JDK's own {@link HttpServer} and {@link HttpClient}, unmodified, on a Sluice stack.
 * Neither takes a socket factory: they open their channels with {@code ServerSocketChannel.open()}
 * and {@code Selector.open()}, which ask the JVM-wide {@code SelectorProvider}. So the JVM is
 * started with
 *
 * <pre>{@code -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}</pre>
 *
 * <p>and the program binds its stack to that provider before the first channel opens. Without the
 * property, {@link NetStack#bindJvmWideProvider()} throws {@link IllegalStateException}.
 *
 * <p>The client calls the stack's own address, so the request never leaves the stack: it goes
 * through the stack's loopback device, as a kernel delivers a connection to itself.
 *
 * <p>Threads: the server's dispatcher thread is the JDK's; each exchange runs on a virtual thread.
 */
public final class HttpServerOnSluice {
  /** What the client got back, and how many connections the Sluice stack held at that moment. */
  public record Result(int status, String body, int sluiceConnections) {}

  static final String GREETING = "Hello from the JDK's HttpServer, on Sluice";

  private HttpServerOnSluice() {}

  /** Runs the example and prints the response; see the class comment for the JVM option. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Serves one page, fetches it with the JDK's HttpClient and stops. */
  public static Result run(PrintStream out) throws Exception {
    // A stack needs an interface; a simulated link's end will do (nothing is on the other end).
    SimulatedLink link = new SimulatedNetwork(1).connect("web0", "nobody0", SimulatedLink.Config.defaults());
    ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    try (NetStack stack = NetStack.builder().addInterface(link.a(), "198.18.170.10/24").build()) {
      stack.bindJvmWideProvider(); // from now on, SocketChannel.open() & co. are this stack's

      HttpServer server = HttpServer.create(new InetSocketAddress(8080), 16); // unmodified JDK code
      server.createContext("/hello", exchange -> {
        try (exchange) {
          byte[] body = GREETING.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        }
      });
      server.setExecutor(exchanges);
      server.start();

      try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(20)).build()) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://198.18.170.10:8080/hello"))
            .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        // The kept-alive connection is in Sluice's table, not the kernel's.
        int connections = stack.connectionCount();
        out.println("GET /hello -> " + response.statusCode() + " \"" + response.body() + "\" ("
            + connections + " connections in the Sluice stack)");
        return new Result(response.statusCode(), response.body(), connections);
      } finally {
        server.stop(0);
        exchanges.shutdownNow();
      }
    }
  }
}
