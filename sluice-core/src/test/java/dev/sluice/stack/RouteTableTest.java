package dev.sluice.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.wire.IpAddresses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RouteTableTest {
  private static int v4(String text) {
    return IpAddresses.parseIpv4(text);
  }

  private static long[] v6(String text) {
    return IpAddresses.parseIpv6(text);
  }

  private static Route lookup6(RouteTable table, String address) {
    long[] a = v6(address);
    return table.lookupIpv6(a[0], a[1]);
  }

  // ---------------------------------------------------------------- Route

  @Test
  void parse_ipv4Cidr() {
    Route route = Route.parse("198.18.0.0/15", "tun0");
    assertThat(route).isEqualTo(Route.ipv4(v4("198.18.0.0"), 15, "tun0"));
    assertThat(route.ipv6()).isFalse();
    assertThat(route.prefixHigh()).isZero();
    assertThat(route.prefixLow()).isEqualTo(0xC612_0000L);
    assertThat(route.hasGateway()).isFalse();
    assertThat(route.destination()).isEqualTo("198.18.0.0/15");
    assertThat(route).hasToString("198.18.0.0/15 dev tun0");
  }

  @Test
  void parse_ipv6CidrAndGateways() {
    Route route = Route.parse("2001:db8::/32", "eth0");
    assertThat(route).isEqualTo(Route.ipv6(0x2001_0db8_0000_0000L, 0, 32, "eth0"));
    Route viaGateway = Route.parse("::/0", "eth0", "fe80::1");
    assertThat(viaGateway.hasGateway()).isTrue();
    assertThat(viaGateway.gatewayHigh()).isEqualTo(0xfe80_0000_0000_0000L);
    assertThat(viaGateway.gatewayLow()).isEqualTo(1);
    assertThat(viaGateway).hasToString("::/0 via fe80::1 dev eth0");
    Route v4Default = Route.parse("0.0.0.0/0", "eth0", "192.0.2.1");
    assertThat(v4Default).isEqualTo(Route.ipv4(0, 0, "eth0", v4("192.0.2.1")));
    assertThat(v4Default).hasToString("0.0.0.0/0 via 192.0.2.1 dev eth0");
  }

  @Test
  void parse_withoutLength_isAHostRoute() {
    assertThat(Route.parse("192.0.2.7", "eth0").prefixLength()).isEqualTo(32);
    assertThat(Route.parse("2001:db8::7", "eth0").prefixLength()).isEqualTo(128);
  }

  @Test
  void parse_ipv4MappedIpv6_staysIpv6() {
    Route route = Route.parse("::ffff:0.0.0.0/96", "eth0");
    assertThat(route.ipv6()).isTrue();
    assertThat(route.prefixLow()).isEqualTo(0xFFFF_0000_0000L);
  }

  @Test
  void parse_rejectsNamesAndMalformedInput() {
    for (String bad : List.of("localhost/8", "example.com/24", "a.b.c.d/8", "10.0.0/8", "10/8",
        "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/0x8", "",
        "2001:db8::/", "2001:db8::/1x", "fe80::%eth0/64", "::/0 ", "gggg::/16")) {
      assertThatThrownBy(() -> Route.parse(bad, "eth0")).as("%s", bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad route");
    }
    assertThatThrownBy(() -> Route.parse("10.0.0.0/8", "eth0", "2001:db8::1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("family");
    assertThatThrownBy(() -> Route.parse("2001:db8::/32", "eth0", "192.0.2.1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("family");
    assertThatThrownBy(() -> Route.parse("10.0.0.0/8", "eth0", "gateway.example"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void validation_namesTheBadRoute() {
    assertThatThrownBy(() -> Route.parse("10.0.0.1/8", "eth0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host bits set").hasMessageContaining("10.0.0.1/8 dev eth0");
    assertThatThrownBy(() -> Route.ipv4(v4("192.168.1.1"), 24, "eth1"))
        .hasMessage("host bits set in route 192.168.1.1/24 dev eth1");
    assertThatThrownBy(() -> Route.ipv4(0, 33, "eth0"))
        .hasMessage("prefix length 33 outside 0..32 in route 0.0.0.0/33 dev eth0");
    assertThatThrownBy(() -> Route.ipv4(0, -1, "eth0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..32");
    assertThatThrownBy(() -> Route.parse("10.0.0.0/99", "eth0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..32");
    assertThatThrownBy(() -> Route.ipv6(0, 0, 129, "eth0"))
        .hasMessage("prefix length 129 outside 0..128 in route ::/129 dev eth0");
    assertThatThrownBy(() -> Route.parse("2001:db8::1/64", "eth0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host bits set in route 2001:db8::1/64 dev eth0");
    assertThatThrownBy(() -> Route.ipv6(0, 1, 127, "eth0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
    assertThatThrownBy(() -> Route.ipv6(1, 0, 63, "eth0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
    assertThatThrownBy(() -> new Route(false, 1, 0, 0, "eth0", 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wider than 32 bits");
    assertThatThrownBy(() -> new Route(false, 0, 0, 0, "eth0", 0, 1L << 32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway wider");
    assertThatThrownBy(() -> Route.ipv4(0, 0, " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without an interface");
    assertThatThrownBy(() -> Route.ipv4(0, 0, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void validation_acceptsEveryLengthWithZeroHostBits() {
    for (int length = 0; length <= 32; length++) {
      int mask = length == 0 ? 0 : -1 << (32 - length);
      assertThat(Route.ipv4(0xFFFF_FFFF & mask, length, "e").prefixLength()).isEqualTo(length);
    }
    for (int length = 0; length <= 128; length++) {
      long high = length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
      long low = length <= 64 ? 0 : -1L << (128 - length);
      assertThat(Route.ipv6(high, low, length, "e").prefixLength()).isEqualTo(length);
    }
  }

  // ---------------------------------------------------------------- RouteTable

  @Test
  void emptyTable_matchesNothing() {
    RouteTable table = new RouteTable();
    assertThat(table.lookupIpv4(v4("10.0.0.1"))).isNull();
    assertThat(lookup6(table, "2001:db8::1")).isNull();
    assertThat(table.size()).isZero();
  }

  @Test
  void ipv4_longestPrefixWins() {
    RouteTable table = new RouteTable();
    Route dflt = Route.parse("0.0.0.0/0", "eth0", "192.0.2.1");
    Route ten = Route.parse("10.0.0.0/8", "eth1");
    Route tenOne = Route.parse("10.1.0.0/16", "eth2");
    Route host = Route.parse("10.1.2.3/32", "lo");
    // Added out of order: the table sorts.
    table.add(ten);
    table.add(host);
    table.add(dflt);
    table.add(tenOne);
    assertThat(table.lookupIpv4(v4("10.1.2.3"))).isSameAs(host);
    assertThat(table.lookupIpv4(v4("10.1.2.4"))).isSameAs(tenOne);
    assertThat(table.lookupIpv4(v4("10.2.0.1"))).isSameAs(ten);
    assertThat(table.lookupIpv4(v4("11.0.0.1"))).isSameAs(dflt);
    assertThat(table.lookupIpv4(v4("255.255.255.255"))).isSameAs(dflt);
    assertThat(table.lookupIpv4(0)).isSameAs(dflt);
    assertThat(table.routes()).containsExactly(host, tenOne, ten, dflt);
  }

  @Test
  void ipv6_longestPrefixWins_acrossTheHalves() {
    RouteTable table = new RouteTable();
    Route dflt = Route.parse("::/0", "eth0", "fe80::1");
    Route doc = Route.parse("2001:db8::/32", "eth1");
    Route subnet = Route.parse("2001:db8:0:1::/64", "eth2");
    Route longer = Route.parse("2001:db8:0:1:8000::/65", "eth3");
    Route host = Route.parse("2001:db8:0:1::7/128", "lo");
    for (Route route : List.of(host, dflt, longer, doc, subnet)) {
      table.add(route);
    }
    assertThat(lookup6(table, "2001:db8:0:1::7")).isSameAs(host);
    assertThat(lookup6(table, "2001:db8:0:1::8")).isSameAs(subnet);
    assertThat(lookup6(table, "2001:db8:0:1:8000::1")).isSameAs(longer);
    assertThat(lookup6(table, "2001:db8:0:1:ffff::")).isSameAs(longer);
    assertThat(lookup6(table, "2001:db8:0:2::1")).isSameAs(doc);
    assertThat(lookup6(table, "2001:db9::1")).isSameAs(dflt);
    assertThat(lookup6(table, "::")).isSameAs(dflt);
  }

  @Test
  void families_doNotMix() {
    RouteTable table = new RouteTable();
    table.add(Route.parse("0.0.0.0/0", "eth0"));
    assertThat(table.lookupIpv4(v4("8.8.8.8"))).isNotNull();
    assertThat(table.lookupIpv6(0, 0x0808_0808L)).as("::8.8.8.8 is IPv6").isNull();
    table.add(Route.parse("::/0", "eth1"));
    assertThat(table.lookupIpv6(0, 0x0808_0808L).interfaceName()).isEqualTo("eth1");
    assertThat(table.lookupIpv4(v4("8.8.8.8")).interfaceName()).isEqualTo("eth0");
  }

  @Test
  void withoutDefaultRoute_unmatchedAddressesGetNull() {
    RouteTable table = new RouteTable();
    table.add(Route.parse("192.168.0.0/16", "eth0"));
    table.add(Route.parse("fd00::/8", "eth0"));
    assertThat(table.lookupIpv4(v4("192.169.0.1"))).isNull();
    assertThat(table.lookupIpv4(v4("192.168.255.255"))).isNotNull();
    assertThat(lookup6(table, "fe00::1")).isNull();
    assertThat(lookup6(table, "fdff::1")).isNotNull();
  }

  @Test
  void duplicateDestination_isRefused_andRemoveNeedsTheExactRoute() {
    RouteTable table = new RouteTable();
    Route route = Route.parse("10.0.0.0/8", "eth0");
    table.add(route);
    assertThatThrownBy(() -> table.add(Route.parse("10.0.0.0/8", "eth1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.0/8 dev eth0").hasMessageContaining("exists");
    table.add(Route.parse("10.0.0.0/9", "eth1")); // same address, other length: fine
    assertThat(table.remove(Route.parse("10.0.0.0/8", "eth1"))).isFalse();
    assertThat(table.remove(Route.parse("10.0.0.0/8", "eth0"))).isTrue(); // equal, not same
    assertThat(table.remove(route)).isFalse();
    assertThat(table.lookupIpv4(v4("10.200.0.1"))).isNull();
    assertThat(table.lookupIpv4(v4("10.0.0.1")).prefixLength()).isEqualTo(9);
    assertThat(table.size()).isEqualTo(1);
    table.add(Route.parse("10.0.0.0/8", "eth2")); // replace = remove + add
    assertThat(table.lookupIpv4(v4("10.200.0.1")).interfaceName()).isEqualTo("eth2");
  }

  @Test
  void lookups_allocateNothing() {
    RouteTable table = new RouteTable();
    for (int i = 0; i < 20; i++) {
      table.add(Route.ipv4(0x0A00_0000 | (i << 16), 16, "eth" + i));
      table.add(Route.ipv6(0x2001_0db8_0000_0000L | ((long) i << 16), 0, 48, "eth" + i));
    }
    table.add(Route.parse("0.0.0.0/0", "eth0"));
    long hits = 0;
    for (int round = 0; round < 3; round++) { // the first rounds warm up; the last is measured
      long before = AllocatedBytes.now();
      for (int i = 0; i < 100_000; i++) {
        hits += table.lookupIpv4(0x0A13_0001) != null ? 1 : 0;
        hits += table.lookupIpv6(0x2001_0db8_0013_0000L, 1) != null ? 1 : 0;
        hits += table.lookupIpv6(0x2001_0db9_0000_0000L, 1) != null ? 1 : 0;
      }
      long allocated = AllocatedBytes.now() - before;
      if (round == 2) {
        assertThat(allocated).as("bytes allocated by 300,000 lookups").isLessThan(1_024);
      }
    }
    assertThat(hits).isEqualTo(3 * 2 * 100_000);
  }

  /** Seeded property: lookups agree with a brute-force longest match over the same routes. */
  @RepeatedTest(50)
  void randomTables_agreeWithBruteForce(RepetitionInfo repetition) {
    long seed = 0x20_07EL + repetition.getCurrentRepetition();
    SplittableRandom random = new SplittableRandom(seed);
    RouteTable table = new RouteTable();
    List<Route> routes = new ArrayList<>();
    // Addresses near a few bases, so prefixes nest and overlap.
    int base4 = random.nextInt();
    long base6 = random.nextLong();
    for (int step = 0; step < 200; step++) {
      boolean ipv6 = random.nextBoolean();
      Route route;
      if (ipv6) {
        int length = random.nextInt(129);
        long high = base6 ^ (random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(16));
        long low = random.nextLong();
        route = Route.ipv6(high & Route.highMask(length), low & Route.lowMask(length), length, "if" + step);
      } else {
        int length = random.nextInt(33);
        int address = base4 ^ (random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(256) << 20);
        route = Route.ipv4((int) (Integer.toUnsignedLong(address) & Route.ipv4Mask(length)), length, "if" + step);
      }
      if (random.nextInt(5) == 0 && !routes.isEmpty()) {
        Route victim = routes.remove(random.nextInt(routes.size()));
        assertThat(table.remove(victim)).as("seed %d", seed).isTrue();
      } else if (routes.stream().noneMatch(r -> sameDestination(r, route))) {
        table.add(route);
        routes.add(route);
      }
    }
    for (int probe = 0; probe < 2_000; probe++) {
      int a4 = random.nextBoolean() ? random.nextInt() : base4 ^ random.nextInt(1 << 24);
      assertThat(table.lookupIpv4(a4)).as("seed %d address %s", seed, IpAddresses.formatIpv4(a4))
          .isEqualTo(bruteForce(routes, r -> r.matchesIpv4(a4)));
      long high = random.nextBoolean() ? random.nextLong() : base6 ^ random.nextInt(16);
      long low = random.nextLong();
      assertThat(table.lookupIpv6(high, low)).as("seed %d address %x:%x", seed, high, low)
          .isEqualTo(bruteForce(routes, r -> r.matchesIpv6(high, low)));
    }
  }

  private static boolean sameDestination(Route a, Route b) {
    return a.ipv6() == b.ipv6() && a.prefixLength() == b.prefixLength()
        && a.prefixHigh() == b.prefixHigh() && a.prefixLow() == b.prefixLow();
  }

  private static Route bruteForce(List<Route> routes, java.util.function.Predicate<Route> matches) {
    Route best = null;
    for (Route route : routes) {
      if (matches.test(route) && (best == null || route.prefixLength() > best.prefixLength())) {
        best = route;
      }
    }
    return best;
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void lookupsDuringUpdates_alwaysSeeAWholeSnapshot() throws Exception {
    RouteTable table = new RouteTable();
    Route dflt = Route.parse("0.0.0.0/0", "eth0");
    table.add(dflt);
    Route specific = Route.parse("10.0.0.0/8", "eth1");
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Thread reader = new Thread(() -> {
      int address = v4("10.1.2.3");
      while (!done.get()) {
        Route found = table.lookupIpv4(address);
        if (found != dflt && found != specific) {
          failures.add("lookup returned " + found);
          return;
        }
      }
    });
    reader.start();
    for (int i = 0; i < 20_000; i++) {
      table.add(specific);
      table.remove(specific);
    }
    done.set(true);
    reader.join();
    assertThat(failures).isEmpty();
  }
}
