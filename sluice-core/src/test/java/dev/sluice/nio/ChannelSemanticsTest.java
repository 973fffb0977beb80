package dev.sluice.nio;

import static dev.sluice.nio.SelectorSemanticsTest.WAIT_MILLIS;
import static dev.sluice.nio.SelectorSemanticsTest.ascii;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.nio.ProviderUnderTest.Kind;
import dev.sluice.nio.ProviderUnderTest.Pair;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Channel semantics, the JDK's and Sluice's side by side (see {@link SelectorSemanticsTest} for
 * how the three runs work): the exceptions a {@link SocketChannel} throws when misused, closed
 * under a blocked caller or interrupted, half-closing our own side, and scattering and gathering
 * transfers.
 */
@Timeout(30)
class ChannelSemanticsTest {
  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void unconnectedChannel_refusesReadsAndWrites_withNotYetConnected(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel listener = p.listen();
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(1)))
          .isExactlyInstanceOf(NotYetConnectedException.class);
      assertThatThrownBy(() -> channel.write(ascii("x"))).isExactlyInstanceOf(NotYetConnectedException.class);
      assertThatThrownBy(channel::finishConnect).isExactlyInstanceOf(NoConnectionPendingException.class);

      channel.configureBlocking(false);
      assertThat(channel.connect(p.addressOf(listener))).isFalse();
      assertThat(channel.isConnectionPending()).isTrue();
      assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(1)))
          .as("still pending").isExactlyInstanceOf(NotYetConnectedException.class);
      assertThatThrownBy(() -> channel.write(ascii("x"))).isExactlyInstanceOf(NotYetConnectedException.class);
    }
  }

  /**
   * The options issue 14 names, set and read back on a connected channel, and the misuse the JDK
   * rejects: a value of the wrong type or null, an option the channel does not have.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void options_readBackWhatWasSet_andRejectBadValues(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      SocketChannel c = pair.client();
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      c.setOption(StandardSocketOptions.SO_LINGER, 7);
      c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      assertThat(c.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
      assertThat(c.getOption(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
      assertThat(c.getOption(StandardSocketOptions.SO_LINGER)).isEqualTo(7);
      assertThat(c.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
      assertThat(c.getOption(StandardSocketOptions.SO_RCVBUF)).isPositive();
      assertThat(c.getOption(StandardSocketOptions.SO_SNDBUF)).isPositive();
      assertThat(c.supportedOptions()).contains(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
          StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_REUSEADDR,
          StandardSocketOptions.SO_LINGER);
      assertThatThrownBy(() -> c.setOption(StandardSocketOptions.SO_RCVBUF, null))
          .isExactlyInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> c.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1))
          .isExactlyInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> c.getOption(null)).isExactlyInstanceOf(NullPointerException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockingConnect_toAPortNobodyListensOn_throwsConnectException_andCloses(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      assertThatThrownBy(() -> channel.connect(p.unusedAddress()))
          .isExactlyInstanceOf(ConnectException.class).message().startsWith("Connection refused");
      assertThat(channel.isOpen()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void connect_toAnUnresolvedOrForeignAddress_isRefusedBeforeAnythingHappens(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      assertThatThrownBy(() -> channel.connect(InetSocketAddress.createUnresolved("nowhere.invalid", 80)))
          .isExactlyInstanceOf(UnresolvedAddressException.class);
      assertThatThrownBy(() -> channel.connect(UnixDomainSocketAddress.of("/tmp/nowhere")))
          .isExactlyInstanceOf(UnsupportedAddressTypeException.class);
      assertThat(channel.isOpen()).isTrue();
      assertThat(channel.isConnectionPending()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void connectedPair_reportsEachOthersAddresses(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      assertThat(pair.client().getRemoteAddress()).isEqualTo(p.addressOf(pair.listener()));
      assertThat(pair.server().getRemoteAddress()).isEqualTo(pair.client().getLocalAddress());
      assertThat(pair.server().getLocalAddress()).isEqualTo(pair.client().getRemoteAddress());
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void unboundChannel_hasNoAddresses(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      assertThat(channel.getLocalAddress()).isNull();
      assertThat(channel.getRemoteAddress()).isNull();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void readIntoAReadOnlyBuffer_throwsIllegalArgument(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      ByteBuffer readOnly = ByteBuffer.allocate(8).asReadOnlyBuffer();
      assertThatThrownBy(() -> pair.client().read(readOnly)).isExactlyInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> pair.client().read(new ByteBuffer[] {ByteBuffer.allocate(8), readOnly}))
          .isExactlyInstanceOf(IllegalArgumentException.class);
      pair.client().configureBlocking(false);
      assertThatThrownBy(() -> pair.client().read(readOnly)).isExactlyInstanceOf(IllegalArgumentException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void closeWithBytesUnread_resetsThePeer(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      pair.server().write(ascii("unread"));
      ByteBuffer one = ByteBuffer.allocate(1);
      for (int reads = 0; reads < 10 && one.hasRemaining(); reads++) {
        pair.client().read(one); // one byte arrived, so all six did (one segment)
      }
      pair.client().close(); // five left unread: RFC 2525 §2.17, a RST rather than a FIN
      assertThatThrownBy(() -> pair.server().read(ByteBuffer.allocate(8)))
          .isExactlyInstanceOf(SocketException.class).message().startsWith("Connection reset");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void writeAfterAReset_throwsConnectionReset(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      pair.client().configureBlocking(false).register(selector, SelectionKey.OP_READ);
      pair.server().setOption(StandardSocketOptions.SO_LINGER, 0);
      pair.server().close();
      assertThat(selector.select(WAIT_MILLIS)).as("the RST arrived").isEqualTo(1);
      // Not the exact class: the JDK's is a plain IOException carrying the errno's text
      // ("Connection reset by peer"), Sluice's a SocketException (see SluiceSocketChannel).
      assertThatThrownBy(() -> pair.client().write(ascii("x")))
          .isInstanceOf(IOException.class).message().startsWith("Connection reset");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void connectingTwice_throwsConnectionPending_thenAlreadyConnected(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel listener = p.listen();
        Selector selector = p.clientProvider().openSelector();
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      channel.configureBlocking(false);
      assertThat(channel.connect(p.addressOf(listener))).isFalse();
      assertThatThrownBy(() -> channel.connect(p.addressOf(listener)))
          .isExactlyInstanceOf(ConnectionPendingException.class);

      channel.register(selector, OP_CONNECT);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(channel.finishConnect()).isTrue();
      assertThat(channel.isConnected()).isTrue();
      assertThat(channel.isConnectionPending()).isFalse();
      assertThat(channel.finishConnect()).as("and again").isTrue();
      assertThatThrownBy(() -> channel.connect(p.addressOf(listener)))
          .isExactlyInstanceOf(AlreadyConnectedException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void closedChannel_throwsClosedChannel(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      SocketChannel channel = pair.client();
      channel.close();
      channel.close(); // a second close does nothing
      assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(1))).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> channel.write(ascii("x"))).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> channel.read(new ByteBuffer[] {ByteBuffer.allocate(1)}))
          .isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(channel::shutdownOutput).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(channel::shutdownInput).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(channel::getRemoteAddress).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> channel.connect(p.addressOf(pair.listener())))
          .isExactlyInstanceOf(ClosedChannelException.class);
      assertThat(channel.isConnected()).as("a closed channel is not connected").isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void ownShutdownOutput_failsLaterWrites_andThePeerReadsEndOfStreamAfterTheBytes(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      pair.client().write(ascii("hello"));
      pair.client().shutdownOutput();
      pair.client().shutdownOutput(); // a second shutdown does nothing
      // A ClosedChannelException, as the specification says; JDK 25's is precisely the subclass
      // AsynchronousCloseException (its write ends with one whenever the output is shut down).
      assertThatThrownBy(() -> pair.client().write(ascii("more")))
          .isExactlyInstanceOf(AsynchronousCloseException.class);
      assertThatThrownBy(() -> pair.client().write(new ByteBuffer[] {ascii("more")}))
          .isExactlyInstanceOf(AsynchronousCloseException.class);
      pair.client().configureBlocking(false);
      assertThatThrownBy(() -> pair.client().write(ascii("more")))
          .as("non-blocking too").isExactlyInstanceOf(AsynchronousCloseException.class);
      pair.client().configureBlocking(true);
      assertThat(pair.client().isOpen()).isTrue();

      ByteBuffer received = ByteBuffer.allocate(16);
      int n = 0;
      for (int reads = 0; reads < 10 && n >= 0; reads++) {
        n = pair.server().read(received);
      }
      assertThat(n).isEqualTo(-1);
      assertThat(SelectorSemanticsTest.text(received)).isEqualTo("hello");

      pair.server().write(ascii("reply")); // the other direction still works
      ByteBuffer reply = ByteBuffer.allocate(5);
      for (int reads = 0; reads < 10 && reply.hasRemaining(); reads++) {
        assertThat(pair.client().read(reply)).isPositive();
      }
      assertThat(SelectorSemanticsTest.text(reply)).isEqualTo("reply");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void shutdownInput_makesReadsReturnEndOfStream_evenAsBytesArrive(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      pair.client().shutdownInput();
      assertThat(pair.client().read(ByteBuffer.allocate(8))).isEqualTo(-1);
      pair.server().write(ascii("late"));
      assertThat(pair.client().read(ByteBuffer.allocate(8))).isEqualTo(-1);
      assertThat(pair.client().write(ascii("out"))).as("output is still open").isEqualTo(3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockedRead_closedByAnotherThread_throwsAsynchronousClose(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      Blocked<Integer> read = Blocked.start(() -> pair.client().read(ByteBuffer.allocate(8)));
      pair.client().close();
      assertThat(read.failure()).isExactlyInstanceOf(AsynchronousCloseException.class);
      assertThat(read.interruptedAfterwards()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockedRead_interrupted_throwsClosedByInterrupt_andClosesTheChannel(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      Blocked<Integer> read = Blocked.start(() -> pair.client().read(ByteBuffer.allocate(8)));
      read.thread.interrupt();
      assertThat(read.failure()).isExactlyInstanceOf(ClosedByInterruptException.class);
      assertThat(read.interruptedAfterwards()).as("the interrupt status stays set").isTrue();
      assertThat(pair.client().isOpen()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockedRead_whoseInputIsShutDownByAnotherThread_returnsEndOfStream(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      Blocked<Integer> read = Blocked.start(() -> pair.client().read(ByteBuffer.allocate(8)));
      pair.client().shutdownInput();
      assertThat(read.value()).isEqualTo(-1);
      assertThat(pair.client().isOpen()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockedWrite_closedByAnotherThread_throwsAsynchronousClose(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      // Up to 64 MB, more than the send and receive buffers hold (Linux's loopback autotunes them
      // to a few MB), with a peer that never reads: a write blocks. In 1 MB writes, as the JDK's
      // blocking write on a virtual thread may return after part of a buffer.
      ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
      AtomicBoolean closing = new AtomicBoolean();
      AtomicInteger returnedWhileClosing = new AtomicInteger();
      Blocked<Integer> write = Blocked.start(() -> {
        int megabytes = 0;
        for (int writes = 0; writes < 1_000 && megabytes < 64; writes++) {
          pair.client().write(chunk);
          if (closing.get()) {
            returnedWhileClosing.incrementAndGet();
          }
          if (!chunk.hasRemaining()) {
            chunk.clear();
            megabytes++;
          }
        }
        return megabytes;
      });
      closing.set(true);
      pair.client().close();
      Throwable failure = write.failure();
      if (returnedWhileClosing.get() == 0) {
        assertThat(failure).isExactlyInstanceOf(AsynchronousCloseException.class);
      } else {
        // The blocked write had taken some bytes when the close woke it, and returned their count
        // (as the JDK's may: room can free in the send buffer meanwhile); the next write found the
        // channel closed.
        assertThat(returnedWhileClosing).hasValue(1);
        assertThat(failure).isExactlyInstanceOf(ClosedChannelException.class);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void blockedAccept_closedByAnotherThread_throwsAsynchronousClose(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel listener = p.listen()) {
      Blocked<SocketChannel> accept = Blocked.start(listener::accept);
      listener.close();
      assertThat(accept.failure()).isExactlyInstanceOf(AsynchronousCloseException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void scatteringRead_andGatheringWrite_moveTheBytesAcrossSeveralBuffers(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      ByteBuffer[] out = {ascii("abc"), ByteBuffer.allocateDirect(5).put(bytes("defgh")).flip(), ascii("ijklmno")};
      assertThat(pair.client().write(out, 0, 3)).isEqualTo(15);
      assertThat(out).allSatisfy(b -> assertThat(b.hasRemaining()).isFalse());

      ByteBuffer skipped = ByteBuffer.allocate(4);
      ByteBuffer[] in = {skipped, ByteBuffer.allocate(4), ByteBuffer.allocateDirect(4), ByteBuffer.allocate(4),
          ByteBuffer.allocate(10)};
      long total = 0;
      for (int reads = 0; reads < 15 && total < 15; reads++) {
        long n = pair.server().read(in, 1, 4);
        assertThat(n).isPositive();
        total += n;
      }
      assertThat(total).isEqualTo(15);
      assertThat(skipped.position()).as("outside offset and length").isZero();
      assertThat(in[1].position()).isEqualTo(4);
      assertThat(in[2].position()).isEqualTo(4);
      assertThat(in[3].position()).isEqualTo(4);
      assertThat(in[4].position()).isEqualTo(3);
      StringBuilder received = new StringBuilder();
      for (int i = 1; i < in.length; i++) {
        in[i].flip();
        received.append(StandardCharsets.US_ASCII.decode(in[i]));
      }
      assertThat(received.toString()).isEqualTo("abcdefghijklmno");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A call made on a virtual thread, which the test lets block before acting on it. */
  private static final class Blocked<T> {
    final Thread thread;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final AtomicBoolean calling = new AtomicBoolean();

    private Blocked(IoCall<T> call) {
      thread = Thread.ofVirtual().unstarted(() -> {
        calling.set(true);
        try {
          result.complete(call.run());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        } finally {
          interrupted.set(Thread.currentThread().isInterrupted());
        }
      });
    }

    /**
     * Starts {@code call} and returns once its thread waits inside it: both the JDK (its poller)
     * and Sluice park a virtual thread blocked on a channel, and nothing before the call parks.
     * It must stay parked for {@code 20} polls in a row, so a moment's wait inside the call (for
     * the connection's owner, say) that is not yet the blocking wait does not count.
     */
    static <T> Blocked<T> start(IoCall<T> call) throws InterruptedException {
      Blocked<T> blocked = new Blocked<>(call);
      blocked.thread.start();
      int parkedPolls = 0;
      for (int polls = 0; polls < 10_000; polls++) {
        Thread.State state = blocked.thread.getState();
        boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        parkedPolls = blocked.calling.get() && parked ? parkedPolls + 1 : 0;
        if (parkedPolls == 20) {
          return blocked;
        }
        assertThat(blocked.result).as("the call returned instead of blocking").isNotDone();
        Thread.sleep(1);
      }
      throw new AssertionError("the call never blocked: " + blocked.thread.getState());
    }

    /** What the call threw, once it ends (it must end within the wait). */
    Throwable failure() throws InterruptedException, java.util.concurrent.TimeoutException {
      try {
        T value = result.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        throw new AssertionError("the call returned " + value + " instead of failing");
      } catch (ExecutionException e) {
        thread.join();
        return e.getCause();
      }
    }

    /** What the call returned, once it ends (it must end within the wait). */
    T value() throws Exception {
      T value = result.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      thread.join();
      return value;
    }

    /** Whether the thread's interrupt status was set when the call ended. */
    boolean interruptedAfterwards() {
      return interrupted.get();
    }
  }

  /** A channel call that may throw. */
  @FunctionalInterface
  private interface IoCall<T> {
    T run() throws IOException;
  }
}
