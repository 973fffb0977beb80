package dev.sluice.wire.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the committed seed corpus and {@link SeedCorpus} in step: the fuzz targets replay the
 * committed files, so a generator change that is not regenerated (or a hand-edited seed) would
 * silently test something else.
 */
class SeedCorpusTest {
  @Test
  void committedSeedsMatchTheGenerator() throws IOException {
    Map<String, byte[]> seeds = SeedCorpus.generate();
    assertThat(seeds).hasSizeGreaterThan(100);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      String resource = "/" + SeedCorpus.PACKAGE_DIR + e.getKey();
      try (InputStream in = SeedCorpusTest.class.getResourceAsStream(resource)) {
        assertThat(in).as("%s is committed (run SeedCorpus to regenerate)", resource).isNotNull();
        assertThat(in.readAllBytes()).as("%s is what SeedCorpus generates", resource).isEqualTo(e.getValue());
      }
    }
  }
}
