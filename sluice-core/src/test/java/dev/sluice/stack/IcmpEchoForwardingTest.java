package dev.sluice.stack;

import static dev.sluice.stack.TwoHosts.MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.Direction;
import dev.sluice.wire.DropCounters;
import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.PacketDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ICMP echo forwarding (issue 15): a host with an {@link IcmpEchoForwarder} takes echo requests to
 * addresses that are not its own, and answers them as if from the address pinged. The guest (the
 * client host) pings 198.19.0.5 and 2001:2:0:1::5, which neither host has; the test is the
 * forwarder, and answers at once.
 */
class IcmpEchoForwardingTest {
  private static final HostConfig ONE_WORKER = HostConfig.builder().buildWith(h -> h.workers = 1);
  private static final InetAddress OUTSIDE = InetAddress.ofLiteral("198.19.0.5");
  private static final InetAddress OUTSIDE6 = InetAddress.ofLiteral("2001:2:0:1::5");

  private final List<ForwardedEcho> offered = new ArrayList<>();

  private TwoHosts gateway(IcmpEchoForwarder forwarder) {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    net.client.addRoute("0.0.0.0/0", "198.18.0.2");
    net.client.addRoute("::/0", "2001:2::2");
    net.server.forwardIcmpEcho(forwarder);
    return net;
  }

  /** Pings from another thread while this one runs the network, as the guest's application would. */
  private static long pingThrough(TwoHosts net, InetAddress address) throws Exception {
    CompletableFuture<Long> rtt = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        rtt.complete(net.client.ping(address, TimeUnit.SECONDS.toNanos(10)));
      } catch (IOException | RuntimeException e) {
        rtt.completeExceptionally(e);
      }
    });
    for (int round = 0; round < 2_000 && !rtt.isDone(); round++) {
      net.settleUntil(net.clock[0] + MS);
      Thread.sleep(1);
    }
    return rtt.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theGuestsPing_toAnOutsideAddress_isForwarded_andAnsweredAsIfFromIt_ipv4AndIpv6() throws Exception {
    TwoHosts net = gateway(echo -> {
      offered.add(echo);
      echo.reply(echo.data());
    });
    assertThat(pingThrough(net, OUTSIDE)).isNotNegative();
    assertThat(pingThrough(net, OUTSIDE6)).isNotNegative();
    assertThat(offered).hasSize(2);
    assertThat(offered.get(0).destination()).isEqualTo(OUTSIDE);
    assertThat(offered.get(0).source()).isEqualTo(InetAddress.ofLiteral("198.18.0.1"));
    assertThat(offered.get(0).data().remaining()).as("ping's 56 bytes").isEqualTo(56);
    assertThat(offered.get(1).destination()).isEqualTo(OUTSIDE6);
    assertThat(offered.get(1).ipv6()).isTrue();
  }

  @Test
  void theReply_carriesTheGuestsIdentifierSequenceAndTheGivenData_fromTheDestination() throws Exception {
    TwoHosts net = gateway(offered::add);
    List<byte[]> arrived = new ArrayList<>();
    net.link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.INBOUND) {
        arrived.add(Arrays.copyOfRange(buf, off, off + len));
      }
    });
    injectEcho(net, 0xC613_0005, 0x1234, 7, new byte[] {1, 2, 3});
    net.settle();
    ForwardedEcho echo = offered.get(0);
    assertThat(echo.identifier()).isEqualTo(0x1234);
    assertThat(echo.sequence()).isEqualTo(7);
    assertThat(echo.reply(ByteBuffer.wrap(new byte[] {4, 5, 6, 7}))).isTrue();
    net.settle();
    assertThat(arrived).hasSize(1);
    byte[] reply = arrived.get(0);
    PacketDecoder d = new PacketDecoder(new DropCounters());
    assertThat(d.decodeIp(reply, 0, reply.length)).isNull();
    assertThat(d.ipv4().source()).isEqualTo(0xC613_0005);
    assertThat(d.icmp().type()).isEqualTo(IcmpType.V4_ECHO_REPLY);
    assertThat(d.icmp().echoIdentifier()).isEqualTo(0x1234);
    assertThat(d.icmp().echoSequence()).isEqualTo(7);
    assertThat(Arrays.copyOfRange(reply, d.icmp().bodyOffset(), reply.length)).containsExactly(4, 5, 6, 7);
  }

  @Test
  void anOversizedReply_isDroppedAndCounted() throws Exception {
    TwoHosts net = gateway(offered::add);
    injectEcho(net, 0xC613_0005, 1, 1, new byte[8]);
    net.settle();
    assertThat(offered.get(0).reply(ByteBuffer.allocate(1500))).isFalse();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.FORWARD_REPLY_UNSENDABLE, 1L);
  }

  @Test
  void withoutAForwarder_orForAnythingButAnEchoRequest_anotherAddressIsNotOurs() throws Exception {
    TwoHosts net = new TwoHosts(ONE_WORKER);
    injectEcho(net, 0xC613_0005, 1, 1, new byte[8]);
    net.settle();
    assertThat(net.server.hostDrops()).containsEntry(DropReason.NOT_FOR_US, 1L);

    TwoHosts forwarding = gateway(offered::add);
    byte[] packet = new byte[20 + 8];
    new IcmpBuilder().echo(IcmpType.V4_ECHO_REPLY, 1, 1).writeV4(packet, 20, 0);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(0xC612_0001).destination(0xC613_0005).write(packet, 0, 8);
    forwarding.link.a().transmit(packet, 0, packet.length, forwarding.clock[0]);
    forwarding.settle();
    assertThat(forwarding.server.hostDrops()).containsEntry(DropReason.NOT_FOR_US, 1L);
    assertThat(offered).isEmpty();
  }

  @Test
  void anEchoToTheGatewaysOwnAddress_isAnsweredByItsHost_notForwarded() throws Exception {
    TwoHosts net = gateway(offered::add);
    assertThat(pingThrough(net, InetAddress.ofLiteral("198.18.0.2"))).isNotNegative();
    assertThat(offered).isEmpty();
  }

  @Test
  void aDeniedEcho_getsAnAdministrativelyProhibited() throws Exception {
    TwoHosts net = gateway(echo -> echo.unreachable(Unreachable.PROHIBITED));
    List<byte[]> arrived = new ArrayList<>();
    net.link.a().addTap((device, direction, buf, off, len, time) -> {
      if (direction == Direction.INBOUND) {
        arrived.add(Arrays.copyOfRange(buf, off, off + len));
      }
    });
    injectEcho(net, 0xC613_0005, 1, 1, new byte[8]);
    net.settle();
    assertThat(arrived).hasSize(1);
    PacketDecoder d = new PacketDecoder(new DropCounters());
    assertThat(d.decodeIp(arrived.get(0), 0, arrived.get(0).length)).isNull();
    assertThat(d.icmp().type()).isEqualTo(IcmpType.V4_DESTINATION_UNREACHABLE);
    assertThat(d.icmp().code()).isEqualTo(13);
    assertThat(d.ipv4().source()).as("from the gateway, as a filtering router").isEqualTo(0xC612_0002);
  }

  /** An echo request from the guest's address to {@code destination}, put on the guest's side of the link. */
  private static void injectEcho(TwoHosts net, int destination, int identifier, int sequence, byte[] data) {
    byte[] packet = new byte[20 + 8 + data.length];
    System.arraycopy(data, 0, packet, 28, data.length);
    new IcmpBuilder().echo(IcmpType.V4_ECHO_REQUEST, identifier, sequence).writeV4(packet, 20, data.length);
    new Ipv4Builder().protocol(IpProtocol.ICMP).ttl(64).source(0xC612_0001).destination(destination)
        .write(packet, 0, 8 + data.length);
    net.link.a().transmit(packet, 0, packet.length, net.clock[0]);
  }
}
