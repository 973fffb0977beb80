package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** {@link PortForwarder.Rule#parse}: what a {@code --forward} may say, and one line for each mistake. */
class PortForwarderRuleTest {
  @Test
  void rules_takeAPortPairOrAnAddressAndAPortPair_defaultAddressIsEveryIpv4Address() {
    assertThat(PortForwarder.Rule.parse("tcp:8080:80"))
        .isEqualTo(new PortForwarder.Rule(false, InetAddress.ofLiteral("0.0.0.0"), 8080, 80));
    assertThat(PortForwarder.Rule.parse("tcp:198.18.250.7:0:22"))
        .isEqualTo(new PortForwarder.Rule(false, InetAddress.ofLiteral("198.18.250.7"), 0, 22));
    assertThat(PortForwarder.Rule.parse("tcp:127.0.0.1:65535:1")).hasToString("tcp:127.0.0.1:65535:1");
    assertThat(PortForwarder.Rule.parse("udp:5353:53"))
        .isEqualTo(new PortForwarder.Rule(true, InetAddress.ofLiteral("0.0.0.0"), 5353, 53));
    assertThat(PortForwarder.Rule.parse("udp:127.0.0.1:0:53")).hasToString("udp:127.0.0.1:0:53");
  }


  @Test
  void badRules_sayWhatIsWrong() {
    assertThatThrownBy(() -> PortForwarder.Rule.parse("udp:53")).hasMessage(
        "--forward udp:53: expected udp:HOSTPORT:GUESTPORT or udp:HOSTADDR:HOSTPORT:GUESTPORT");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("sctp:1:2")).hasMessageContaining("unknown protocol 'sctp'");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:80")).hasMessage(
        "--forward tcp:80: expected tcp:HOSTPORT:GUESTPORT or tcp:HOSTADDR:HOSTPORT:GUESTPORT");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:70000:80")).hasMessage(
        "--forward tcp:70000:80: HOSTPORT must be in [0, 65535]: 70000");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:8080:0")).hasMessage(
        "--forward tcp:8080:0: GUESTPORT must be in [1, 65535]: 0");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:8080:http")).hasMessage(
        "--forward tcp:8080:http: GUESTPORT is not a number: http");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:example.org:8080:80")).hasMessage(
        "--forward tcp:example.org:8080:80: HOSTADDR must be an IPv4 address: example.org");
    assertThatThrownBy(() -> PortForwarder.Rule.parse("tcp:::1:8080:80")).isInstanceOf(IllegalArgumentException.class);
  }

}
