package dev.sluice.nio;

import dev.sluice.nio.internal.NioProviders;
import dev.sluice.stack.Host;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;

/**
 * A {@link SelectorProvider} whose channels and selectors run on a Sluice stack: code written
 * against NIO ({@link SocketChannel}, {@link ServerSocketChannel}, {@link DatagramChannel}, {@link
 * java.nio.channels.Selector}), and the libraries built on it, run on Sluice unmodified.
 *
 * <p>Two ways to get one:
 * <ul>
 *   <li>{@code NetStack.selectorProvider()}, bound to that stack; open channels with its {@code
 *       open...} methods, or hand it to a library that takes a provider (Netty's {@code
 *       NioIoHandler.newFactory(provider)}).
 *   <li>JVM-wide, with no code change: {@code
 *       -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider} and the
 *       {@code sluice.*} system properties described in the {@linkplain dev.sluice.nio package
 *       comment} (or a stack bound with {@code NetStack.bindJvmWideProvider()}), so that {@link
 *       SocketChannel#open()}, {@link java.nio.channels.Selector#open()} and everything built on
 *       them use one stack.
 * </ul>
 *
 * <p>{@link #socketFactory()} and {@link #serverSocketFactory()} give {@code javax.net} factories
 * over the same stack, for code and drivers that take one; their sockets are views of this
 * provider's channels, as the JDK's {@code socket()} adaptors are, and can be wrapped by an {@code
 * SSLSocketFactory}.
 *
 * <p>Behaviour follows the JDK's own channels on Linux, exceptions included; where it differs,
 * the package comment says how.
 *
 * <p>Thread-safe: any thread may open channels and selectors; the JVM-wide provider starts its
 * stack once, on the first channel, under a lock.
 */
public final class SluiceSelectorProvider extends SelectorProvider {
  static {
    NioProviders.register(new NioProviders.Access() {
      @Override
      public SluiceSelectorProvider over(Host host) {
        return new SluiceSelectorProvider(host);
      }

      @Override
      public void bind(SluiceSelectorProvider jvmWide, Host host) {
        jvmWide.bind(host);
      }
    });
  }

  /** The stack; for the JVM-wide provider, null until first used. */
  private volatile Host host;

  /**
   * The JVM-wide provider, which the JDK makes when {@code java.nio.channels.spi.SelectorProvider}
   * names this class: its stack starts on first use, from the {@code sluice.*} system properties
   * (see the {@linkplain dev.sluice.nio package comment}). Applications do not call it: they
   * name this class in that property, or use {@code NetStack.selectorProvider()}.
   */
  public SluiceSelectorProvider() {
    this.host = null;
  }

  private SluiceSelectorProvider(Host host) {
    this.host = Objects.requireNonNull(host, "host");
  }

  /**
   * Makes {@code stack} the one behind this JVM-wide provider, in place of the stack the {@code
   * sluice.*} properties would start, or of the one bound before: for a program that builds its own
   * stack (its own devices) and then runs code that opens channels with {@code
   * SocketChannel.open()}, such as the JDK's {@code HttpServer}. Channels and selectors opened
   * before stay on their stack; those opened afterwards use {@code stack}.
   */
  synchronized void bind(Host stack) {
    host = Objects.requireNonNull(stack, "stack");
  }

  /** The stack's host, starting the JVM-wide stack on first use. */
  Host host() throws IOException {
    Host h = host;
    if (h == null) {
      synchronized (this) {
        h = host;
        if (h == null) {
          host = h = JvmWideStack.start();
        }
      }
    }
    return h;
  }

  @Override
  public SluiceSelector openSelector() {
    return new SluiceSelector(this);
  }

  @Override
  public SocketChannel openSocketChannel() throws IOException {
    return new SluiceSocketChannel(this, host());
  }

  @Override
  public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
    requireInet(family);
    return openSocketChannel();
  }

  @Override
  public ServerSocketChannel openServerSocketChannel() throws IOException {
    return new SluiceServerSocketChannel(this, host());
  }

  @Override
  public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
    requireInet(family);
    return openServerSocketChannel();
  }

  @Override
  public DatagramChannel openDatagramChannel() throws IOException {
    return new SluiceDatagramChannel(this, host());
  }

  @Override
  public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
    requireInet(family);
    return openDatagramChannel();
  }

  /**
   * A pipe within this JVM ({@link InProcessPipe}). A pipe never leaves the process, so it needs no
   * stack; it is this provider's own rather than the platform's so that its ends, like every
   * channel a provider opens, can be registered with this provider's selectors and report it as
   * their {@code provider()}.
   *
   * @return a new in-process pipe
   */
  @Override
  public Pipe openPipe() {
    return new InProcessPipe(this);
  }

  /**
   * A {@code javax.net.SocketFactory} whose sockets are this provider's (see the class comment).
   *
   * @return a new socket factory over this provider's stack
   */
  public javax.net.SocketFactory socketFactory() {
    return new SluiceSocketFactory(this);
  }

  /**
   * A {@code javax.net.ServerSocketFactory} whose server sockets are this provider's.
   *
   * @return a new server socket factory over this provider's stack
   */
  public javax.net.ServerSocketFactory serverSocketFactory() {
    return new SluiceServerSocketFactory(this);
  }

  private static void requireInet(ProtocolFamily family) {
    Objects.requireNonNull(family, "family");
    if (family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
      throw new UnsupportedOperationException("Protocol family not supported by Sluice: " + family);
    }
  }

  @Override
  public String toString() {
    Host h = host;
    return "SluiceSelectorProvider[" + (h == null ? "JVM-wide, not started" : h) + "]";
  }
}
