package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.tcp.TcpEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConnectionTableTest {
  private static final long K0 = 0x0706050403020100L;
  private static final long K1 = 0x0f0e0d0c0b0a0908L;

  private static final int LOCAL4 = 0xC0A8_0001; // 192.168.0.1
  private static final int REMOTE4 = 0xC633_6407; // 198.51.100.7
  private static final long DOC6_HIGH = 0x2001_0db8_0000_0000L; // 2001:db8::/32

  private static TcpEndpoints v4(int remotePort) {
    return TcpEndpoints.ipv4(LOCAL4, 80, REMOTE4, remotePort);
  }

  private static TcpEndpoints v6(long remoteLow, int remotePort) {
    return TcpEndpoints.ipv6(DOC6_HIGH, 1, 443, DOC6_HIGH | 0xFFFF, remoteLow, remotePort);
  }

  private static ConnectionTable<String> table(int initialCapacity) {
    return new ConnectionTable<>(initialCapacity, K0, K1);
  }

  // ---------------------------------------------------------------- basics

  @Test
  void emptyTable_findsNothing() {
    ConnectionTable<String> table = table(16);
    assertThat(table.get(v4(1234))).isNull();
    assertThat(table.get(v6(5, 1234))).isNull();
    assertThat(table.size()).isZero();
  }

  @Test
  void ipv4Key_isFoundByRecordAndByPrimitives() {
    ConnectionTable<String> table = table(16);
    TcpEndpoints key = v4(40000);
    assertThat(table.putIfAbsent(key, "a")).isNull();
    assertThat(table.get(key)).isEqualTo("a");
    assertThat(table.get(false, 0, Integer.toUnsignedLong(LOCAL4), 80, 0,
        Integer.toUnsignedLong(REMOTE4), 40000)).isEqualTo("a");
    assertThat(table.size()).isEqualTo(1);
  }

  @Test
  void ipv6Key_isFoundByRecordAndByPrimitives() {
    ConnectionTable<String> table = table(16);
    TcpEndpoints key = v6(0xABCDL, 50000);
    assertThat(table.putIfAbsent(key, "b")).isNull();
    assertThat(table.get(key)).isEqualTo("b");
    assertThat(table.get(true, DOC6_HIGH, 1, 443, DOC6_HIGH | 0xFFFF, 0xABCDL, 50000))
        .isEqualTo("b");
  }

  @Test
  void ipv4AndIpv6KeysWithTheSameNumbers_areDistinct() {
    // ::192.168.0.1 (IPv4-compatible) holds the same numbers as 192.168.0.1; only the family differs.
    ConnectionTable<String> table = table(4);
    TcpEndpoints four = v4(1000);
    TcpEndpoints six = new TcpEndpoints(true, four.localHigh(), four.localLow(), four.localPort(),
        four.remoteHigh(), four.remoteLow(), four.remotePort());
    table.putIfAbsent(four, "v4");
    assertThat(table.get(six)).isNull();
    table.putIfAbsent(six, "v6");
    assertThat(table.get(four)).isEqualTo("v4");
    assertThat(table.get(six)).isEqualTo("v6");
  }

  @Test
  void keysDifferingInOneFieldOnly_areDistinct() {
    TcpEndpoints base = new TcpEndpoints(true, 11, 12, 13, 14, 15, 16);
    List<TcpEndpoints> variants = List.of(
        new TcpEndpoints(false, 11, 12, 13, 14, 15, 16),
        new TcpEndpoints(true, 99, 12, 13, 14, 15, 16),
        new TcpEndpoints(true, 11, 99, 13, 14, 15, 16),
        new TcpEndpoints(true, 11, 12, 99, 14, 15, 16),
        new TcpEndpoints(true, 11, 12, 13, 99, 15, 16),
        new TcpEndpoints(true, 11, 12, 13, 14, 99, 16),
        new TcpEndpoints(true, 11, 12, 13, 14, 15, 99),
        // local and remote swapped: the reverse direction is another key
        new TcpEndpoints(true, 14, 15, 16, 11, 12, 13));
    ConnectionTable<String> table = table(4);
    table.putIfAbsent(base, "base");
    for (TcpEndpoints variant : variants) {
      if (!variant.ipv6() && variant.localHigh() != 0) {
        assertThat(table.get(variant)).as("%s", variant).isNull();
        continue; // not a valid IPv4 key; get must still miss it
      }
      assertThat(table.get(variant)).as("%s", variant).isNull();
      assertThat(table.putIfAbsent(variant, variant.toString())).as("%s", variant).isNull();
    }
    assertThat(table.get(base)).isEqualTo("base");
    for (TcpEndpoints variant : variants) {
      if (variant.ipv6()) {
        assertThat(table.get(variant)).isEqualTo(variant.toString());
      }
    }
    assertThat(table.size()).isEqualTo(8); // base and the seven valid variants
  }

  @Test
  void putIfAbsent_keepsTheFirstValue() {
    ConnectionTable<String> table = table(4);
    TcpEndpoints key = v4(1);
    assertThat(table.putIfAbsent(key, "first")).isNull();
    assertThat(table.putIfAbsent(key, "second")).isEqualTo("first");
    assertThat(table.get(key)).isEqualTo("first");
    assertThat(table.size()).isEqualTo(1);
  }

  @Test
  void remove_onlyWhenMappedToThatExactValue() {
    ConnectionTable<String> table = table(4);
    TcpEndpoints key = v4(1);
    String owner = new String("conn");
    String lookalike = new String("conn"); // equal but not the same connection
    table.putIfAbsent(key, owner);
    assertThat(table.remove(key, lookalike)).isFalse();
    assertThat(table.remove(key, "other")).isFalse();
    assertThat(table.remove(v4(2), owner)).isFalse();
    assertThat(table.get(key)).isSameAs(owner);
    assertThat(table.remove(key, owner)).isTrue();
    assertThat(table.get(key)).isNull();
    assertThat(table.remove(key, owner)).isFalse();
    assertThat(table.size()).isZero();
  }

  @Test
  void nullsAndMalformedKeys_areRejected() {
    ConnectionTable<String> table = table(4);
    assertThatThrownBy(() -> table.putIfAbsent(v4(1), null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> table.putIfAbsent(null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> table.putIfAbsent(new TcpEndpoints(false, 1, 2, 3, 0, 4, 5), "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
    assertThatThrownBy(() -> table.putIfAbsent(new TcpEndpoints(false, 0, 1L << 32, 3, 0, 4, 5), "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> table.putIfAbsent(new TcpEndpoints(true, 0, 1, 65536, 0, 4, 5), "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> table.putIfAbsent(new TcpEndpoints(true, 0, 1, 3, 0, 4, -1), "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConnectionTable<String>(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(table.size()).isZero();
  }

  @Test
  void extremeFieldValues_roundTrip() {
    ConnectionTable<String> table = table(4);
    TcpEndpoints v4 = TcpEndpoints.ipv4(-1, 65535, 0, 0);
    TcpEndpoints v6 = TcpEndpoints.ipv6(-1, -1, 65535, Long.MIN_VALUE, Long.MAX_VALUE, 0);
    table.putIfAbsent(v4, "four");
    table.putIfAbsent(v6, "six");
    assertThat(table.get(v4)).isEqualTo("four");
    assertThat(table.get(v6)).isEqualTo("six");
  }

  @Test
  void tombstones_areReusedAndCleanedUp() {
    ConnectionTable<String> table = table(64); // 128 slots: no growth below 64 entries
    int capacity = table.capacity();
    List<TcpEndpoints> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add(v4(i));
      table.putIfAbsent(keys.get(i), "v" + i);
    }
    // Churn far beyond the capacity: removal leaves tombstones, insertion reuses them, and a
    // rebuild clears them, so the array never grows while the population stays at 40.
    for (int round = 0; round < 2_000; round++) {
      int victim = round % 40;
      assertThat(table.remove(keys.get(victim), table.get(keys.get(victim)))).isTrue();
      assertThat(table.get(keys.get(victim))).isNull();
      TcpEndpoints fresh = v4(1_000 + round);
      keys.set(victim, fresh);
      assertThat(table.putIfAbsent(fresh, "r" + round)).isNull();
      assertThat(table.size()).isEqualTo(40);
    }
    assertThat(table.capacity()).isEqualTo(capacity);
    for (TcpEndpoints key : keys) {
      assertThat(table.get(key)).isNotNull();
    }
  }

  @Test
  void removeThenReinsertSameKey_reusesItsTombstone() {
    ConnectionTable<String> table = table(64);
    for (int i = 0; i < 10; i++) {
      table.putIfAbsent(v4(i), "x" + i);
    }
    for (int round = 0; round < 1_000; round++) {
      String old = table.get(v4(3));
      assertThat(table.remove(v4(3), old)).isTrue();
      assertThat(table.putIfAbsent(v4(3), "again" + round)).isNull();
      assertThat(table.get(v4(3))).isEqualTo("again" + round);
    }
    assertThat(table.size()).isEqualTo(10);
    assertThat(table.capacity()).isEqualTo(128);
  }

  @Test
  void growsThroughManyResizesTo100kEntries_thenShrinksWhenAllAreRemoved() {
    ConnectionTable<Integer> table = new ConnectionTable<>(1, K0, K1);
    int initialCapacity = table.capacity();
    int n = 100_000;
    Set<Integer> capacities = new HashSet<>();
    for (int i = 0; i < n; i++) {
      assertThat(table.putIfAbsent(key(i), i)).isNull();
      capacities.add(table.capacity());
    }
    assertThat(capacities.size()).as("resizes").isGreaterThan(10);
    assertThat(table.size()).isEqualTo(n);
    assertThat(table.capacity()).isLessThanOrEqualTo(4 * Integer.highestOneBit(n) * 2);
    for (int i = 0; i < n; i++) {
      assertThat(table.get(key(i))).isEqualTo(i);
    }
    for (int i = 0; i < n; i++) {
      Integer value = table.get(key(i));
      assertThat(table.remove(key(i), value)).isTrue();
      if (i % 9_973 == 0) {
        for (int j = i + 1; j < n; j += 101) {
          assertThat(table.get(key(j))).isEqualTo(j);
        }
      }
    }
    assertThat(table.size()).isZero();
    assertThat(table.capacity()).as("memory is given back after a flood").isEqualTo(initialCapacity);
    int[] seen = {0};
    table.forEach((k, v) -> seen[0]++);
    assertThat(seen[0]).isZero();
  }

  /** Distinct keys of both families: even i are IPv4, odd i IPv6. */
  private static TcpEndpoints key(int i) {
    if ((i & 1) == 0) {
      return TcpEndpoints.ipv4(0x0A00_0000 | (i >>> 16), 8080, 0x0A01_0000 | (i & 0xFFFF), i & 0xFFFF);
    }
    return TcpEndpoints.ipv6(DOC6_HIGH, 1, 443, DOC6_HIGH, i, 1024 + (i & 0x7FFF));
  }

  @Test
  void forEach_visitsEveryEntryOnce() {
    ConnectionTable<Integer> table = new ConnectionTable<>(2, K0, K1);
    Map<TcpEndpoints, Integer> expected = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      table.putIfAbsent(key(i), i);
      expected.put(key(i), i);
    }
    for (int i = 0; i < 1_000; i += 3) {
      assertThat(table.remove(key(i), table.get(key(i)))).isTrue(); // values compare by identity
      expected.remove(key(i));
    }
    Map<TcpEndpoints, Integer> seen = new HashMap<>();
    table.forEach((k, v) -> assertThat(seen.put(k, v)).as("seen twice: %s", k).isNull());
    assertThat(seen).isEqualTo(expected);
  }

  @Test
  void get_allocatesNothing() {
    ConnectionTable<Integer> table = new ConnectionTable<>(1_024, K0, K1);
    for (int i = 0; i < 1_000; i++) {
      table.putIfAbsent(key(i), i);
    }
    TcpEndpoints hit4 = key(10);
    TcpEndpoints hit6 = key(11);
    TcpEndpoints miss = key(5_000);
    long[] found = {0};
    Runnable lookups = () -> {
      for (int i = 0; i < 200_000; i++) {
        found[0] += table.get(hit4) != null ? 1 : 0;
        found[0] += table.get(true, hit6.localHigh(), hit6.localLow(), hit6.localPort(),
            hit6.remoteHigh(), hit6.remoteLow(), hit6.remotePort()) != null ? 1 : 0;
        found[0] += table.get(miss) != null ? 1 : 0;
      }
    };
    lookups.run(); // two rounds to warm up
    lookups.run();
    long least = AllocatedBytes.leastOf(3, lookups);
    assertThat(least).as("bytes allocated by 600,000 lookups").isLessThan(1_024);
    assertThat(found[0]).isEqualTo(5 * 2 * 200_000);
  }

  // ---------------------------------------------------------------- hash flooding

  /**
   * A peer controls its address and port. Keys that differ only in the remote port (or only in
   * the low bits of the remote address) must still spread over the array: with a degenerate hash
   * they would form one probe run as long as the table. Asserts structure, not timing.
   */
  @Test
  void keysDifferingOnlyInRemotePort_spreadOverTheTable() {
    ConnectionTable<Integer> table = new ConnectionTable<>(1);
    for (int port = 0; port < 65_536; port++) {
      assertThat(table.putIfAbsent(v4(port), port)).isNull();
    }
    assertThat(table.longestProbe()).as("longest probe run of 65536 chosen keys").isLessThan(64);
    for (int port = 0; port < 65_536; port++) {
      assertThat(table.get(v4(port))).isEqualTo(port);
    }
  }

  @Test
  void keysDifferingOnlyInRemoteAddressLowBits_spreadOverTheTable() {
    ConnectionTable<Integer> table = new ConnectionTable<>(1);
    for (int i = 0; i < 65_536; i++) {
      table.putIfAbsent(v6(i, 80), i);
    }
    assertThat(table.longestProbe()).isLessThan(64);
  }

  @Test
  void theKeyDecidesTheLayout() {
    // Same keys, different secrets: the slot order differs, so an attacker's collision set for one
    // table (if it could find one) is not one for another. Same secret: same order (determinism).
    List<TcpEndpoints> a = order(new ConnectionTable<>(64, K0, K1));
    List<TcpEndpoints> b = order(new ConnectionTable<>(64, K0, K1));
    List<TcpEndpoints> c = order(new ConnectionTable<>(64, K0 + 1, K1));
    assertThat(a).isEqualTo(b);
    assertThat(c).containsExactlyInAnyOrderElementsOf(a).isNotEqualTo(a);
  }

  private static List<TcpEndpoints> order(ConnectionTable<Integer> table) {
    for (int port = 0; port < 50; port++) {
      table.putIfAbsent(v4(port), port);
    }
    List<TcpEndpoints> order = new ArrayList<>();
    table.forEach((k, v) -> order.add(k));
    return order;
  }

  // ---------------------------------------------------------------- seeded property

  /** Random operations on a small key space agree with a HashMap model at every step. */
  @RepeatedTest(100)
  void randomOperations_matchAHashMapModel(RepetitionInfo repetition) {
    long seed = 0xC0_7AB1E_0000L + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    ConnectionTable<Integer> table =
        new ConnectionTable<>(random.nextInt(8), random.nextLong(), random.nextLong());
    Map<TcpEndpoints, Integer> model = new HashMap<>();
    int keySpace = 1 + random.nextInt(300);
    Integer[] values = new Integer[4];
    for (int i = 0; i < values.length; i++) {
      values[i] = 1_000 + i; // distinct objects outside the Integer cache, compared by identity
    }
    for (int step = 0; step < 2_000; step++) {
      TcpEndpoints key = key(random.nextInt(keySpace));
      Integer value = values[random.nextInt(values.length)];
      switch (random.nextInt(3)) {
        case 0 -> assertThat(table.putIfAbsent(key, value))
            .as("seed %d step %d putIfAbsent %s", seed, step, key).isSameAs(model.putIfAbsent(key, value));
        case 1 -> {
          boolean expected = model.get(key) == value;
          if (expected) {
            model.remove(key);
          }
          assertThat(table.remove(key, value)).as("seed %d step %d remove %s", seed, step, key)
              .isEqualTo(expected);
        }
        default -> assertThat(table.get(key)).as("seed %d step %d get %s", seed, step, key)
            .isSameAs(model.get(key));
      }
      assertThat(table.size()).as("seed %d step %d", seed, step).isEqualTo(model.size());
    }
    for (int i = 0; i < keySpace; i++) {
      assertThat(table.get(key(i))).as("seed %d final %d", seed, i).isSameAs(model.get(key(i)));
    }
    Map<TcpEndpoints, Integer> listed = new HashMap<>();
    table.forEach(listed::put);
    assertThat(listed).as("seed %d", seed).isEqualTo(model);
  }

  // ---------------------------------------------------------------- torture

  /**
   * Two writers churn their own keys (forcing growth, tombstones, rebuilds and shrinks) while two
   * readers look up permanent keys inserted beforehand, which must be found every single time, and
   * the writers' keys, which may or may not be there but must never map to a wrong value.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void readersAlwaysFindPermanentKeys_whileWritersResizeAndChurn() throws Exception {
    long seed = 0x70_27_0E_E5L;
    ConnectionTable<Integer> table = new ConnectionTable<>(1, K0, K1);
    int permanent = 64;
    for (int i = 0; i < permanent; i++) {
      table.putIfAbsent(key(i), i);
    }
    int writerOps = 200_000;
    AtomicBoolean writersDone = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicLong lookups = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);

    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed + writer);
        // Own keys: disjoint from the permanent ones and from the other writer's.
        int baseKey = 1_000_000 * (writer + 1);
        Integer[] mine = new Integer[600]; // the exact objects inserted, null when absent
        try {
          start.await();
          for (int op = 0; op < writerOps && System.nanoTime() < deadline; op++) {
            int k = random.nextInt(mine.length);
            // Alternating phases of mostly-insert and mostly-remove, so the array grows and
            // shrinks over and over while the readers probe it.
            boolean inserting = ((op / 2_000) & 1) == 0 ? random.nextInt(10) < 8 : random.nextInt(10) < 2;
            TcpEndpoints key = key(baseKey + k);
            if (inserting && mine[k] == null) {
              Integer value = Integer.valueOf(baseKey + k);
              if (table.putIfAbsent(key, value) != null) {
                failures.add("writer " + writer + " op " + op + " found its absent key " + k);
              }
              mine[k] = value;
            } else if (!inserting && mine[k] != null) {
              if (!table.remove(key, mine[k])) {
                failures.add("writer " + writer + " op " + op + " could not remove its key " + k);
              }
              mine[k] = null;
            }
          }
        } catch (Throwable t) {
          failures.add("writer " + writer + ": " + t);
        }
      }, "writer-" + w));
    }
    for (int r = 0; r < 2; r++) {
      int reader = r;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed + 100 + reader);
        try {
          start.await();
          while (!writersDone.get() && System.nanoTime() < deadline) {
            int i = random.nextInt(permanent);
            TcpEndpoints k = key(i);
            Integer found = table.get(k.ipv6(), k.localHigh(), k.localLow(), k.localPort(),
                k.remoteHigh(), k.remoteLow(), k.remotePort());
            if (found == null || found != i) {
              failures.add("reader " + reader + " got " + found + " for permanent key " + i);
              return;
            }
            int w = 1_000_000 * (1 + random.nextInt(2)) + random.nextInt(600);
            Integer churned = table.get(key(w));
            if (churned != null && churned != w) {
              failures.add("reader " + reader + " got " + churned + " for churned key " + w);
              return;
            }
            lookups.incrementAndGet();
          }
        } catch (Throwable t) {
          failures.add("reader " + reader + ": " + t);
        }
      }, "reader-" + r));
    }
    threads.forEach(Thread::start);
    start.countDown();
    threads.get(0).join();
    threads.get(1).join();
    writersDone.set(true);
    threads.get(2).join();
    threads.get(3).join();

    assertThat(failures).as("seed %d", seed).isEmpty();
    assertThat(lookups.get()).as("readers ran").isPositive();
    for (int i = 0; i < permanent; i++) {
      assertThat(table.get(key(i))).isEqualTo(i);
    }
    Map<TcpEndpoints, Integer> listed = new HashMap<>();
    table.forEach(listed::put);
    assertThat(listed).hasSize(table.size());
  }
}
