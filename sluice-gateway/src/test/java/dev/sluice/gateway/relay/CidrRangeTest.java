package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** {@link CidrRange}: parsing the command line's networks, and the masked match. */
class CidrRangeTest {

  @Test
  void parse_ipv4_ipv6_andABareAddress_canonically() {
    assertThat(CidrRange.parse("--allow", "198.18.0.0/15")).hasToString("198.18.0.0/15");
    assertThat(CidrRange.parse("--allow", "2001:2:0::/48")).hasToString("2001:2:0:0:0:0:0:0/48");
    assertThat(CidrRange.parse("--deny", "198.18.3.4")).hasToString("198.18.3.4/32");
    assertThat(CidrRange.parse("--deny", "2001:2::7")).hasToString("2001:2:0:0:0:0:0:7/128");
    assertThat(CidrRange.parse("--deny", "0.0.0.0/0")).hasToString("0.0.0.0/0");
    assertThat(CidrRange.parse("--deny", "::/0")).hasToString("0:0:0:0:0:0:0:0/0");
  }

  @Test
  void parse_badRanges_sayWhatIsWrong_inOneLineNamingTheOption() {
    assertBad("--allow", "198.18.0.0/33", "--allow 198.18.0.0/33: the prefix length must be a number in [0, 32] for IPv4");
    assertBad("--deny", "2001:2::/129", "--deny 2001:2::/129: the prefix length must be a number in [0, 128] for IPv6");
    assertBad("--deny", "198.18.0.0/", "the prefix length must be a number");
    assertBad("--deny", "198.18.0.0/-1", "the prefix length must be a number");
    assertBad("--deny", "198.18.0.0/x", "the prefix length must be a number");
    assertBad("--allow", "198.18.1.2/16", "--allow 198.18.1.2/16: host bits are set; did you mean 198.18.0.0/16?");
    assertBad("--allow", "2001:2::1/48", "host bits are set; did you mean 2001:2:0:0:0:0:0:0/48?");
    assertBad("--allow", "10/8", "not a network like 198.18.0.0/16"); // InetAddress would read 0.0.0.10
    assertBad("--allow", "example.invalid/8", "not a network like"); // and no name is ever resolved
    assertBad("--allow", "", "not a network like");
    assertBad("--allow", "198.18.0.256/32", "198.18.0.256 is not an IP address");
    assertBad("--allow", "fe80::1%1/64", "no zone");
    assertBad("--allow", "2001:2::g/64", "is not an IP address");
    assertBad("--allow", "::ffff:198.18.0.0/120", "write an IPv4-mapped range as IPv4");
  }

  @Test
  void contains_ipv4_atTheEdgesOfThePrefix() {
    CidrRange r = CidrRange.parse("--allow", "198.18.4.0/22");
    assertThat(in(r, "198.18.4.0")).isTrue();
    assertThat(in(r, "198.18.7.255")).isTrue();
    assertThat(in(r, "198.18.8.0")).isFalse();
    assertThat(in(r, "198.18.3.255")).isFalse();
    assertThat(in(CidrRange.parse("--allow", "198.18.4.9"), "198.18.4.9")).isTrue();
    assertThat(in(CidrRange.parse("--allow", "198.18.4.9"), "198.18.4.8")).isFalse();
    assertThat(in(CidrRange.parse("--allow", "0.0.0.0/0"), "255.255.255.255")).isTrue();
  }

  @Test
  void contains_ipv6_acrossTheMiddleOfTheAddress_andNeverTheOtherFamily() {
    CidrRange r64 = CidrRange.parse("--allow", "2001:2:0:1::/64");
    assertThat(in(r64, "2001:2:0:1:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(in(r64, "2001:2:0:2::")).isFalse();
    CidrRange r65 = CidrRange.parse("--allow", "2001:2:0:1:8000::/65");
    assertThat(in(r65, "2001:2:0:1:8000::1")).isTrue();
    assertThat(in(r65, "2001:2:0:1:7fff:ffff:ffff:ffff")).isFalse();
    CidrRange r127 = CidrRange.parse("--allow", "2001:2::/127");
    assertThat(in(r127, "2001:2::1")).isTrue();
    assertThat(in(r127, "2001:2::2")).isFalse();
    CidrRange r8 = CidrRange.parse("--allow", "2000::/3");
    assertThat(in(r8, "3fff::1")).isTrue();
    assertThat(in(r8, "4000::")).isFalse();
    assertThat(in(CidrRange.parse("--allow", "::/0"), "198.18.0.1")).as("IPv4 is not in ::/0").isFalse();
    assertThat(in(CidrRange.parse("--allow", "0.0.0.0/0"), "2001:2::1")).as("IPv6 is not in 0.0.0.0/0").isFalse();
  }

  private static boolean in(CidrRange range, String address) {
    byte[] bytes = InetAddress.ofLiteral(address).getAddress();
    return range.contains(bytes.length == 16, CidrRange.high(bytes), CidrRange.low(bytes));
  }

  private static void assertBad(String option, String text, String message) {
    assertThatThrownBy(() -> CidrRange.parse(option, text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message).hasMessageStartingWith(option + " " + text + ":")
        .message().doesNotContain("\n");
  }
}
