package dev.sluice.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.tcp.TcpConfig;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The api's objects over hosts the caller runs, each socket with its own TCP settings. */
@Timeout(60)
class HostSocketsTest {
  @Test
  void listenAndConnectNow_onHostsTheCallerRuns_withTheirOwnTcpSettings() throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("a0", "b0", SimulatedLink.Config.defaults());
    HostConfig config = HostConfig.builder().buildWith(h -> h.workers = 1);
    Host a = new Host(config).addInterface(link.a(), "198.18.0.1/24");
    Host b = new Host(config).addInterface(link.b(), "198.18.0.2/24");
    a.start();
    b.start();
    try (AutoCloseable pump = network.runInRealTime()) {
      TcpConfig small = TcpConfig.builder().buildWith(t -> t.mtu = 576);
      TcpServer server = HostSockets.on(b).listen(80, 4, small);
      assertThat(server.localPort()).isEqualTo(80);
      assertThatThrownBy(() -> HostSockets.on(b).listen(80, 4, small)).isInstanceOf(BindException.class);
      TcpConnection client = HostSockets.on(a).connectNow(
          new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 80), TcpConfig.defaults());
      TcpConnection accepted = server.acceptAsync().get(10, TimeUnit.SECONDS);
      assertThat(accepted.info().mss()).as("the listener's settings").isEqualTo(576 - 40 - 12); // IPv4, TCP, timestamps
      client.write(new byte[] {1, 2}, 0, 2);
      byte[] buf = new byte[2];
      assertThat(accepted.readAsync(buf, 0, 2).get(10, TimeUnit.SECONDS)).isBetween(1, 2);
      TcpConnection wrapped = HostSockets.wrap(b.connections().getFirst());
      assertThat(wrapped.isConnected()).isTrue();
      assertThat(wrapped.getLocalAddress()).isEqualTo(accepted.getLocalAddress());
      assertThat(client.info().mss()).as("the peer's MSS option").isEqualTo(576 - 40 - 12);
      client.close();
      accepted.close();
      server.close();
    } finally {
      a.stop();
      b.stop();
    }
  }
}
