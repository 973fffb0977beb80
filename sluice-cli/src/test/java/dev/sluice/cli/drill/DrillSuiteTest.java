package dev.sluice.cli.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every script of the conformance suite (src/test/resources/drill) passes in strict mode. A
 * script states what Sluice must do, line by line; where that differs from Linux on purpose,
 * docs/conformance.md explains it.
 */
class DrillSuiteTest {
  static final Path SUITE = Path.of("src/test/resources/drill");

  static List<Path> scripts() throws IOException {
    try (Stream<Path> walk = Files.walk(SUITE)) {
      return walk.filter(p -> p.toString().endsWith(".pkt")).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyScriptPasses() throws IOException {
    return scripts().stream().map(script -> DynamicTest.dynamicTest(SUITE.relativize(script).toString(), () -> {
      DrillResult result = DrillRunner.run(script.toString(), Files.readString(script, StandardCharsets.UTF_8),
          false, null);
      assertThat(result.failure()).as(script.toString()).isNull();
    }));
  }

  @Test
  void theSuiteHasAtLeastEightyScripts() throws IOException {
    assertThat(scripts()).hasSizeGreaterThanOrEqualTo(80);
  }
}
