package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * The JVM-wide mode end to end: {@link JvmWideHttpProgram}, plain JDK {@code HttpServer} and {@code
 * HttpClient} code, runs in a forked JVM with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider} and the {@code
 * sluice.*} properties, its stack on a TUN device in a namespace of the test's own. curl, a kernel
 * client in that namespace, fetches a large body (hashed), has a POST echoed, and makes several
 * requests on one kept-alive connection; the program's own client reached its server through the
 * stack's address and 127.0.0.1 (delivered inside the stack); and the kernel of the JVM's own
 * namespace holds no TCP socket of the forked JVM. Skipped unless run as root with {@code
 * /dev/net/tun}, {@code ip}, {@code curl} and {@code ss}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JvmWideModeTest {
  /** 198.18.142.0/24: no other test uses it. */
  private static final String SLUICE = "198.18.142.2";
  private static final String KERNEL = "198.18.142.1";
  private static final int PORT = 8080;
  private static final long STARTUP_SECONDS = 60;

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void unmodifiedHttpServerAndClient_runOnSluice_andCurlInANamespaceTalksToThem(boolean spray) throws Exception {
    assumeTrue("0".equals(ScratchNamespace.run("id", "-u").output().strip()),
        "the JVM-wide test needs root (a namespace and a TUN device); skipped");
    assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun; skipped");
    for (String tool : new String[] {"curl", "ss", "ip", "sha256sum"}) {
      assumeTrue(ScratchNamespace.run("sh", "-c", "command -v " + tool).exitCode() == 0, "no " + tool + "; skipped");
    }
    Path stderr = Files.createTempFile("sluice-jvm-wide", ".err");
    Path posted = Files.createTempFile("sluice-jvm-wide", ".post");
    Process java = null;
    try (ScratchNamespace ns = ScratchNamespace.create()) {
      try {
        java = fork(ns, stderr, spray);
        BlockingQueue<String> lines = linesOf(java);
        List<String> client = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        String line;
        while (!"READY".equals(line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))) {
          assertThat(line).as("the program's output before READY; its errors: %s", Files.readString(stderr))
              .isNotNull().isNotEqualTo("EOF");
          client.add(line);
        }

        // The program's own HttpClient, through the stack's address and 127.0.0.1: inside the stack.
        String big = HttpBodies.sha256(HttpBodies.body(1_000_000));
        assertThat(client).containsExactly(
            "client GET " + SLUICE + " 200 1000000 " + big,
            "client GET 127.0.0.1 200 1000000 " + big,
            "client POST " + SLUICE + " 200 300000 " + HttpBodies.sha256(HttpBodies.body(300_000)));

        // curl, the kernel's TCP in the namespace, over the TUN device.
        String url = "http://" + SLUICE + ":" + PORT;
        String fetched = ns.execChecked("sh", "-c", "curl -sS --max-time 60 " + url + "/bytes/5000000 | sha256sum");
        assertThat(fetched).startsWith(HttpBodies.sha256(HttpBodies.body(5_000_000)));

        byte[] upload = HttpBodies.body(700_001);
        Files.write(posted, upload);
        String echoed = ns.execChecked("sh", "-c",
            "curl -sS --max-time 60 --data-binary @" + posted + " " + url + "/echo | sha256sum");
        assertThat(echoed).startsWith(HttpBodies.sha256(upload));

        // Three requests on one connection: curl reuses it (num_connects 0) because the server keeps it alive.
        String format = "%{http_code} %{size_download} %{num_connects}\\n";
        String keptAlive = ns.execChecked("curl", "-sS", "--max-time", "60", "-o", "/dev/null", "-o", "/dev/null",
            "-o", "/dev/null", "-w", format, url + "/bytes/1000", url + "/bytes/20000", url + "/bytes/300000");
        assertThat(keptAlive.lines().toList()).containsExactly("200 1000 1", "200 20000 0", "200 300000 0");

        // No kernel socket: the forked JVM has no TCP socket in its own (root) namespace, listening or not.
        String sockets = ScratchNamespace.run("ss", "-tanpH").output();
        String owner = "pid=" + java.pid() + ",";
        assertThat(sockets.lines().filter(l -> l.contains(owner)).toList())
            .as("kernel TCP sockets of the forked JVM").isEmpty();
        assertThat(ScratchNamespace.run("ss", "-tlnH", "sport = :" + PORT).output().lines()
            .filter(l -> l.contains(SLUICE)).toList()).isEmpty();

        java.getOutputStream().close(); // end of input: the program stops its server and exits
        assertThat(java.waitFor(30, TimeUnit.SECONDS)).as("the program exits").isTrue();
        assertThat(java.exitValue()).as("exit status; errors: %s", Files.readString(stderr)).isZero();
      } finally {
        if (java != null) {
          java.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      }
    } finally {
      Files.deleteIfExists(stderr);
      Files.deleteIfExists(posted);
    }
  }

  /** Starts the program in a forked JVM of this JDK, on this class path, with the JVM-wide provider. */
  private static Process fork(ScratchNamespace ns, Path stderr, boolean spray) throws Exception {
    String javaCommand = ProcessHandle.current().info().command().orElseThrow();
    String classPath = codeSource(JvmWideStack.class) + File.pathSeparator + codeSource(JvmWideHttpProgram.class);
    List<String> command = List.of(javaCommand, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
        "-Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider",
        "-Dsluice.tun=sluicejw0", "-Dsluice.address=" + SLUICE + "/24", "-Dsluice.peerAddress=" + KERNEL + "/24",
        "-Dsluice.gateway=" + KERNEL, "-Dsluice.netns=" + ns.name(), "-Dsluice.workers=2",
        "-Dsluice.spray=" + spray, "-cp", classPath, JvmWideHttpProgram.class.getName(), SLUICE, Integer.toString(PORT), "90");
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }

  private static String codeSource(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /** The process's output lines, read on a daemon thread; "EOF" at the end. */
  private static BlockingQueue<String> linesOf(Process process) {
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);
    Thread.ofPlatform().daemon(true).name("jvm-wide-stdout").start(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.offer(line);
        }
      } catch (IOException e) {
        // the process is gone
      }
      lines.offer("EOF");
    });
    return lines;
  }
}
