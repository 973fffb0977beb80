package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each mistake in the JVM-wide mode's {@code sluice.*} properties fails with one {@link IOException}
 * that names the property and what is wrong, before any device is opened (so these need no
 * privilege).
 */
class JvmWideStackTest {
  private static Properties valid() {
    Properties p = new Properties();
    p.setProperty("sluice.tun", "sluicejwt0");
    p.setProperty("sluice.address", "198.18.142.2/24");
    p.setProperty("sluice.netns", "sluice-no-such-namespace-" + ProcessHandle.current().pid());
    return p;
  }

  @Test
  void missingTun_isNamed() {
    Properties p = valid();
    p.remove("sluice.tun");
    assertThatThrownBy(() -> JvmWideStack.start(p)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("sluice.tun is not set");
  }

  @Test
  void missingAddress_isNamed() {
    Properties p = valid();
    p.remove("sluice.address");
    assertThatThrownBy(() -> JvmWideStack.start(p)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("sluice.address is not set");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "sluice.address|198.18.142.2|sluice.address: '198.18.142.2' needs a prefix length",
      "sluice.address|198.18.142.300/24|sluice.address: '198.18.142.300' is not an IPv4 or IPv6 address literal",
      "sluice.address|localhost/8|sluice.address: 'localhost' is not an IPv4 or IPv6 address literal",
      "sluice.address|198.18.142.2/33|sluice.address: the prefix length of '198.18.142.2/33' must be a number from 0 to 32",
      "sluice.address|2001:2::2/129|sluice.address: the prefix length of '2001:2::2/129' must be a number from 0 to 128",
      "sluice.address|198.18.142.2/x|sluice.address: the prefix length of '198.18.142.2/x' must be a number from 0 to 32",
      "sluice.peerAddress|198.18.142.1/-1|sluice.peerAddress: the prefix length of '198.18.142.1/-1' must be a number",
      "sluice.gateway|gw.example|sluice.gateway: 'gw.example' is not an IPv4 or IPv6 address literal",
      "sluice.mtu|9x|sluice.mtu: '9x' must be a number from 68 to 65535",
      "sluice.workers|0|sluice.workers: '0' must be a number from 1 to 1024",
      "sluice.spray|yes|sluice.spray: 'yes' must be true or false"})
  void badValue_isNamed(String property, String value, String message) {
    Properties p = valid();
    p.setProperty(property, value);
    assertThatThrownBy(() -> JvmWideStack.start(p)).isInstanceOf(IOException.class).hasMessageStartingWith(message);
  }

  @Test
  void unknownNamespace_isNamed_withHowToMakeIt() {
    Properties p = valid();
    String ns = p.getProperty("sluice.netns");
    assertThatThrownBy(() -> JvmWideStack.start(p)).isInstanceOf(IOException.class)
        .hasMessage("sluice.netns: no network namespace '" + ns + "' (/var/run/netns/" + ns
            + " does not exist; create it with ip netns add " + ns + ")");
  }
}
