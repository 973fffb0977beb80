package dev.sluice.nio;

import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.nio.ProviderUnderTest.Kind;
import dev.sluice.nio.ProviderUnderTest.Pair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Selector semantics, the JDK's and Sluice's side by side: each scenario is written once against
 * {@link java.nio.channels.spi.SelectorProvider} and runs on the JDK's default provider over
 * loopback (the reference) and on Sluice's, with receive spraying off and on ({@link
 * ProviderUnderTest}). The assertions state what the JDK does on Linux; the JDK run shows they are
 * right, the Sluice runs that Sluice does the same: readiness sets (level-triggered, as epoll),
 * end-of-stream, half-close, resets, refused connects, wakeups, cancellation and the exceptions of
 * misuse. The channels' own calls are in {@link ChannelSemanticsTest} and {@link
 * ServerChannelSemanticsTest}. Where Sluice differs on purpose, its channel's javadoc says so and
 * the assertion says why it is not exact.
 *
 * <p>Waits for readiness are bounded ({@link #WAIT_MILLIS}) and nothing asserts an upper bound on
 * time: the machine is shared. A selection that must return at once without a timeout (after a
 * wakeup) is bounded by the test's timeout.
 */
@Timeout(30)
class SelectorSemanticsTest {
  /** How long a selection waits for readiness that must come. */
  static final long WAIT_MILLIS = 10_000;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void connectedPair_isWritable_andNotReadable(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector clientSelector = p.clientProvider().openSelector();
        Selector serverSelector = p.serverProvider().openSelector()) {
      SelectionKey client = pair.client().configureBlocking(false).register(clientSelector, OP_READ | OP_WRITE);
      SelectionKey server = pair.server().configureBlocking(false).register(serverSelector, OP_READ | OP_WRITE);

      for (int round = 0; round < 2; round++) { // level-triggered: the same again
        assertThat(clientSelector.select(WAIT_MILLIS)).isEqualTo(1);
        assertThat(serverSelector.select(WAIT_MILLIS)).isEqualTo(1);
        assertThat(client.readyOps()).isEqualTo(OP_WRITE);
        assertThat(server.readyOps()).isEqualTo(OP_WRITE);
        clientSelector.selectedKeys().clear();
        serverSelector.selectedKeys().clear();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void unconnectedAndUnboundChannels_areAHangUp_readyForEveryInterest(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Selector selector = p.serverProvider().openSelector();
        SocketChannel unconnected = p.serverProvider().openSocketChannel();
        ServerSocketChannel unbound = p.serverProvider().openServerSocketChannel()) {
      // poll(2) reports POLLHUP for a TCP socket in CLOSE, and the JDK makes a hang-up every
      // interesting operation ready.
      SelectionKey socket = unconnected.configureBlocking(false).register(selector, OP_READ | OP_WRITE);
      SelectionKey server = unbound.configureBlocking(false).register(selector, OP_ACCEPT);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(2);
      assertThat(socket.readyOps()).isEqualTo(OP_READ | OP_WRITE);
      assertThat(server.readyOps()).isEqualTo(OP_ACCEPT);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void pendingConnect_isOnlyConnectable_untilFinished(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel listener = p.listen();
        Selector selector = p.clientProvider().openSelector();
        SocketChannel client = p.clientProvider().openSocketChannel()) {
      client.configureBlocking(false);
      client.connect(p.addressOf(listener));
      SelectionKey key = client.register(selector, OP_CONNECT | OP_READ | OP_WRITE);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).as("not readable or writable before finishConnect").isEqualTo(OP_CONNECT);
      assertThat(client.finishConnect()).isTrue();
      selector.selectedKeys().clear();
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).as("connected: never connectable again").isEqualTo(OP_WRITE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void bothDirectionsShutDown_isAHangUp_readyForEveryInterest(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ | OP_WRITE);
      pair.client().shutdownInput();
      pair.client().shutdownOutput();
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ | OP_WRITE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void arrivedBytes_keepTheKeyReadable_untilAllAreRead(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      assertThat(selector.selectNow()).as("nothing sent yet").isZero();

      pair.server().write(ascii("0123456789"));
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ);
      selector.selectedKeys().clear();
      assertThat(selector.select(WAIT_MILLIS)).as("unread bytes: selected again").isEqualTo(1);

      ByteBuffer first = ByteBuffer.allocate(4);
      assertThat(pair.client().read(first)).isEqualTo(4);
      selector.selectedKeys().clear();
      assertThat(selector.select(WAIT_MILLIS)).as("six bytes left: selected again").isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ);

      ByteBuffer rest = ByteBuffer.allocate(16);
      assertThat(pair.client().read(rest)).isEqualTo(6);
      assertThat(text(first) + text(rest)).isEqualTo("0123456789");
      selector.selectedKeys().clear();
      assertThat(selector.selectNow()).as("all read: not selected").isZero();
      assertThat(selector.selectedKeys()).isEmpty();
      assertThat(pair.client().read(ByteBuffer.allocate(16))).isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void keyLeftInTheSelectedSet_makesSelectReturnZeroAtOnce_andGainsNewReadiness(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ | OP_WRITE);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_WRITE);
      // Still selected and still only writable: no key is updated, yet a key is ready, so
      // select() returns 0 at once, as epoll_wait does (without it, the test times out).
      assertThat(selector.select()).isZero();
      assertThat(selector.selectedKeys()).containsExactly(key);

      pair.server().write(ascii("x"));
      int updated = 0;
      for (int selections = 0; selections < 500 && updated == 0; selections++) {
        if (selections > 0) {
          sleep(10); // each selection returns at once: give the byte time to arrive (5 s in all)
        }
        updated = selector.select(WAIT_MILLIS);
      }
      assertThat(updated).as("the key's ready set grew").isEqualTo(1);
      assertThat(key.readyOps()).as("the new readiness is added to the old").isEqualTo(OP_READ | OP_WRITE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void readingTheLastByteSent_leavesTheKeyNotReadable(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      pair.client().configureBlocking(false).register(selector, OP_READ);
      byte[] block = new byte[256 * 1024];
      ByteBuffer in = ByteBuffer.allocate(16 * 1024);
      // Rounds of a transfer read as it arrives: the last read often races the stack's handling
      // of the last segments, and must still leave nothing readable, as poll(2) would.
      for (int round = 0; round < 20; round++) {
        CompletableFuture<Integer> written = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
          try {
            written.complete(pair.server().write(ByteBuffer.wrap(block)));
          } catch (IOException | RuntimeException e) {
            written.completeExceptionally(e);
          }
        });
        long received = 0;
        for (int selections = 0; selections < 100_000 && received < block.length; selections++) {
          selector.select(WAIT_MILLIS);
          selector.selectedKeys().clear();
          received += pair.client().read(in.clear());
        }
        assertThat(written.get(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(block.length);
        assertThat(received).isEqualTo(block.length);
        assertThat(selector.selectNow()).as("round %d: all read, nothing readable", round).isZero();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void peerShutdownOutput_makesTheKeyReadable_andReadsEndOfStreamAfterTheBytes(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      pair.server().write(ascii("abc"));
      pair.server().shutdownOutput();

      ByteArrayOutputStream received = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(16);
      int n = 0;
      for (int selections = 0; selections < 10 && n >= 0; selections++) {
        assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
        assertThat(key.readyOps()).isEqualTo(OP_READ);
        selector.selectedKeys().clear();
        n = pair.client().read(buffer.clear());
        received.write(buffer.array(), 0, Math.max(n, 0));
      }
      assertThat(n).as("end-of-stream").isEqualTo(-1);
      assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
      assertThat(pair.client().read(buffer.clear())).as("and again").isEqualTo(-1);
      assertThat(pair.client().read(buffer.clear())).isEqualTo(-1);
      assertThat(selector.select(WAIT_MILLIS)).as("end-of-stream keeps it readable").isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void shutdownInput_makesTheKeyReadable_atEndOfStream(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ | OP_WRITE);
      pair.client().shutdownInput();
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ | OP_WRITE);
      assertThat(pair.client().read(ByteBuffer.allocate(8))).isEqualTo(-1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void peerResetWithLingerZero_makesTheKeyReadable_andTheReadThrowsConnectionReset(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      pair.server().setOption(StandardSocketOptions.SO_LINGER, 0);
      pair.server().close(); // blocking and unregistered: the RST goes out now

      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_READ);
      assertThatThrownBy(() -> pair.client().read(ByteBuffer.allocate(8)))
          .isExactlyInstanceOf(SocketException.class).message().startsWith("Connection reset");
      assertThatThrownBy(() -> pair.client().read(ByteBuffer.allocate(8)))
          .as("the JDK remembers the reset").isExactlyInstanceOf(SocketException.class)
          .message().startsWith("Connection reset");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void refusedConnect_makesTheKeyConnectable_thenFinishConnectThrows_andCloses(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Selector selector = p.clientProvider().openSelector();
        SocketChannel client = p.clientProvider().openSocketChannel()) {
      client.configureBlocking(false);
      assertThat(client.connect(p.unusedAddress())).isFalse();
      SelectionKey key = client.register(selector, OP_CONNECT);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_CONNECT);

      assertThatThrownBy(client::finishConnect)
          .isExactlyInstanceOf(ConnectException.class).message().startsWith("Connection refused");
      assertThat(client.isOpen()).isFalse();
      assertThat(key.isValid()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void acceptKey_isReadyWithAQueuedConnection_andNotOnceItIsAccepted(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel listener = p.listen();
        Selector selector = p.serverProvider().openSelector();
        SocketChannel client = p.clientProvider().openSocketChannel()) {
      SelectionKey key = listener.configureBlocking(false).register(selector, OP_ACCEPT);
      assertThat(selector.selectNow()).as("nobody connected").isZero();
      assertThat(listener.accept()).isNull();

      client.connect(p.addressOf(listener));
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_ACCEPT);
      try (SocketChannel accepted = listener.accept()) {
        assertThat(accepted).isNotNull();
        assertThat(accepted.isBlocking()).as("accepted channels start blocking").isTrue();
        assertThat(accepted.isConnected()).isTrue();
      }
      selector.selectedKeys().clear();
      assertThat(selector.selectNow()).as("the queue is empty").isZero();
      assertThat(listener.accept()).isNull();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void wakeupBeforeSelect_endsTheNextSelectAtOnce_andSelectNowClearsIt(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      pair.client().configureBlocking(false).register(selector, OP_READ);

      selector.wakeup();
      assertThat(selector.select()).as("woken before it began; without it, the test times out").isZero();

      selector.wakeup();
      selector.wakeup(); // wakeups do not add up
      assertThat(selector.selectNow()).isZero();
      long started = System.nanoTime();
      assertThat(selector.select(400)).isZero();
      assertThat(System.nanoTime() - started).as("selectNow used up the wakeup").isGreaterThanOrEqualTo(200_000_000L);

      Thread waker = Thread.ofVirtual().start(() -> {
        sleep(100);
        selector.wakeup();
      });
      assertThat(selector.select()).as("woken by another thread; without it, the test times out").isZero();
      waker.join();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void interruptedSelect_returnsAtOnce_keepingTheInterruptStatusAndTheSelectorOpen(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      pair.client().configureBlocking(false).register(selector, OP_READ);
      CompletableFuture<Integer> selected = new CompletableFuture<>();
      AtomicBoolean interrupted = new AtomicBoolean();
      // Interrupted before or during select(): either way it returns (AbstractSelector.begin).
      Thread selecting = Thread.ofPlatform().start(() -> {
        try {
          selected.complete(selector.select());
        } catch (Throwable t) {
          selected.completeExceptionally(t);
        }
        interrupted.set(Thread.currentThread().isInterrupted());
      });
      selecting.interrupt();
      assertThat(selected.get(WAIT_MILLIS, TimeUnit.MILLISECONDS)).isZero();
      selecting.join();
      assertThat(interrupted).isTrue();
      assertThat(selector.isOpen()).isTrue();
      assertThat(pair.client().isOpen()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void interestChange_isSeenByTheNextSelect(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, 0);
      assertThat(selector.selectNow()).as("no interest, nothing selected").isZero();
      key.interestOps(OP_WRITE);
      assertThat(selector.selectNow()).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_WRITE);
      key.interestOps(0);
      selector.selectedKeys().clear();
      assertThat(selector.selectNow()).isZero();
      assertThat(selector.selectedKeys()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void fullSendBuffer_isNotWritable_untilThePeerReads(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_WRITE);
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      long written = 0;
      // Fill until a write takes nothing even after a pause (bytes in flight when it first took
      // nothing may still be acknowledged and free room).
      for (int fills = 0; fills < 20; fills++) {
        int n;
        int writes = 0;
        do {
          n = pair.client().write(chunk.clear());
          written += n;
        } while (n > 0 && ++writes < 10_000);
        sleep(100);
        if (pair.client().write(chunk.clear()) == 0) {
          break;
        }
      }
      assertThat(pair.client().write(chunk.clear())).as("the send buffer is full").isZero();
      assertThat(selector.selectNow()).as("full: not writable").isZero();

      ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
      long read = 0;
      for (int reads = 0; reads < 100_000 && read < written; reads++) {
        read += pair.server().read(sink.clear());
      }
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(key.readyOps()).isEqualTo(OP_WRITE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void selectWithTimeout_andNothingReady_returnsZeroAfterTheTimeout(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      pair.client().configureBlocking(false).register(selector, OP_READ);
      long started = System.nanoTime();
      assertThat(selector.select(400)).isZero();
      assertThat(System.nanoTime() - started).as("a loose lower bound only").isGreaterThanOrEqualTo(200_000_000L);
      assertThat(selector.selectedKeys()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void cancelledKey_isInvalidAtOnce_andLeavesTheKeySetAtTheNextSelect(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SocketChannel channel = pair.client();
      channel.configureBlocking(false);
      SelectionKey key = channel.register(selector, OP_WRITE);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);

      key.cancel();
      assertThat(key.isValid()).isFalse();
      assertThat(selector.keys()).as("until the next selection").contains(key);
      assertThatThrownBy(() -> channel.register(selector, OP_READ))
          .as("registering again before the next selection").isInstanceOf(CancelledKeyException.class);

      assertThat(selector.selectNow()).isZero();
      assertThat(selector.keys()).doesNotContain(key);
      assertThat(selector.selectedKeys()).as("a cancelled key leaves the selected set too").doesNotContain(key);
      assertThat(channel.isRegistered()).isFalse();
      assertThat(channel.keyFor(selector)).isNull();

      SelectionKey again = channel.register(selector, OP_WRITE);
      assertThat(again).isNotSameAs(key);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(selector.selectedKeys()).containsExactly(again);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void closingARegisteredChannel_invalidatesItsKey_whichLeavesAtTheNextSelect(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      pair.client().close();
      assertThat(key.isValid()).isFalse();
      assertThat(selector.keys()).contains(key);
      assertThat(selector.selectNow()).isZero();
      assertThat(selector.keys()).doesNotContain(key);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void cancelledKey_refusesItsInterestAndReadySets(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      key.cancel();
      key.cancel(); // a second cancel does nothing
      assertThatThrownBy(() -> key.interestOps(OP_WRITE)).isExactlyInstanceOf(CancelledKeyException.class);
      assertThatThrownBy(key::interestOps).isExactlyInstanceOf(CancelledKeyException.class);
      assertThatThrownBy(key::readyOps).isExactlyInstanceOf(CancelledKeyException.class);
      assertThatThrownBy(key::isReadable).isExactlyInstanceOf(CancelledKeyException.class);
      assertThat(key.channel()).isSameAs(pair.client());
      assertThat(key.selector()).isSameAs(selector);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void interestOps_outsideTheChannelsValidOps_isRefused(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      assertThatThrownBy(() -> key.interestOps(OP_ACCEPT)).isExactlyInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> pair.client().register(selector, OP_ACCEPT))
          .isExactlyInstanceOf(IllegalArgumentException.class);
      assertThat(key.interestOps()).isEqualTo(OP_READ);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void registeringABlockingChannel_throwsIllegalBlockingMode(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Selector selector = p.clientProvider().openSelector();
        SocketChannel channel = p.clientProvider().openSocketChannel()) {
      assertThatThrownBy(() -> channel.register(selector, OP_READ))
          .isExactlyInstanceOf(IllegalBlockingModeException.class);
      channel.configureBlocking(false).register(selector, OP_READ);
      assertThatThrownBy(() -> channel.configureBlocking(true))
          .as("a registered channel stays non-blocking").isExactlyInstanceOf(IllegalBlockingModeException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void registeringAnotherProvidersChannel_throwsIllegalSelector(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Selector selector = p.clientProvider().openSelector();
        SelectableChannel foreign = p.foreignChannel()) {
      assertThatThrownBy(() -> foreign.register(selector, OP_READ)).isExactlyInstanceOf(IllegalSelectorException.class);
      assertThat(selector.keys()).isEmpty();
      assertThat(foreign.isRegistered()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void keySets_cannotBeAddedTo_andOnlyTheSelectedSetRemovedFrom(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_WRITE);
      assertThatThrownBy(() -> selector.selectedKeys().add(key))
          .isExactlyInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> selector.keys().add(key)).isExactlyInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> selector.keys().remove(key)).isExactlyInstanceOf(UnsupportedOperationException.class);
      assertThat(selector.select(WAIT_MILLIS)).isEqualTo(1);
      assertThat(selector.selectedKeys().remove(key)).isTrue();
      assertThat(selector.selectedKeys()).isEmpty();
      assertThat(selector.keys()).containsExactly(key);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void closedSelector_throwsClosedSelector_andItsKeysAreInvalid(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair()) {
      Selector selector = p.clientProvider().openSelector();
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ);
      selector.close();
      selector.close(); // a second close does nothing
      assertThat(selector.isOpen()).isFalse();
      assertThat(key.isValid()).isFalse();
      assertThat(pair.client().isOpen()).as("the channel stays open").isTrue();
      assertThat(pair.client().isRegistered()).isFalse();
      assertThatThrownBy(selector::select).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(() -> selector.select(10)).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(selector::selectNow).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(() -> selector.select(k -> { })).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(selector::keys).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(selector::selectedKeys).isExactlyInstanceOf(ClosedSelectorException.class);
      assertThatThrownBy(() -> pair.client().register(selector, OP_READ))
          .isExactlyInstanceOf(ClosedSelectorException.class);
      assertThat(selector.wakeup()).isSameAs(selector);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void selectWithAnAction_visitsEachReadyKey_andLeavesTheSelectedSetEmpty(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); Pair pair = p.connectedPair();
        Selector selector = p.clientProvider().openSelector()) {
      SelectionKey key = pair.client().configureBlocking(false).register(selector, OP_READ | OP_WRITE);
      pair.server().write(ascii("x"));
      // The byte may come a moment after writability: wait until the key is read-ready too.
      List<Integer> seen = new ArrayList<>();
      for (int selections = 0; selections < 500 && !seen.contains(OP_READ | OP_WRITE); selections++) {
        if (selections > 0) {
          sleep(10); // writable at once: give the byte time to arrive (at most 5 s in all)
        }
        seen.clear();
        int n = selector.select(k -> {
          assertThat(k).isSameAs(key);
          seen.add(k.readyOps());
        }, WAIT_MILLIS);
        assertThat(n).isEqualTo(1);
        assertThat(selector.selectedKeys()).isEmpty();
      }
      assertThat(seen).containsExactly(OP_READ | OP_WRITE);

      List<SelectionKey> visited = new ArrayList<>();
      assertThat(selector.selectNow(visited::add)).as("level-triggered: still ready").isEqualTo(1);
      assertThat(visited).containsExactly(key);
    }
  }

  static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  static String text(ByteBuffer filled) {
    return new String(filled.array(), 0, filled.position(), StandardCharsets.US_ASCII);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
