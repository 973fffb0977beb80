package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code sluice gateway --socks5}: its help, and a bad value as one line that hides the password. No root needed. */
class GatewaySocks5OptionsTest {
  @Test
  void theCommand_explainsSocks5_andABadValueIsOneClearLine() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = MainAccess.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("gateway", "--help")).isZero();
    assertThat(out.toString()).contains("--socks5=[USER:PASSWORD@]HOST:PORT", "UDP ASSOCIATE");
    assertThat(cli.execute("gateway", "--netns", "nowhere", "--socks5", "bob:secret@proxy")).isEqualTo(2);
    assertThat(err.toString().lines().findFirst()).hasValueSatisfying(l -> assertThat(l)
        .startsWith("sluice gateway: --socks5: expected [USER:PASSWORD@]HOST:PORT").contains("bob:***@proxy").doesNotContain("secret"));
    assertThat(err.toString()).doesNotContain("\tat ");
  }

}
