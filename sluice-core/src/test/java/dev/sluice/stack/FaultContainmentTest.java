package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A fault in one connection (an exception out of its processing: a bug in Sluice) is contained to
 * it: the owner counts and logs it, resets and closes that connection, fails its callers with a
 * SocketException that says so, releases ownership, and every worker goes on serving the others.
 */
class FaultContainmentTest {
  private static final int FAULTY = 7;
  private static final int HEALTHY = 8;

  private final long[] clock = {1_000_000_000L};
  private final SimulatedNetwork network = new SimulatedNetwork(5);
  private Host client;
  private Host server;

  private void hosts(FaultInjection clientFaults, FaultInjection serverFaults) {
    SimulatedLink link = network.connect("c", "s", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withDelay(1_000_000L)));
    HostConfig.Builder config = HostConfig.builder();
    config.workers = 1;
    config.clock = () -> clock[0];
    config.random = new java.util.SplittableRandom(3);
    client = new Host(config.buildWith(h -> h.faults = clientFaults));
    server = new Host(config.buildWith(h -> h.faults = serverFaults));
    client.addInterface(link.a(), "198.18.0.1/24");
    server.addInterface(link.b(), "198.18.0.2/24");
  }

  private static FaultInjection throwingOn(int port) {
    return new FaultInjection() {
      @Override
      public int throwingPort() {
        return port;
      }
    };
  }

  /** Steps both hosts' workers and the link until nothing moves for a few virtual seconds. */
  private void settle() {
    long until = clock[0] + 5_000_000_000L;
    for (int round = 0; round < 100_000 && clock[0] < until; round++) {
      network.advance(clock[0]);
      boolean worked = false;
      for (Host h : new Host[] {client, server}) {
        for (Worker w : h.workers()) {
          while (w.step(clock[0])) {
            worked = true;
          }
        }
      }
      if (!worked) {
        clock[0] += 1_000_000L;
      }
    }
  }

  @Test
  void aFaultOnTheCallersSide_failsItsCallsWithASocketException_andTheHostServesOthers() throws IOException {
    hosts(throwingOn(FAULTY), FaultInjection.NONE);
    server.listen(FAULTY, 8);
    Listener healthy = server.listen(HEALTHY, 8);

    Connection broken = client.connect(TwoHosts.serverAddress(FAULTY));
    settle();
    assertThatThrownBy(() -> broken.awaitConnected(1_000_000_000L))
        .isInstanceOf(SocketException.class).hasMessageContaining("internal error in Sluice");
    assertThatThrownBy(() -> broken.write(new byte[10], 0, 10, 0))
        .isInstanceOf(SocketException.class).hasMessageContaining("internal error in Sluice");
    assertThat(broken.isClosed()).isTrue();
    assertThat(broken.hasStrandedWork()).isFalse();
    assertThat(client.connectionFaults()).isEqualTo(1);

    Connection fine = client.connect(TwoHosts.serverAddress(HEALTHY));
    settle();
    Connection accepted = healthy.poll();
    assertThat(accepted).isNotNull();
    fine.write("still here".getBytes(StandardCharsets.US_ASCII), 0, 10, 0);
    settle();
    byte[] got = new byte[10];
    assertThat(accepted.readNow(got, 0, 10)).isEqualTo(10);
    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("still here");
    assertThat(client.connectionFaults()).as("only the faulty connection").isEqualTo(1);
  }

  @Test
  void aFaultOnThePassiveSide_resetsThePeer_ratherThanLeavingItToTimeOut() throws IOException {
    hosts(FaultInjection.NONE, throwingOn(FAULTY));
    server.listen(FAULTY, 8);

    Connection c = client.connect(TwoHosts.serverAddress(FAULTY));
    settle();
    assertThat(server.connectionFaults()).isEqualTo(1);
    assertThat(c.isClosed()).as("the SYN-RECEIVED end's RST reached the client").isTrue();
    assertThatThrownBy(() -> c.awaitConnected(1_000_000_000L)).isInstanceOf(IOException.class);
  }

  @Test
  void aThrowOutsideAnyConnection_costsThatPacketOnly_andTheWorkerGoesOn() throws IOException {
    SimulatedLink link = network.connect("c", "s", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withDelay(1_000_000L)));
    HostConfig config = HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.clock = () -> clock[0];
      h.random = new java.util.SplittableRandom(3);
    });
    client = new Host(config);
    server = new Host(config);
    client.addInterface(link.a(), "198.18.0.1/24");
    server.addInterface(new ThrowingOnce(link.b()), "198.18.0.2/24");
    Listener listener = server.listen(HEALTHY, 8);

    Connection c = client.connect(TwoHosts.serverAddress(HEALTHY));
    settle();
    assertThat(server.workerFaults()).as("the first poll threw").isEqualTo(1);
    Connection accepted = listener.poll();
    assertThat(accepted).as("the SYN lost to the throw was retransmitted and answered").isNotNull();
    c.write("after the throw".getBytes(StandardCharsets.US_ASCII), 0, 15, 0);
    settle();
    byte[] got = new byte[15];
    assertThat(accepted.readNow(got, 0, 15)).isEqualTo(15);
    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("after the throw");
  }

  /** A device whose first receive poll throws: a bug outside any connection, on purpose. */
  private static final class ThrowingOnce implements dev.sluice.link.Device {
    private final dev.sluice.link.Device inner;
    private boolean thrown;

    ThrowingOnce(dev.sluice.link.Device inner) {
      this.inner = inner;
    }

    @Override
    public dev.sluice.link.PacketBuffer poll(int queue) {
      dev.sluice.link.PacketBuffer p = inner.poll(queue);
      if (p != null && !thrown) {
        thrown = true;
        p.release();
        throw new IllegalStateException("injected: a bug outside any connection");
      }
      return p;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public int mtu() {
      return inner.mtu();
    }

    @Override
    public int receiveQueueCount() {
      return inner.receiveQueueCount();
    }

    @Override
    public boolean transmit(byte[] buf, int off, int len, long nowNanos) {
      return inner.transmit(buf, off, len, nowNanos);
    }

    @Override
    public dev.sluice.wire.DropCounters drops() {
      return inner.drops();
    }

    @Override
    public void addTap(dev.sluice.link.PacketTap tap) {
      inner.addTap(tap);
    }

    @Override
    public void onArrival(int queue, Runnable wakeUp) {
      inner.onArrival(queue, wakeUp);
    }
  }
}
