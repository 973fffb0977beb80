package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bounded memory with a slow outside (issue 15): when the outside stops reading, the guest's
 * writes block, what the gateway holds for the flow stays within the flow's cap, and once the
 * flows' caps fill the memory budget the next flow is refused rather than admitted. The outside is
 * this JVM's server on the testbed's root-side veth address, which accepts and never reads.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayBackpressureTest {
  private static final int FLOW_BUFFER = 64 * 1024;
  private static final int FLOWS_IN_BUDGET = 3;

  private static GatewayTestbed bed;
  private static GatewayHost gateway;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    long flowMemory = 2L * FLOW_BUFFER + 2L * TcpRelay.BUFFER_BYTES;
    // Virtual relay threads here (platform ones everywhere else): backpressure is blocking either way.
    bed = GatewayTestbed.start(206, 65520, config -> config.flowBufferBytes(FLOW_BUFFER)
        .relayThreads(TcpRelay.Threads.VIRTUAL)
        .maxMemoryBytes(FLOWS_IN_BUDGET * flowMemory));
    gateway = bed.gateway();
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void anOutsideThatStopsReading_blocksTheGuestsWrites_andTheGatewayHoldsNoMoreThanItsCaps() throws Exception {
    assertThat(gateway.flowLimit()).isEqualTo(FLOWS_IN_BUDGET);
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket()) {
      server.setReceiveBufferSize(16 * 1024); // keep the kernel's share small; Sluice's is what is measured
      server.bind(new InetSocketAddress(bed.rootAddress, 0), 16);
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            held.add(server.accept()); // and never read
          }
        } catch (java.io.IOException e) {
          // the server closed
        }
      });
      // The guest fills one flow after another until its writes block (2 s without progress), then
      // tries one flow more than the budget holds, and waits to be told to go.
      Process client = bed.startInGuest("python3", "-u", "-c", String.join("\n",
          "import socket, sys",
          "flows = []",
          "for i in range(" + FLOWS_IN_BUDGET + "):",
          "    c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=10)",
          "    c.settimeout(2); sent = 0",
          "    try:",
          "        while sent < 200 * 1024 * 1024: sent += c.send(b'x' * 65536)",
          "        print('never blocked', sent)",
          "    except socket.timeout:",
          "        print('blocked', sent)",
          "    flows.append(c)",
          "try:",
          "    socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=10)",
          "    print('admitted')",
          "except OSError as e:",
          "    print(type(e).__name__)",
          "sys.stdin.readline()"));
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(),
          StandardCharsets.UTF_8))) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= FLOWS_IN_BUDGET; i++) {
          out.add(lines.readLine());
        }
        for (int i = 0; i < FLOWS_IN_BUDGET; i++) {
          assertThat(out.get(i)).as("flow " + i + "'s writes").startsWith("blocked ");
        }
        assertThat(out.get(FLOWS_IN_BUDGET)).as("the flow beyond the memory budget").isEqualTo("ConnectionRefusedError");
        assertThat(gateway.overLimit.sum()).isPositive();
        // Every flow is stalled with Sluice's receive buffer full (its window closed): the gateway
        // holds at most each flow's cap, so at most the budget.
        long held1 = gateway.bufferedBytes();
        assertThat(held1).as("bytes the gateway holds").isLessThanOrEqualTo(FLOWS_IN_BUDGET * gateway.flowMemoryBytes())
            .isGreaterThanOrEqualTo((long) FLOWS_IN_BUDGET * FLOW_BUFFER / 2);
        Thread.sleep(1000);
        assertThat(gateway.bufferedBytes()).as("still stalled, no more held").isLessThanOrEqualTo(held1);
      } finally {
        client.getOutputStream().close();
        client.destroyForcibly();
        client.waitFor(10, TimeUnit.SECONDS);
      }
      for (Socket s : held) {
        s.setSoLinger(true, 0);
        s.close();
      }
      server.close();
      acceptor.join(5_000);
    }
    bed.awaitNoFlows(15);
  }

  /**
   * The other direction: the outside sends without end; the guest reads 8 MB, then stops reading.
   * While it reads, it acknowledges faster than one 64 KiB buffer per round trip, so the send
   * buffer toward it grows (by default toward 4 MiB), but only within the growth share of the
   * budget. (A guest that never reads at all may not make it grow: its window shrinks as its
   * receive buffer fills, and growth follows the window.) When everything has stalled the gateway
   * holds no more than the budget, and once the flow ends its growth is given back.
   */
  @Test
  void aGuestThatStopsReading_growsTheSendBufferOnlyWithinTheBudget_andTheGrowthComesBack() throws Exception {
    FlowMemory memory = gateway.memory();
    long maxMemory = FLOWS_IN_BUDGET * gateway.flowMemoryBytes();
    long growthsBefore = memory.growths();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(bed.rootAddress, 0), 4);
      Thread sender = Thread.ofVirtual().start(() -> {
        try (Socket s = server.accept()) {
          byte[] chunk = new byte[64 * 1024];
          while (true) {
            s.getOutputStream().write(chunk); // blocks once everything on the way is full
          }
        } catch (java.io.IOException e) {
          // the guest closed, or the server did
        }
      });
      Process client = bed.startInGuest("python3", "-u", "-c", String.join("\n",
          "import socket, sys",
          "c = socket.create_connection(('" + bed.rootAddress + "', " + server.getLocalPort() + "), timeout=10)",
          "got = 0",
          "while got < 8 * 1024 * 1024:",
          "    b = c.recv(min(1 << 20, 8 * 1024 * 1024 - got))",
          "    if not b: break",
          "    got += len(b)",
          "print('read', got)",
          "sys.stdin.readline()",
          "c.close()"));
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(),
          StandardCharsets.UTF_8))) {
        assertThat(lines.readLine()).isEqualTo("read " + 8 * 1024 * 1024);
        // The guest reads no more. Wait until the flow stalls: what the gateway holds stops changing.
        long held = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
          Thread.sleep(500);
          long now = gateway.bufferedBytes();
          if (now == held && now > 0) {
            break;
          }
          held = now;
        }
        assertThat(memory.growths()).as("the send buffer toward the guest grew").isGreaterThan(growthsBefore);
        assertThat(memory.grownBytes()).as("growth held").isPositive().isLessThanOrEqualTo(memory.growthCapBytes());
        assertThat(memory.reservedBytes()).isLessThanOrEqualTo(maxMemory);
        assertThat(gateway.bufferedBytes()).as("bytes the gateway holds, stalled").isLessThanOrEqualTo(maxMemory)
            .isGreaterThan(gateway.flowMemoryBytes() / 2);
      } finally {
        client.getOutputStream().close();
        client.waitFor(10, TimeUnit.SECONDS);
        client.destroyForcibly();
      }
      server.close();
      sender.join(10_000);
    }
    bed.awaitNoFlows(15);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (memory.grownBytes() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(memory.grownBytes()).as("growth given back").isZero();
  }
}
