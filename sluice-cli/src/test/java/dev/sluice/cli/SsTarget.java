package dev.sluice.cli;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The process {@code SsCommandTest} looks into: with no argument, two in-process stacks ({@code
 * ss-client}, {@code ss-server}) and one connection whose server has 5 bytes unread; with {@code
 * none}, no stack at all. Prints {@code READY}, then waits until its standard input closes (or a
 * minute passes), so it never outlives the test.
 */
public final class SsTarget {
  private SsTarget() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("none")) {
      System.out.println("READY");
      System.out.flush();
      waitForStdinToClose();
      return;
    }
    SimulatedNetwork network = new SimulatedNetwork(3);
    SimulatedLink link = network.connect("a0", "b0", SimulatedLink.Config.defaults());
    try (AutoCloseable pump = network.runInRealTime();
        NetStack client = NetStack.builder().name("ss-client").addInterface(link.a(), "198.18.0.1/24").workers(1).build();
        NetStack server = NetStack.builder().name("ss-server").addInterface(link.b(), "198.18.0.2/24").workers(1).build()) {
      TcpServer listener = server.listen(7);
      TcpConnection c = client.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 7));
      listener.accept();
      c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      System.out.println("READY");
      System.out.flush();
      waitForStdinToClose();
    }
  }

  private static void waitForStdinToClose() throws Exception {
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try {
        System.in.readAllBytes();
      } catch (java.io.IOException e) {
        // closed: done
      }
    });
    reader.join(60_000);
  }
}
