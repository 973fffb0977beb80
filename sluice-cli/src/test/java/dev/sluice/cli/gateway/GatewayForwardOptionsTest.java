package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import java.io.StringWriter;
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
