package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link InProcessPipe}: bytes across its ends blocking and not, readiness on a {@link
 * SluiceSelector}, the end of the stream, a broken pipe, and blocked calls woken by a close or an
 * interrupt; where the platform's pipe can show the same behaviour, it is run alongside.
 */
@Timeout(60)
class InProcessPipeTest {
  private final SluiceSelectorProvider provider = new SluiceSelectorProvider();

  @Test
  void blockingEnds_carryEveryByte_inOrder_thenTheEndOfStream() throws Exception {
    InProcessPipe pipe = new InProcessPipe(provider);
    byte[] sent = new byte[1_000_000];
    new SplittableRandom(3).nextBytes(sent);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer = Thread.ofPlatform().name("pipe-writer").start(() -> {
      SplittableRandom sizes = new SplittableRandom(4);
      try (Pipe.SinkChannel sink = pipe.sink()) {
        int at = 0;
        while (at < sent.length) {
          int n = Math.min(sent.length - at, 1 + sizes.nextInt(20_000));
          ByteBuffer chunk = (n & 1) == 0 ? ByteBuffer.wrap(sent, at, n) : ByteBuffer.allocateDirect(n).put(sent, at, n).flip();
          assertThat(sink.write(chunk)).as("a blocking write takes everything").isEqualTo(n);
          at += n;
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    ByteBuffer in = ByteBuffer.allocateDirect(7_000);
    int n;
    while ((n = pipe.source().read(in)) >= 0) {
      assertThat(n).as("a blocking read waits for a byte").isPositive();
      in.flip();
      byte[] chunk = new byte[in.remaining()];
      in.get(chunk);
      received.writeBytes(chunk);
      in.clear();
    }
    writer.join(10_000);
    assertThat(failure.get()).isNull();
    assertThat(Arrays.equals(received.toByteArray(), sent)).as("every byte, in order").isTrue();
    assertThat(pipe.source().read(ByteBuffer.allocate(1))).as("still the end of the stream").isEqualTo(-1);
    assertThat(pipe.source().read(ByteBuffer.allocate(0))).as("an empty buffer reads 0, as the JDK's").isZero();
  }

  @Test
  void nonBlockingEnds_holdSixtyFourKiB_andKeepShortWritesWhole() throws Exception {
    InProcessPipe pipe = new InProcessPipe(provider);
    pipe.source().configureBlocking(false);
    pipe.sink().configureBlocking(false);
    assertThat(pipe.source().read(ByteBuffer.allocate(10))).as("nothing to read").isZero();

    long filled = 0;
    int n;
    int writes = 0;
    while ((n = pipe.sink().write(ByteBuffer.allocate(10_000))) > 0 && writes++ < 100) {
      filled += n;
    }
    assertThat(filled).isEqualTo(InProcessPipe.CAPACITY);

    ByteBuffer drained = ByteBuffer.allocate(100);
    assertThat(pipe.source().read(drained)).isEqualTo(100);
    assertThat(pipe.sink().write(ByteBuffer.allocate(200)))
        .as("a write of at most PIPE_BUF bytes goes in whole or not at all").isZero();
    assertThat(pipe.sink().write(ByteBuffer.allocate(100))).isEqualTo(100);

    ByteBuffer[] parts = {ByteBuffer.allocate(40_000), ByteBuffer.allocateDirect(40_000)};
    assertThat(pipe.source().read(parts)).as("a scattering read takes all there is").isEqualTo(InProcessPipe.CAPACITY);
    assertThat(pipe.source().read(ByteBuffer.allocate(10))).isZero();
    assertThat(pipe.sink().write(new ByteBuffer[] {ByteBuffer.allocate(3), ByteBuffer.allocate(4)})).isEqualTo(7);
    pipe.sink().close();
    assertThat(pipe.source().read(ByteBuffer.allocate(10))).as("what was written before the close").isEqualTo(7);
    assertThat(pipe.source().read(ByteBuffer.allocate(10))).as("then the end of the stream").isEqualTo(-1);
  }

  @Test
  void selector_reportsReadableAndWritable_asTheRingFillsAndDrains() throws Exception {
    InProcessPipe pipe = new InProcessPipe(provider);
    try (Selector selector = provider.openSelector()) {
      pipe.source().configureBlocking(false);
      pipe.sink().configureBlocking(false);
      SelectionKey readKey = pipe.source().register(selector, SelectionKey.OP_READ);
      SelectionKey writeKey = pipe.sink().register(selector, SelectionKey.OP_WRITE);

      assertThat(selectNow(selector)).containsExactly(writeKey);
      pipe.sink().write(ByteBuffer.allocate(10));
      assertThat(selectNow(selector)).containsExactlyInAnyOrder(readKey, writeKey);
      while (pipe.sink().write(ByteBuffer.allocate(1_000)) > 0) {
        // fill it: at most 66 writes
      }
      assertThat(selectNow(selector)).as("full: only the source is ready").containsExactly(readKey);

      // Another thread drains the ring: the sink becomes writable, the source is empty.
      Thread drainer = Thread.ofPlatform().start(() -> {
        try {
          Pipe.SourceChannel source = pipe.source();
          ByteBuffer sink = ByteBuffer.allocate(100_000);
          while (source.read(sink) > 0) {
            sink.clear();
          }
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
      drainer.join(10_000);
      selector.selectedKeys().clear();
      assertThat(selector.select(10_000)).isEqualTo(1);
      assertThat(selector.selectedKeys()).containsExactly(writeKey);
      selector.selectedKeys().clear();

      pipe.sink().close();
      assertThat(selector.select(10_000)).isEqualTo(1);
      assertThat(selector.selectedKeys()).as("the end of the stream is readable").containsExactly(readKey);
      assertThat(pipe.source().read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }

  @Test
  void writeAfterTheSourceCloses_isABrokenPipe_asThePlatformsPipe() throws Exception {
    for (Pipe pipe : new Pipe[] {Pipe.open(), new InProcessPipe(provider)}) {
      pipe.source().close();
      assertThatThrownBy(() -> pipe.sink().write(ByteBuffer.allocate(1)))
          .as(pipe.getClass().getName()).isExactlyInstanceOf(IOException.class).hasMessage("Broken pipe");
      assertThat(pipe.sink().write(ByteBuffer.allocate(0))).as("writing nothing is no error").isZero();
      pipe.sink().close();
      assertThatThrownBy(() -> pipe.sink().write(ByteBuffer.allocate(1))).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> pipe.source().read(ByteBuffer.allocate(1))).isExactlyInstanceOf(ClosedChannelException.class);
    }
  }

  @Test
  void blockedWriter_isWokenByTheSourceClosing_withABrokenPipe() throws Exception {
    InProcessPipe pipe = new InProcessPipe(provider);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer = Thread.ofPlatform().start(() -> {
      try {
        pipe.sink().write(ByteBuffer.allocate(InProcessPipe.CAPACITY)); // fills it
        pipe.sink().write(ByteBuffer.allocate(1)); // waits for room
        failure.set(new AssertionError("wrote into a full pipe"));
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    DatagramChannelTest.awaitParkedIn(writer, InProcessPipe.class);
    pipe.source().close();
    writer.join(10_000);
    assertThat(writer.isAlive()).isFalse();
    assertThat(failure.get()).isExactlyInstanceOf(IOException.class).hasMessage("Broken pipe");
  }

  @Test
  void blockedRead_isWokenByClose_orByInterrupt_asTheJdksChannels() throws Exception {
    InProcessPipe closedUnder = new InProcessPipe(provider);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = Thread.ofPlatform().start(() -> readOnce(closedUnder.source(), failure));
    DatagramChannelTest.awaitParkedIn(reader, InProcessPipe.class);
    closedUnder.source().close();
    reader.join(10_000);
    assertThat(failure.get()).isExactlyInstanceOf(AsynchronousCloseException.class);

    InProcessPipe interrupted = new InProcessPipe(provider);
    Thread reader2 = Thread.ofPlatform().start(() -> readOnce(interrupted.source(), failure));
    DatagramChannelTest.awaitParkedIn(reader2, InProcessPipe.class);
    reader2.interrupt();
    reader2.join(10_000);
    assertThat(failure.get()).isExactlyInstanceOf(ClosedByInterruptException.class);
    assertThat(interrupted.source().isOpen()).isFalse();
    assertThatThrownBy(() -> interrupted.sink().write(ByteBuffer.allocate(1)))
        .as("the closed source breaks the pipe").hasMessage("Broken pipe");
  }

  @Test
  void openPipe_givesItsOwnPipe_whoseEndsItsSelectorsTake() throws Exception {
    Pipe pipe = provider.openPipe();
    assertThat(pipe).isInstanceOf(InProcessPipe.class);
    assertThat(pipe.source().provider()).isSameAs(provider);
    try (Selector selector = provider.openSelector(); Pipe.SinkChannel sink = pipe.sink();
        Pipe.SourceChannel source = pipe.source()) {
      source.configureBlocking(false).register(selector, SelectionKey.OP_READ);
      sink.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      assertThat(selector.select(10_000)).isEqualTo(1);
      ByteBuffer in = ByteBuffer.allocate(3);
      assertThat(source.read(in)).isEqualTo(3);
      assertThat(in.array()).containsExactly(1, 2, 3);
    }
  }

  private static void readOnce(Pipe.SourceChannel source, AtomicReference<Throwable> failure) {
    try {
      source.read(ByteBuffer.allocate(10));
      failure.set(new AssertionError("read bytes nobody wrote"));
    } catch (Throwable t) {
      failure.set(t);
    }
  }

  private static java.util.Set<SelectionKey> selectNow(Selector selector) throws IOException {
    selector.selectedKeys().clear();
    selector.selectNow();
    return java.util.Set.copyOf(selector.selectedKeys());
  }
}
