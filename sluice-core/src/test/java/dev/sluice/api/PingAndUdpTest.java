package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ICMP echo (the stack answers; the API pings) and UDP sockets, over IPv4 and IPv6. */
@Timeout(60)
class PingAndUdpTest {
  @Test
  void ping_getsAnswers_overIpv4AndIpv6() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      for (String address : new String[] {"198.18.0.2", "2001:2::2"}) {
        Duration rtt = net.client.ping(InetAddress.ofLiteral(address), Duration.ofSeconds(5));
        assertThat(rtt).as(address).isPositive().isLessThan(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void ping_anAddressNobodyHas_timesOut() throws Exception {
    try (TwoStacks net = new TwoStacks()) {
      assertThatThrownBy(() -> net.client.ping(InetAddress.ofLiteral("198.18.0.77"), Duration.ofMillis(100)))
          .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("198.18.0.77");
    }
  }

  @Test
  void udp_datagramsBothWays_withTheSendersAddress_ipv4AndIpv6() throws Exception {
    try (TwoStacks net = new TwoStacks();
        UdpSocket server = net.server.openUdp(5000);
        UdpSocket client = net.client.openUdp(6000)) {
      server.setSoTimeout(Duration.ofSeconds(5));
      client.setSoTimeout(Duration.ofSeconds(5));
      for (String address : new String[] {"198.18.0.2", "2001:2::2"}) {
        byte[] hello = ("hello " + address).getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(InetAddress.ofLiteral(address), 5000)));
        DatagramPacket in = new DatagramPacket(new byte[100], 100);
        server.receive(in);
        assertThat(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII)).isEqualTo("hello " + address);
        assertThat(((InetSocketAddress) in.getSocketAddress()).getPort()).isEqualTo(6000);
        byte[] back = "back".getBytes(StandardCharsets.US_ASCII);
        server.send(new DatagramPacket(back, back.length, in.getSocketAddress()));
        DatagramPacket reply = new DatagramPacket(new byte[10], 10);
        client.receive(reply);
        assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII)).isEqualTo("back");
      }
    }
  }

  @Test
  void udp_misuse_throwsTheUsualExceptions() throws Exception {
    try (TwoStacks net = new TwoStacks(); UdpSocket socket = net.client.openUdp(7000)) {
      assertThatThrownBy(() -> net.client.openUdp(7000)).isInstanceOf(BindException.class).hasMessageContaining("7000");
      socket.setSoTimeout(Duration.ofMillis(20));
      assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[1], 1)))
          .isInstanceOf(SocketTimeoutException.class);
      byte[] big = new byte[2000];
      assertThatThrownBy(() -> socket.send(new DatagramPacket(big, big.length,
          new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 9))))
          .isInstanceOf(SocketException.class).hasMessageContaining("Message too long");
      socket.close();
      assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[1], 1)))
          .isInstanceOf(SocketException.class).hasMessageContaining("closed");
    }
  }
}
