package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void help_listsEverySubcommand() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: sluice")
        .contains("demo", "torture", "serve", "drill", "bench", "doctor", "graph", "ss");
  }

  @Test
  void noArguments_printsUsage() {
    assertThat(run()).isZero();
    assertThat(out.toString()).contains("Usage: sluice");
  }

  @Test
  void version_namesSluiceAndTheJavaRuntime() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("sluice ").contains("Java " + Runtime.version().feature());
  }

  @Test
  void unknownOption_failsWithUsageError() {
    assertThat(run("--no-such-option")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("Unknown option: '--no-such-option'");
  }

  @Test
  void demoWithInvalidProbability_isAUsageError() {
    assertThat(run("demo", "--loss", "1.5", "--capture", "none")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("loss must be a probability in [0, 1]: 1.5");
  }
}
