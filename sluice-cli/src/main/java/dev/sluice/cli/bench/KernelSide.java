package dev.sluice.cli.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The Linux kernel's TCP, through Java NIO socket channels in this same JVM. Two flavours:
 *
 * <ul>
 *   <li>{@code kernel}: inside {@link KernelNamespace} (lo MTU 1500, TSO/GSO/GRO off) when there
 *       is one, for every MTU-1500 run; the plain loopback otherwise, and always for MTU 65535
 *       runs (lo's MTU 65536 with its offloads on). This is the column ratios use.
 *   <li>{@code kernel-lo}: always the plain loopback 127.0.0.1, for information, when the
 *       namespace exists.
 * </ul>
 *
 * The channels are in blocking mode, used by one thread per connection end, as Sluice's
 * connections are; workload 2 switches them to non-blocking mode for its selector threads.
 */
final class KernelSide implements StackSide {
  private final String name;
  private final KernelNamespace namespace;

  /** @param namespace where MTU-1500 runs go; null for the plain loopback always */
  KernelSide(String name, KernelNamespace namespace) {
    this.name = name;
    this.namespace = namespace;
  }

  @Override
  public String name() {
    return name;
  }

  boolean inNamespace(Setup setup) {
    return namespace != null && setup.mtu() <= 1500;
  }

  @Override
  public Endpoints open(Setup setup) {
    KernelNamespace ns = inNamespace(setup) ? namespace : null;
    InetAddress address = InetAddress.ofLiteral(ns != null ? KernelNamespace.ADDRESS : "127.0.0.1");
    String description = ns != null ? "kernel: " + ns.describe() : "kernel: plain loopback 127.0.0.1 (lo MTU "
        + loopbackMtu() + ", offloads as configured)";
    return new Endpoints() {
      @Override
      public Listener listen(int port, int backlog) throws IOException {
        ServerSocketChannel s = ns != null ? ns.openServer() : ServerSocketChannel.open();
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        // In our namespace the port is ours to choose; on the shared loopback take a free one.
        s.bind(new InetSocketAddress(address, ns != null ? port : 0), backlog);
        int bound = ((InetSocketAddress) s.getLocalAddress()).getPort();
        return new Listener() {
          @Override
          public Conn accept() throws IOException {
            return new KernelConn(s.accept());
          }

          @Override
          public int port() {
            return bound;
          }

          @Override
          public void close() throws IOException {
            s.close();
          }
        };
      }

      @Override
      public Conn connect(Listener listener) throws IOException {
        SocketChannel c = ns != null ? ns.openSocket() : SocketChannel.open();
        try {
          c.connect(new InetSocketAddress(address, listener.port()));
        } catch (IOException e) {
          c.close();
          throw e;
        }
        return new KernelConn(c);
      }

      @Override
      public String describe() {
        return description;
      }

      @Override
      public NioHosts nio() {
        SelectorProvider jdk = SelectorProvider.provider();
        return ns != null
            ? new NioHosts(jdk, jdk, ns::openSocket, ns::openServer, address, true)
            : new NioHosts(jdk, jdk, jdk::openSocketChannel, jdk::openServerSocketChannel, address, false);
      }

      @Override
      public <T> T onServerHost(NioHosts.Opener<T> code) throws IOException {
        return ns != null ? ns.onCreator(code::open) : code.open();
      }

      @Override
      public void close() {}
    };
  }

  static String loopbackMtu() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/sys/class/net/lo/mtu")).strip();
    } catch (IOException e) {
      return "?";
    }
  }

  /** A kernel socket behind the common interface. */
  record KernelConn(SocketChannel channel) implements Conn {
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    }

    @Override
    public void shutdownOutput() throws IOException {
      channel.shutdownOutput();
    }

    @Override
    public void setNoDelay(boolean on) throws IOException {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public Object handle() {
      return channel;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
