package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpAddressTest {

  @Test
  void of_ipv4_holdsTheAddressInTheLowBits() {
    IpAddress a = IpAddress.of(InetAddress.ofLiteral("198.18.0.1"));
    assertThat(a).isEqualTo(IpAddress.ipv4(0xC612_0001));
    assertThat(a.high()).isZero();
    assertThat(a.low()).isEqualTo(0xC612_0001L);
    assertThat(a.is(false, 0, 0xC612_0001L)).isTrue();
    assertThat(a.is(true, 0, 0xC612_0001L)).as("another family").isFalse();
    assertThat(a).hasToString("198.18.0.1");
  }

  @Test
  void of_ipv6_holdsBothHalves_andPrintsRfc5952() {
    IpAddress a = IpAddress.of(InetAddress.ofLiteral("2001:db8::1"));
    assertThat(a).isEqualTo(IpAddress.ipv6(0x2001_0db8_0000_0000L, 1));
    assertThat(a).hasToString("2001:db8::1");
  }

  @Test
  void of_ipv4MappedLiteral_isIpv4_asJavaRepresentsIt() {
    assertThat(IpAddress.of(InetAddress.ofLiteral("::ffff:198.18.0.1")).ipv6()).isFalse();
  }

  @Test
  void ipv4_withHighBits_isRefused() {
    assertThatThrownBy(() -> new IpAddress(false, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new IpAddress(false, 0, 1L << 32)).isInstanceOf(IllegalArgumentException.class);
  }
}
