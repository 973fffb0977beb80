package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each outcome of {@link Commands}: success, a non-zero exit, a command outliving its bound, a missing tool. */
@Timeout(60)
class CommandsTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  @Test
  void aCommandThatSucceeds_answersItsOutput_withStandardErrorMerged() {
    assertThat(Commands.run(BOUND, "sh", "-c", "echo out; echo err >&2")).isEqualTo("out\nerr\n");
    assertThat(Commands.run(BOUND, List.of("true"))).isEmpty();
  }

  @Test
  void aNonZeroExit_failsWithTheCommandItsStatusAndItsOutput() {
    assertThatThrownBy(() -> Commands.run(BOUND, "false")).isInstanceOf(AssertionError.class)
        .hasMessage("false exited 1: ");
    assertThatThrownBy(() -> Commands.run(BOUND, "sh", "-c", "echo hi; exit 3")).isInstanceOf(AssertionError.class)
        .hasMessage("sh -c echo hi; exit 3 exited 3: hi\n");
  }

  @Test
  void runAllowingFailure_answersTheStatusAndOutput_ofAFailure() {
    assertThat(Commands.runAllowingFailure(BOUND, "sh", "-c", "echo hi; exit 3"))
        .isEqualTo(new Commands.Result(3, "hi\n"));
    assertThat(Commands.runAllowingFailure(BOUND, "true")).isEqualTo(new Commands.Result(0, ""));
  }

  @Test
  void aCommandOutlivingItsBound_failsNamingTheCommandAndTheBound() {
    assertThatThrownBy(() -> Commands.run(Duration.ofMillis(200), "sleep", "5")).isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("sleep 5 did not finish in 200 ms");
    assertThatThrownBy(() -> Commands.runAllowingFailure(Duration.ofMillis(200), "sleep", "5"))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("sleep 5 did not finish in 200 ms");
  }

  @Test
  void aCommandOutlivingItsBound_isKilledWithItsChildren(@TempDir Path dir) throws Exception {
    Path late = dir.resolve("late");
    // A subshell of the shell's own would touch the file after 2 s if only the shell were killed.
    assertThatThrownBy(() -> Commands.run(Duration.ofMillis(300), "sh", "-c",
        "echo started; (sleep 2; touch " + late + ") & wait"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("did not finish in 300 ms")
        .hasMessageContaining("it printed: started");
    Thread.sleep(4_000); // twice the subshell's delay
    assertThat(late).as("written by a child that outlived the bound").doesNotExist();
  }

  @Test
  void commandsRunInTheCLocale() {
    assertThat(Commands.run(BOUND, "sh", "-c", "echo $LC_ALL")).isEqualTo("C\n");
  }

  @Test
  void aCommandThatCannotStart_failsNamingIt() {
    assertThatThrownBy(() -> Commands.run(BOUND, "/nonexistent/sluice-no-such-tool", "x"))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("/nonexistent/sluice-no-such-tool x could not start");
  }

  @Test
  void runQuietly_neverThrows_whateverTheCommandDoes() {
    assertThatCode(() -> {
      Commands.runQuietly(BOUND, "false");
      Commands.runQuietly(BOUND, "/nonexistent/sluice-no-such-tool");
      Commands.runQuietly(Duration.ofMillis(200), "sleep", "5");
    }).doesNotThrowAnyException();
  }

  @Test
  void runQuietly_hasItsEffect() throws Exception {
    Path file = Files.createTempFile("sluice-testkit", ".tmp");
    Commands.runQuietly(BOUND, "rm", file.toString());
    assertThat(file).doesNotExist();
  }

  @Test
  void outputLargerThanAPipe_doesNotStallTheCommand() {
    // 1 MiB: far more than a pipe's 64 KiB, which a reader that waits for the exit first would deadlock on.
    assertThat(Commands.run(BOUND, "head", "-c", "1048576", "/dev/zero")).hasSize(1 << 20);
  }
}
