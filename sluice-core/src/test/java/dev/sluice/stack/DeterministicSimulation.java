package dev.sluice.stack;

import dev.sluice.link.Direction;
import dev.sluice.link.Impairments;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import dev.sluice.tcp.TcpConfig;
import dev.sluice.tcp.TcpEvent;
import dev.sluice.tcp.TcpState;
import dev.sluice.wire.Bytes;
import dev.sluice.wire.TcpFlags;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The KB Q114541 scenario on one thread, with every actor's steps interleaved by a seeded
 * scheduler: two hosts on a simulated link, W receive workers each in spray or steer mode, and one
 * application actor per connection end. Each end writes its random-sized data, shuts down its
 * output (so the FIN races the data through the workers), reads to end-of-stream and closes.
 *
 * <p>Workers, applications and the network take turns one step at a time, chosen by the seed, so
 * a worker can be half-way through draining a connection while another worker delivers that
 * connection's FIN: the interleavings that parallel cores produce. Time is virtual and jumps when
 * no actor can move. The same seed replays the same interleaving and the same packet trace.
 *
 * <p>After the run it checks, for every connection end: every byte arrived intact and in order;
 * end-of-stream came exactly once, after the last byte; our FIN went out only after the
 * application shut down; both ends reached CLOSED or TIME-WAIT; and no two actors ever owned one
 * connection at once.
 */
public final class DeterministicSimulation {
  private static final long MS = 1_000_000L;
  private static final int SERVER_PORT = 7;
  private static final long MAX_VIRTUAL_NANOS = 600_000 * MS;
  private static final long MAX_STEPS = 5_000_000;

  /**
   * One run.
   *
   * @param seed chooses the data, the impairments and the interleaving
   * @param workers receive workers per host
   * @param steering spray (the race on purpose) or steer
   * @param connections connections between the hosts
   * @param maxBytes each end sends between 1 and this many bytes
   * @param impairments both directions of the link
   */
  public record Config(long seed, int workers, Steering steering, int connections, int maxBytes,
      Impairments impairments) {
    public static Config finRacesData(long seed) {
      return new Config(seed, 3, Steering.SPRAY, 2, 6000, Impairments.NONE.withReorder(0.05, MS).withLoss(0.02));
    }
  }

  /** The outcome: {@code failure} is null when every check passed. */
  public record Result(long seed, String failure, long steps, long virtualNanos, long traceHash,
      long bytesVerified, long ownershipViolations) {
    public boolean passed() {
      return failure == null;
    }
  }

  private final Config config;
  private final OwnershipMutation mutation;
  private final SplittableRandom random;
  private final VirtualClock clock = new VirtualClock();
  private final SimulatedNetwork network;
  private final Host client;
  private final Host server;
  private final Listener listener;
  private final List<Actor> actors = new ArrayList<>();
  private final List<App> apps = new ArrayList<>();
  private final Map<Connection, int[]> endOfStreamEvents = new IdentityHashMap<>();
  /** First FIN on the wire per (sending port, receiving port), as the step it went out at. */
  private final Map<Long, Long> firstFinStep = new HashMap<>();
  private final Map<Integer, Integer> connectionByClientPort = new HashMap<>();
  private long steps;
  private long traceHash = 1;

  public static Result run(Config config) {
    return new DeterministicSimulation(config, OwnershipMutation.NONE).execute();
  }

  /** A host's own seeded source; two draws, so the rest of the run's stream is what it always was. */
  private SplittableRandom hostRandom() {
    long a = random.nextLong();
    long b = random.nextLong();
    return new SplittableRandom(a * 31 + b);
  }

  static Result run(Config config, OwnershipMutation mutation) {
    return new DeterministicSimulation(config, mutation).execute();
  }

  private DeterministicSimulation(Config config, OwnershipMutation mutation) {
    this.config = config;
    this.mutation = mutation;
    this.random = new SplittableRandom(config.seed());
    this.network = new SimulatedNetwork(random.nextLong());
    SimulatedLink link = network.connect("client0", "server0", SimulatedLink.Config.defaults()
        .withReceiveQueues(config.workers()).withQueueCapacity(4096)
        .withImpairments(config.impairments().withDelay(MS)));
    TcpConfig tcp = TcpConfig.builder().buildWith(b -> {
      b.mslNanos = 500 * MS;
      b.initialRtoNanos = 200 * MS;
      b.minRtoNanos = 50 * MS;
      b.receiveBufferBytes = 16 * 1024;
      b.sendBufferBytes = 16 * 1024;
    });
    ConnectionObserver observer = (connection, event, now) -> {
      if (event == TcpEvent.END_OF_STREAM) {
        endOfStreamEvents.computeIfAbsent(connection, c -> new int[1])[0]++;
      }
    };
    HostConfig.Builder hostConfig = HostConfig.builder();
    hostConfig.workers = config.workers();
    hostConfig.steering = config.steering();
    hostConfig.tcp = tcp;
    hostConfig.clock = clock;
    hostConfig.observer = observer;
    hostConfig.watchdogNanos = 0;
    hostConfig.faults = Mutations.injecting(mutation);
    client = new Host(hostConfig.buildWith(h -> h.random = hostRandom())); // client's generator first
    server = new Host(hostConfig.buildWith(h -> h.random = hostRandom()));
    client.addInterface(link.a(), "198.18.0.1/24");
    server.addInterface(link.b(), "198.18.0.2/24");
    link.a().addTap(this::onWire);
    link.b().addTap(this::onWire);
    try {
      listener = server.listen(SERVER_PORT, 1024);
    } catch (java.net.BindException e) {
      throw new IllegalStateException(e);
    }
    for (Worker w : client.workers()) {
      actors.add(new WorkerActor(w));
    }
    for (Worker w : server.workers()) {
      actors.add(new WorkerActor(w));
    }
    for (int i = 0; i < config.connections(); i++) {
      int clientBytes = 1 + random.nextInt(config.maxBytes());
      int serverBytes = 1 + random.nextInt(config.maxBytes());
      App c = new App(client, i, true, clientBytes, serverBytes);
      App s = new App(server, i, false, serverBytes, clientBytes);
      apps.add(c);
      apps.add(s);
      actors.add(c);
      actors.add(s);
    }
  }

  private void onWire(dev.sluice.link.Device device, Direction direction, byte[] buf, int off, int len, long time) {
    if (direction != Direction.OUTBOUND) {
      return;
    }
    for (int i = 0; i < len; i++) {
      traceHash = traceHash * 31 + buf[off + i];
    }
    traceHash = traceHash * 31 + time;
    int ihl = (buf[off] & 0x0F) * 4;
    if (len >= ihl + 20 && (Bytes.u8(buf, off + ihl + 13) & TcpFlags.FIN) != 0) {
      firstFinStep.putIfAbsent(((long) Bytes.u16(buf, off + ihl) << 16) | Bytes.u16(buf, off + ihl + 2), steps);
    }
  }

  private Result execute() {
    String failure = null;
    try {
      loop();
      failure = check();
    } catch (RuntimeException e) {
      failure = "exception: " + e;
    }
    long violations = client.ownershipViolations() + server.ownershipViolations();
    long bytes = 0;
    for (App app : apps) {
      bytes += app.received;
    }
    return new Result(config.seed(), failure, steps, clock.now, traceHash, bytes, violations);
  }

  private void loop() {
    while (steps < MAX_STEPS && clock.now < MAX_VIRTUAL_NANOS) {
      if (allDone()) {
        return;
      }
      steps++;
      int start = random.nextInt(actors.size() + 1);
      boolean acted = false;
      for (int k = 0; k <= actors.size() && !acted; k++) {
        int i = (start + k) % (actors.size() + 1);
        if (i == actors.size()) {
          acted = stepNetwork();
        } else {
          acted = actors.get(i).step(clock.now);
        }
      }
      if (!acted) {
        // Quiescent: nobody can move. Work left in a backlog now would wait for an arrival that
        // may never come (the Q114541 hang); the protocol must never leave any.
        String stranded = strandedWork();
        if (stranded != null) {
          throw new IllegalStateException(stranded);
        }
        advanceTime();
      }
    }
  }

  private String strandedWork() {
    for (Host host : new Host[] {client, server}) {
      for (Connection c : host.connections()) {
        if (c.hasStrandedWork()) {
          return "work stranded in the backlog of " + c + " with nobody owning it";
        }
      }
    }
    return null;
  }

  private boolean stepNetwork() {
    if (network.nextDueNanos() <= clock.now) {
      network.advance(clock.now);
      return true;
    }
    return false;
  }

  private void advanceTime() {
    long next = network.nextDueNanos();
    for (Actor a : actors) {
      next = Math.min(next, a.wakeHint());
    }
    clock.now = next > clock.now && next != Long.MAX_VALUE ? next : clock.now + MS;
  }

  private boolean allDone() {
    for (App app : apps) {
      if (!app.finished()) {
        return false;
      }
    }
    return client.connectionCount() == 0 && server.connectionCount() == 0 || closedOrTimeWait();
  }

  private boolean closedOrTimeWait() {
    for (App app : apps) {
      TcpState s = app.connection.state();
      if (s != TcpState.CLOSED && s != TcpState.TIME_WAIT) {
        return false;
      }
    }
    return true;
  }

  private String check() {
    long violations = client.ownershipViolations() + server.ownershipViolations();
    if (violations > 0) {
      return violations + " times two actors owned one connection at once";
    }
    for (App app : apps) {
      String where = app + ": ";
      if (!app.finished()) {
        return where + "hung in " + app.phase + " (received " + app.received + " of " + app.expected
            + " bytes, state " + (app.connection == null ? "none" : app.connection.state()) + ")";
      }
      if (app.corrupted) {
        return where + "received bytes that differ from what the peer sent";
      }
      if (app.received != app.expected) {
        return where + "received " + app.received + " bytes, expected " + app.expected;
      }
      int[] eof = endOfStreamEvents.get(app.connection);
      if (eof == null || eof[0] != 1) {
        return where + "end-of-stream delivered " + (eof == null ? 0 : eof[0]) + " times";
      }
      Long fin = firstFinStep.get(((long) app.connection.endpoints().localPort() << 16)
          | app.connection.endpoints().remotePort());
      if (fin == null) {
        return where + "our FIN was never sent";
      }
      if (fin < app.shutdownStep) {
        return where + "our FIN went out at step " + fin + ", before the application shut down at step "
            + app.shutdownStep;
      }
      TcpState s = app.connection.state();
      if (s != TcpState.CLOSED && s != TcpState.TIME_WAIT) {
        return where + "ended in " + s + ", not CLOSED or TIME-WAIT";
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ actors

  private interface Actor {
    /** One step; false if the actor could not move now. */
    boolean step(long now);

    /** The earliest virtual time at which the actor could move without anyone else acting. */
    default long wakeHint() {
      return Long.MAX_VALUE;
    }
  }

  private static final class WorkerActor implements Actor {
    private final Worker worker;

    WorkerActor(Worker worker) {
      this.worker = worker;
    }

    @Override
    public boolean step(long now) {
      return worker.step(now);
    }

    @Override
    public long wakeHint() {
      return worker.nextTimerHint();
    }
  }

  private final class App implements Actor {
    final Host host;
    final int index;
    final boolean isClient;
    final byte[] outgoing;
    final long expected;
    final OwnerContext context;
    final byte[] readBuffer = new byte[4096];
    Connection connection;
    String phase = "opening";
    AppCall pending;
    boolean owning;
    int waitSequence = -1;
    int written;
    long received;
    long shutdownStep = Long.MAX_VALUE;
    boolean corrupted;
    boolean sawEndOfStream;
    boolean done;

    App(Host host, int index, boolean isClient, int sendBytes, int receiveBytes) {
      this.host = host;
      this.index = index;
      this.isClient = isClient;
      this.outgoing = pattern(index, isClient, sendBytes);
      this.expected = receiveBytes;
      this.context = new OwnerContext(host.drops());
    }

    boolean finished() {
      return done;
    }

    @Override
    public boolean step(long now) {
      if (done) {
        return false;
      }
      if (owning) {
        owning = connection.runStep(context, now);
        return true;
      }
      if (pending != null) {
        if (!pending.isDone()) {
          return false;
        }
        AppCall call = pending;
        pending = null;
        onResult(call, now);
        return true;
      }
      if (waitSequence != -1) {
        if (connection.eventSequence() == waitSequence) {
          return false;
        }
        waitSequence = -1;
      }
      return act(now);
    }

    private boolean act(long now) {
      switch (phase) {
        case "opening" -> {
          if (isClient) {
            try {
              connection = host.connect(new InetSocketAddress(java.net.InetAddress.ofLiteral("198.18.0.2"), SERVER_PORT));
            } catch (SocketException e) {
              throw new IllegalStateException(e);
            }
            connectionByClientPort.put(connection.endpoints().localPort(), index);
            phase = "connecting";
            return true;
          }
          Connection accepted = listener.poll();
          if (accepted == null) {
            return false;
          }
          // The accept queue hands out connections in any order: give this one to its app.
          Integer owner = connectionByClientPort.get(accepted.endpoints().remotePort());
          App app = owner == null ? null : serverApp(owner);
          if (app == null || app.connection != null) {
            throw new IllegalStateException("accepted an unknown connection " + accepted);
          }
          app.connection = accepted;
          app.phase = "writing";
          return true;
        }
        case "connecting" -> {
          if (connection.isConnected()) {
            phase = "writing";
            return true;
          }
          if (connection.failure() != null || connection.isClosed()) {
            throw new IllegalStateException("connect failed: " + connection.failure());
          }
          waitSequence = connection.eventSequence();
          return true;
        }
        case "writing" -> {
          if (connection == null) {
            return false; // a server app whose connection has not been accepted yet
          }
          if (written == outgoing.length) {
            phase = "shutting down";
            return true;
          }
          return submit(new AppCall(AppCall.Kind.WRITE, outgoing, written, outgoing.length - written, null), now);
        }
        case "shutting down" -> {
          shutdownStep = steps;
          phase = "reading";
          return submit(new AppCall(AppCall.Kind.SHUTDOWN_OUTPUT, null, 0, 0, null), now);
        }
        case "reading" -> {
          return submit(new AppCall(AppCall.Kind.READ, readBuffer, 0, readBuffer.length, null), now);
        }
        case "closing" -> {
          phase = "closed";
          return submit(new AppCall(AppCall.Kind.CLOSE, null, 0, 0, null), now);
        }
        case "closed" -> {
          done = true;
          return true;
        }
        default -> throw new IllegalStateException(phase);
      }
    }

    private boolean submit(AppCall call, long now) {
      int sequence = connection.eventSequence();
      if (connection.submitWithoutWaiting(call, now)) {
        owning = true;
      }
      pending = call;
      waitSequence = -1;
      this.sequenceBeforeCall = sequence;
      return true;
    }

    int sequenceBeforeCall;

    private void onResult(AppCall call, long now) {
      switch (call.kind) {
        case WRITE -> {
          if (call.result < 0) {
            throw new IllegalStateException("write refused: " + connection.failure());
          }
          written += call.result;
          if (call.result == 0) {
            waitSequence = sequenceBeforeCall;
          }
        }
        case READ -> {
          int n = call.result;
          if (n > 0) {
            verify(n);
          } else if (n < 0) {
            if (sawEndOfStream) {
              corrupted = true;
            }
            sawEndOfStream = true;
            phase = "closing";
          } else {
            if (connection.failure() != null) {
              throw new IllegalStateException("connection failed while reading: " + connection.failure());
            }
            waitSequence = sequenceBeforeCall;
          }
        }
        default -> { }
      }
    }

    private void verify(int n) {
      byte[] peer = pattern(index, !isClient, (int) expected);
      for (int i = 0; i < n; i++) {
        long at = received + i;
        if (at >= peer.length || readBuffer[i] != peer[(int) at]) {
          corrupted = true;
        }
      }
      received += n;
    }

    @Override
    public String toString() {
      return (isClient ? "client " : "server ") + "connection " + index
          + (connection == null ? "" : " (" + connection + ")");
    }
  }

  private App serverApp(int index) {
    for (App app : apps) {
      if (!app.isClient && app.index == index) {
        return app;
      }
    }
    return null;
  }

  /** The bytes one end of connection {@code index} sends: a function of the seed and the end. */
  private byte[] pattern(int index, boolean fromClient, int length) {
    SplittableRandom r = new SplittableRandom(config.seed() * 1_000_003L + index * 2L + (fromClient ? 1 : 0));
    byte[] data = new byte[length];
    r.nextBytes(data);
    return data;
  }

  private static final class VirtualClock implements Clock {
    long now = 1_000 * MS;

    @Override
    public long nanos() {
      return now;
    }
  }
}
