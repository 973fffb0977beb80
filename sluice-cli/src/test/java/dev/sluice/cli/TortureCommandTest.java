package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TortureCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  @Test
  void smallSprayRun_passes_andTheLastLineIsTheJsonReport() {
    assertThat(run("torture", "--connections", "300", "--workers", "2", "--mode", "spray", "--seed", "3", "--json"))
        .as(out + "" + err).isZero();
    String[] lines = out.toString().strip().split("\n");
    String json = lines[lines.length - 1];
    assertThat(json).startsWith("{").endsWith("}")
        .contains("\"connections\":300", "\"hangs\":0", "\"corrupted\":0", "\"eofMissing\":0",
            "\"eofDuplicated\":0", "\"finNotSent\":0", "\"workers\":2", "\"mode\":\"spray\"", "\"seed\":3")
        .containsPattern("\"bytes\":[1-9]").containsPattern("\"elapsedMs\":\\d+")
        .containsPattern("\"tlpProbes\":\\d+").containsPattern("\"rackLosses\":\\d+"); // RFC 8985's counters
    assertThat(out.toString()).contains("PASS");
  }

  @Test
  void smallAdaptiveRun_passes() {
    assertThat(run("torture", "--connections", "300", "--workers", "2", "--mode", "adaptive", "--seed", "5", "--json"))
        .as(out + "" + err).isZero();
    assertThat(out.toString()).contains("\"mode\":\"adaptive\"", "\"hangs\":0", "\"corrupted\":0", "PASS");
  }

  @Test
  void badMode_isAUsageError() {
    assertThat(run("torture", "--mode", "sideways")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--mode must be steer, spray, inline or adaptive, not 'sideways'");
  }

  @Test
  void badProbability_isAUsageError() {
    assertThat(run("torture", "--loss", "2")).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("probability");
  }
}
