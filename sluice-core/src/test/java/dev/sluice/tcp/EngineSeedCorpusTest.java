package dev.sluice.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.tcp.EngineFuzzInput.Script;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the committed seeds of {@link TcpEngineFuzzTest} and {@link EngineSeedCorpus} in step, and
 * checks that each seed's bytes decode to the script it was written from (with a Java mirror of
 * Jazzer's provider, whose native code only Jazzer's agent can load), so a seed tests what its name
 * says. Each seed is also run here, without Jazzer, for a quick and debuggable signal.
 */
class EngineSeedCorpusTest {
  @Test
  void committedSeedsMatchTheGenerator() throws IOException {
    Map<String, byte[]> seeds = EngineSeedCorpus.generate();
    assertThat(seeds).hasSizeGreaterThanOrEqualTo(20);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      String resource = "/" + EngineSeedCorpus.PACKAGE_DIR + e.getKey();
      try (InputStream in = EngineSeedCorpusTest.class.getResourceAsStream(resource)) {
        assertThat(in).as("%s is committed (run EngineSeedCorpus to regenerate)", resource).isNotNull();
        assertThat(in.readAllBytes()).as("%s is what EngineSeedCorpus generates", resource).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void everySeedDecodesToItsScript() {
    EngineSeedCorpus.scripts().forEach((name, script) -> {
      byte[] input = EngineFuzzInput.encode(script);
      assertThat(EngineFuzzInput.decodeWithoutJazzer(input, script.opening())).as(name).isEqualTo(script);
    });
  }

  @Test
  void everySeedPassesTheInvariants() {
    for (Map.Entry<String, Script> e : EngineSeedCorpus.scripts().entrySet()) {
      try {
        EngineFuzzRun.run(e.getValue());
      } catch (AssertionError failure) {
        throw new AssertionError(e.getKey() + ": " + failure.getMessage(), failure);
      }
    }
  }
}
