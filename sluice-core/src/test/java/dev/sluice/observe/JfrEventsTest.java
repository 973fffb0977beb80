package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice's JFR events, read back from a recording of a real exchange over a lossy simulated link:
 * one connection's states from SYN-SENT to TIME-WAIT, retransmissions, the RST a closed port
 * sends and the refusal it causes, the FIN delivered after every byte; and with the events
 * disabled, nothing at all.
 */
class JfrEventsTest {
  private static final String[] EVENTS = {"dev.sluice.ConnectionState", "dev.sluice.Retransmission",
    "dev.sluice.RstSent", "dev.sluice.RstReceived", "dev.sluice.FinDelivered", "dev.sluice.OwnershipHandoff"};
  private static final int BYTES = 300_000;

  @TempDir Path dir;

  /** The exchange: a lossy transfer with a half-close, then a connect to a closed port. Returns the client's port. */
  private static int exchange(String clientName, String serverName) throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(11);
    SimulatedLink link = network.connect("a0", "b0", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withLoss(0.1).withDelay(200_000)));
    try (AutoCloseable pump = network.runInRealTime();
        NetStack client = NetStack.builder().name(clientName).addInterface(link.a(), "198.18.0.1/24").workers(1).build();
        NetStack server = NetStack.builder().name(serverName).addInterface(link.b(), "198.18.0.2/24").workers(1).build()) {
      TcpServer listener = server.listen(7);
      CompletableFuture<TcpConnection> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return listener.accept();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      TcpConnection c = client.connect(address(7));
      byte[] data = new byte[BYTES];
      new Random(1).nextBytes(data);
      c.getOutputStream().write(data);
      c.shutdownOutput(); // FIN-WAIT-1, then FIN-WAIT-2 once the server acknowledges our FIN
      TcpConnection s = accepted.get(30, TimeUnit.SECONDS);
      assertThat(s.getInputStream().readAllBytes()).isEqualTo(data); // the stream stays open: closing it closes s
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!c.info().state().equals("FIN_WAIT_2") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(c.info().state()).isEqualTo("FIN_WAIT_2");
      s.close(); // the server's FIN: the client goes to TIME-WAIT
      deadline = System.nanoTime() + 30_000_000_000L;
      while (!c.info().state().equals("TIME_WAIT") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(c.info().state()).isEqualTo("TIME_WAIT");
      int port = c.getLocalAddress().getPort();
      assertThatThrownBy(() -> client.connect(address(9))).isInstanceOf(ConnectException.class);
      return port;
    }
  }

  private static InetSocketAddress address(int port) {
    return new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), port);
  }

  private List<RecordedEvent> sluiceEvents(Recording r) throws Exception {
    Path file = dir.resolve("events.jfr");
    r.dump(file);
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().startsWith("dev.sluice."))
        .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)) // the file holds them by thread buffer
        .toList();
  }

  @Test
  void aLossyExchange_isRecorded_stateByState() throws Exception {
    List<RecordedEvent> events;
    int port;
    try (Recording r = new Recording()) {
      for (String name : EVENTS) {
        r.enable(name);
      }
      r.start();
      port = exchange("jfr-client", "jfr-server");
      r.stop();
      events = sluiceEvents(r);
    }
    String client = "198.18.0.1:" + port;

    List<String> states = events.stream()
        .filter(e -> e.getEventType().getName().equals("dev.sluice.ConnectionState") && client.equals(e.getString("local")))
        .map(e -> e.getString("from") + ">" + e.getString("to")).toList();
    assertThat(states).containsExactly("CLOSED>SYN-SENT", "SYN-SENT>ESTAB", "ESTAB>FIN-WAIT-1",
        "FIN-WAIT-1>FIN-WAIT-2", "FIN-WAIT-2>TIME-WAIT", "TIME-WAIT>CLOSED"); // the last: the stack closed
    assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.sluice.ConnectionState")
        && client.equals(e.getString("local")))
        .allSatisfy(e -> {
          assertThat(e.getString("stack")).isEqualTo("jfr-client");
          assertThat(e.getString("remote")).isEqualTo("198.18.0.2:7");
        });
    assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.sluice.ConnectionState")
        && "198.18.0.2:7".equals(e.getString("local")))
        .extracting(e -> e.getString("from") + ">" + e.getString("to"))
        .as("the server's side").startsWith("LISTEN>SYN-RECV", "SYN-RECV>ESTAB", "ESTAB>CLOSE-WAIT", "CLOSE-WAIT>LAST-ACK");

    assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.sluice.Retransmission")
        && client.equals(e.getString("local")) && e.getInt("length") > 0)
        .as("10% loss over %d bytes resends data", BYTES).isNotEmpty()
        .allSatisfy(e -> {
          assertThat(e.getString("kind")).isIn("RTO", "FAST", "TLP");
          assertThat(e.getLong("seq")).isBetween(0L, 0xFFFF_FFFFL);
          assertThat(e.getString("stack")).isEqualTo("jfr-client");
        });

    assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.sluice.RstSent")
        && "198.18.0.2:9".equals(e.getString("local")))
        .as("one per SYN that reached the closed port (a lost RST means another SYN)").isNotEmpty()
        .allSatisfy(e -> {
          assertThat(e.getString("stack")).isEqualTo("jfr-server");
          assertThat(e.getString("reason")).contains("closed port");
        });
    RecordedEvent refused = events.stream().filter(e -> e.getEventType().getName().equals("dev.sluice.RstReceived")
        && "198.18.0.2:9".equals(e.getString("remote"))).findFirst().orElseThrow();
    assertThat(refused.getString("state")).isEqualTo("SYN-SENT");
    assertThat(refused.getString("reason")).isEqualTo("refused our SYN");
    assertThat(refused.getString("stack")).isEqualTo("jfr-client");

    assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.sluice.FinDelivered"))
        .as("the client's FIN, delivered to the server after all its bytes")
        .anySatisfy(e -> {
          assertThat(e.getString("local")).isEqualTo("198.18.0.2:7");
          assertThat(e.getString("remote")).isEqualTo(client);
          assertThat(e.getLong("bytesBefore")).isEqualTo(BYTES);
          assertThat(e.getString("stack")).isEqualTo("jfr-server");
        });
  }

  @Test
  void withTheEventsDisabled_nothingIsRecorded() throws Exception {
    try (Recording r = new Recording()) {
      for (String name : EVENTS) {
        r.disable(name);
      }
      r.start();
      exchange("quiet-client", "quiet-server");
      r.stop();
      assertThat(sluiceEvents(r)).isEmpty();
    }
    assertThat(SluiceEvents.connectionStateEnabled()).isFalse();
    assertThat(SluiceEvents.engineEventsEnabled()).isFalse();
  }
}
