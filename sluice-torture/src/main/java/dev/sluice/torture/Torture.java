package dev.sluice.torture;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.internal.HostSockets;
import dev.sluice.stack.Connection;
import dev.sluice.stack.ConnectionObserver;
import dev.sluice.stack.FaultInjection;
import dev.sluice.stack.Host;
import dev.sluice.stack.HostConfig;
import dev.sluice.stack.Listener;
import dev.sluice.stack.OwnershipMutation;
import dev.sluice.stack.Steering;

import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.Bytes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The KB Q114541 scenario on real threads: two hosts on a simulated link, W receive workers each,
 * C connections. Both ends of every connection send random-sized data and then a FIN back to back
 * (the FIN sometimes riding on the last data segment, sometimes alone), read to end-of-stream and
 * close. With {@link Steering#SPRAY}, consecutive packets of one connection are processed by
 * different workers at once; with jitter, workers stall at random to make the races happen.
 *
 * <p>Every connection end is checked: all bytes arrive intact; end-of-stream arrives exactly once;
 * our FIN goes out after the application's shutdown; both ends reach CLOSED or TIME-WAIT within a
 * bound. Everything is bounded in count and in time and stops by itself.
 *
 * <p>It drives the hosts only through what {@code dev.sluice.stack} exports to this module: the
 * public host and connection calls, the fault-injection hook ({@link FaultInjection}: worker
 * jitter and, in the mutation tests, an {@link OwnershipMutation}) and the probes
 * {@link Connection#hasStrandedWork()}, {@link Connection#finSentAtNanos()},
 * {@link Connection#shutdownAtNanos()} and {@link Host#ownershipViolations()}.
 */
public final class Torture {
  /** One-way delay of every packet on the run's link. */
  public static final long LINK_DELAY_NANOS = 50_000;
  /** How much longer a reordered packet is held back, so that later ones overtake it. */
  public static final long REORDER_DELAY_NANOS = 200_000;
  private static final int PORT = 9;
  private static final int BULK_PORT = 5001;
  private static final int HEADER = 8; // connection id, then length

  /**
   * A run.
   *
   * @param connections total connections
   * @param workers receive workers per host
   * @param steering spray or steer
   * @param loss, reorder, duplicate, corrupt probabilities per packet, both directions
   * @param jitterMicros the most a worker stalls before handling a packet
   * @param seed data sizes, contents and impairments
   * @param maxBytes each end sends 1 to this many bytes
   * @param concurrency connections in flight at once
   * @param timeoutMillis the most one connection may take before it counts as hung
   * @param bulkBytes a bulk transfer of this many bytes runs beside the connections, over one more
   *     connection with full-size buffers, and is checked byte for byte; 0 for none
   * @param mslMillis the MSL; TIME-WAIT lasts twice as long. Longer, it outlasts even a peer whose
   *     data RTO is 3 s after a SYN timeout (RFC 6298 §5.7), so no late retransmission meets CLOSED
   *     and draws a RST; shorter, a run of thousands of connections a second does not hold all
   *     16,384 ephemeral ports in TIME-WAIT ({@link #DEFAULT_MSL_MILLIS} is the torture's choice)
   * @param minRtoMillis the minimum RTO (RFC 6298 §2.4). Short, losses are repaired quickly and the
   *     run is fast; Linux's 200 ms keeps a worker starved by a busy machine from looking like a lost
   *     segment, whose spurious retransmissions the doctor would report
   */
  public record Config(int connections, int workers, Steering steering, double loss, double reorder,
      double duplicate, double corrupt, long jitterMicros, long seed, int maxBytes, int concurrency,
      long timeoutMillis, long bulkBytes, long mslMillis, long minRtoMillis) {
    /** TIME-WAIT of 1 s: several 20 ms RTOs fit, and 16,384 ports last 16,000 connections a second. */
    public static final long DEFAULT_MSL_MILLIS = 500;
    /** The torture's minimum RTO: quick repairs, at the price of spurious timeouts on a busy machine. */
    public static final long DEFAULT_MIN_RTO_MILLIS = 20;

    public Config {
      if (connections < 1 || workers < 1 || maxBytes < 1 || concurrency < 1 || timeoutMillis < 1) {
        throw new IllegalArgumentException("connections, workers, maxBytes, concurrency and timeout must be positive");
      }
      if (bulkBytes < 0) {
        throw new IllegalArgumentException("bulkBytes must not be negative: " + bulkBytes);
      }
      if (mslMillis < 1) {
        throw new IllegalArgumentException("mslMillis must be positive: " + mslMillis);
      }
      if (minRtoMillis < 1 || minRtoMillis > 200) {
        throw new IllegalArgumentException("minRtoMillis must be in [1, 200] (the initial RTO): " + minRtoMillis);
      }
    }

    /** With the default MSL. */
    public Config(int connections, int workers, Steering steering, double loss, double reorder, double duplicate,
        double corrupt, long jitterMicros, long seed, int maxBytes, int concurrency, long timeoutMillis,
        long bulkBytes) {
      this(connections, workers, steering, loss, reorder, duplicate, corrupt, jitterMicros, seed, maxBytes,
          concurrency, timeoutMillis, bulkBytes, DEFAULT_MSL_MILLIS, DEFAULT_MIN_RTO_MILLIS);
    }

    /** Without a bulk transfer. */
    public Config(int connections, int workers, Steering steering, double loss, double reorder, double duplicate,
        double corrupt, long jitterMicros, long seed, int maxBytes, int concurrency, long timeoutMillis) {
      this(connections, workers, steering, loss, reorder, duplicate, corrupt, jitterMicros, seed, maxBytes,
          concurrency, timeoutMillis, 0);
    }
  }

  /**
   * What a run found; {@link #failures()} is 0 when every check passed. {@code retransmits},
   * {@code tlpProbes} and {@code rackLosses} are both hosts' {@code TcpCounter}
   * RETRANSMITTED_SEGMENTS, TLP_PROBES and RACK_LOSSES (RFC 8985).
   */
  public record Report(int connections, long bytes, int hangs, int corrupted, int eofMissing,
      int eofDuplicated, int finNotSent, int finBeforeClose, int notClosed, int stranded,
      long ownershipViolations, long retransmits, long tlpProbes, long rackLosses, long finsWithData, long finsAlone, long elapsedMs,
      int workers, String mode, long seed, long bulkBytes, long bulkMillis, boolean bulkFailed) {
    public long failures() {
      return hangs + corrupted + eofMissing + eofDuplicated + finNotSent + finBeforeClose + notClosed + stranded
          + ownershipViolations + (bulkFailed ? 1 : 0);
    }
  }

  /** Live numbers for a progress line; any thread may read them. */
  public static final class Progress {
    final AtomicInteger done = new AtomicInteger();
    final LongAdder bytes = new LongAdder();
    final AtomicInteger failed = new AtomicInteger();
    final LongAdder bulkBytes = new LongAdder();
    volatile Host client;
    volatile Host server;

    public int done() {
      return done.get();
    }

    public long bytes() {
      return bytes.sum();
    }

    public int failed() {
      return failed.get();
    }

    /** Bulk-transfer bytes received and checked so far (also counted in {@link #bytes()}). */
    public long bulkBytes() {
      return bulkBytes.sum();
    }

    /** Segments both hosts have retransmitted so far. */
    public long retransmits() {
      Host c = client;
      Host s = server;
      return (c == null ? 0 : c.tcpTotals().get(dev.sluice.tcp.TcpCounter.RETRANSMITTED_SEGMENTS))
          + (s == null ? 0 : s.tcpTotals().get(dev.sluice.tcp.TcpCounter.RETRANSMITTED_SEGMENTS));
    }
  }

  private static long bothHosts(Host client, Host server, dev.sluice.tcp.TcpCounter counter) {
    return client.tcpTotals().get(counter) + server.tcpTotals().get(counter);
  }

  private final Config config;
  private final OwnershipMutation mutation;
  private final Progress progress = new Progress();
  private final Map<Connection, AtomicInteger> endOfStreams = new ConcurrentHashMap<>();
  private final LongAdder finsWithData = new LongAdder();
  private final LongAdder finsAlone = new LongAdder();
  private final AtomicInteger hangs = new AtomicInteger();
  private final AtomicInteger corrupted = new AtomicInteger();
  private final AtomicInteger eofMissing = new AtomicInteger();
  private final AtomicInteger finNotSent = new AtomicInteger();
  private final AtomicInteger finBeforeClose = new AtomicInteger();
  private final List<End> ends = java.util.Collections.synchronizedList(new ArrayList<>());

  private final java.util.function.Consumer<SimulatedLink> onLink;
  private volatile TcpConnection bulkSender;

  public Torture(Config config) {
    this(config, OwnershipMutation.NONE, link -> { });
  }

  /** With {@code onLink} called on the link before any traffic: to attach a capture, say. */
  public Torture(Config config, java.util.function.Consumer<SimulatedLink> onLink) {
    this(config, OwnershipMutation.NONE, onLink);
  }

  /** With an ownership mutation injected into both hosts: for the tests that prove the checks can fail. */
  Torture(Config config, OwnershipMutation mutation) {
    this(config, mutation, link -> { });
  }

  private Torture(Config config, OwnershipMutation mutation, java.util.function.Consumer<SimulatedLink> onLink) {
    this.config = config;
    this.mutation = mutation;
    this.onLink = onLink;
  }

  /**
   * The sending end of the bulk transfer once it is connected, else null: for sampling its cwnd
   * ({@link TcpConnection#info()}). The run reads, writes and closes it; a caller only looks.
   */
  public TcpConnection bulkSender() {
    return bulkSender;
  }

  public Progress progress() {
    return progress;
  }

  private volatile String counters = "";

  /** After {@link #run()}: both hosts' TCP counters and drops, nstat-style. */
  public String counters() {
    return counters;
  }

  /** One end of one connection, for the checks after the run. */
  private record End(Connection connection) { }

  /**
   * The timers and buffer sizes a run's connections use, as plain numbers for reports (the demo's
   * states them): {@link #racing} for the racing connections, {@link #bulk} for the bulk one.
   */
  public record Settings(long initialRtoNanos, long minRtoNanos, long delayedAckNanos, long mslNanos,
      int maxRetransmits, int sendBufferBytes, int receiveBufferBytes) {
    /** The racing connections' settings in a run with {@code config}. */
    public static Settings racing(Config config) {
      return of(tcpConfig(config));
    }

    /** The bulk connection's settings: the stack's defaults, but for {@link #BULK_TCP}'s one change. */
    public static Settings bulk() {
      return of(BULK_TCP);
    }

    private static Settings of(TcpConfig c) {
      return new Settings(c.initialRtoNanos(), c.minRtoNanos(), c.delayedAckNanos(), c.mslNanos(), c.maxRetransmits(),
          c.sendBufferBytes(), c.receiveBufferBytes());
    }
  }

  /**
   * The bulk connection's TCP settings: the stack's defaults (full-size buffers), except that
   * TIME-WAIT does not answer an old segment without data or FIN ({@link
   * TcpConfig#ackStaleInTimeWait()}), as for the racing connections: the bulk connection is
   * received in spray mode too, and a window update its peer sent before its FIN, taken after it
   * by another worker, drew a second ACK that met the peer CLOSED and its RST (in three of eight
   * demo runs with 1 ms of worker jitter).
   */
  private static final TcpConfig BULK_TCP = TcpConfig.defaults().toBuilder().buildWith(b -> b.ackStaleInTimeWait = false);

  /**
   * The TCP settings of the run's racing connections; the bulk connection has {@link #BULK_TCP}.
   * Small buffers make more segments, so more races between data and FIN.
   */
  private static TcpConfig tcpConfig(Config config) {
    return TcpConfig.builder().buildWith(b -> {
      b.receiveBufferBytes = 16 * 1024;
      b.sendBufferBytes = 16 * 1024;
      // Short timers keep a lossy run quick; the MSL is the run's (Config.mslMillis says why).
      b.mslNanos = TimeUnit.MILLISECONDS.toNanos(config.mslMillis());
      b.initialRtoNanos = TimeUnit.MILLISECONDS.toNanos(200);
      b.minRtoNanos = TimeUnit.MILLISECONDS.toNanos(config.minRtoMillis());
      b.maxRetransmits = 30;
      b.ackStaleInTimeWait = false; // spray mode reorders inside the host (TcpConfig explains)
    });
  }

  public Report run() throws InterruptedException {
    long started = System.nanoTime();
    SplittableRandom random = new SplittableRandom(config.seed());
    SimulatedNetwork network = new SimulatedNetwork(random.nextLong());
    Impairments impairments = new Impairments(config.loss(), config.duplicate(), config.corrupt(), LINK_DELAY_NANOS,
        0, 0).withReorder(config.reorder(), REORDER_DELAY_NANOS);
    SimulatedLink link = network.connect("client0", "server0", SimulatedLink.Config.defaults()
        .withReceiveQueues(Math.max(config.workers(), 1)).withQueueCapacity(8192).withBuffers(32_768)
        .withImpairments(impairments));
    TcpConfig tcp = tcpConfig(config);
    ConnectionObserver observer = (connection, event, now) -> {
      if (event == TcpEvent.END_OF_STREAM) {
        endOfStreams.computeIfAbsent(connection, c -> new AtomicInteger()).incrementAndGet();
      }
    };
    long jitterNanos = TimeUnit.MICROSECONDS.toNanos(config.jitterMicros());
    FaultInjection faults = new FaultInjection() {
      @Override
      public long workerJitterNanos() {
        return jitterNanos;
      }

      @Override
      public OwnershipMutation ownershipMutation() {
        return mutation;
      }
    };
    HostConfig hostConfig = HostConfig.builder().buildWith(h -> {
      h.workers = config.workers();
      h.steering = config.steering();
      h.tcp = tcp;
      h.observer = observer;
      h.watchdogNanos = 0;
      h.faults = faults;
    });
    Host client = new Host(hostConfig);
    Host server = new Host(hostConfig);
    client.addInterface(link.a(), "198.18.0.1/24");
    server.addInterface(link.b(), "198.18.0.2/24");
    link.a().addTap(this::countFin);
    link.b().addTap(this::countFin);
    onLink.accept(link);
    progress.client = client;
    progress.server = server;
    Listener listener;
    Listener bulkListener;
    try {
      listener = server.listen(PORT, Math.max(1024, config.concurrency() * 2));
      bulkListener = server.listen(BULK_PORT, 1, BULK_TCP);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    client.start();
    server.start();
    AutoCloseable pump = network.runInRealTime();
    Thread acceptor = Thread.ofPlatform().name("sluice-acceptor").daemon(true).start(() -> acceptLoop(listener));
    long bulkStarted = System.nanoTime();
    java.util.concurrent.atomic.AtomicLong bulkDone = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean bulkFailed = new java.util.concurrent.atomic.AtomicBoolean();
    Thread bulk = config.bulkBytes() == 0 ? null : Thread.ofVirtual().name("sluice-bulk").start(() -> {
      if (!bulkTransfer(client, bulkListener)) {
        bulkFailed.set(true);
      }
      bulkDone.set(System.nanoTime());
    });

    Semaphore inFlight = new Semaphore(config.concurrency());
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < config.connections(); i++) {
      inFlight.acquire();
      int id = i;
      int size = 1 + random.nextInt(config.maxBytes());
      clients.add(Thread.ofVirtual().start(() -> {
        try {
          clientEnd(client, id, size);
        } finally {
          inFlight.release();
        }
      }));
      if (clients.size() > 4096) {
        clients.removeIf(t -> !t.isAlive());
      }
    }
    for (Thread t : clients) {
      t.join();
    }
    // Server ends finish after their clients; wait for them within the bound.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
    while (serverEndsDone.get() + serverEndsFailed.get() < config.connections() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    int serverMissing = config.connections() - serverEndsDone.get() - serverEndsFailed.get();
    hangs.addAndGet(Math.max(0, serverMissing));
    if (bulk != null && !bulk.join(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
      bulkFailed.set(true); // still running at the deadline: a hang
      bulk.interrupt();
    }
    // Both ends must reach CLOSED or TIME-WAIT within the bound.
    int notClosed = awaitClosed(deadline);
    acceptor.interrupt();
    listener.close();
    bulkListener.close();
    client.stop();
    server.stop();
    try {
      pump.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }

    int eofDuplicated = 0;
    int stranded = 0;
    int finNotSentCount = finNotSent.get();
    int finBeforeCloseCount = finBeforeClose.get();
    for (End end : ends) {
      if (end.connection().hasStrandedWork()) {
        stranded++; // the workers have stopped: work left now waits for an arrival that never comes
      }
      AtomicInteger n = endOfStreams.get(end.connection());
      if (n != null && n.get() > 1) {
        eofDuplicated++;
      }
      long fin = end.connection().finSentAtNanos();
      if (fin == 0) {
        finNotSentCount++;
      } else if (fin < end.connection().shutdownAtNanos() || end.connection().shutdownAtNanos() == 0) {
        finBeforeCloseCount++;
      }
    }
    counters = "client (198.18.0.1):\n" + client.tcpTotals().format() + hostDrops(client)
        + "server (198.18.0.2):\n" + server.tcpTotals().format() + hostDrops(server);
    long retransmits = bothHosts(client, server, dev.sluice.tcp.TcpCounter.RETRANSMITTED_SEGMENTS);
    long tlpProbes = bothHosts(client, server, dev.sluice.tcp.TcpCounter.TLP_PROBES);
    long rackLosses = bothHosts(client, server, dev.sluice.tcp.TcpCounter.RACK_LOSSES);
    return new Report(config.connections(), progress.bytes(), hangs.get(), corrupted.get(), eofMissing.get(),
        eofDuplicated, finNotSentCount, finBeforeCloseCount, notClosed, stranded,
        client.ownershipViolations() + server.ownershipViolations(), retransmits, tlpProbes, rackLosses,
        finsWithData.sum(),
        finsAlone.sum(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), config.workers(),
        config.steering().name().toLowerCase(java.util.Locale.ROOT), config.seed(), progress.bulkBytes(),
        bulkDone.get() == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(bulkDone.get() - bulkStarted), bulkFailed.get());
  }

  /**
   * The bulk transfer: the client streams {@code bulkBytes} of a pattern and half-closes; the
   * server reads to end-of-stream checking every byte, then closes; the client reads its
   * end-of-stream and closes. True if every byte arrived intact and both ends finished in time.
   */
  private boolean bulkTransfer(Host client, Listener bulkListener) {
    long timeout = TimeUnit.MILLISECONDS.toNanos(Math.max(config.timeoutMillis(), 60_000));
    try {
      Connection sender = client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), BULK_PORT),
          BULK_TCP);
      sender.awaitConnected(timeout);
      Connection receiver = bulkListener.accept(timeout);
      bulkSender = HostSockets.wrap(sender);
      Thread reader = Thread.ofVirtual().start(() -> {
        try {
          byte[] buf = new byte[64 * 1024];
          long at = 0;
          boolean same = true;
          int n;
          while ((n = receiver.read(buf, 0, buf.length, timeout)) >= 0) {
            for (int i = 0; i < n; i++) {
              same &= buf[i] == bulkByte(at + i);
            }
            at += n;
            progress.bulkBytes.add(n);
            progress.bytes.add(n);
          }
          receiver.close();
          if (!same || at != config.bulkBytes()) {
            corrupted.incrementAndGet();
          }
        } catch (IOException e) {
          eofMissing.incrementAndGet();
        }
      });
      byte[] chunk = new byte[64 * 1024];
      for (long sent = 0; sent < config.bulkBytes(); ) {
        int n = (int) Math.min(chunk.length, config.bulkBytes() - sent);
        for (int i = 0; i < n; i++) {
          chunk[i] = bulkByte(sent + i);
        }
        sender.write(chunk, 0, n, timeout);
        sent += n;
      }
      sender.shutdownOutput();
      boolean endOfStream = sender.read(chunk, 0, 1, timeout) < 0;
      sender.close();
      reader.join(java.time.Duration.ofNanos(timeout));
      return endOfStream && !reader.isAlive() && progress.bulkBytes() == config.bulkBytes();
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private byte bulkByte(long index) {
    return (byte) (index * 0x9E3779B97F4A7C15L + config.seed() >>> 56);
  }

  private static String hostDrops(Host host) {
    StringBuilder out = new StringBuilder();
    host.hostDrops().forEach((reason, n) -> out.append(String.format("%-28s %d  # %s%n", "Drop" + reason.name(), n,
        reason.description())));
    return out.toString();
  }

  private int awaitClosed(long deadline) throws InterruptedException {
    while (true) {
      int open = 0;
      synchronized (ends) {
        for (End end : ends) {
          TcpState s = end.connection().state();
          if (s != TcpState.CLOSED && s != TcpState.TIME_WAIT) {
            open++;
          }
        }
      }
      if (open == 0 || System.nanoTime() > deadline) {
        return open;
      }
      Thread.sleep(10);
    }
  }

  private final AtomicInteger serverEndsDone = new AtomicInteger();
  private final AtomicInteger serverEndsFailed = new AtomicInteger();

  private void acceptLoop(Listener listener) {
    while (!Thread.currentThread().isInterrupted()) {
      Connection c;
      try {
        c = listener.accept(TimeUnit.MILLISECONDS.toNanos(100));
      } catch (java.net.SocketTimeoutException e) {
        continue;
      } catch (java.net.SocketException e) {
        return;
      }
      Thread.ofVirtual().start(() -> {
        if (serverEnd(c)) {
          serverEndsDone.incrementAndGet();
        } else {
          serverEndsFailed.incrementAndGet();
        }
      });
    }
  }

  private void clientEnd(Host host, int id, int size) {
    long timeout = TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
    Connection c;
    try {
      c = host.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), PORT));
      c.awaitConnected(timeout);
    } catch (IOException e) {
      hangs.incrementAndGet();
      progress.failed.incrementAndGet();
      return;
    }
    byte[] data = pattern(id, true, size);
    boolean ok = exchange(c, data, id, false, timeout);
    if (ok) {
      progress.done.incrementAndGet();
    } else {
      progress.failed.incrementAndGet();
    }
  }

  /** The server end: learns the connection id from the client's header, then does the same. */
  private boolean serverEnd(Connection c) {
    long timeout = TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
    byte[] header = new byte[HEADER];
    try {
      if (!readFully(c, header, timeout)) {
        eofMissing.incrementAndGet();
        return false;
      }
    } catch (IOException e) {
      hangs.incrementAndGet();
      return false;
    }
    int id = Bytes.i32(header, 0);
    int clientSize = Bytes.i32(header, 4);
    int size = 1 + (int) Math.floorMod(id * 0x9E3779B1L + config.seed(), (long) config.maxBytes());
    return exchange(c, pattern(id, false, size), id, true, timeout, clientSize);
  }

  private boolean exchange(Connection c, byte[] data, int id, boolean server, long timeout) {
    return exchange(c, data, id, server, timeout, -1);
  }

  /**
   * Writes the header and the data, shuts down (the FIN races the data), reads the peer's stream
   * to end-of-stream checking every byte, then closes.
   */
  private boolean exchange(Connection c, byte[] data, int id, boolean server, long timeout, int expectedFromClient) {
    try {
      byte[] out = new byte[HEADER + data.length];
      Bytes.put32(out, 0, id);
      Bytes.put32(out, 4, data.length);
      System.arraycopy(data, 0, out, HEADER, data.length);
      if (!server) {
        c.write(out, 0, out.length, timeout);
      } else {
        c.write(out, HEADER, data.length, timeout); // the server's stream has no header
      }
      c.shutdownOutput();
      ends.add(new End(c));
      boolean ok;
      if (server) {
        ok = readAndVerify(c, pattern(id, true, expectedFromClient), timeout);
      } else {
        int size = 1 + (int) Math.floorMod(id * 0x9E3779B1L + config.seed(), (long) config.maxBytes());
        ok = readAndVerify(c, pattern(id, false, size), timeout);
      }
      c.close();
      return ok;
    } catch (java.net.SocketTimeoutException e) {
      hangs.incrementAndGet();
      return false;
    } catch (IOException e) {
      eofMissing.incrementAndGet();
      return false;
    }
  }

  private boolean readFully(Connection c, byte[] buf, long timeout) throws IOException {
    int at = 0;
    while (at < buf.length) {
      int n = c.read(buf, at, buf.length - at, timeout);
      if (n < 0) {
        return false;
      }
      at += n;
    }
    return true;
  }

  /** Reads to end-of-stream; true if the bytes were exactly {@code expected}. */
  private boolean readAndVerify(Connection c, byte[] expected, long timeout) throws IOException {
    byte[] buf = new byte[4096];
    long at = 0;
    boolean same = true;
    while (true) {
      int n = c.read(buf, 0, buf.length, timeout);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (at + i >= expected.length || buf[i] != expected[(int) (at + i)]) {
          same = false;
        }
      }
      at += n;
      progress.bytes.add(n);
    }
    if (!same || at != expected.length) {
      corrupted.incrementAndGet();
      return false;
    }
    return true;
  }

  private byte[] pattern(int id, boolean fromClient, int length) {
    SplittableRandom r = new SplittableRandom(config.seed() * 1_000_003L + id * 2L + (fromClient ? 1 : 0));
    byte[] data = new byte[length];
    r.nextBytes(data);
    return data;
  }

  /** Counts FINs sent, riding on data or alone: the scenario wants both kinds. */
  private void countFin(dev.sluice.link.Device device, dev.sluice.link.Direction direction, byte[] buf, int off,
      int len, long time) {
    if (direction != dev.sluice.link.Direction.OUTBOUND || len < 40) {
      return;
    }
    int ihl = (buf[off] & 0x0F) * 4;
    if ((Bytes.u8(buf, off + ihl + 13) & dev.sluice.wire.TcpFlags.FIN) != 0) {
      int tcpHeader = (Bytes.u8(buf, off + ihl + 12) >>> 4) * 4;
      (len > ihl + tcpHeader ? finsWithData : finsAlone).increment();
    }
  }
}
