package dev.sluice.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * A side's pair of hosts as Java NIO code sees them, for workloads that run a NIO library (Netty)
 * rather than the blocking {@link StackSide.Conn}: each host's {@link SelectorProvider} (Sluice's
 * for a Sluice stack, the JDK's for the kernel) and how to open its channels. Channels come from
 * {@code openClient} and {@code openServer} rather than from the providers, because a kernel
 * socket of the bench's namespace must be created by the thread inside it ({@link
 * KernelNamespace}); selectors come from the providers.
 *
 * @param portIsOurs whether a listener takes the port asked for (Sluice, our namespace) rather than a
 *     free one (the kernel's shared loopback)
 */
record NioHosts(SelectorProvider clientProvider, SelectorProvider serverProvider, Opener<SocketChannel> openClient,
    Opener<ServerSocketChannel> openServer, InetAddress serverAddress, boolean portIsOurs) {

  /** Opens a channel; may throw as the provider's {@code open...} methods do. */
  interface Opener<T> {
    T open() throws IOException;
  }

  /** Where a server should bind to listen on {@code port}, or on a free port when that is not ours. */
  InetSocketAddress bindAddress(int port) {
    return new InetSocketAddress(serverAddress, portIsOurs ? port : 0);
  }
}
