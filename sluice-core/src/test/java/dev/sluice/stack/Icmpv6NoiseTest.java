package dev.sluice.stack;

import static dev.sluice.stack.HostileWire.HOST6;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.wire.DropReason;
import dev.sluice.wire.IcmpBuilder;
import dev.sluice.wire.IcmpType;
import dev.sluice.wire.IpAddresses;
import dev.sluice.wire.IpProtocol;
import dev.sluice.wire.Ipv6Builder;
import org.junit.jupiter.api.Test;

/**
 * The ICMPv6 a Linux guest sends on its own when IPv6 comes up on a TUN device (issue 15's
 * gateway): router solicitations to ff02::2 from its link-local address, MLD reports to ff02::16,
 * and, if anything ever solicited Sluice's address, neighbour solicitations. The host acts on none
 * of them: each is dropped, counted, and unanswered, and nothing is thrown.
 */
class Icmpv6NoiseTest {
  private static final long[] GUEST_LINK_LOCAL = IpAddresses.parseIpv6("fe80::65ea:2e2d:3329:39bf");
  private static final long[] ALL_ROUTERS = IpAddresses.parseIpv6("ff02::2");
  private static final long[] ALL_MLDV2_ROUTERS = IpAddresses.parseIpv6("ff02::16");
  private static final int MLDV2_REPORT = 143; // RFC 3810 §5.2

  /** An ICMPv6 message of {@code type} with an 8-byte body, hop limit 255 as RFC 4861 asks. */
  private static byte[] icmpv6(long[] source, long[] destination, int type, int hopLimit) {
    int body = 8;
    byte[] packet = new byte[40 + 8 + body];
    Ipv6Builder ip = new Ipv6Builder().protocol(IpProtocol.ICMPV6).hopLimit(hopLimit)
        .source(source[0], source[1]).destination(destination[0], destination[1]);
    new IcmpBuilder().type(type).code(0).restOfHeader(0).writeV6(packet, 40, body, ip.pseudoHeaderSum(8 + body));
    ip.write(packet, 0, 8 + body);
    return packet;
  }

  private static long drops(HostileWire w, DropReason reason) {
    return w.host.hostDrops().getOrDefault(reason, 0L);
  }

  @Test
  void routerSolicitationsAndMldReports_toMulticastGroups_areCountedAsNotOurs_andUnanswered() {
    HostileWire w = new HostileWire();
    w.inject(icmpv6(GUEST_LINK_LOCAL, ALL_ROUTERS, IcmpType.V6_ROUTER_SOLICITATION, 255));
    w.inject(icmpv6(GUEST_LINK_LOCAL, ALL_ROUTERS, IcmpType.V6_ROUTER_SOLICITATION, 255));
    w.inject(icmpv6(GUEST_LINK_LOCAL, ALL_MLDV2_ROUTERS, MLDV2_REPORT, 1));
    assertThat(drops(w, DropReason.NOT_FOR_US)).isEqualTo(3);
    assertThat(drops(w, DropReason.UNSUPPORTED_PROTOCOL)).isZero();
    assertThat(w.sent).isEmpty();
  }

  @Test
  void neighbourDiscoveryToOurOwnAddress_isCountedAsNotHandled_andUnanswered() {
    HostileWire w = new HostileWire();
    w.inject(icmpv6(GUEST_LINK_LOCAL, HOST6, IcmpType.V6_NEIGHBOR_SOLICITATION, 255));
    w.inject(icmpv6(GUEST_LINK_LOCAL, HOST6, IcmpType.V6_ROUTER_ADVERTISEMENT, 255));
    w.inject(icmpv6(GUEST_LINK_LOCAL, HOST6, IcmpType.V6_NEIGHBOR_ADVERTISEMENT, 255));
    assertThat(drops(w, DropReason.ICMP_NOT_HANDLED)).isEqualTo(3);
    assertThat(w.sent).isEmpty();
  }

  @Test
  void anEchoRequest_isStillAnswered_beside_theNoise() {
    HostileWire w = new HostileWire();
    w.inject(icmpv6(GUEST_LINK_LOCAL, ALL_ROUTERS, IcmpType.V6_ROUTER_SOLICITATION, 255));
    long[] guest = IpAddresses.parseIpv6("2001:2::1");
    w.inject(icmpv6(guest, HOST6, IcmpType.V6_ECHO_REQUEST, 64));
    assertThat(w.sent).hasSize(1);
    assertThat(w.sent.get(0)[40] & 0xff).isEqualTo(IcmpType.V6_ECHO_REPLY);
    assertThat(drops(w, DropReason.ICMP_NOT_HANDLED)).isZero();
  }
}
