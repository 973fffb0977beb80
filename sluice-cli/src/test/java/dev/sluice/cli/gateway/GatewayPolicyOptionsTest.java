package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice gateway}'s "who may go where" options: explained by --help, and a bad one is one
 * clear line before anything is created (no root needed: the namespace named does not exist, and
 * the range is checked first).
 */
class GatewayPolicyOptionsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void help_explainsTheOptions_andTheHostRule() {
    assertThat(run("gateway", "--help")).isZero();
    assertThat(out.toString()).contains("--allow-host-loopback", "--allow=CIDR", "--deny=CIDR", "198.18.0.3",
        "never reaches this host itself");
  }

  @Test
  void aBadAllowOrDeny_isOneClearLine_notAStackTrace() {
    assertThat(run("gateway", "--netns", "nowhere", "--allow", "198.18.0.0/15", "--deny", "198.18.1.1/24"))
        .isEqualTo(2);
    assertThat(err.toString().lines().findFirst())
        .hasValue("sluice gateway: --deny 198.18.1.1/24: host bits are set; did you mean 198.18.1.0/24?");
    assertThat(err.toString()).doesNotContain("\tat ");
    err.getBuffer().setLength(0);
    assertThat(run("gateway", "--netns", "nowhere", "--allow", "2001:2::/129")).isEqualTo(2);
    assertThat(err.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l)
        .startsWith("sluice gateway: --allow 2001:2::/129: the prefix length must be a number in [0, 128]"));
  }

  @Test
  void allowHostLoopback_onACidrTooNarrowForTheMappedAddress_isOneClearLine() {
    assertThat(run("gateway", "--netns", "nowhere", "--cidr", "198.18.0.0/30", "--allow-host-loopback"))
        .isEqualTo(2);
    assertThat(err.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l)
        .startsWith("sluice gateway: --allow-host-loopback needs a --cidr of /29 or wider"));
    assertThat(err.toString()).doesNotContain("\tat ");
  }

  @Test
  void goodRanges_passTheChecks_andTheNextMistakeIsTheNamespace() {
    assertThat(run("gateway", "--netns", "sluice-no-such-namespace-" + System.nanoTime(), "--allow", "198.18.0.0/15",
        "--allow", "2001:2::/48", "--deny", "198.18.1.0/24", "--allow-host-loopback")).isEqualTo(2);
    assertThat(err.toString()).contains("--netns: no such network namespace").doesNotContain("\tat ");
  }
}
