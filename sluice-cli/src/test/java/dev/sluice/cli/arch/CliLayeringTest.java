package dev.sluice.cli.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The CLI's layering (issue 13, §5): classes in {@code dev.sluice.cli..} use {@code dev.sluice.api}, {@code
 * dev.sluice.wire} and {@code dev.sluice.link} (devices), not the runtime ({@code dev.sluice.stack}) or the
 * engine ({@code dev.sluice.tcp}). The dependencies that do exist today are listed in {@link #ALLOWED}, one
 * class-level pair each (nested classes and lambdas count as their top-level class), with the reason.
 *
 * <p>The list only shrinks: a dependency that is not on it fails the test, and so does an entry on it that the
 * code no longer has, so an entry is deleted as soon as its dependency is gone. Never add to it; move what the
 * CLI needs into {@code api} instead.
 */
class CliLayeringTest {
  /** "cli class -> stack or tcp class" to why it is still there. Only ever remove entries. */
  // Generated from the code of 2026-12 (branch layering); each reason says what api lacks.
  static final Map<String, String> ALLOWED = Map.ofEntries(
      Map.entry("cli.DemoCommand -> stack.Steering",
          "the demo runs Torture (sluice-torture) in spray mode; api has no steering setting"),
      Map.entry("cli.TortureCommand -> stack.Steering",
          "--mode steer|spray picks the runtime's steering; api has no steering setting"),
      Map.entry("cli.drill.DrillRunner -> stack.Host",
          "drill steps one Host on a virtual clock, packet by packet (sockets via api.internal.HostSockets)"),
      Map.entry("cli.drill.DrillRunner -> stack.HostConfig",
          "the drill host's config (one worker, fixed ISN key, virtual clock)"),
      Map.entry("cli.drill.DrillRunner -> tcp.TcpConfig",
          "sets the script's MTU in the host's TCP settings; api has no TCP settings builder"),
      Map.entry("cli.drill.Platform -> tcp.CongestionAlgorithm",
          "Linux/FreeBSD defaults pick CUBIC; api exposes no congestion-control choice"),
      Map.entry("cli.drill.Platform -> tcp.TcpConfig",
          "applies a platform's defaults to TcpConfig.Builder; api has no TCP settings builder"),
      Map.entry("cli.drill.SocketOptions -> tcp.TcpConfig",
          "socket options set before connect/listen go into the socket's TcpConfig"),
      Map.entry("cli.drill.SystemSettings -> tcp.CongestionAlgorithm",
          "sysctl net.ipv4.tcp_congestion_control maps onto it"),
      Map.entry("cli.drill.SystemSettings -> tcp.TcpConfig",
          "sysctls are the TcpConfig every new socket starts from"),
      Map.entry("cli.drill.VirtualSocket -> tcp.TcpConfig",
          "per-socket options before connect/listen; api has no TCP settings builder"),
      Map.entry("cli.drill.VirtualSockets -> tcp.TcpConfig",
          "each socket's TcpConfig to listen/connect, passed on to accepted sockets as Linux does")
  );

  private static final JavaClasses CLI = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.sluice.cli");

  /** Top-level class of a (possibly nested or synthetic) class name. */
  private static String topLevel(String name) {
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }

  private static String shortName(String name) {
    return name.substring("dev.sluice.".length());
  }

  /** Every "cli class -> stack or tcp class" pair in the CLI's main classes. */
  static TreeSet<String> actualPairs() {
    TreeSet<String> pairs = new TreeSet<>();
    for (JavaClass origin : CLI) {
      if (!origin.getPackageName().startsWith("dev.sluice.cli")) {
        continue;
      }
      for (Dependency d : origin.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass().getBaseComponentType();
        String pkg = target.getPackageName();
        if (pkg.equals("dev.sluice.stack") || pkg.startsWith("dev.sluice.stack.")
            || pkg.equals("dev.sluice.tcp") || pkg.startsWith("dev.sluice.tcp.")) {
          pairs.add(shortName(topLevel(origin.getName())) + " -> " + shortName(topLevel(target.getName())));
        }
      }
    }
    return pairs;
  }

  @Test
  void theCliImportedSomething() {
    assertThat(CLI.contain("dev.sluice.cli.Main")).isTrue();
  }

  @Test
  void cliUsesNeitherStackNorTcp_exceptTheAllowList() {
    TreeSet<String> added = actualPairs();
    added.removeAll(ALLOWED.keySet());
    assertThat(added)
        .as("The CLI must use dev.sluice.api (plus wire, and link for devices), not dev.sluice.stack or "
            + "dev.sluice.tcp. New dependencies (do not add them to the allow-list; extend the API):\n"
            + added.stream().map(p -> "  " + p).collect(Collectors.joining("\n")))
        .isEmpty();
  }

  @Test
  void theAllowListOnlyShrinks_everyEntryStillExists() {
    TreeSet<String> actual = actualPairs();
    TreeMap<String, String> stale = new TreeMap<>(ALLOWED);
    stale.keySet().removeAll(actual);
    assertThat(stale.keySet())
        .as("These allow-listed dependencies are gone; delete their entries from CliLayeringTest.ALLOWED")
        .isEmpty();
  }

  @Test
  void everyEntryHasAOneLineReason() {
    ALLOWED.forEach((pair, reason) -> {
      assertThat(pair).matches("cli(\\.\\w+)*\\.\\w+ -> (stack|tcp)(\\.\\w+)*\\.\\w+");
      assertThat(reason).as(pair).isNotBlank().doesNotContain("\n");
    });
  }
}
