package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.wire.DropReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real TUN device whose receive queue nobody drains, fed by the kernel with SYNs and then UDP:
 * once the queue is three quarters full the SYNs are shed ({@link SynShedding}), and the last quarter still
 * takes the UDP datagrams, which a queue that dropped everything alike would have lost. Inside a
 * namespace of its own, with 198.18.167.0/24 only. Needs root; skipped otherwise.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TunSynSheddingTest {
  private static final int SYNS = 500;
  private static final int DATAGRAMS = 300;

  private NetworkNamespace ns;
  private TunDevice device;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (device != null) {
        device.close();
      }
    } finally {
      if (ns != null) {
        ns.close();
      }
    }
  }

  @Test
  void aQueueHalfFullOfSyns_shedsTheRest_andKeepsTheOtherHalfForEverythingElse() throws Exception {
    assumeTrue(TunDeviceTest.isRoot() && Files.exists(Path.of("/dev/net/tun")),
        "needs root and /dev/net/tun (a namespace and a TUN device); skipped");
    ns = NetworkNamespace.create();
    device = TunDevice.open(ns.path(), "sluice0", 1, 1500, TunOffload.OFF);
    ns.execChecked("ip", "link", "set", "dev", "sluice0", "up", "mtu", "1500");
    ns.execChecked("ip", "addr", "add", "198.18.167.1/24", "dev", "sluice0");

    // The kernel's own connect(2)s send the SYNs (nobody answers; the sockets close before their
    // first retransmission, 1 s later). Sent in bursts of 50, well under the 500 packets that the
    // kernel's side of the device holds for the reader (txqueuelen): what is lost, Sluice loses.
    ns.execChecked("python3", "-c", String.join("\n",
        "import socket, time",
        "held = []",
        "for i in range(" + SYNS + "):",
        "    s = socket.socket(); s.setblocking(False); s.connect_ex(('198.18.167.2', 80)); held.append(s)",
        "    if i % 50 == 49: time.sleep(0.02)",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "for i in range(" + DATAGRAMS + "):",
        "    u.sendto(b'x' * 32, ('198.18.167.2', 9))",
        "    if i % 50 == 49: time.sleep(0.02)"));

    int capacity = TunDevice.RECEIVE_QUEUE_CAPACITY;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // Every datagram has arrived once those that found no room are counted with those queued.
    while (device.queued(0) + device.drops().get(DropReason.RX_QUEUE_FULL) < capacity * 3 / 4 + DATAGRAMS
        && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    int syns = 0;
    int datagrams = 0;
    PacketBuffer packet;
    while ((packet = device.poll(0)) != null) {
      byte[] bytes = TestPackets.bytes(packet);
      packet.release();
      if (SynShedding.isBareSyn(bytes, bytes.length)) {
        syns++;
      } else if (bytes[9] == 17) {
        datagrams++;
      }
    }
    assertThat(syns).as("SYNs queued: up to three quarters of the queue").isEqualTo(capacity * 3 / 4);
    assertThat(datagrams).as("datagrams queued: the last quarter").isEqualTo(capacity / 4);
    assertThat(device.drops().get(DropReason.RX_SYN_SHED)).as("SYNs shed")
        .isGreaterThanOrEqualTo(SYNS - capacity * 3 / 4);
    assertThat(device.drops().get(DropReason.RX_QUEUE_FULL)).as("datagrams that found the queue full")
        .isEqualTo(DATAGRAMS - capacity / 4);
    String kernelDrops = ns.execChecked("cat", "/sys/class/net/sluice0/statistics/tx_dropped").strip();
    assertThat(kernelDrops.substring(kernelDrops.lastIndexOf(' ') + 1))
        .as("packets the kernel could not hand the reader").isEqualTo("0");
  }
}
