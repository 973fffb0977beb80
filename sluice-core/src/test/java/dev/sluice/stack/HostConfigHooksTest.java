package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The two HostConfig hooks: the random source a host draws its secrets from, and fault injection. */
class HostConfigHooksTest {
  /** The ISN and local port of the first SYN a fresh host sends, as one number. */
  private static long firstSyn(HostConfig config) throws IOException {
    RecordingDevice device = new RecordingDevice("dev0");
    Host host = new Host(config.toBuilder().buildWith(h -> {
      h.workers = 1;
      h.clock = () -> 1_000_000_000L;
      h.watchdogNanos = 0;
    }));
    host.addInterface(device, "198.18.0.1/24");
    Connection c = host.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 7));
    List<byte[]> sent = device.sent();
    int isn = dev.sluice.wire.Bytes.i32(sent.get(sent.size() - 1), 20 + 4);
    return (long) c.endpoints().localPort() << 32 | Integer.toUnsignedLong(isn);
  }

  @Test
  void seededRandom_sameIsnAndPort() throws IOException {
    long a = firstSyn(HostConfig.builder().buildWith(h -> h.random = new SplittableRandom(42)));
    long b = firstSyn(HostConfig.builder().buildWith(h -> h.random = new SplittableRandom(42)));
    long c = firstSyn(HostConfig.builder().buildWith(h -> h.random = new SplittableRandom(43)));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void defaultRandom_differsBetweenHosts() throws IOException {
    long a = firstSyn(HostConfig.defaults());
    long b = firstSyn(HostConfig.defaults());
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void defaultFaults_injectNothing() {
    FaultInjection none = HostConfig.defaults().faults();
    assertThat(none).isSameAs(FaultInjection.NONE);
    assertThat(none.workerJitterNanos()).isZero();
    assertThat(none.discardReceived(9)).isFalse();
    assertThat(none.ownershipMutation()).isEqualTo(OwnershipMutation.NONE);
  }

  @Test
  void discardReceived_consumesOnlyOnItsPort() throws IOException {
    FaultInjection discard9 = new FaultInjection() {
      @Override
      public boolean discardReceived(int localPort) {
        return localPort == 9;
      }
    };
    TwoHosts net = new TwoHosts(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.faults = discard9;
    }));
    Listener sink = net.server.listen(9, 8);
    Listener normal = net.server.listen(80, 8);
    assertThat(sink.discards()).isTrue();
    assertThat(normal.discards()).isFalse();
    Connection toSink = net.client.connect(TwoHosts.serverAddress(9));
    Connection toNormal = net.client.connect(TwoHosts.serverAddress(80));
    net.settle();
    toSink.write(new byte[1000], 0, 1000, 0);
    toNormal.write(new byte[1000], 0, 1000, 0);
    net.settle();
    assertThat(sink.poll().info().receiveQueue()).as("the stack consumed it").isZero();
    assertThat(normal.poll().info().receiveQueue()).as("waits for the application").isEqualTo(1000);
  }
}
