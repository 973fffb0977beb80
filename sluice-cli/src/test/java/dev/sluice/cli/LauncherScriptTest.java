package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK discovery that {@code ./sluice} and {@code ./run-tests} share (scripts/jdk25.sh). */
class LauncherScriptTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path temp;

  private record Result(int exit, String stdout, String stderr) {}

  private Result bash(String script, String javaHome, String search) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(ROOT.toFile());
    builder.environment().put("JAVA_HOME", javaHome);
    builder.environment().put("SLUICE_JDK_SEARCH", search);
    Path out = temp.resolve("out.txt");
    Path err = temp.resolve("err.txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("script finished").isTrue();
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void withoutAnyJdk25_theLauncherStopsWithOneLineNamingWhatToInstall() throws Exception {
    Result result = bash("./sluice --version", "/nonexistent", temp.resolve("empty") + "/*");
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr().lines().toList())
        .singleElement().asString().startsWith("sluice: needs a JDK 25").contains("install");
  }

  @Test
  void withoutAnyJdk25_theTestCommandStopsTheSameWay() throws Exception {
    Result result = bash("./run-tests", "/nonexistent", temp.resolve("empty") + "/*");
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.stderr().lines().toList()).singleElement().asString().startsWith("sluice: needs a JDK 25");
  }

  @Test
  void anOlderJavaHome_isPassedOverForAJdk25InTheSearchPath() throws Exception {
    Path old = fakeJdk("jdk-17", 17);
    String runningJdk = System.getProperty("java.home");
    Result result = bash(". scripts/jdk25.sh && echo \"$JAVA_HOME\"", old.toString(), runningJdk);
    assertThat(result.exit()).isZero();
    assertThat(result.stdout().strip()).isEqualTo(runningJdk);
  }

  @Test
  void aJdk25JavaHome_isUsedAsItIs() throws Exception {
    Path jdk = fakeJdk("jdk-25", 25);
    Result result = bash(". scripts/jdk25.sh && echo \"$JAVA_HOME\"", jdk.toString(), temp.resolve("none") + "/*");
    assertThat(result.exit()).isZero();
    assertThat(result.stdout().strip()).isEqualTo(jdk.toString());
  }

  /** A directory that looks like a JDK of the given feature release to the discovery script. */
  private Path fakeJdk(String name, int feature) throws IOException {
    Path bin = Files.createDirectories(temp.resolve(name).resolve("bin"));
    String java = "#!/bin/sh\necho '    java.specification.version = " + feature + "' >&2\n";
    for (String tool : List.of("java", "javac")) {
      Path file = bin.resolve(tool);
      Files.writeString(file, java);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return temp.resolve(name);
  }
}
