package dev.sluice.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway under real load from a Linux guest (issue 15), at its default MTU of 65520: curl of
 * 100 MB with the SHA-256 checked, iperf3 both ways, and 500 concurrent connections each of which
 * carries its own data out and back and half-closes. Speed is measured by
 * {@code scripts/bench-gateway.sh}, not here; these check that every byte arrives.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GatewayLoadTest {
  private static final int HTTP_PORT = 8080;
  private static final int IPERF_PORT = 5201;
  private static final int ECHO_PORT = 7;
  private static final int CONNECTIONS = 500;

  private static GatewayTestbed bed;
  private static String fileSha256;

  @TempDir static Path temp;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(GatewayTestbed.AVAILABLE, GatewayTestbed.NEEDS);
    bed = GatewayTestbed.start(204, 65520, config -> config.maxFlows(CONNECTIONS + 16));
    Path www = Files.createDirectories(temp.resolve("www"));
    byte[] file = new byte[100 << 20];
    new Random(15).nextBytes(file);
    Files.write(www.resolve("file"), file);
    fileSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
    bed.outside("python3", "-m", "http.server", Integer.toString(HTTP_PORT), "--bind", bed.outsideAddress,
        "--directory", www.toString());
    bed.outside("iperf3", "-s", "-B", bed.outsideAddress, "-p", Integer.toString(IPERF_PORT));
    // Echoes each connection's bytes back and closes its side once the client's FIN arrives.
    bed.outside("python3", "-c", String.join("\n",
        "import asyncio",
        "async def echo(r, w):",
        "    while True:",
        "        b = await r.read(65536)",
        "        if not b: break",
        "        w.write(b); await w.drain()",
        "    w.write_eof(); await w.drain(); w.close()",
        "async def main():",
        "    s = await asyncio.start_server(echo, '" + bed.outsideAddress + "', " + ECHO_PORT + ", backlog=1024)",
        "    await s.serve_forever()",
        "asyncio.run(main())"));
    for (int port : new int[] {HTTP_PORT, IPERF_PORT, ECHO_PORT}) {
      bed.awaitListening(port);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (bed != null) {
      bed.close();
    }
  }

  @Test
  void curl_downloads100Megabytes_andTheSha256Matches_growingItsSendBufferAndGivingTheGrowthBack() throws Exception {
    FlowMemory memory = bed.gateway().memory();
    long growthsBefore = memory.growths();
    String out = Commands.run(Duration.ofSeconds(120), "sh", "-c",
        "ip netns exec " + bed.guestNs + " curl -sS --max-time 100 http://"
        + bed.outsideAddress + ":" + HTTP_PORT + "/file | sha256sum");
    assertThat(out.split(" ")[0]).isEqualTo(fileSha256);
    bed.awaitNoFlows(10);
    // The guest acknowledged faster than 256 KiB per round trip: the buffer toward it grew, within
    // the growth share, and every byte of growth went back once the connection closed.
    assertThat(memory.growths()).as("send-buffer growths during the download").isGreaterThan(growthsBefore);
    assertThat(memory.mostGrownBytes()).isPositive().isLessThanOrEqualTo(memory.growthCapBytes());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (memory.grownBytes() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(memory.grownBytes()).as("growth still held 10 s after the flow ended").isZero();
  }

  @Test
  void iperf3_bothDirections_movesDataWithoutError() throws Exception {
    for (String direction : new String[] {"upload", "download"}) {
      // iperf3's JSON report, boiled down by python in the guest: error, bytes sent, bytes received, bit/s.
      String out = Commands.run(Duration.ofSeconds(60), "sh", "-c", "ip netns exec " + bed.guestNs + " iperf3 -c "
          + bed.outsideAddress + " -p " + IPERF_PORT + " -t 3 -J" + (direction.equals("download") ? " -R" : "")
          + " | python3 -c 'import json, sys; d = json.load(sys.stdin); e = d.get(\"end\", {});"
          + " print(repr(d.get(\"error\", \"\")), e[\"sum_sent\"][\"bytes\"], e[\"sum_received\"][\"bytes\"],"
          + " e[\"sum_received\"][\"bits_per_second\"])'");
      String[] fields = out.strip().split(" ");
      assertThat(fields[0]).as(direction + ": iperf3's error").isEqualTo("''");
      long sent = Long.parseLong(fields[1]);
      long received = Long.parseLong(fields[2]);
      assertThat(received).as(direction + " bytes received").isPositive();
      // iperf3's receiver counts what arrived; TCP delivers no more than was sent.
      assertThat(received).as(direction + ": received within what was sent").isLessThanOrEqualTo(sent);
      System.out.printf("gateway iperf3 %s: %.2f Gbit/s%n", direction, Double.parseDouble(fields[3]) / 1e9);
    }
    bed.awaitNoFlows(10);
  }

  @Test
  void fiveHundredConcurrentConnections_eachCarriesItsOwnBytesOutAndBack() throws Exception {
    long acceptedBefore = bed.gateway().accepted.sum();
    // Each connection sends 20,000 bytes derived from its number, half-closes, and checks that the
    // echo is exactly its own bytes followed by end-of-stream. All are open at once.
    String out = bed.inGuest("python3", "-c", String.join("\n",
        "import asyncio, hashlib",
        "N = " + CONNECTIONS,
        "def payload(i): return hashlib.sha256(str(i).encode()).digest() * 625",
        "async def one(i, opened, go):",
        "    r, w = await asyncio.open_connection('" + bed.outsideAddress + "', " + ECHO_PORT + ")",
        "    opened.append(i)",
        "    if len(opened) == N: go.set()",
        "    await go.wait()",
        "    w.write(payload(i)); await w.drain(); w.write_eof()",
        "    got = await r.read()",
        "    w.close()",
        "    return got == payload(i)",
        "async def main():",
        "    opened, go = [], asyncio.Event()",
        "    results = await asyncio.wait_for(asyncio.gather(*(one(i, opened, go) for i in range(N))), 120)",
        "    print(sum(results), len(results))",
        "asyncio.run(main())"));
    assertThat(out.strip()).isEqualTo(CONNECTIONS + " " + CONNECTIONS);
    assertThat(bed.gateway().accepted.sum() - acceptedBefore).isEqualTo(CONNECTIONS);
    bed.awaitNoFlows(20);
  }
}
