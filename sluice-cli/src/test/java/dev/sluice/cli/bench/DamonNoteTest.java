package dev.sluice.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workload 9 says when the kernel's DAMON monitor runs, since it charges an idle large heap. */
class DamonNoteTest {

  @Test
  void aKdamondWhoseStateIsOn_isReported_withTheCount(@TempDir Path kdamonds) throws IOException {
    Files.createDirectories(kdamonds.resolve("0"));
    Files.writeString(kdamonds.resolve("0/state"), "on\n");
    Files.createDirectories(kdamonds.resolve("1"));
    Files.writeString(kdamonds.resolve("1/state"), "off\n");
    Files.writeString(kdamonds.resolve("nr_kdamonds"), "2\n"); // a file beside the directories

    assertThat(MillionWorkload.damonNote(kdamonds)).contains("DAMON").contains("(1 kdamond)");
  }

  @Test
  void noKdamondOn_orNoDamonAtAll_saysNothing(@TempDir Path dir) throws IOException {
    Path kdamonds = dir.resolve("kdamonds");
    assertThat(MillionWorkload.damonNote(kdamonds)).as("no such directory").isNull();
    Files.createDirectories(kdamonds.resolve("0"));
    Files.writeString(kdamonds.resolve("0/state"), "off\n");
    assertThat(MillionWorkload.damonNote(kdamonds)).isNull();
  }
}
