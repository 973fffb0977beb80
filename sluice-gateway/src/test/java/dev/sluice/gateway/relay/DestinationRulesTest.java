package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link DestinationRules} and {@link HostAddresses} on a made-up host (its interfaces are a list
 * the test holds; its clock a counter; its re-reads run at once), so every rule is seen deciding.
 */
class DestinationRulesTest {
  private static final GatewayAddresses GUEST = GatewayAddresses.parse("198.18.226.0/24");
  /** The made-up host's interfaces: a veth address, its broadcast, an IPv6 one, a link-local one. */
  private final List<InetAddress> interfaces = new CopyOnWriteArrayList<>(List.of(
      InetAddress.ofLiteral("198.18.227.1"), InetAddress.ofLiteral("198.18.227.255"),
      InetAddress.ofLiteral("2001:2:e3::1"), InetAddress.ofLiteral("fe80::1"), InetAddress.ofLiteral("127.0.0.1")));
  private final AtomicLong clock = new AtomicLong();
  private final List<Runnable> rereads = new ArrayList<>();

  private DestinationRules rules(boolean allowHostLoopback, List<String> allow, List<String> deny) throws IOException {
    HostAddresses host = new HostAddresses(() -> List.copyOf(interfaces), clock::get, 1_000, rereads::add);
    return new DestinationRules(GUEST, allowHostLoopback, allow.stream().map(a -> CidrRange.parse("--allow", a)).toList(),
        deny.stream().map(d -> CidrRange.parse("--deny", d)).toList(), host);
  }

  @Test
  void byDefault_anOutsideDestination_goesWhereTheGuestAsked_theSameObject() throws IOException {
    InetSocketAddress outside = at("198.18.227.2", 80);
    assertThat(rules(false, List.of(), List.of()).route(outside)).isSameAs(outside);
    InetSocketAddress outside6 = at("2001:2:e3::2", 443);
    assertThat(rules(false, List.of(), List.of()).route(outside6)).isSameAs(outside6);
  }

  @Test
  void theHostItself_isRefused_itsLoopback_andEveryAddressOfItsInterfaces() throws IOException {
    DestinationRules rules = rules(false, List.of(), List.of());
    for (String address : List.of("127.0.0.1", "127.1.2.3", "::1", "198.18.227.1", "198.18.227.255", "2001:2:e3::1",
        "fe80::1", "::ffff:127.0.0.1", "::ffff:198.18.227.1")) {
      assertThat(rules.route(at(address, 22))).as(address).isNull();
    }
    assertThat(rules.route(at("198.18.227.3", 22))).as("a neighbour of the host's address").isNotNull();
    assertThat(rules.route(at("fe80::2", 22))).isNotNull();
  }

  @Test
  void unspecified_multicast_andBroadcast_areRefused() throws IOException {
    DestinationRules rules = rules(false, List.of(), List.of());
    for (String address : List.of("0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1",
        "ff0e::1", "255.255.255.255", "198.18.226.255")) {
      assertThat(rules.route(at(address, 5353))).as(address).isNull();
    }
    assertThat(rules.route(at("223.255.255.255", 1))).isNotNull();
    assertThat(rules.route(at("240.0.0.1", 1))).as("reserved, but not multicast").isNotNull();
  }

  @Test
  void theMappedLoopback_isRefused_unlessAllowed_thenIsTheHostsLoopbackOnTheSamePort() throws IOException {
    assertThat(DestinationRules.mappedLoopback(GUEST)).isEqualTo("198.18.226.3");
    assertThat(rules(false, List.of(), List.of()).route(at("198.18.226.3", 8080))).isNull();
    DestinationRules open = rules(true, List.of(), List.of());
    assertThat(open.route(at("198.18.226.3", 8080))).isEqualTo(at("127.0.0.1", 8080));
    assertThat(open.route(at("198.18.226.3", 1))).isEqualTo(at("127.0.0.1", 1));
    // The host's other addresses stay out of reach, and its loopback asked for directly too.
    assertThat(open.route(at("198.18.227.1", 8080))).isNull();
    assertThat(open.route(at("127.0.0.1", 8080))).isNull();
    assertThat(open.route(at("198.18.226.4", 8080))).as("the next address is not mapped").isNotNull();
  }

  @Test
  void theMappedLoopback_isTheHostRule_whatever_allowAndDenySay() throws IOException {
    assertThat(rules(true, List.of("198.18.227.0/24"), List.of()).route(at("198.18.226.3", 53)))
        .isEqualTo(at("127.0.0.1", 53));
    assertThat(rules(true, List.of(), List.of("198.18.226.0/24")).route(at("198.18.226.3", 53)))
        .isEqualTo(at("127.0.0.1", 53));
    assertThat(rules(false, List.of("198.18.226.3/32"), List.of()).route(at("198.18.226.3", 53))).isNull();
  }

  @Test
  void allowingTheHostLoopback_needsACidrThatHoldsTheMappedAddress() throws IOException {
    GatewayAddresses narrow = GatewayAddresses.parse("198.18.226.0/30");
    HostAddresses host = new HostAddresses(List::of, clock::get, 1_000, Runnable::run);
    assertThatThrownBy(() -> new DestinationRules(narrow, true, List.of(), List.of(), host))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--allow-host-loopback needs a --cidr of /29");
    assertThat(DestinationRules.mappedLoopback(narrow)).isNull();
    DestinationRules rules = new DestinationRules(narrow, false, List.of(), List.of(), host);
    assertThat(rules.route(at("198.18.226.3", 1))).as("that /30's broadcast").isNull();
    assertThat(DestinationRules.mappedLoopback(GatewayAddresses.parse("198.18.226.8/29"))).isEqualTo("198.18.226.11");
  }

  @Test
  void withAllow_onlyTheAllowedRangesPass_anyOfThem() throws IOException {
    DestinationRules rules = rules(false, List.of("198.18.228.0/24", "198.18.229.16/28", "2001:2:e4::/48"), List.of());
    assertThat(rules.route(at("198.18.228.7", 80))).isNotNull();
    assertThat(rules.route(at("198.18.229.31", 80))).isNotNull();
    assertThat(rules.route(at("2001:2:e4:1::9", 80))).isNotNull();
    assertThat(rules.route(at("198.18.229.32", 80))).isNull();
    assertThat(rules.route(at("198.18.227.2", 80))).isNull();
    assertThat(rules.route(at("2001:2:e5::9", 80))).isNull();
    DestinationRules v4Only = rules(false, List.of("0.0.0.0/0"), List.of());
    assertThat(v4Only.route(at("2001:2:e4::9", 80))).as("an IPv4 --allow lets no IPv6 through").isNull();
    assertThat(v4Only.route(at("198.18.229.2", 80))).isNotNull();
  }

  @Test
  void deny_winsOverAllow_evenAWiderDeny_overANarrowerAllow() throws IOException {
    DestinationRules rules = rules(false, List.of("198.18.0.0/15", "198.18.228.5/32"), List.of("198.18.228.0/24"));
    assertThat(rules.route(at("198.18.228.5", 80))).as("not a longest-prefix match: deny wins").isNull();
    assertThat(rules.route(at("198.18.228.6", 80))).isNull();
    assertThat(rules.route(at("198.18.229.6", 80))).isNotNull();
    DestinationRules denyOnly = rules(false, List.of(), List.of("198.18.228.0/24", "2001:2:e4::/48"));
    assertThat(denyOnly.route(at("198.18.228.9", 80))).isNull();
    assertThat(denyOnly.route(at("2001:2:e4::1", 80))).isNull();
    assertThat(denyOnly.route(at("198.18.229.9", 80))).isNotNull();
    assertThat(denyOnly.route(at("2001:2:e5::1", 80))).isNotNull();
  }

  @Test
  void theHostRule_appliesWhatever_allowSays() throws IOException {
    DestinationRules rules = rules(false, List.of("0.0.0.0/0", "::/0"), List.of());
    assertThat(rules.route(at("198.18.227.1", 80))).isNull();
    assertThat(rules.route(at("127.0.0.1", 80))).isNull();
    assertThat(rules.route(at("2001:2:e3::1", 80))).isNull();
    assertThat(rules.route(at("198.18.227.2", 80))).isNotNull();
  }

  @Test
  void anUnresolvedDestination_isRefused_andNoNameIsLookedUp() throws IOException {
    assertThat(rules(false, List.of(), List.of()).route(InetSocketAddress.createUnresolved("localhost", 80))).isNull();
  }

  @Test
  void anAddressAddedToTheHostLater_isRefusedOnceReRead_atMostOncePerInterval_offTheLookup() throws IOException {
    DestinationRules rules = rules(false, List.of(), List.of());
    interfaces.add(InetAddress.ofLiteral("198.18.229.1"));
    assertThat(rules.route(at("198.18.229.1", 80))).as("within the interval: the first reading").isNotNull();
    assertThat(rereads).isEmpty();
    clock.addAndGet(1_000);
    assertThat(rules.route(at("198.18.229.1", 80))).as("answered from the old reading").isNotNull();
    assertThat(rules.route(at("198.18.229.1", 80))).isNotNull();
    assertThat(rereads).as("one re-read while one is under way").hasSize(1);
    rereads.removeFirst().run();
    assertThat(rules.route(at("198.18.229.1", 80))).isNull();
    assertThat(rereads).as("none until the interval passed again").isEmpty();
    interfaces.remove(InetAddress.ofLiteral("198.18.229.1"));
    clock.addAndGet(1_000);
    rules.route(at("198.18.227.2", 80));
    rereads.removeFirst().run();
    assertThat(rules.route(at("198.18.229.1", 80))).as("an address the host gave up is reachable again").isNotNull();
  }

  @Test
  void aReReadThatFails_keepsTheLastReading_andIsTriedAgainLater() throws IOException {
    boolean[] failing = {false};
    HostAddresses host = new HostAddresses(() -> {
      if (failing[0]) {
        throw new IOException("netlink said no");
      }
      return List.of(InetAddress.ofLiteral("198.18.227.1"));
    }, clock::get, 1_000, rereads::add);
    DestinationRules rules = new DestinationRules(GUEST, false, List.of(), List.of(), host);
    failing[0] = true;
    clock.addAndGet(1_000);
    assertThat(rules.route(at("198.18.227.1", 80))).isNull();
    rereads.removeFirst().run();
    assertThat(rules.route(at("198.18.227.1", 80))).isNull();
    clock.addAndGet(1_000);
    rules.route(at("198.18.227.2", 80));
    assertThat(rereads).as("tried again after the interval").hasSize(1);
  }

  @Test
  void thisHostsOwnInterfaces_areRead_loopbackAmongThem() throws IOException {
    DestinationRules rules = DestinationRules.fromCommandLine(GUEST, false, List.of(), List.of());
    assertThat(rules.describe()).isEqualTo("the guest may not reach this host");
    assertThat(DestinationRules.fromCommandLine(GUEST, true, List.of("198.18.0.0/15"), List.of("198.18.228.0/24"))
        .describe()).isEqualTo("the guest may not reach this host (its loopback only, at 198.18.226.3); only "
            + "198.18.0.0/15; never 198.18.228.0/24");
    List<InetAddress> own = java.net.NetworkInterface.networkInterfaces()
        .flatMap(java.net.NetworkInterface::inetAddresses).filter(a -> !a.isLoopbackAddress()).toList();
    org.junit.jupiter.api.Assumptions.assumeFalse(own.isEmpty(), "this machine has no address but its loopback");
    for (InetAddress a : own) {
      assertThat(rules.route(new InetSocketAddress(a, 80))).as(a.toString()).isNull();
    }
  }

  private static InetSocketAddress at(String address, int port) {
    return new InetSocketAddress(InetAddress.ofLiteral(address), port);
  }
}
