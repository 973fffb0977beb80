package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP and echo services of {@code sluice serve}, over a simulated link between two stacks. The
 * HTTP server is the JDK's own {@code HttpServer} on the server stack through Sluice's JVM-wide
 * provider, so this class runs in the JVM that has it (tag {@value SluiceProvider#TAG}); the
 * client speaks HTTP over the api's streams.
 */
@Tag(SluiceProvider.TAG)
@Timeout(60)
class ServicesTest {
  private SimulatedNetwork network;
  private AutoCloseable clock;
  private NetStack client;
  private NetStack server;
  private HttpService http;
  private EchoService echo;

  @BeforeEach
  void start() throws IOException {
    network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("c", "s", SimulatedLink.Config.defaults().withBuffers(16_384));
    client = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").workers(1).build();
    server = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").workers(1).build();
    clock = network.runInRealTime();
    http = new HttpService(server, 80);
    echo = new EchoService(server.listen(7));
    Thread.ofVirtual().start(echo::run);
  }

  @AfterEach
  void stop() throws Exception {
    http.stop();
    echo.stop();
    client.close();
    server.close();
    clock.close();
  }

  private TcpConnection connect(int port) throws IOException {
    return client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), port));
  }

  /** Reads one response: the head, then Content-Length bytes of body. */
  private static String[] response(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream in the head: " + head);
      }
      head.write(b);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int at = h.toLowerCase().indexOf("content-length: ") + 16;
    long length = Long.parseLong(h.substring(at, h.indexOf("\r\n", at)));
    byte[] body = in.readNBytes((int) length);
    assertThat(body.length).isEqualTo((int) length);
    for (int i = 0; i < body.length && h.contains("octet-stream"); i++) {
      if (body[i] != (byte) (i % HttpService.PATTERN_PERIOD)) {
        throw new AssertionError("byte " + i + " of the body is wrong");
      }
    }
    return new String[] {h, new String(body, StandardCharsets.ISO_8859_1)};
  }

  @Test
  void http_keepAlive_servesThreeRequestsOnOneConnection() throws IOException {
    try (TcpConnection c = connect(80)) {
      c.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /bytes/1000000 HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = c.getInputStream();
      String[] page = response(in);
      assertThat(page[0]).startsWith("HTTP/1.1 200 OK");
      assertThat(page[1]).contains("Sluice");
      assertThat(response(in)[0]).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("Content-Length: 1000000");
      assertThat(response(in)[0]).startsWith("HTTP/1.1 404");
    }
  }

  @Test
  void http10_withoutKeepAlive_closesAfterTheResponse() throws IOException {
    try (TcpConnection c = connect(80)) {
      c.getOutputStream().write("GET /bytes/10 HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = c.getInputStream();
      assertThat(response(in)[0]).contains("Connection: close");
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void http_badRequests_getClearAnswers() throws IOException {
    try (TcpConnection c = connect(80)) {
      c.getOutputStream().write("GET /bytes/-5 HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = c.getInputStream();
      assertThat(response(in)[0]).startsWith("HTTP/1.1 400");
      assertThat(response(in)[0]).startsWith("HTTP/1.1 405");
    }
  }

  @Test
  void echo_returnsEveryByte_thenHalfClosesAfterUs() throws IOException, InterruptedException {
    byte[] data = new byte[2_000_000];
    new SplittableRandom(4).nextBytes(data);
    try (TcpConnection c = connect(7)) {
      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          c.getOutputStream().write(data);
          c.shutdownOutput();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      byte[] back = c.getInputStream().readAllBytes();
      writer.join();
      assertThat(back).isEqualTo(data);
    }
  }
}
