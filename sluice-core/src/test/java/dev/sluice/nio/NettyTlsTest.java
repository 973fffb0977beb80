package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Commands;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Netty's {@link SslHandler} (the JDK's TLS engine) on Sluice over a link that loses, duplicates
 * and reorders packets: a certificate made for the test by the JDK's {@code keytool}, a handshake
 * in which the client checks the server's name against it, then an echo through TLS on several
 * connections, every byte verified by hash.
 */
@Timeout(60)
class NettyTlsTest {
  private static final String HOST = "server.sluice.test";
  private static final char[] PASSWORD = "sluice-test".toCharArray();
  private static final int CONNECTIONS = 16;
  private static final int PAYLOAD = 64 * 1024;

  private static KeyStore keyStore;
  private static X509Certificate certificate;

  @BeforeAll
  static void makeSelfSignedCertificate(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Commands.run(Duration.ofSeconds(60), keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=" + HOST, "-ext", "SAN=dns:" + HOST,
        "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
    keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD);
    }
    certificate = (X509Certificate) keyStore.getCertificate("server");
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void tlsHandshake_withTheTestsCertificate_thenEchoEveryByte(boolean spray) throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(keyStore, PASSWORD);
    SslContext serverTls = SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK).build();
    // Netty 4.2's client contexts check the server's name (endpoint identification HTTPS) by default.
    SslContext clientTls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(certificate)
        .endpointIdentificationAlgorithm("HTTPS").build();

    try (NioStacks net = new NioStacks(spray, NettyGroups.HOSTILE);
        NettyGroups netty = new NettyGroups(net)) {
      NettyEchoHandlers.Server echo = new NettyEchoHandlers.Server();
      Channel server = netty.server().childHandler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline().addLast(serverTls.newHandler(ch.alloc()), echo);
        }
      }).bind(443).sync().channel();

      List<NettyEchoHandlers.Client> clients = new ArrayList<>();
      List<SslHandler> handshakes = new ArrayList<>();
      List<ChannelFuture> connects = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        NettyEchoHandlers.Client client = new NettyEchoHandlers.Client(2_000 + i, PAYLOAD, 8);
        clients.add(client);
        connects.add(netty.client().handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            SslHandler tls = clientTls.newHandler(ch.alloc(), HOST, 443);
            synchronized (handshakes) {
              handshakes.add(tls);
            }
            ch.pipeline().addLast(tls, client);
          }
        }).connect(NioStacks.server(443)));
      }
      for (ChannelFuture f : connects) {
        assertThat(f.await(30, TimeUnit.SECONDS)).as("connected in time").isTrue();
        assertThat(f.isSuccess()).as("connect: %s", f.cause()).isTrue();
      }
      for (SslHandler tls : handshakes) {
        assertThat(tls.handshakeFuture().await(30, TimeUnit.SECONDS)).as("handshake in time").isTrue();
        assertThat(tls.handshakeFuture().isSuccess()).as("handshake: %s", tls.handshakeFuture().cause()).isTrue();
        assertThat(tls.engine().getSession().getPeerCertificates()[0]).isEqualTo(certificate);
      }

      clients.forEach(NettyEchoHandlers.Client::send);
      CompletableFuture.allOf(clients.stream().map(NettyEchoHandlers.Client::result)
          .toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);
      for (NettyEchoHandlers.Client client : clients) {
        assertThat(client.result().join()).as("SHA-256 of the echo through TLS").isEqualTo(client.expected());
      }
      server.close().sync();
    }
  }
}
