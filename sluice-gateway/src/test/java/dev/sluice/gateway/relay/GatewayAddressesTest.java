package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link GatewayAddresses}: how {@code --cidr} and {@code --cidr6} are read, and each mistake's message. */
class GatewayAddressesTest {
  @Test
  void addresses_guestTakesTheFirstHostAddress_sluiceTheNext() {
    GatewayAddresses a = GatewayAddresses.parse("198.18.200.77/24");
    assertThat(a.guestWithPrefix()).isEqualTo("198.18.200.1/24");
    assertThat(a.hostWithPrefix()).isEqualTo("198.18.200.2/24");
  }

  @Test
  void theGuestTakesTheFirstHostAddress_sluiceTheNext_andHostBitsAreIgnored() {
    GatewayAddresses a = GatewayAddresses.parseIpv6("2001:2:0:236::77/64");
    assertThat(a.network()).isEqualTo("2001:2:0:236::");
    assertThat(a.guestWithPrefix()).isEqualTo("2001:2:0:236::1/64");
    assertThat(a.hostWithPrefix()).isEqualTo("2001:2:0:236::2/64");
  }


  @Test
  void prefixesAcrossTheWholeRange_keepTheNetworkBits_only() {
    assertThat(GatewayAddresses.parseIpv6("2001:2:0:236:ffff:ffff:ffff:ffff/126").hostWithPrefix())
        .isEqualTo("2001:2:0:236:ffff:ffff:ffff:fffe/126");
    assertThat(GatewayAddresses.parseIpv6("2001:2:0:236:ffff::/72").guestWithPrefix())
        .isEqualTo("2001:2:0:236:ff00::1/72");
    assertThat(GatewayAddresses.parseIpv6("2001:2:abcd:1::/40").network()).isEqualTo("2001:2:ab00::");
    assertThat(GatewayAddresses.parseIpv6("2001:2:0:1:2:3:4:0/112").guestWithPrefix())
        .isEqualTo("2001:2:0:1:2:3:4:1/112");
    assertThat(GatewayAddresses.parseIpv6("2001:0:0:1:0:0:0:0/64").host()).as("the longest zero run is the one cut")
        .isEqualTo("2001:0:0:1::2");
  }


  @Test
  void notIpv6_tooLongAPrefix_orNoPrefix_areRefused_sayingWhy() {
    assertThatThrownBy(() -> GatewayAddresses.parseIpv6("198.18.0.0/24")).hasMessage(
        "--cidr6 must be IPv6 (IPv4 goes in --cidr): 198.18.0.0/24");
    assertThatThrownBy(() -> GatewayAddresses.parseIpv6("2001:2::/127")).hasMessageContaining("[1, 126]");
    assertThatThrownBy(() -> GatewayAddresses.parseIpv6("2001:2::")).hasMessageContaining("like 2001:2:0:1::/64");
    assertThatThrownBy(() -> GatewayAddresses.parseIpv6("2001:zz::/64")).hasMessageContaining("not an IPv6 network");
    assertThatThrownBy(() -> GatewayAddresses.parse("2001:2::/24")).hasMessageContaining("IPv6 goes in --cidr6");
  }

}
