package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NetStack;
import dev.sluice.link.Impairments;
import dev.sluice.link.PacketBuffer;
import dev.sluice.link.SimulatedInterface;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A packet that reaches a device before the stack on it is built: a TUN device's readers start when
 * it opens, and a guest may ping as soon as its address is up, while the gateway is still building
 * its stack. The stack answers it once it starts, whichever way it receives; receiving inline,
 * nothing else would ever take it, since no further arrival comes to announce it (a CI run of
 * GatewayCidr6Test lost its one ping6 this way).
 */
class EarlyArrivalTest {
  private static final int GUEST = 0xC612_0001; // 198.18.0.1
  private static final int STACK = 0xC612_0002; // 198.18.0.2

  @ParameterizedTest(name = "receive: {0}")
  @ValueSource(strings = {"inline", "adaptive", "workers"})
  void anEchoRequestQueuedBeforeTheStackStarted_isAnsweredOnceItStarts(String receive) throws Exception {
    SimulatedNetwork network = new SimulatedNetwork(5);
    SimulatedLink link = network.connect("guest0", "sluice0",
        SimulatedLink.Config.defaults().withImpairments(Impairments.NONE));
    byte[] request = echoRequest(7, 1);
    assertThat(link.a().transmit(request, 0, request.length, 0)).isTrue();
    assertThat(queued(link.b())).as("waiting in the stack's device, no stack yet").isOne();

    NetStack.Builder builder = NetStack.builder().addInterface(link.b(), "198.18.0.2/24");
    switch (receive) {
      case "inline" -> builder.receiveInline(true);
      case "workers" -> builder.receiveInlineWhenIdle(false);
      default -> { } // adaptive: the default
    }
    try (NetStack stack = builder.build()) {
      PacketBuffer reply = awaitPacket(link.a(), TimeUnit.SECONDS.toNanos(10));
      assertThat(reply).as("the echo reply").isNotNull();
      PacketDecoder d = new PacketDecoder(new DropCounters());
      assertThat(d.decodeIp(reply.data(), 0, reply.length())).isNull();
      assertThat(d.icmp().type()).isEqualTo(IcmpType.V4_ECHO_REPLY);
      assertThat(d.icmp().echoIdentifier()).isEqualTo(7);
      assertThat(d.icmp().echoSequence()).isEqualTo(1);
      assertThat(d.ipv4().source()).isEqualTo(STACK);
      assertThat(d.ipv4().destination()).isEqualTo(GUEST);
      reply.release();
      assertThat(queued(link.b())).as("taken from the stack's device").isZero();
    }
  }

  private static byte[] echoRequest(int identifier, int sequence) {
    byte[] data = new byte[16];
    byte[] packet = new byte[20 + 8 + data.length];
    new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, identifier, sequence).writeV4(packet, 20, data.length);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(GUEST).destination(STACK)
        .write(packet, 0, 8 + data.length);
    return packet;
  }

  private static int queued(SimulatedInterface device) {
    int total = 0;
    for (int q = 0; q < device.receiveQueueCount(); q++) {
      total += device.queued(q);
    }
    return total;
  }

  /** The first packet in any of {@code device}'s queues, or null if none came within the timeout. */
  private static PacketBuffer awaitPacket(SimulatedInterface device, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (System.nanoTime() < deadline) {
      for (int q = 0; q < device.receiveQueueCount(); q++) {
        PacketBuffer packet = device.poll(q);
        if (packet != null) {
          return packet;
        }
      }
      Thread.sleep(5);
    }
    return null;
  }
}
