package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The descriptions are what users read next to the drop counters (the demo's report, {@code
 * --stats}): words and RFC sections, not the numbers of an internal catalogue.
 */
class DropReasonTest {
  @Test
  void everyDescription_isWordsWithoutCatalogueNumbers() {
    for (DropReason reason : DropReason.values()) {
      assertThat(reason.description()).as(reason.name()).isNotBlank().doesNotContainPattern("\\[\\d+\\]");
    }
  }
}
