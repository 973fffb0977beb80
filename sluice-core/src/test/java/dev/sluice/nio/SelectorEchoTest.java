package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A selector-driven echo server on one stack and a selector-driven client on the other, written as
 * any NIO program would be: non-blocking channels, one selector per side, {@code OP_ACCEPT},
 * {@code OP_CONNECT}, {@code OP_READ} and {@code OP_WRITE}. Every byte comes back, in order.
 */
@Timeout(60)
class SelectorEchoTest {
  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void echoServer_andClient_onSelectors_returnEveryByte(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        Selector serverSelector = net.serverProvider().openSelector();
        ServerSocketChannel listener = net.serverProvider().openServerSocketChannel()) {
      listener.bind(new InetSocketAddress(7), 16).configureBlocking(false);
      listener.register(serverSelector, SelectionKey.OP_ACCEPT);
      Thread server = Thread.ofPlatform().name("echo-server").start(() -> echo(serverSelector, listener));

      byte[] sent = new byte[1_000_000];
      new SplittableRandom(7).nextBytes(sent);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      try (Selector selector = net.clientProvider().openSelector();
          SocketChannel client = net.clientProvider().openSocketChannel()) {
        client.configureBlocking(false);
        // As on Linux, a non-blocking connect says "in progress" even when the handshake is over
        // already; OP_CONNECT then tells, and finishConnect completes it.
        assertThat(client.connect(NioStacks.server(7))).isFalse();
        SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
        ByteBuffer out = ByteBuffer.wrap(sent);
        ByteBuffer in = ByteBuffer.allocateDirect(8192);
        while (received.size() < sent.length) {
          selector.select(5_000);
          for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey k = it.next();
            it.remove();
            if (k.isConnectable()) {
              assertThat(client.finishConnect()).isTrue();
              k.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
            if (k.isValid() && k.isWritable()) {
              client.write(out);
              if (!out.hasRemaining()) {
                k.interestOps(SelectionKey.OP_READ);
              }
            }
            if (k.isValid() && k.isReadable()) {
              int n = client.read(in);
              assertThat(n).isNotNegative();
              in.flip();
              byte[] chunk = new byte[in.remaining()];
              in.get(chunk);
              received.writeBytes(chunk);
              in.clear();
            }
          }
        }
        assertThat(key.isValid()).isTrue();
      }
      assertThat(Arrays.equals(received.toByteArray(), sent)).as("every byte echoed, in order").isTrue();
      serverSelector.wakeup();
      server.interrupt();
      server.join(5_000);
    }
  }

  /** The server's loop: accept, then echo what each connection sends until it ends. */
  private static void echo(Selector selector, ServerSocketChannel listener) {
    ByteBuffer buffer = ByteBuffer.allocate(16_384);
    try {
      while (!Thread.currentThread().isInterrupted() && selector.isOpen()) {
        selector.select();
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey k = it.next();
          it.remove();
          if (k.isAcceptable()) {
            SocketChannel c = listener.accept();
            if (c != null) {
              c.configureBlocking(false).register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(0));
            }
          } else if (k.isReadable()) {
            SocketChannel c = (SocketChannel) k.channel();
            buffer.clear();
            int n = c.read(buffer);
            if (n < 0) {
              c.close();
              continue;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
              c.write(buffer); // the echo is small next to the send buffer; a full buffer just spins here
            }
          }
        }
      }
    } catch (java.nio.channels.ClosedSelectorException | java.io.IOException e) {
      // the test is over
    }
  }
}
