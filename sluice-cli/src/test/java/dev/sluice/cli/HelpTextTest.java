package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code sluice --help}: each command's summary is one whole sentence, and the exit codes are listed. */
class HelpTextTest {
  /** The Commands section of {@code sluice --help} rendered {@code width} wide: name to summary, lines joined. */
  private static Map<String, String> summaries(String help) {
    Map<String, String> summaries = new LinkedHashMap<>();
    List<String> lines = help.lines().toList();
    String current = null;
    for (String line : lines.subList(lines.indexOf("Commands:") + 1, lines.size())) {
      if (line.isBlank()) {
        break;
      }
      if (line.matches("  \\S.*")) {
        String[] parts = line.strip().split("\\s+", 2);
        current = parts[0];
        summaries.put(current, parts[1]);
      } else {
        summaries.put(current, summaries.get(current) + " " + line.strip());
      }
    }
    return summaries;
  }

  @ParameterizedTest
  @ValueSource(ints = {110, 80})
  void everySummary_isAWholeSentence_atWidth(int width) {
    CommandLine cli = Main.commandLine().setUsageHelpWidth(width);
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("--help")).isZero();
    String help = out.toString();
    assertThat(help.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(width));

    Map<String, String> summaries = summaries(help);
    assertThat(summaries.keySet()).containsAll(cli.getSubcommands().keySet());
    summaries.forEach((name, summary) -> {
      // picocli lists a command by its header's first line, else its description's (only help has a header)
      CommandLine.Model.UsageMessageSpec usage = cli.getSubcommands().get(name).getCommandSpec().usageMessage();
      String[] source = usage.header().length > 0 ? usage.header() : usage.description();
      assertThat(summary).as(name).isEqualTo(source[0].strip()).matches("[A-Z].*\\.");
    });
    assertThat(help).contains("Exit codes (every command):", "0   Success", "1   A check or a diagnosis found",
        "2   Bad usage", "3   An internal error");
  }
}
