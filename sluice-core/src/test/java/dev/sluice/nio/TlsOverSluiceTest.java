package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.Commands;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS over Sluice with the JDK's own TLS: a Sluice socket on each side is wrapped by {@link
 * javax.net.ssl.SSLSocketFactory#createSocket} (the client's with the server's name, the accepted
 * one in server mode, with no {@code SSLServerSocket} at all), then the two handshake, exchange
 * bytes both ways and close. The server's certificate is self-signed, made for this run by the
 * JDK's {@code keytool} into a temporary PKCS12 keystore; the client trusts only it and checks the
 * host name, so a wrong name fails the handshake. Runs with receive spraying off and on.
 */
@Timeout(60)
class TlsOverSluiceTest {
  private static final int WAIT_MS = 20_000;
  private static final String SERVER_NAME = "sluice.test";

  @TempDir
  static Path directory;

  private static SSLContext serverTls;
  private static SSLContext clientTls;
  private static X509Certificate certificate;
  private static ExecutorService background;

  @BeforeAll
  static void makeCertificateAndContexts() throws Exception {
    // A password for a keystore that lives only for this run; no key material is kept anywhere.
    char[] password = Long.toHexString(new SplittableRandom().nextLong()).toCharArray();
    Path keystore = directory.resolve("server.p12");
    Commands.run(Duration.ofSeconds(30), Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=" + SERVER_NAME, "-ext", "SAN=dns:" + SERVER_NAME, "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", new String(password), "-keypass", new String(password));

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, password);
    }
    certificate = (X509Certificate) keys.getCertificate("server");
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keyManagers.getKeyManagers(), null, null);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", certificate);
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, trustManagers.getTrustManagers(), null);

    background = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stopBackground() throws InterruptedException {
    background.shutdownNow();
    assertThat(background.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }

  /** The client's Sluice socket wrapped in TLS for {@code hostName}, which it verifies. */
  private static SSLSocket tlsClient(NioStacks net, int port, String hostName) throws Exception {
    Socket plain = net.client.socketFactory().createSocket(NioStacks.server(port).getAddress(), port);
    plain.setSoTimeout(WAIT_MS);
    SSLSocket tls = (SSLSocket) clientTls.getSocketFactory().createSocket(plain, hostName, port, true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS"); // check the certificate names hostName
    tls.setSSLParameters(parameters);
    return tls;
  }

  /** An accepted Sluice socket wrapped in TLS in server mode. */
  private static SSLSocket tlsServer(ServerSocket listener) throws Exception {
    Socket accepted = listener.accept();
    accepted.setSoTimeout(WAIT_MS);
    SSLSocket tls = (SSLSocket) serverTls.getSocketFactory().createSocket(accepted, null, true);
    assertThat(tls.getUseClientMode()).as("a socket wrapped with no host is the server").isFalse();
    return tls;
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void tls_handshakes_exchangesBothWays_andCloses_overSluiceSockets(boolean spray) throws Exception {
    byte[] request = random(200_000, 11);
    byte[] response = random(300_000, 12);
    try (NioStacks net = new NioStacks(spray);
        ServerSocket listener = net.server.serverSocketFactory().createServerSocket(0)) {
      listener.setSoTimeout(WAIT_MS);
      Future<byte[]> server = background.submit(() -> {
        try (SSLSocket tls = tlsServer(listener)) {
          tls.startHandshake();
          byte[] received = new byte[request.length];
          new DataInputStream(tls.getInputStream()).readFully(received);
          tls.getOutputStream().write(response);
          tls.getOutputStream().flush();
          assertThat(tls.getInputStream().read()).as("the client's close_notify").isEqualTo(-1);
          return received;
        }
      });

      SSLSocket client = tlsClient(net, listener.getLocalPort(), SERVER_NAME);
      client.startHandshake();
      assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(certificate);
      client.getOutputStream().write(request);
      client.getOutputStream().flush();
      byte[] received = new byte[response.length];
      new DataInputStream(client.getInputStream()).readFully(received);
      client.close();

      assertThat(Arrays.equals(received, response)).as("server to client, decrypted").isTrue();
      assertThat(Arrays.equals(server.get(WAIT_MS, TimeUnit.MILLISECONDS), request)).as("client to server")
          .isTrue();
      assertThat(client.isClosed()).isTrue();
    }
  }

  @ParameterizedTest(name = "spray={0}")
  @ValueSource(booleans = {false, true})
  void tls_refusesTheHandshake_whenTheCertificateDoesNotNameTheHost(boolean spray) throws Exception {
    try (NioStacks net = new NioStacks(spray);
        ServerSocket listener = net.server.serverSocketFactory().createServerSocket(0)) {
      listener.setSoTimeout(WAIT_MS);
      Future<?> server = background.submit(() -> {
        try (SSLSocket tls = tlsServer(listener)) {
          tls.startHandshake();
          return tls.getInputStream().read(); // the client's alert fails this, if not the handshake
        }
      });
      try (SSLSocket client = tlsClient(net, listener.getLocalPort(), "not-" + SERVER_NAME)) {
        assertThatThrownBy(client::startHandshake).isInstanceOf(SSLHandshakeException.class)
            .hasMessageContaining("not-" + SERVER_NAME);
        assertThat(client.isClosed()).as("a failed handshake closes the socket beneath, too").isTrue();
      }
      // The server fails too: on the client's alert, or on its RST if that comes first (the client
      // closed with handshake records unread, so TCP resets, RFC 2525 §2.17, as Linux does).
      assertThatThrownBy(() -> server.get(WAIT_MS, TimeUnit.MILLISECONDS)).hasCauseInstanceOf(IOException.class);
    }
  }
}
