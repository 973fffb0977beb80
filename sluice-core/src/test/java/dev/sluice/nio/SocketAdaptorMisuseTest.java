package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How Sluice's socket views fail when misused, compared call by call with the JDK's own views of
 * its channels ({@code SocketChannel.open().socket()}, {@code ServerSocketChannel.open().socket()})
 * over 127.0.0.1: the same exception class and message, or the same result. Each case runs on a
 * fresh socket of each kind in the same state (unconnected, connected, closed; unbound, bound,
 * closed). The few places Sluice differs on purpose are asserted on their own at the end.
 */
@Timeout(60)
class SocketAdaptorMisuseTest {
  private static final int WAIT_MS = 20_000;
  private static final SocketAddress FOREIGN = new SocketAddress() {};
  private static final InetSocketAddress UNRESOLVED = InetSocketAddress.createUnresolved("sluice.invalid", 80);

  private static NioStacks net;
  private static ServerSocket sluiceServer;
  private static ServerSocketChannel jdkServer;

  @BeforeAll
  static void listen() throws IOException {
    net = new NioStacks(false);
    sluiceServer = net.server.serverSocketFactory().createServerSocket(0);
    sluiceServer.setSoTimeout(WAIT_MS);
    jdkServer = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterAll
  static void close() throws Exception {
    jdkServer.close();
    sluiceServer.close();
    net.close();
  }

  /** A call on a socket; what it returns is compared, so return only what both kinds agree on. */
  private interface Call<S> {
    Object on(S socket) throws Exception;
  }

  private enum State { UNCONNECTED, CONNECTED, CLOSED }

  /** One call made on a JDK socket and a Sluice socket, each in {@code state}; both outcomes. */
  private record Outcomes(String jdk, String sluice) {}

  private static String outcome(Call<Socket> call, Socket socket) {
    try {
      return "returned " + call.on(socket);
    } catch (Exception e) {
      return "threw " + e.getClass().getName() + ": " + e.getMessage();
    }
  }

  /** Sockets in each state; the connected ones are kept with their peers until the test ends. */
  private final List<AutoCloseable> opened = new ArrayList<>();

  private Socket jdkSocket(State state) throws IOException {
    Socket s = SocketChannel.open().socket();
    opened.add(s);
    if (state != State.UNCONNECTED) {
      s.connect(jdkServer.getLocalAddress(), WAIT_MS);
      opened.add(jdkServer.accept());
    }
    if (state == State.CLOSED) {
      s.close();
    }
    return s;
  }

  private Socket sluiceSocket(State state) throws IOException {
    Socket s = net.client.socketFactory().createSocket();
    opened.add(s);
    if (state != State.UNCONNECTED) {
      s.connect(NioStacks.server(sluiceServer.getLocalPort()), WAIT_MS);
      opened.add(sluiceServer.accept());
    }
    if (state == State.CLOSED) {
      s.close();
    }
    return s;
  }

  private Map<String, Outcomes> compare(State state, Map<String, Call<Socket>> calls) throws Exception {
    Map<String, Outcomes> results = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Call<Socket>> call : calls.entrySet()) {
        results.put(call.getKey(), new Outcomes(outcome(call.getValue(), jdkSocket(state)),
            outcome(call.getValue(), sluiceSocket(state))));
      }
    } finally {
      for (AutoCloseable c : opened) {
        c.close();
      }
      opened.clear();
    }
    return results;
  }

  private static void assertSame(Map<String, Outcomes> results) {
    assertThat(results).isNotEmpty().allSatisfy((name, o) ->
        assertThat(o.sluice()).as(name).isEqualTo(o.jdk()));
  }

  @Test
  void unconnectedSocket_failsAsTheJdksDoes() throws Exception {
    Map<String, Call<Socket>> calls = new LinkedHashMap<>();
    calls.put("getInputStream", Socket::getInputStream);
    calls.put("getOutputStream", Socket::getOutputStream);
    calls.put("shutdownInput", s -> { s.shutdownInput(); return null; });
    calls.put("shutdownOutput", s -> { s.shutdownOutput(); return null; });
    calls.put("sendUrgentData", s -> { s.sendUrgentData(1); return null; });
    calls.put("connect(null)", s -> { s.connect(null); return null; });
    calls.put("connect(negative timeout)", s -> { s.connect(new InetSocketAddress(1), -1); return null; });
    calls.put("connect(foreign address)", s -> { s.connect(FOREIGN); return null; });
    calls.put("connect(unresolved), then isClosed", s -> {
      try {
        s.connect(UNRESOLVED);
        return "connected";
      } catch (IOException e) {
        return e.getClass().getName() + " " + e.getMessage() + ", closed " + s.isClosed();
      }
    });
    calls.put("bind(foreign address)", s -> { s.bind(FOREIGN); return null; });
    calls.put("bind(unresolved)", s -> { s.bind(UNRESOLVED); return null; });
    calls.put("bind twice", s -> { s.bind(null); s.bind(null); return null; });
    calls.put("setSoTimeout(-1)", s -> { s.setSoTimeout(-1); return null; });
    calls.put("setSendBufferSize(0)", s -> { s.setSendBufferSize(0); return null; });
    calls.put("setReceiveBufferSize(0)", s -> { s.setReceiveBufferSize(0); return null; });
    calls.put("setTrafficClass(256)", s -> { s.setTrafficClass(256); return null; });
    calls.put("setSoLinger(true, -1)", s -> { s.setSoLinger(true, -1); return s.getSoLinger(); });
    calls.put("setSoLinger(true, 100000)", s -> { s.setSoLinger(true, 100_000); return s.getSoLinger(); });
    calls.put("setSoLinger(false, 5)", s -> { s.setSoLinger(false, 5); return s.getSoLinger(); });
    calls.put("setOption(unsupported)", s -> s.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1));
    calls.put("defaults", s -> List.of(s.getSoLinger(), s.getSoTimeout(), s.getKeepAlive(), s.getReuseAddress()));
    calls.put("state", s -> List.of(s.isBound(), s.isConnected(), s.isClosed(), s.isInputShutdown(),
        s.isOutputShutdown()));
    calls.put("addresses", s -> List.of(String.valueOf(s.getInetAddress()), s.getPort(), s.getLocalPort(),
        String.valueOf(s.getLocalSocketAddress()), String.valueOf(s.getRemoteSocketAddress()),
        s.getLocalAddress()));
    calls.put("toString", Socket::toString);
    assertSame(compare(State.UNCONNECTED, calls));
  }

  @Test
  void connectedSocket_failsAsTheJdksDoes() throws Exception {
    Map<String, Call<Socket>> calls = new LinkedHashMap<>();
    calls.put("connect again", s -> { s.connect(s.getRemoteSocketAddress()); return null; });
    calls.put("bind after connect", s -> { s.bind(null); return null; });
    calls.put("read, timing out", s -> { s.setSoTimeout(100); return s.getInputStream().read(); });
    calls.put("read(b, 1, 2) of 1", s -> s.getInputStream().read(new byte[1], 1, 2));
    calls.put("read(b, 0, 0)", s -> s.getInputStream().read(new byte[1], 0, 0));
    calls.put("write(b, 1, 2) of 1", s -> { s.getOutputStream().write(new byte[1], 1, 2); return null; });
    calls.put("write(b, 0, 0)", s -> { s.getOutputStream().write(new byte[1], 0, 0); return null; });
    calls.put("available", s -> s.getInputStream().available());
    calls.put("a new stream each time", s -> s.getInputStream() == s.getInputStream());
    calls.put("shutdownOutput twice", s -> { s.shutdownOutput(); s.shutdownOutput(); return s.isOutputShutdown(); });
    calls.put("write after shutdownOutput", s -> {
      OutputStream out = s.getOutputStream();
      s.shutdownOutput();
      out.write(1);
      return null;
    });
    calls.put("getOutputStream after shutdownOutput", s -> { s.shutdownOutput(); return s.getOutputStream(); });
    calls.put("read after shutdownInput", s -> {
      InputStream in = s.getInputStream();
      s.shutdownInput();
      return List.of(in.read(), in.available(), s.isInputShutdown());
    });
    calls.put("getInputStream after shutdownInput", s -> { s.shutdownInput(); return s.getInputStream(); });
    calls.put("state", s -> List.of(s.isBound(), s.isConnected(), s.isClosed(), s.isInputShutdown(),
        s.isOutputShutdown()));
    assertSame(compare(State.CONNECTED, calls));
  }

  @Test
  void closedSocket_failsAsTheJdksDoes() throws Exception {
    Map<String, Call<Socket>> calls = new LinkedHashMap<>();
    calls.put("read from a stream taken before", s -> {
      InputStream in = s.getInputStream();
      s.close();
      return in.read();
    });
    calls.put("available from a stream taken before", s -> {
      InputStream in = s.getInputStream();
      s.close();
      return in.available();
    });
    calls.put("write to a stream taken before", s -> {
      OutputStream out = s.getOutputStream();
      s.close();
      out.write(1);
      return null;
    });
    assertSame(compare(State.CONNECTED, calls));

    calls.clear();
    calls.put("getInputStream", Socket::getInputStream);
    calls.put("getOutputStream", Socket::getOutputStream);
    calls.put("setSoTimeout", s -> { s.setSoTimeout(1); return null; });
    calls.put("getSoTimeout", Socket::getSoTimeout);
    calls.put("setTcpNoDelay", s -> { s.setTcpNoDelay(true); return null; });
    calls.put("getTcpNoDelay", Socket::getTcpNoDelay);
    calls.put("getSoLinger", Socket::getSoLinger);
    calls.put("getKeepAlive", Socket::getKeepAlive);
    calls.put("getSendBufferSize", Socket::getSendBufferSize);
    calls.put("setTrafficClass", s -> { s.setTrafficClass(1); return null; });
    calls.put("getTrafficClass", Socket::getTrafficClass);
    calls.put("getOOBInline", Socket::getOOBInline);
    calls.put("sendUrgentData", s -> { s.sendUrgentData(1); return null; });
    calls.put("getOption", s -> s.getOption(StandardSocketOptions.SO_KEEPALIVE));
    calls.put("setOption", s -> s.setOption(StandardSocketOptions.SO_KEEPALIVE, true));
    calls.put("getOption(unsupported)", s -> s.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
    calls.put("shutdownInput", s -> { s.shutdownInput(); return null; });
    calls.put("shutdownOutput", s -> { s.shutdownOutput(); return null; });
    calls.put("bind", s -> { s.bind(null); return null; });
    calls.put("close again", s -> { s.close(); return null; });
    calls.put("state", s -> List.of(s.isBound(), s.isClosed(), s.isInputShutdown(), s.isOutputShutdown()));
    calls.put("getLocalAddress", Socket::getLocalAddress);
    assertSame(compare(State.CLOSED, calls));
  }

  // ------------------------------------------------------------------ server sockets

  private enum ServerState { UNBOUND, BOUND, CLOSED }

  private ServerSocket jdkServerSocket(ServerState state) throws IOException {
    ServerSocket s = ServerSocketChannel.open().socket();
    return prepare(s, state, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  private ServerSocket sluiceServerSocket(ServerState state) throws IOException {
    return prepare(net.server.serverSocketFactory().createServerSocket(), state, null);
  }

  private ServerSocket prepare(ServerSocket s, ServerState state, SocketAddress local) throws IOException {
    opened.add(s);
    if (state != ServerState.UNBOUND) {
      s.bind(local, 4);
    }
    if (state == ServerState.CLOSED) {
      s.close();
    }
    return s;
  }

  private Map<String, Outcomes> compareServers(ServerState state, Map<String, Call<ServerSocket>> calls)
      throws Exception {
    Map<String, Outcomes> results = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Call<ServerSocket>> call : calls.entrySet()) {
        results.put(call.getKey(), new Outcomes(serverOutcome(call.getValue(), jdkServerSocket(state)),
            serverOutcome(call.getValue(), sluiceServerSocket(state))));
      }
    } finally {
      for (AutoCloseable c : opened) {
        c.close();
      }
      opened.clear();
    }
    return results;
  }

  private static String serverOutcome(Call<ServerSocket> call, ServerSocket socket) {
    try {
      return "returned " + call.on(socket);
    } catch (Exception e) {
      return "threw " + e.getClass().getName() + ": " + e.getMessage();
    }
  }

  @Test
  void serverSocket_failsAsTheJdksDoes_unbound_bound_andClosed() throws Exception {
    Map<String, Call<ServerSocket>> calls = new LinkedHashMap<>();
    calls.put("accept", ServerSocket::accept);
    calls.put("setSoTimeout(-1)", s -> { s.setSoTimeout(-1); return null; });
    calls.put("setReceiveBufferSize(0)", s -> { s.setReceiveBufferSize(0); return null; });
    calls.put("bind(foreign address)", s -> { s.bind(FOREIGN); return null; });
    calls.put("bind(unresolved)", s -> { s.bind(UNRESOLVED); return null; });
    calls.put("setOption(SO_KEEPALIVE)", s -> s.setOption(StandardSocketOptions.SO_KEEPALIVE, true));
    calls.put("state", s -> List.of(s.isBound(), s.isClosed(), s.getLocalPort(), s.getSoTimeout(),
        s.getReuseAddress(), String.valueOf(s.getInetAddress()), String.valueOf(s.getLocalSocketAddress())));
    calls.put("toString", ServerSocket::toString);
    assertSame(compareServers(ServerState.UNBOUND, calls));

    calls.clear();
    calls.put("bind again", s -> { s.bind(null); return null; });
    calls.put("accept, timing out, then isClosed", s -> {
      s.setSoTimeout(100);
      try {
        return s.accept();
      } catch (IOException e) {
        return e.getClass().getName() + " " + e.getMessage() + ", closed " + s.isClosed();
      }
    });
    calls.put("accept, non-blocking", s -> { s.getChannel().configureBlocking(false); return s.accept(); });
    calls.put("accept with SO_TIMEOUT, non-blocking", s -> {
      s.getChannel().configureBlocking(false);
      s.setSoTimeout(100);
      return s.accept();
    });
    assertSame(compareServers(ServerState.BOUND, calls));

    calls.clear();
    calls.put("accept", ServerSocket::accept);
    calls.put("bind", s -> { s.bind(null); return null; });
    calls.put("setSoTimeout", s -> { s.setSoTimeout(1); return null; });
    calls.put("getSoTimeout", ServerSocket::getSoTimeout);
    calls.put("getReuseAddress", ServerSocket::getReuseAddress);
    calls.put("getReceiveBufferSize", ServerSocket::getReceiveBufferSize);
    calls.put("getOption", s -> s.getOption(StandardSocketOptions.SO_RCVBUF));
    calls.put("close again", s -> { s.close(); return null; });
    calls.put("state", s -> List.of(s.isBound(), s.isClosed()));
    assertSame(compareServers(ServerState.CLOSED, calls));
  }

  // ------------------------------------------------------------------ where Sluice differs on purpose

  @Test
  void urgentData_andTrafficClass_areUnsupported_asTheClassCommentSays() throws Exception {
    try (Socket s = net.client.socketFactory().createSocket("198.18.0.2", sluiceServer.getLocalPort());
        Socket peer = sluiceServer.accept()) {
      assertThatThrownBy(() -> s.sendUrgentData(1)).isInstanceOf(SocketException.class)
          .hasMessage("Urgent data not supported");
      assertThat(s.getOOBInline()).as("urgent bytes arrive inline").isTrue();
      s.setTrafficClass(0x10);
      assertThat(s.getTrafficClass()).as("no traffic class is sent").isZero();
      assertThat(s.supportedOptions()).doesNotContain(StandardSocketOptions.IP_TOS);
      // The socket is unharmed.
      s.getOutputStream().write(9);
      peer.setSoTimeout(WAIT_MS);
      assertThat(peer.getInputStream().read()).isEqualTo(9);
    }
  }

  @Test
  void connect_onAClosedSocket_throwsClosedChannelException() throws Exception {
    // The JDK's adaptor throws its subclass AsynchronousCloseException here, an artefact of how
    // it unwinds; Sluice throws the plain ClosedChannelException, which catches both.
    Socket s = net.client.socketFactory().createSocket();
    s.close();
    assertThatThrownBy(() -> s.connect(NioStacks.server(sluiceServer.getLocalPort())))
        .isInstanceOf(ClosedChannelException.class);
  }
}
