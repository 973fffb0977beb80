package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EphemeralPortsTest {
  private static final long LOCAL = 0xC000_0201L; // 192.0.2.1
  private static final long REMOTE = 0xC633_6407L; // 198.51.100.7
  private static final IntPredicate FREE = port -> false;

  private static int allocate(EphemeralPorts ports, int remotePort, IntPredicate inUse) {
    return ports.allocate(false, 0, LOCAL, 0, REMOTE, remotePort, inUse);
  }

  @Test
  void rangeIsValidated() {
    assertThatThrownBy(() -> new EphemeralPorts(0, 10, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0-10");
    assertThatThrownBy(() -> new EphemeralPorts(1000, 999, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EphemeralPorts(1024, 65536, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EphemeralPorts(-5, 10, 1)).isInstanceOf(IllegalArgumentException.class);
    EphemeralPorts single = new EphemeralPorts(5000, 5000, 1);
    assertThat(allocate(single, 80, FREE)).isEqualTo(5000);
    EphemeralPorts whole = new EphemeralPorts(1, 65535, 1);
    assertThat(allocate(whole, 80, FREE)).isBetween(1, 65535);
  }

  @Test
  void defaults_areTheIanaDynamicRange() {
    EphemeralPorts ports = EphemeralPorts.withRandomSecret();
    assertThat(ports.first()).isEqualTo(49152);
    assertThat(ports.last()).isEqualTo(65535);
    assertThat(EphemeralPorts.defaultRange(7).first()).isEqualTo(EphemeralPorts.DEFAULT_FIRST);
    for (int i = 0; i < 1_000; i++) {
      assertThat(allocate(ports, 443, FREE)).isBetween(49152, 65535);
    }
  }

  @Test
  void sameSecret_sameSequence_otherSecret_otherSequence() {
    List<Integer> a = sequence(EphemeralPorts.defaultRange(42));
    List<Integer> b = sequence(EphemeralPorts.defaultRange(42));
    List<Integer> c = sequence(EphemeralPorts.defaultRange(43));
    assertThat(a).isEqualTo(b);
    assertThat(c).isNotEqualTo(a);
  }

  private static List<Integer> sequence(EphemeralPorts ports) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      out.add(ports.allocate(i % 2 == 0, 7, LOCAL, 9, REMOTE + i, 1000 + i % 7, FREE));
    }
    return out;
  }

  @Test
  void oneRemoteEndpoint_walksTheRangeSequentially() {
    // RFC 6056 §3.3.3: for one endpoint, port = min + (next_ephemeral + offset) % num, and
    // next_ephemeral goes up by one per connection, so the ports are consecutive (mod the range).
    EphemeralPorts ports = new EphemeralPorts(1000, 1099, 9);
    int first = allocate(ports, 80, FREE);
    for (int i = 1; i < 250; i++) {
      assertThat(allocate(ports, 80, FREE)).isEqualTo(1000 + (first - 1000 + i) % 100);
    }
  }

  @Test
  void neverReturnsAPortInUse_andSkipsToTheNextFreeOne() {
    EphemeralPorts ports = new EphemeralPorts(2000, 2009, 5);
    BitSet used = new BitSet();
    for (int i = 0; i < 10; i++) {
      int port = allocate(ports, 80, used::get);
      assertThat(port).isBetween(2000, 2009);
      assertThat(used.get(port)).as("port %d handed out twice", port).isFalse();
      used.set(port);
    }
    assertThat(used.cardinality()).isEqualTo(10);
    assertThat(allocate(ports, 80, used::get)).as("range exhausted").isEqualTo(-1);
    used.clear(2004);
    assertThat(allocate(ports, 80, used::get)).isEqualTo(2004);
  }

  @Test
  void fullRange_returnsMinusOne_afterTryingEveryPortOnce() {
    EphemeralPorts ports = EphemeralPorts.defaultRange(3);
    BitSet asked = new BitSet();
    int[] calls = {0};
    int port = allocate(ports, 80, p -> {
      calls[0]++;
      asked.set(p);
      return true;
    });
    assertThat(port).isEqualTo(-1);
    assertThat(calls[0]).isEqualTo(16384);
    assertThat(asked.cardinality()).isEqualTo(16384);
    assertThat(asked.nextSetBit(0)).isEqualTo(49152);
    assertThat(asked.length() - 1).isEqualTo(65535);
  }

  @Test
  void differentRemoteEndpoints_startAtSpreadOffsets() {
    EphemeralPorts ports = EphemeralPorts.defaultRange(0x5EC2E7L);
    Set<Long> offsets = new HashSet<>();
    Set<Integer> firstPorts = new HashSet<>();
    for (int remotePort = 1; remotePort <= 1_000; remotePort++) {
      offsets.add(ports.offset(false, 0, LOCAL, 0, REMOTE, remotePort));
      firstPorts.add(EphemeralPorts.defaultRange(0x5EC2E7L).allocate(false, 0, LOCAL, 0, REMOTE, remotePort, FREE));
    }
    // 1000 draws from 16384 values: about 30 collisions expected if uniform; all in one place if not.
    assertThat(offsets).hasSizeGreaterThan(940);
    assertThat(firstPorts).hasSizeGreaterThan(940);
    // The remote address, the local address and the family move the offset too.
    long base = ports.offset(false, 0, LOCAL, 0, REMOTE, 80);
    assertThat(ports.offset(false, 0, LOCAL, 0, REMOTE + 1, 80)).isNotEqualTo(base);
    assertThat(ports.offset(false, 0, LOCAL + 1, 0, REMOTE, 80)).isNotEqualTo(base);
    assertThat(ports.offset(true, 0, LOCAL, 0, REMOTE, 80)).isNotEqualTo(base);
    assertThat(ports.offset(true, 1, LOCAL, 0, REMOTE, 80))
        .isNotEqualTo(ports.offset(true, 0, LOCAL, 0, REMOTE, 80));
  }

  @Test
  void differentSecrets_giveUnrelatedOffsets() {
    // An attacker who sees our port for one endpoint learns nothing about another secret's.
    Set<Long> offsets = new HashSet<>();
    for (long secret = 0; secret < 500; secret++) {
      offsets.add(EphemeralPorts.defaultRange(secret).offset(false, 0, LOCAL, 0, REMOTE, 80));
    }
    assertThat(offsets).hasSizeGreaterThan(470);
  }

  /** Seeded property: against a random in-use set, the result is free, or -1 only when all are used. */
  @RepeatedTest(50)
  void randomInUseSets_neverYieldAnInUsePort(RepetitionInfo repetition) {
    long seed = 0xE9_4E_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    int first = 1 + random.nextInt(65000);
    int last = Math.min(65535, first + random.nextInt(64));
    EphemeralPorts ports = new EphemeralPorts(first, last, random.nextLong());
    BitSet used = new BitSet();
    for (int p = first; p <= last; p++) {
      if (random.nextInt(4) != 0) {
        used.set(p);
      }
    }
    for (int step = 0; step < 200; step++) {
      int port = ports.allocate(random.nextBoolean(), random.nextLong(), random.nextLong(),
          random.nextLong(), random.nextLong(), random.nextInt(65536), used::get);
      int free = (last - first + 1) - used.get(first, last + 1).cardinality();
      if (free == 0) {
        assertThat(port).as("seed %d step %d", seed, step).isEqualTo(-1);
        used.clear(first + random.nextInt(last - first + 1));
      } else {
        assertThat(port).as("seed %d step %d", seed, step).isBetween(first, last);
        assertThat(used.get(port)).as("seed %d step %d port %d", seed, step, port).isFalse();
        used.set(port);
      }
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void concurrentCallers_claimingPorts_fillTheRangeExactly() throws Exception {
    // Each caller claims the port it got (as putIfAbsent on the connection table would) and
    // retries on a clash; together they must use every port once and then all see -1.
    EphemeralPorts ports = new EphemeralPorts(30000, 30999, 11);
    Set<Integer> claimed = ConcurrentHashMap.newKeySet();
    List<List<Integer>> got = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      List<Integer> mine = new ArrayList<>();
      got.add(mine);
      threads.add(new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        while (true) {
          int port = allocate(ports, 443, claimed::contains);
          if (port < 0) {
            return;
          }
          if (claimed.add(port)) {
            mine.add(port);
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    Set<Integer> all = new HashSet<>();
    for (List<Integer> list : got) {
      for (int port : list) {
        assertThat(all.add(port)).as("port %d twice", port).isTrue();
      }
    }
    assertThat(all).hasSize(1000);
  }
}
