package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The housekeeping's rounds visit only the connections they may still have work for ({@link
 * Housekeeping#watch}): one whose buffers are held, or one the watchdog may yet report. A
 * connection whose buffers were freed leaves the list, so a million idle ones cost a round nothing;
 * activity brings it back. Two hosts driven by hand with a virtual clock; each round is called as
 * worker 0 calls it when idle, a second or more after the last.
 */
class HousekeepingTest {
  private static final int CONNECTIONS = 20;

  @Test
  void connectionsWhoseBuffersWereFreed_leaveTheList_andActivityBringsOneBack() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.watchdogNanos = 0;
    }));
    Listener listener = net.server.listen(80, CONNECTIONS);
    List<Connection> clients = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      clients.add(net.client.connect(TwoHosts.serverAddress(80)));
    }
    net.settle();
    List<Connection> servers = new ArrayList<>();
    for (Connection c; (c = listener.poll()) != null; ) {
      servers.add(c);
    }
    assertThat(servers).hasSize(CONNECTIONS);
    assertThat(net.server.housekeeping().watching()).as("each joined after its handshake").isEqualTo(CONNECTIONS);
    assertThat(servers).noneMatch(c -> c.buffersReleased);

    round(net.server, net); // idle for seconds already (settle ran the clock on)
    assertThat(servers).allMatch(c -> c.buffersReleased);
    assertThat(net.server.housekeeping().watching()).as("nothing left to do for them").isZero();

    byte[] data = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(clients.get(7).writeNow(data, 0, data.length)).isEqualTo(data.length);
    net.settle();
    Connection busy = servers.get(7);
    assertThat(busy.buffersReleased).as("the data needed its buffers back").isFalse();
    assertThat(net.server.housekeeping().watching()).as("the busy one is back").isOne();

    round(net.server, net);
    assertThat(busy.buffersReleased).as("freed again once idle").isTrue();
    assertThat(net.server.housekeeping().watching()).isZero();
    byte[] got = new byte[16];
    assertThat(busy.read(got, 0, got.length, 1_000 * MS)).as("and the data is still there").isEqualTo(data.length);
  }

  @Test
  void aConnectionTheWatchdogMayReport_staysOnTheListAfterItsBuffersAreFreed_untilReported() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.watchdogNanos = 10_000 * MS;
    }));
    TwoHosts.Established pair = net.establish(80);
    Connection client = pair.client();
    Connection server = pair.server();
    client.shutdownOutput();
    net.settle();
    assertThat(server.endOfStreamDelivered()).isTrue();
    long eof = server.endOfStreamAtNanos();

    round(net.server, net);
    assertThat(server.buffersReleased).isTrue();
    assertThat(net.server.watchdogReports()).as("%d ms after the FIN", (net.clock[0] - eof) / MS).isZero();
    assertThat(net.server.housekeeping().watching()).as("the watchdog's to report").isOne();

    net.clock[0] = Math.max(net.clock[0], eof + 11_000 * MS);
    round(net.server, net);
    assertThat(net.server.watchdogReports()).isOne();
    assertThat(net.server.housekeeping().watching()).as("reported, nothing left").isZero();
  }

  @Test
  void aClosedConnection_leavesTheList() throws IOException {
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> h.workers = 1));
    TwoHosts.Established pair = net.establish(80);
    Connection client = pair.client();
    Connection server = pair.server();
    client.abort();
    net.settle();
    assertThat(server.closed).isTrue();
    round(net.server, net);
    assertThat(net.server.housekeeping().watching()).isZero();
  }

  /** One housekeeping round on {@code host}'s worker 0, at least a second after the last. */
  private static void round(Host host, TwoHosts net) {
    net.clock[0] += 1_001 * MS;
    host.housekeeping().runIfDue(host.workers()[0]);
  }
}
