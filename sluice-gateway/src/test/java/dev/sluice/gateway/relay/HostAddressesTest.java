package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Where {@link HostAddresses} re-reads, with the real re-reading thread ({@link DestinationRulesTest}
 * covers what a re-read changes, with re-reads run by hand): never on the thread of the lookup
 * that asked for it, which is a packet's, and always on one long-lived thread, not a new one each
 * time.
 */
class HostAddressesTest {
  private static final long LOOPBACK = 0x7F00_0001L;

  @Test
  void reReads_runLater_onOneLongLivedPlatformThread_neverOnTheLookupsOwn() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    Set<Thread> readers = ConcurrentHashMap.newKeySet();
    HostAddresses host = new HostAddresses(() -> {
      reads.incrementAndGet();
      readers.add(Thread.currentThread());
      return List.of(InetAddress.ofLiteral("127.0.0.1"));
    }, TimeUnit.MILLISECONDS.toNanos(1));
    assertThat(reads).as("read once, at construction").hasValue(1);
    readers.clear();
    for (int round = 0; round < 3; round++) {
      Thread.sleep(3); // past the interval: the next lookup asks for a re-read
      int before = reads.get();
      boolean found = host.contains(false, 0, LOOPBACK);
      int readsJustAfter = reads.get(); // before any assertion: the re-read is only 2 ms away
      assertThat(found).isTrue();
      assertThat(readsJustAfter).as("the lookup answered from the last reading, without reading").isEqualTo(before);
      awaitMoreThan(reads, before);
    }
    assertThat(readers).as("one thread did every re-read").hasSize(1);
    Thread reader = readers.iterator().next();
    assertThat(reader.getName()).isEqualTo(HostAddresses.THREAD_NAME);
    assertThat(reader.isVirtual()).isFalse();
    assertThat(reader.isDaemon()).as("it never keeps the JVM alive").isTrue();
    assertThat(reader).isNotSameAs(Thread.currentThread());
  }

  @Test
  void thisHost_isRead_itsLoopbackAmongItsAddresses() throws IOException {
    assertThat(HostAddresses.ofThisHost().contains(false, 0, LOOPBACK)).isTrue();
  }

  private static void awaitMoreThan(AtomicInteger reads, int than) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (reads.get() <= than) {
      assertThat(System.nanoTime() - deadline).as("a re-read within 10 s").isNegative();
      Thread.sleep(1);
    }
  }
}
