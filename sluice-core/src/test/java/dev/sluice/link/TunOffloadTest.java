package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bulk TCP both ways between Sluice on a TUN device and the kernel's own TCP in a namespace of the
 * test's making (198.18.242.0/24): with offloads, the bytes arrive intact (sha256 on both sides)
 * and large segments really crossed the device in both directions (its counters); with {@link
 * TunOffload#OFF}, the plain path carries the same bytes and no virtio header is in sight. Skipped
 * unless root with {@code /dev/net/tun}; the kernel-side peer is socat (scripts/install-test-deps.sh).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TunOffloadTest {
  private static final String KERNEL = "198.18.242.1";
  private static final String SLUICE = "198.18.242.2";
  private static final int MTU = 1500;
  private static final int BYTES = 8 << 20;
  private static final int DOWNLOAD_PORT = 5001;
  private static final int UPLOAD_PORT = 5002;
  private NetworkNamespace ns;
  private TunDevice device;
  private NetStack stack;

  @BeforeEach
  void createNamespace() throws IOException, InterruptedException {
    assumeTrue(TunDeviceTest.isRoot(), "needs root for a namespace and a TUN device; skipped");
    assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun; skipped");
    ns = NetworkNamespace.create();
  }

  @AfterEach
  void cleanUp() throws IOException, InterruptedException {
    try {
      if (stack != null) {
        stack.close();
      }
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
  void bulkBothWaysCrossesTheDeviceAsLargeSegments() throws Exception {
    start(TunOffload.AUTO);
    assertThat(device.usesVirtioHeaders()).isTrue();
    assertThat(device.segmentationLimit()).isEqualTo(TcpCoalescer.MAX_BATCH);
    assertThat(device.offloads() & 0x07).as("CSUM, TSO4, TSO6").isEqualTo(0x07);
    assertThat(ns.execChecked("ethtool", "-k", "sluice0")).contains("tcp-segmentation-offload: on");
    OutboundChecksums checksums = new OutboundChecksums();
    device.addTap(checksums);

    transferBothWays();

    assertThat(device.largeSegmentsSent()).as("Sluice -> kernel writes of more than one segment").isPositive();
    assertThat(device.largeSegmentsReceived()).as("kernel -> Sluice reads of more than one segment").isPositive();
    assertThat(device.badVirtioHeaders()).isZero();
    assertThat(device.drops().total()).isZero();
    checksums.assertAllGood();
  }

  /**
   * At MTU 65520 (the gateway's) one segment is already the largest write, so Sluice's segments go
   * out whole, their checksums left to the kernel (NEEDS_CSUM, no GSO); the bytes arrive intact
   * both ways, and every segment a capture sees carries the checksum the kernel completes.
   */
  @Test
  void atMtu65520_segmentsGoOutWhole_withTheirChecksumsLeftToTheKernel() throws Exception {
    start(TunOffload.AUTO, 65_520);
    OutboundChecksums checksums = new OutboundChecksums();
    device.addTap(checksums);

    transferBothWays();

    assertThat(device.badVirtioHeaders()).isZero();
    assertThat(device.drops().total()).isZero();
    checksums.assertAllGood();
    assertThat(checksums.largest.get()).as("segments of more than 60,000 bytes went out").isGreaterThan(60_000);
  }

  /** Verifies the TCP checksum of every packet Sluice sends, as a capture sees it. */
  private static final class OutboundChecksums implements PacketTap {
    final java.util.concurrent.atomic.AtomicInteger good = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.Queue<String> bad = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public void onPacket(Device device, Direction direction, byte[] buf, int off, int len, long timeNanos) {
      if (direction != Direction.OUTBOUND) {
        return;
      }
      var decoder = new dev.sluice.wire.PacketDecoder(new dev.sluice.wire.DropCounters());
      var reason = decoder.decodeIp(buf, off, len);
      if (reason == null) {
        good.incrementAndGet();
        largest.accumulateAndGet(len, Math::max);
      } else {
        bad.add(reason + " (" + len + " bytes)");
      }
    }

    void assertAllGood() {
      assertThat(bad).as("outbound packets that fail to decode").isEmpty();
      assertThat(good.get()).as("outbound packets seen").isPositive();
    }
  }

  @Test
  void plainPathCarriesTheSameBytesWithoutVirtioHeaders() throws Exception {
    start(TunOffload.OFF);
    assertThat(device.usesVirtioHeaders()).isFalse();
    assertThat(device.offloads()).isZero();
    assertThat(device.segmentationLimit()).isZero();
    assertThat(ns.execChecked("ethtool", "-k", "sluice0")).contains("tcp-segmentation-offload: off");

    transferBothWays();

    assertThat(device.largeSegmentsSent()).isZero();
    assertThat(device.largeSegmentsReceived()).isZero();
  }

  private void start(TunOffload offload) throws IOException, InterruptedException {
    start(offload, MTU);
  }

  private void start(TunOffload offload, int mtu) throws IOException, InterruptedException {
    device = TunDevice.open(ns.path(), "sluice0", 1, mtu, offload);
    ns.execChecked("ip", "link", "set", "dev", "sluice0", "up", "mtu", Integer.toString(mtu));
    ns.execChecked("ip", "addr", "add", KERNEL + "/24", "dev", "sluice0");
    stack = NetStack.builder().addInterface(device, SLUICE + "/24").workers(1).build();
  }

  private void transferBothWays() throws Exception {
    byte[] data = new byte[BYTES];
    new Random(15).nextBytes(data);
    String expected = sha256(data);
    try (TcpServer server = stack.listen(DOWNLOAD_PORT)) {
      server.setAcceptTimeout(Duration.ofSeconds(30));
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try (TcpConnection c = server.accept(); OutputStream out = c.getOutputStream()) {
          for (int off = 0; off < BYTES; off += 100_000) {
            out.write(data, off, Math.min(100_000, BYTES - off));
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      String received = ns.execChecked("sh", "-c",
          "socat -u TCP:" + SLUICE + ":" + DOWNLOAD_PORT + " STDOUT | sha256sum");
      sent.get(30, TimeUnit.SECONDS);
      assertThat(received).as("download").contains(expected);
    }
    Path file = Files.createTempFile("sluice-tun-upload", ".bin");
    try (TcpServer server = stack.listen(UPLOAD_PORT)) {
      Files.write(file, data);
      server.setAcceptTimeout(Duration.ofSeconds(30));
      CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
        try (TcpConnection c = server.accept(); InputStream in = c.getInputStream()) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          byte[] chunk = new byte[64 * 1024];
          long total = 0;
          for (int n; (n = in.read(chunk)) > 0 && total <= BYTES; total += n) {
            sha.update(chunk, 0, n);
          }
          return HexFormat.of().formatHex(sha.digest()) + " " + total;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      ns.execChecked("socat", "-u", "FILE:" + file, "TCP:" + SLUICE + ":" + UPLOAD_PORT);
      assertThat(read.get(30, TimeUnit.SECONDS)).as("upload").isEqualTo(expected + " " + BYTES);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
