package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

  @RepeatedTest(100)
  void ipv4_roundTripsThroughText(RepetitionInfo repetition) {
    Seeds.run(0x1AD_0000L + repetition.getCurrentRepetition(), r -> {
      int address = Seeds.anyInt(r);
      assertThat(IpAddresses.parseIpv4(IpAddresses.formatIpv4(address))).isEqualTo(address);
    });
  }

  @RepeatedTest(200)
  void ipv6_roundTripsThroughText(RepetitionInfo repetition) {
    Seeds.run(0x1AD_1000L + repetition.getCurrentRepetition(), r -> {
      // Random words with many zero groups, so that every "::" placement is tried.
      long[] halves = new long[2];
      for (int group = 0; group < 8; group++) {
        long word = r.nextInt(3) == 0 ? 0 : r.nextInt(3) == 0 ? 0xFFFF : r.nextInt(0x10000);
        halves[group / 4] |= word << (48 - 16 * (group % 4));
      }
      long[] parsed = IpAddresses.parseIpv6(IpAddresses.formatIpv6(halves[0], halves[1]));
      assertThat(parsed).containsExactly(halves[0], halves[1]);
    });
  }

  @Test
  void ipv4_formatsAsDottedQuad() {
    assertThat(IpAddresses.formatIpv4(0xC6120001)).isEqualTo("198.18.0.1");
    assertThat(IpAddresses.formatIpv4(-1)).isEqualTo("255.255.255.255");
    assertThat(IpAddresses.formatIpv4(0)).isEqualTo("0.0.0.0");
    assertThat(IpAddresses.parseIpv4("198.19.255.254")).isEqualTo(0xC613FFFE);
  }

  @Test
  void ipv6_formatsPerRfc5952() {
    // §4.2.1 longest run of zeros as ::, §4.2.2 never for a single zero group, §4.3 lower case.
    assertThat(IpAddresses.formatIpv6(0x2001_0002_0000_0000L, 1)).isEqualTo("2001:2::1");
    assertThat(IpAddresses.formatIpv6(0x2001_0002_0000_0001L, 0x0001_0001_0001_00ABL))
        .isEqualTo("2001:2:0:1:1:1:1:ab");
    assertThat(IpAddresses.formatIpv6(0, 0)).isEqualTo("::");
    assertThat(IpAddresses.formatIpv6(0, 1)).isEqualTo("::1");
    assertThat(IpAddresses.formatIpv6(0xFE80_0000_0000_0000L, 0)).isEqualTo("fe80::");
    // §4.2.3: of two equal runs, the first is shortened.
    assertThat(IpAddresses.formatIpv6(0x2001_0002_0000_0000L, 0x0001_0000_0000_0001L))
        .isEqualTo("2001:2::1:0:0:1");
  }

  @Test
  void ipv4MappedIpv6_staysIpv6() {
    // RFC 4291 §2.5.5.2; RFC 5952 §5 writes the last 32 bits as a dotted quad.
    assertThat(IpAddresses.formatIpv6(0, 0xFFFF_C612_0001L)).isEqualTo("::ffff:198.18.0.1");
    assertThat(IpAddresses.parseIpv6("::ffff:198.18.0.1")).containsExactly(0L, 0xFFFF_C612_0001L);
  }

  @Test
  void wrongFamilyOrNonDottedQuad_isRejected() {
    assertThatThrownBy(() -> IpAddresses.parseIpv4("2001:2::1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpAddresses.parseIpv6("198.18.0.1")).isInstanceOf(IllegalArgumentException.class);
    // The BSD short forms are not dotted quads.
    assertThatThrownBy(() -> IpAddresses.parseIpv4("10.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpAddresses.parseIpv4("167772161")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IpAddresses.parseIpv4("example.com"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
