package dev.sluice.cli.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.MainAccess;
import dev.sluice.testkit.Commands;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code sluice gateway --socks5} with a proxy that is down: the guest's SYNs go unanswered and the
 * command says so once (sluice-gateway's GatewaySocks5Test runs the gateway through a real Dante).
 * Needs root and /dev/net/tun; skips with a message otherwise.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewaySocks5CommandTest {
  @BeforeEach
  void needsRoot() {
    Assumptions.assumeTrue(Namespaces.AVAILABLE, Namespaces.NEEDS);
  }

  @Test
  void theCommand_withAProxyThatIsDown_saysSoOnce_andLeavesTheGuestsSynsUnanswered() throws Exception {
    // The command itself, on a namespace of its own (198.18.222.0/24), with a proxy that is not
    // there: the guest's SYNs are forgotten (no RST: its destination did not refuse), and the log
    // says once that the proxy cannot be reached, not once per SYN.
    String ns = Namespaces.name("sluice-gw-s5c-");
    Commands.run(Duration.ofSeconds(30), "ip", "netns", "add", ns);
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var cli = MainAccess.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      int deadPort = freePort();
      try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<Integer> command = executor.submit(() -> cli.execute("gateway", "--netns", ns, "--cidr",
            "198.18.222.0/24", "--tun", "s5c0", "--socks5", "127.0.0.1:" + deadPort, "--connect-timeout", "1",
            "--duration", "8"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!out.toString().contains("relayed through") && System.nanoTime() < deadline && !command.isDone()) {
          Thread.sleep(50);
        }
        assertThat(out.toString()).contains("TCP and UDP relayed through the SOCKS5 proxy at 127.0.0.1:" + deadPort);
        String guest = Commands.run(Duration.ofSeconds(30), "ip", "netns", "exec", ns, "timeout", "20", "python3", "-c",
            String.join("\n",
                "import socket, threading",
                "outcomes = []  # printed after the joins: threads printing at once interleave their lines",
                "def go():",
                "    try:",
                "        socket.create_connection(('198.18.223.5', 80), timeout=3); outcomes.append('connected')",
                "    except OSError as e:",
                "        outcomes.append(type(e).__name__)",
                "ts = [threading.Thread(target=go) for _ in range(3)]",
                "[t.start() for t in ts]; [t.join() for t in ts]",
                "print('\\n'.join(outcomes))"));
        assertThat(guest.strip().split("\n")).containsExactly("TimeoutError", "TimeoutError", "TimeoutError");
        assertThat(command.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
      }
      assertThat(err.toString().lines().filter(l -> l.contains("cannot be reached"))).singleElement().asString()
          .startsWith("sluice gateway: the SOCKS5 proxy at 127.0.0.1:" + deadPort + " cannot be reached");
      assertThat(out.toString()).containsPattern("refused 0, unreachable 0, forgotten [1-9]");
    } finally {
      Commands.runQuietly(Duration.ofSeconds(30), "ip", "netns", "del", ns);
    }
  }


  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
