package dev.sluice.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Workload 8 ({@code http_server}): requests per second of the JDK's own {@code HttpServer},
 * unmodified, answering small keep-alive requests from {@code --http-connections} (64) clients,
 * on Sluice against the kernel (issue 14).
 *
 * <p>The server opens its channels with {@code ServerSocketChannel.open()}, so it runs on whatever
 * the JVM-wide {@code SelectorProvider} is, and a JVM has one: each run is a JVM of its own ({@link
 * HttpServerProbe}), started with Sluice's provider for the Sluice side and without it for the
 * kernel's, with the bench's flags and {@code sun.net.httpserver.nodelay} on for both (else the
 * server's responses meet Nagle and the clients' delayed ACKs on both sides alike). The JVM's start
 * is outside the measured window, and so is a warm-up of at least {@code --jvm-warmup-ms} (4 s)
 * under the same load, then until the JIT has been quiet for half a second (at most three times
 * that: {@code HttpServerProbe.warmUp}): a fresh JVM runs its first seconds interpreted, which costs
 * Sluice, whose TCP is Java, far more than the kernel (0.32x after 0.3 s of warm-up, 0.65x after
 * 4 s, in one measurement).
 */
final class HttpServerWorkload implements Workload {
  private static final String PROVIDER = "-Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider";

  @Override
  public int number() {
    return 8;
  }

  @Override
  public List<String> aliases() {
    return List.of("http_server");
  }

  @Override
  public String title() {
    return "JDK HttpServer, keep-alive requests";
  }

  @Override
  public List<Variant> variants(BenchConfig config) {
    return List.of(new Variant("http", StackSide.Setup.of(1500, config.sluiceWorkers()), config.httpConnections()));
  }

  @Override
  public Map<String, Double> measure(StackSide side, Variant variant, BenchConfig config) throws Exception {
    List<String> command = javaCommand(side.name().equals("sluice"));
    command.addAll(List.of(side.name(), Integer.toString(variant.setup().mtu()),
        Integer.toString(variant.setup().workers()), Integer.toString(variant.parameter()),
        Long.toString(config.jvmWarmupMs()), Long.toString(config.durationMs()),
        Long.toString(config.runTimeoutMs()), side instanceof SluiceSide sluice ? sluice.receive() : "-"));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    // Read both pipes while it runs: a full pipe would stop the probe.
    var err = Thread.ofVirtual().start(() -> drain(p.getErrorStream()));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(config.runTimeoutMs() + 30_000, TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new java.util.concurrent.TimeoutException("the http_server probe did not finish in time");
    }
    err.join();
    if (p.exitValue() != 0) {
      throw new IOException("the http_server probe failed (exit " + p.exitValue() + "): " + errors.strip());
    }
    Double rate = null;
    long violations = 0;
    for (String line : out.lines().toList()) {
      if (line.startsWith("requests/s ")) {
        rate = Double.parseDouble(line.substring(11));
      } else if (line.startsWith("ownership-violations ")) {
        violations = Long.parseLong(line.substring(21));
      }
    }
    if (rate == null) {
      throw new IOException("the http_server probe printed no rate: " + out.strip());
    }
    if (violations != 0) {
      throw new IllegalStateException(violations + " ownership violations in the http_server probe's stacks");
    }
    return Map.of("req/s", rate);
  }

  private volatile String errors = "";

  private void drain(java.io.InputStream in) {
    try {
      errors = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      errors = "(its error output could not be read: " + e + ")";
    }
  }

  /**
   * This JVM's {@code java} with the flags the probe needs: the module path and module when the
   * bench runs as a module (the {@code sluice} launcher), else the class path (tests).
   */
  private static List<String> javaCommand(boolean sluiceProvider) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of("-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED,dev.sluice.core",
        "-Dsun.net.httpserver.nodelay=true"));
    if (sluiceProvider) {
      command.add(PROVIDER);
    }
    String modulePath = System.getProperty("jdk.module.path");
    if (modulePath != null && !modulePath.isEmpty()) {
      command.addAll(List.of("-p", modulePath, "-m", "dev.sluice.cli/" + HttpServerProbe.class.getName()));
    } else {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), HttpServerProbe.class.getName()));
    }
    return command;
  }

  @Override
  public List<Report.Row> rows(Results r) {
    if (!r.has("http", "sluice", "req/s") || !r.has("http", "kernel", "req/s")) {
      return List.of();
    }
    Report.Row row = new Report.Row("http_server", "8. JDK HttpServer, keep-alive requests", "req/s", false,
        r.get("http", "sluice", "req/s"), r.get("http", "kernel", "req/s"), r.get("http", "kernel-lo", "req/s"),
        ">= 1.0x", null);
    return List.of(BulkWorkload.withMet(row, row.ratio() >= 1.0));
  }

  @Override
  public List<String> details(Results r) {
    return List.of("Workload 8: each run is a JVM of its own (the JDK's HttpServer uses the JVM-wide provider);"
        + " the response is " + HttpServerProbe.BODY.length + " bytes of JSON.");
  }
}
