package dev.sluice.bench;

import dev.sluice.nio.SluiceSelectorProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The NIO provider's readiness path in steady state, without a network: a byte written into a
 * Sluice pipe notifies the source's key (the same {@code ChannelKeys} → selector queue path a
 * connection's readiness takes), {@code selectNow} finds it ready, the byte is read, and the key
 * leaves the selected set. The notification queue is intrusive, so with {@code -prof gc} the only
 * allocation left is the selected-key set's (a {@code HashSet}, as in the JDK's own selectors).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SelectorNotificationBenchmark {
  private Selector selector;
  private Pipe pipe;
  private final ByteBuffer one = ByteBuffer.allocate(1);
  private final ByteBuffer in = ByteBuffer.allocate(1);

  @Setup
  public void setUp() throws IOException {
    SluiceSelectorProvider provider = new SluiceSelectorProvider(); // pipes and selectors need no stack
    selector = provider.openSelector();
    pipe = provider.openPipe();
    pipe.source().configureBlocking(false).register(selector, SelectionKey.OP_READ);
    pipe.sink().configureBlocking(false);
  }

  @TearDown
  public void tearDown() throws IOException {
    selector.close();
    pipe.sink().close();
    pipe.source().close();
  }

  @Benchmark
  public int writeSelectRead() throws IOException {
    one.clear();
    pipe.sink().write(one);
    int selected = selector.selectNow();
    in.clear();
    int read = pipe.source().read(in);
    selector.selectedKeys().clear();
    if (selected != 1 || read != 1) {
      throw new IllegalStateException("selected " + selected + ", read " + read);
    }
    return selected + read;
  }
}
