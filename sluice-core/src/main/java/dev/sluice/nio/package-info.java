/**
 * Java NIO on a Sluice stack: a {@link java.nio.channels.spi.SelectorProvider}, {@link
 * dev.sluice.nio.SluiceSelectorProvider}, whose {@code SocketChannel}s, {@code
 * ServerSocketChannel}s, {@code DatagramChannel}s, pipes and selectors run on the stack, so code
 * written against NIO, and libraries built on it (Netty's NIO transport, the JDK's {@code
 * HttpServer} and {@code HttpClient}), run on Sluice unmodified.
 *
 * <p><b>Three ways in.</b>
 * <ul>
 *   <li>{@code NetStack.selectorProvider()}: a provider bound to that stack, for code that takes
 *       a provider or opens its channels with {@code provider.openSocketChannel()}.
 *   <li>{@code NetStack.socketFactory()} and {@code serverSocketFactory()}: {@code javax.net}
 *       factories whose sockets are views of the provider's channels, for code and drivers that
 *       take a factory; an {@code SSLSocketFactory} can wrap them for TLS.
 *   <li>JVM-wide: start the JVM with {@code
 *       -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}, so that
 *       {@code SocketChannel.open()}, {@code Selector.open()} and everything built on them use
 *       Sluice. The stack behind it is either one the program built and bound with {@code
 *       NetStack.bindJvmWideProvider()} before opening channels, or one the JVM starts on the first
 *       channel from system properties on a TUN device: {@code sluice.tun} (the device's name) and
 *       {@code sluice.address} (such as {@code 198.18.0.2/24}) are required; {@code
 *       sluice.peerAddress}, {@code sluice.netns}, {@code sluice.gateway}, {@code sluice.mtu},
 *       {@code sluice.workers} and {@code sluice.spray} mean what {@code sluice serve}'s options of
 *       the same names mean. A mistake in them fails the first {@code open} with an {@link
 *       java.io.IOException} that names the property. The JVM reads its provider once, so one JVM
 *       has one JVM-wide provider.
 * </ul>
 *
 * <p><b>Threads, blocking and cancellation</b> are the JDK's: channels are safe for use by
 * several threads (one reader and one writer at a time); a blocking channel's read, write,
 * connect and accept wait as the JDK's do, and an interrupt of the waiting thread closes the
 * channel and throws {@link java.nio.channels.ClosedByInterruptException}, while a close from
 * another thread makes the waiting call throw {@link
 * java.nio.channels.AsynchronousCloseException}; a non-blocking call never waits and ignores the
 * interrupt status. {@code Selector.select()} waits until a key is ready, {@code wakeup()} is
 * called, the selector is closed or the thread is interrupted (it then returns, the interrupt
 * status set). Readiness is level-triggered, as the JDK's {@code epoll} selector is, and comes
 * from the stack's notifications, never from polling. The socket views' {@code SO_TIMEOUT}
 * throws {@link java.net.SocketTimeoutException} and leaves the socket usable.
 *
 * <p><b>Where Sluice differs from the JDK, on purpose:</b> a client channel's {@code bind} takes
 * only port 0 (the stack picks an outgoing connection's port); a listener takes its port on every
 * address of the stack; {@code SO_RCVBUF} and {@code SO_SNDBUF} apply when a connection is made;
 * UDP has no multicast and no fragmentation ("Message too long"); UNIX-domain channels are not
 * supported ({@link java.lang.UnsupportedOperationException}). In the JVM-wide mode, what the JDK
 * does not build on a {@code SelectorProvider} ({@code new Socket()}, {@code new ServerSocket()},
 * hence {@code HttpURLConnection}, {@code AsynchronousSocketChannel}, name lookups) stays on the
 * kernel.
 */
package dev.sluice.nio;
