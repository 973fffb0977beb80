package dev.sluice.cli.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run of workload 8 ({@code http_server}), in a JVM of its own: the JDK's {@code HttpServer},
 * unmodified, answers keep-alive requests from {@code connections} clients, each sending a
 * request, reading the whole response and sending the next. The server opens its channels through
 * the JVM-wide provider, which is chosen once per JVM: Sluice's for the Sluice side (its server
 * stack bound with {@code NetStack.bindJvmWideProvider()}), the JDK's for the kernel's; hence the
 * JVM of its own, which {@link HttpServerWorkload} starts. The clients use the side's blocking
 * connections, as the other workloads do, so both sides run the same client code.
 *
 * <p>Usage: {@code HttpServerProbe SIDE MTU WORKERS CONNECTIONS WARMUP_MS DURATION_MS TIMEOUT_MS},
 * SIDE one of {@code sluice}, {@code kernel} (the bench's namespace when root), {@code kernel-lo}.
 * Prints {@code requests/s R} and {@code ownership-violations N} on standard output; exits 1 with
 * a reason on standard error if the run failed.
 */
final class HttpServerProbe {
  /** The response body: small, as an API's answer is, so the run measures per-request cost. */
  static final byte[] BODY = "{\"sluice\":\"a small JSON answer, as an API server gives\"}\n"
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REQUEST = "GET /api HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int PORT = 5080;
  /** See {@link #warmUp}. */
  private static final long JIT_QUIET_MILLIS = 500;
  private static final long JIT_QUIET_BUSY_MILLIS = 20;
  /** Set when the measured window ends: the clients stop after their current request. */
  private static volatile boolean stopping;

  private HttpServerProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println(
          "usage: HttpServerProbe SIDE MTU WORKERS CONNECTIONS WARMUP_MS DURATION_MS TIMEOUT_MS RECEIVE");
      System.exit(2);
    }
    try {
      run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Long.parseLong(args[4]), Long.parseLong(args[5]), Long.parseLong(args[6]), args[7]);
      System.exit(0); // the JDK's HttpServer leaves non-daemon threads behind
    } catch (Exception | AssertionError e) {
      System.err.println("http_server " + args[0] + ": " + e);
      System.exit(1);
    }
  }

  /** {@code receive}: Sluice's receive mode, as {@code sluice bench --receive} (ignored for the kernel). */
  private static void run(String sideName, int mtu, int workers, int connections, long warmupMs, long durationMs,
      long timeoutMs, String receive) throws Exception {
    long deadline = Harness.deadline(timeoutMs);
    KernelNamespace namespace = sideName.equals("kernel") ? KernelNamespace.create(System.err::println) : null;
    StackSide side = switch (sideName) {
      case "sluice" -> new SluiceSide(receive, dev.sluice.api.IdleStrategy.backoff(), java.time.Duration.ZERO,
          java.time.Duration.ofNanos(dev.sluice.api.NetStack.DEFAULT_READ_SPIN_MICROS * 1_000));
      case "kernel", "kernel-lo" -> new KernelSide(sideName, namespace);
      default -> throw new IllegalArgumentException("SIDE must be sluice, kernel or kernel-lo: " + sideName);
    };
    ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    HttpServer server = null;
    try (StackSide.Endpoints e = side.open(StackSide.Setup.of(mtu, workers))) {
      InetSocketAddress bindAt = e.nio().bindAddress(PORT);
      server = e.onServerHost(() -> {
        HttpServer s = HttpServer.create(bindAt, 1024);
        s.createContext("/", HttpServerProbe::answer);
        s.setExecutor(exchanges);
        s.start();
        return s;
      });
      int port = server.getAddress().getPort();
      StackSide.Listener at = listenerAt(port);
      LongAdder answered = new LongAdder();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<StackSide.Conn> conns = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        Harness.checkDeadline(deadline, "connecting the HTTP clients");
        StackSide.Conn c = e.connect(at);
        c.setNoDelay(true);
        conns.add(c);
      }
      List<Thread> clients = new ArrayList<>();
      for (StackSide.Conn c : conns) {
        clients.add(Thread.ofVirtual().start(() -> client(c, answered, failure)));
      }
      warmUp(warmupMs);
      long c0 = answered.sum();
      long t0 = System.nanoTime();
      Harness.sleep(durationMs);
      long c1 = answered.sum();
      long t1 = System.nanoTime();
      stopping = true;
      for (Thread t : clients) {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
      for (StackSide.Conn c : conns) {
        c.close();
      }
      if (failure.get() != null) {
        throw new IOException("an HTTP client failed: " + failure.get(), failure.get());
      }
      if (c1 == c0) {
        throw new IllegalStateException("no request was answered in the measured window");
      }
      Harness.checkDeadline(deadline, "http_server");
      System.out.println("requests/s " + (c1 - c0) / ((t1 - t0) / 1e9));
    } finally {
      if (server != null) {
        server.stop(0);
      }
      exchanges.shutdownNow();
      if (namespace != null) {
        namespace.close();
      }
    }
    System.out.println("ownership-violations " + side.ownershipViolations());
  }

  /**
   * At least {@code minMillis} under load, then on until the JIT has been quiet for {@link
   * #JIT_QUIET_MILLIS} (under {@link #JIT_QUIET_BUSY_MILLIS} of compiling in that time), and at
   * most three times {@code minMillis}. A fixed warm-up left the window to chance on 2 vCPUs:
   * sampled every 100 ms, Sluice's server ran at 7,000 requests a second while the C2 compiler
   * held one core and at 40,000–70,000 once it was done, and the slow phase ended anywhere from
   * 2.7 to 4.7 s into the run, so 4 s of warm-up gave 7,558 to 74,124 requests a second in runs of
   * one build. Both sides wait alike; the kernel's side has less Java to compile.
   */
  private static void warmUp(long minMillis) throws InterruptedException {
    Harness.sleep(minMillis);
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return;
    }
    long until = System.nanoTime() + 2 * minMillis * 1_000_000L;
    long compiled = jit.getTotalCompilationTime();
    while (System.nanoTime() - until < 0) {
      Thread.sleep(JIT_QUIET_MILLIS);
      long now = jit.getTotalCompilationTime();
      if (now - compiled < JIT_QUIET_BUSY_MILLIS) {
        return;
      }
      compiled = now;
    }
  }

  private static void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, BODY.length);
      exchange.getResponseBody().write(BODY);
    }
  }

  /** One keep-alive client: request, whole response, next request, until the run stops. */
  private static void client(StackSide.Conn c, LongAdder answered, AtomicReference<Throwable> failure) {
    byte[] buf = new byte[4096];
    try {
      while (!stopping) {
        c.write(REQUEST, 0, REQUEST.length);
        readResponse(c, buf);
        answered.increment();
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) {
        failure.compareAndSet(null, e);
      }
    }
  }

  /** Reads one response: the head up to the blank line, then Content-Length bytes of body. */
  private static void readResponse(StackSide.Conn c, byte[] buf) throws IOException {
    int have = 0;
    int headEnd;
    while ((headEnd = headEnd(buf, have)) < 0) {
      if (have == buf.length) {
        throw new IOException("response head longer than " + buf.length + " bytes");
      }
      int n = c.read(buf, have, buf.length - have);
      if (n < 0) {
        throw new IOException("end of stream inside a response head");
      }
      have += n;
    }
    String head = new String(buf, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    if (!head.startsWith("http/1.1 200")) {
      throw new IOException("unexpected response: " + head.lines().findFirst().orElse(""));
    }
    int at = head.indexOf("content-length:");
    if (at < 0) {
      throw new IOException("response without Content-Length");
    }
    int length = Integer.parseInt(head.substring(at + 15, head.indexOf('\r', at)).strip());
    int bodyHave = have - headEnd;
    if (bodyHave > length) {
      throw new IOException("more bytes than the response: the server answered twice");
    }
    c.readFully(buf, 0, length - bodyHave);
  }

  /** Where the head ends (just after "\r\n\r\n") in {@code buf[0, have)}, or -1. */
  private static int headEnd(byte[] buf, int have) {
    for (int i = 3; i < have; i++) {
      if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  /** The server's port as a {@link StackSide.Listener}, which {@code connect} takes. */
  private static StackSide.Listener listenerAt(int port) {
    return new StackSide.Listener() {
      @Override
      public StackSide.Conn accept() {
        throw new UnsupportedOperationException("the JDK's HttpServer accepts its own connections");
      }

      @Override
      public int port() {
        return port;
      }

      @Override
      public void close() {}
    };
  }
}
