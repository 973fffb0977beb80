package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.link.PacketBuffer;
import dev.sluice.link.PacketPool;
import dev.sluice.observe.SluiceEvents;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.Checksum;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv4Builder;
import dev.sluice.wire.Ipv4Packet;
import dev.sluice.wire.TcpBuilder;
import dev.sluice.wire.TcpFlags;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

/**
 * The host's per-packet receive path allocates nothing in steady state: a segment for an
 * established connection goes through the IP checks ({@link Interfaces}), the demux ({@link
 * TcpDemux}), the connection table, the ownership protocol and the engine without a byte of heap.
 */
class HostReceiveAllocationTest {
  private static final int US = 0xC612_0001;
  private static final int PEER = 0xC612_0002;
  private static final long NOW = 1_000_000_000L;

  private static byte[] segment(int port, int seq, int ack, int flags) {
    TcpBuilder tcp = new TcpBuilder().sourcePort(7).destinationPort(port).sequenceNumber(seq)
        .acknowledgmentNumber(ack).flags(flags).window(65_535).urgentPointer(0);
    if ((flags & TcpFlags.SYN) != 0) {
      tcp.mss(1460);
    }
    int tcpLength = tcp.headerLength();
    byte[] packet = new byte[Ipv4Packet.MIN_HEADER_LENGTH + tcpLength];
    tcp.write(packet, Ipv4Packet.MIN_HEADER_LENGTH, 0, Checksum.pseudoHeaderIpv4(PEER, US, IpProtocol.TCP, tcpLength));
    new Ipv4Builder().protocol(IpProtocol.TCP).ttl(64).source(PEER).destination(US).write(packet, 0, tcpLength);
    return packet;
  }

  private static void receive(Host host, PacketPool pool, OwnerContext ctx, byte[] packet) {
    PacketBuffer buffer = pool.acquire();
    System.arraycopy(packet, 0, buffer.data(), 0, packet.length);
    buffer.setLength(packet.length);
    Connection owned = host.receive(buffer, ctx, NOW);
    if (owned != null) {
      owned.drain(ctx, NOW);
    }
  }

  @Test
  void anAckForAnEstablishedConnection_allocatesNothing() throws IOException {
    assertThat(bytesAllocatedBy10000Acks()).as("bytes allocated by 10,000 segments (one reading boxes a Long)")
        .isLessThan(1_000);
  }

  /**
   * The same with JFR started and every Sluice event recorded: the guards let nothing through
   * that steady state does not emit (an ACK changes no state), and the owner's naming of its stack
   * for the engine's events ({@code observe.OwnerScope}) reuses one object per thread.
   */
  @Test
  void anAck_whileSluiceEventsAreRecorded_allocatesNothing() throws IOException {
    try (Recording r = new Recording()) {
      for (String event : new String[] {"dev.sluice.ConnectionState", "dev.sluice.Retransmission",
          "dev.sluice.RstSent", "dev.sluice.RstReceived", "dev.sluice.FinDelivered", "dev.sluice.OwnershipHandoff"}) {
        r.enable(event);
      }
      r.start();
      assertThat(SluiceEvents.engineEventsEnabled()).isTrue();
      assertThat(bytesAllocatedBy10000Acks()).as("bytes allocated by 10,000 segments while recording").isLessThan(1_000);
    }
  }

  /** And once a recording has come and gone: JFR is initialized, the events are off. */
  @Test
  void anAck_afterARecordingStopped_allocatesNothing() throws IOException {
    try (Recording r = new Recording()) {
      r.start();
    }
    assertThat(SluiceEvents.engineEventsEnabled()).isFalse();
    assertThat(bytesAllocatedBy10000Acks()).as("bytes allocated by 10,000 segments with JFR idle").isLessThan(1_000);
  }

  private static long bytesAllocatedBy10000Acks() throws IOException {
    RecordingDevice device = new RecordingDevice("dev0"); // it copies only what is sent: the SYN
    Host host = new Host(HostConfig.builder().buildWith(h -> {
      h.workers = 1;
      h.clock = () -> NOW;
      h.watchdogNanos = 0;
      h.random = new java.util.SplittableRandom(13);
      h.tcp = TcpConfig.builder().buildWith(b -> b.timestamps = false);
    }));
    host.addInterface(device, "198.18.0.1/24");
    Connection connection = host.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 7));
    int iss = Bytes.i32(device.sent().get(0), Ipv4Packet.MIN_HEADER_LENGTH + 4);
    int port = connection.endpoints().localPort();
    PacketPool pool = new PacketPool(4, 1500);
    OwnerContext ctx = host.workers()[0].context;
    receive(host, pool, ctx, segment(port, 1000, iss + 1, TcpFlags.SYN | TcpFlags.ACK));
    assertThat(connection.isConnected()).isTrue();
    // A duplicate of the ACK that completed the handshake: nothing outstanding, nothing to send.
    byte[] ack = segment(port, 1001, iss + 1, TcpFlags.ACK);
    for (int i = 0; i < 50_000; i++) {
      receive(host, pool, ctx, ack); // warm-up: let the JIT compile the path
    }
    long least = AllocatedBytes.leastOf(3, () -> {
      for (int i = 0; i < 10_000; i++) {
        receive(host, pool, ctx, ack);
      }
    });
    assertThat(connection.isConnected()).isTrue();
    return least;
  }
}
