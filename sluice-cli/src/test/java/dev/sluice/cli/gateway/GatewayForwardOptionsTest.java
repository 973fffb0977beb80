package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.cli.MainAccess;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --forward}, {@code --stats} and {@code --capture}: parsing, help, and one clear line for each mistake. */
class GatewayForwardOptionsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @TempDir Path temp;

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  /** Exit 2 and a first line of standard error that is exactly {@code line}; no stack trace. */
  private void assertRejected(String line, String... args) {
    err.getBuffer().setLength(0);
    assertThat(run(args)).isEqualTo(2);
    assertThat(err.toString()).doesNotContain("\tat ");
    assertThat(err.toString().lines().findFirst()).hasValue("sluice gateway: " + line);
  }

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

  @Test
  void help_explainsTheNewOptions() {
    assertThat(run("gateway", "--help")).isZero();
    assertThat(out.toString().replaceAll("\\s+", " ")).contains("--forward=tcp|udp:[HOSTADDR:]HOSTPORT:GUESTPORT",
        "--stats=SECONDS", "--capture=FILE", "UDP: each client's datagrams", "pcapng", "sluice doctor");
  }

  @Test
  void commandLineMistakes_areOneClearLine() {
    assertRejected("--forward udp:5353: expected udp:HOSTPORT:GUESTPORT or udp:HOSTADDR:HOSTPORT:GUESTPORT",
        "gateway", "--netns", "x", "--forward", "udp:5353");
    assertRejected("--forward tcp:1:99999: GUESTPORT must be in [1, 65535]: 99999",
        "gateway", "--netns", "x", "--forward", "tcp:8080:80", "--forward", "tcp:1:99999");
    assertRejected("--stats must be in [0, 2592000]: -5", "gateway", "--netns", "x", "--stats", "-5");
  }

  @Test
  void aCaptureThatCannotBeWritten_isOneClearLine_beforeAnythingStarts() throws Exception {
    // The namespace must exist for the command to get as far as the capture: /proc/self/ns/net is one.
    Path missingDirectory = temp.resolve("no-such-dir/gateway.pcapng");
    assertRejected("cannot write " + missingDirectory + ": folder " + missingDirectory.getParent() + " does not exist",
        "gateway", "--netns", "/proc/self/ns/net", "--capture", missingDirectory.toString());
    assertRejected("cannot write " + temp + ": it is a folder",
        "gateway", "--netns", "/proc/self/ns/net", "--capture", temp.toString());
  }
}
