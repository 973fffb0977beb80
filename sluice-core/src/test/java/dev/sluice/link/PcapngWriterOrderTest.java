package dev.sluice.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture is written in timestamp order: a writer with a clock stamps each packet under its
 * lock, whatever stale time the transmitting thread passed; one without keeps the devices' times
 * but never lets the file step back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PcapngWriterOrderTest {
  private static final long EPOCH = 1_700_000_000_000_000_000L;
  private static final byte[] PACKET = TestPackets.tcp4(TestPackets.HOST_A, TestPackets.HOST_B, 40_000, 80,
      dev.sluice.wire.TcpFlags.ACK, 1, 1, 0, 10);

  @TempDir Path dir;

  @Test
  void realTimeWriter_manyThreadsWithStaleClockReads_fileIsInTimestampOrder() throws Exception {
    SimulatedLink link = new SimulatedNetwork(7).connect("a", "b", SimulatedLink.Config.defaults()
        .withReceiveQueues(4).withQueueCapacity(100_000).withBuffers(100_000));
    Path file = dir.resolve("threads.pcapng");
    int threads = 4;
    int perThread = 5_000;
    try (PcapngWriter writer = PcapngWriter.realTime(file, 128)) {
      writer.attach(link.a());
      writer.attach(link.b());
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        senders.add(Thread.ofPlatform().start(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < perThread; i++) {
            // As a worker does: one clock read serves a burst, so the time passed is stale by a
            // varying amount, up to 50 ms here. Delivery (the b side's taps) carries due times.
            long stale = System.nanoTime() - ((i * 7919L + id * 104_729L) % 50_000_000L);
            SimulatedInterface from = id % 2 == 0 ? link.a() : link.b();
            from.transmit(PACKET, 0, PACKET.length, stale);
          }
        }));
      }
      start.countDown();
      for (Thread t : senders) {
        t.join();
      }
      link.deliverDue(Long.MAX_VALUE);
      assertThat(writer.raisedTimestamps()).as("System.nanoTime() read under the lock never goes back").isZero();
    }
    List<Long> times = timestamps(ByteBuffer.wrap(Files.readAllBytes(file)));
    assertThat(times).as("every transmission and every delivery").hasSize(2 * threads * perThread);
    assertNonDecreasing(times);
    long now = System.currentTimeMillis() * 1_000_000L;
    assertThat(times.getFirst()).as("Unix time, nanoseconds").isBetween(now - 60_000_000_000L, now + 1_000_000_000L);
  }

  @Test
  void writerWithAClock_stampsFromItUnderTheLock_notFromTheDevice() throws Exception {
    AtomicLong clock = new AtomicLong();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SimulatedLink link = new SimulatedNetwork(1).connect("a", "b", SimulatedLink.Config.defaults());
    try (PcapngWriter writer = new PcapngWriter(out, EPOCH, 128, () -> clock.addAndGet(1_000))) {
      writer.attach(link.a());
      link.a().transmit(PACKET, 0, PACKET.length, 9_000_000); // device times that go backwards
      link.a().transmit(PACKET, 0, PACKET.length, 5);
      link.a().transmit(PACKET, 0, PACKET.length, 7_000_000);
    }
    assertThat(timestamps(ByteBuffer.wrap(out.toByteArray())))
        .containsExactly(EPOCH + 1_000, EPOCH + 2_000, EPOCH + 3_000);
  }

  @Test
  void writerWithoutAClock_keepsDeviceTimes_butRaisesOneThatStepsBack() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SimulatedLink link = new SimulatedNetwork(1).connect("a", "b", SimulatedLink.Config.defaults());
    long raised;
    try (PcapngWriter writer = new PcapngWriter(out, EPOCH, 128)) {
      writer.attach(link.a());
      link.a().transmit(PACKET, 0, PACKET.length, 5_000);
      link.a().transmit(PACKET, 0, PACKET.length, 3_000);
      link.a().transmit(PACKET, 0, PACKET.length, 8_000);
      raised = writer.raisedTimestamps();
    }
    assertThat(timestamps(ByteBuffer.wrap(out.toByteArray())))
        .containsExactly(EPOCH + 5_000, EPOCH + 5_000, EPOCH + 8_000);
    assertThat(raised).isEqualTo(1);
  }

  @Test
  void stampingUnderTheLock_allocatesNothingPerPacket() throws Exception {
    SimulatedLink link = new SimulatedNetwork(1).connect("a", "b", SimulatedLink.Config.defaults());
    try (PcapngWriter writer = new PcapngWriter(java.io.OutputStream.nullOutputStream(), EPOCH, 128,
        System::nanoTime)) {
      writer.attach(link.a());
      // A link with 100% loss: the channel keeps no buffer, so only the tap and the writer run.
      link.impair(new Impairments(1, 0, 0, 0, 0, 0), Impairments.NONE);
      for (int i = 0; i < 20_000; i++) {
        link.a().transmit(PACKET, 0, PACKET.length, i); // warm up: the JIT, the writer's buffers
      }
      long before = ThreadAllocation.current();
      for (int i = 0; i < 10_000; i++) {
        link.a().transmit(PACKET, 0, PACKET.length, i);
      }
      long allocated = ThreadAllocation.current() - before;
      assertThat(allocated).as("bytes for 10,000 captured packets").isLessThan(1_000);
    }
  }

  private static void assertNonDecreasing(List<Long> times) {
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i)).as("record %d after record %d", i + 1, i).isGreaterThanOrEqualTo(times.get(i - 1));
    }
  }

  /** The timestamp of every Enhanced Packet Block, in file order (the writer's single section). */
  private static List<Long> timestamps(ByteBuffer data) {
    data.order(ByteOrder.nativeOrder());
    List<Long> times = new ArrayList<>();
    int pos = 0;
    while (pos < data.limit()) {
      int type = data.getInt(pos);
      int length = data.getInt(pos + 4);
      if (type == 6) {
        times.add(((data.getInt(pos + 12) & 0xFFFF_FFFFL) << 32) | (data.getInt(pos + 16) & 0xFFFF_FFFFL));
      }
      pos += length;
    }
    return times;
  }
}
