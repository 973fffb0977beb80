package dev.sluice.cli.graph;

import static dev.sluice.wire.TcpFlags.ACK;
import static dev.sluice.wire.TcpFlags.FIN;
import static dev.sluice.wire.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.api.NetStack;
import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import dev.sluice.cli.capture.CaptureReader;
import dev.sluice.cli.capture.LinkLayer;
import dev.sluice.cli.capture.TestCaptures;
import dev.sluice.cli.capture.TestCaptures.Frame;
import dev.sluice.cli.doctor.Diagnosis;
import dev.sluice.cli.doctor.ProblemKind;
import dev.sluice.cli.doctor.Side;
import dev.sluice.cli.doctor.Thresholds;
import dev.sluice.link.Impairments;
import dev.sluice.link.PcapngWriter;
import dev.sluice.link.SimulatedLink;
import dev.sluice.link.SimulatedNetwork;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TimeSequenceGraphTest {
  private static final String C = "198.18.0.1";
  private static final String S = "198.18.0.2";
  private static final long T0 = 1_700_000_000_000_000_000L;

  @TempDir Path temp;

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static NodeList withClass(Document doc, String cssClass) throws Exception {
    return (NodeList) XPathFactory.newInstance().newXPath()
        .evaluate("//*[@class='" + cssClass + "']", doc, XPathConstants.NODESET);
  }

  /** A transfer of five 1000-byte segments; the second is lost, SACKed around and resent. */
  private static byte[] lossyTransfer() {
    List<Frame> frames = new ArrayList<>();
    int cIsn = 100;
    int sIsn = 7000;
    frames.add(new Frame(T0, TestCaptures.tcp4(C, 40000, S, 80, cIsn, 0, SYN, 65535, 0, t -> t.windowScale(2).sackPermitted())));
    frames.add(new Frame(T0 + 1_000_000, TestCaptures.tcp4(S, 80, C, 40000, sIsn, cIsn + 1, SYN | ACK, 65535, 0,
        t -> t.windowScale(3).sackPermitted())));
    frames.add(new Frame(T0 + 2_000_000, TestCaptures.tcp4(C, 40000, S, 80, cIsn + 1, sIsn + 1, ACK, 1000, 0, null)));
    for (int i = 0; i < 5; i++) {
      frames.add(new Frame(T0 + 10_000_000 + i * 1_000_000L,
          TestCaptures.tcp4(C, 40000, S, 80, cIsn + 1 + 1000 * i, sIsn + 1, ACK, 1000, 1000, null)));
    }
    int sackLeft = cIsn + 2001;
    int sackRight = cIsn + 5001;
    for (int i = 0; i < 3; i++) { // duplicate ACKs with a growing SACK block
      int right = sackLeft + 1000 * (i + 1);
      frames.add(new Frame(T0 + 20_000_000 + i * 1_000_000L, TestCaptures.tcp4(S, 80, C, 40000, sIsn + 1, cIsn + 1001,
          ACK, 2000, 0, t -> t.sack(1, new int[] {sackLeft, right}))));
    }
    frames.add(new Frame(T0 + 30_000_000, TestCaptures.tcp4(C, 40000, S, 80, cIsn + 1001, sIsn + 1, ACK, 1000, 1000, null)));
    frames.add(new Frame(T0 + 40_000_000, TestCaptures.tcp4(S, 80, C, 40000, sIsn + 1, sackRight, ACK, 2000, 0, null)));
    frames.add(new Frame(T0 + 41_000_000, TestCaptures.tcp4(C, 40000, S, 80, sackRight, sIsn + 1, ACK | FIN, 1000, 0, null)));
    frames.add(new Frame(T0 + 42_000_000, TestCaptures.tcp4(S, 80, C, 40000, sIsn + 1, sackRight + 1, ACK | FIN, 2000, 0, null)));
    frames.add(new Frame(T0 + 43_000_000, TestCaptures.tcp4(C, 40000, S, 80, sackRight + 1, sIsn + 2, ACK, 1000, 0, null)));
    return TestCaptures.pcap(ByteOrder.LITTLE_ENDIAN, true, LinkLayer.ETHERNET, 96,
        frames.stream().map(f -> new Frame(f.timeNanos(), TestCaptures.ethernet(f.bytes(), false))).toList());
  }

  @Test
  void handBuiltTransfer_drawsEverySegment_theRetransmission_sacks_ackAndWindowLines() throws Exception {
    Diagnosis d = Diagnosis.of(CaptureReader.read(lossyTransfer()), Thresholds.defaults());
    assertThat(d.connections()).hasSize(1);
    assertThat(TimeSequenceGraph.busierSide(d.connection(1))).isEqualTo(Side.CLIENT);

    String svg = TimeSequenceGraph.render(d.connection(1), Side.CLIENT);
    Document doc = parse(svg);

    assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    assertThat(withClass(doc, "segment").getLength()).isEqualTo(5);
    assertThat(withClass(doc, "retransmission").getLength()).isEqualTo(1);
    assertThat(withClass(doc, "sack").getLength()).isEqualTo(3);
    assertThat(withClass(doc, "ack").getLength()).isEqualTo(1);
    assertThat(withClass(doc, "window").getLength()).isEqualTo(1);
    assertThat(withClass(doc, "axis").getLength()).isEqualTo(1);
    assertThat(withClass(doc, "legend").item(0).getTextContent()).contains("data segment", "retransmission",
        "cumulative ACK", "ACK + window", "SACK block");
    assertThat(withClass(doc, "title").item(0).getTextContent())
        .isEqualTo("Time-sequence graph: 198.18.0.1:40000 \u2192 198.18.0.2:80 (client's data, connection 1)");
    assertThat(withClass(doc, "subtitle").item(0).getTextContent()).contains("5 data segments, 1 retransmitted",
        "shift 3 for the receiver");
    List<String> flags = new ArrayList<>();
    NodeList flagNodes = withClass(doc, "flag");
    for (int i = 0; i < flagNodes.getLength(); i++) {
      flags.add(flagNodes.item(i).getTextContent());
    }
    assertThat(flags).containsExactly("SYN", "FIN");
    assertThat(doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title").item(0).getTextContent())
        .startsWith("Time-sequence graph");

    // The retransmission is drawn at the same height as the lost segment, and later.
    Element lost = (Element) withClass(doc, "segment").item(1);
    Element resent = (Element) withClass(doc, "retransmission").item(0);
    double[] lostPath = numbers(lost.getAttribute("d"));
    double[] resentPath = numbers(resent.getAttribute("d"));
    assertThat(resentPath[0]).isGreaterThan(lostPath[0]);
    assertThat(Arrays.copyOfRange(resentPath, 1, 3)).containsExactly(Arrays.copyOfRange(lostPath, 1, 3));
    // The window line sits above the ACK line: ACK + 2000 << 3.
    assertThat(svg).contains("class=\"window\"");
  }

  private static double[] numbers(String path) {
    return Arrays.stream(path.split("[^0-9.]+")).filter(s -> !s.isEmpty()).mapToDouble(Double::parseDouble).toArray();
  }

  @Test
  void niceSteps_areOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(TimeSequenceGraph.niceStep(10)).isEqualTo(2);
    assertThat(TimeSequenceGraph.niceStep(0.35)).isEqualTo(0.05);
    assertThat(TimeSequenceGraph.niceStep(1_000_000)).isEqualTo(200_000);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void sluiceMadeCapture_overALossyLink_graphsDataAndRetransmissions_andTheDoctorSeesACleanClose() throws Exception {
    Path file = temp.resolve("sluice.pcapng");
    SimulatedNetwork network = new SimulatedNetwork(7);
    SimulatedLink link = network.connect("a", "b", SimulatedLink.Config.defaults()
        .withImpairments(Impairments.NONE.withLoss(0.05).withDelay(200_000)));
    byte[] data = new byte[200_000];
    Arrays.fill(data, (byte) 'x');
    try (PcapngWriter writer = PcapngWriter.create(file, T0)) {
      writer.attach(link.a());
      try (AutoCloseable clock = network.runInRealTime();
           NetStack a = NetStack.builder().addInterface(link.a(), "198.18.0.1/24").build();
           NetStack b = NetStack.builder().addInterface(link.b(), "198.18.0.2/24").build()) {
        TcpServer server = b.listen(9);
        CompletableFuture<TcpConnection> accepted = server.acceptAsync();
        TcpConnection c = a.connect(new InetSocketAddress(InetAddress.ofLiteral("198.18.0.2"), 9));
        c.getOutputStream().write(data);
        c.shutdownOutput();
        TcpConnection s = accepted.get(30, TimeUnit.SECONDS);
        assertThat(s.getInputStream().readAllBytes()).hasSize(data.length);
        s.close();
        assertThat(c.getInputStream().read()).isEqualTo(-1);
        c.close();
        Thread.sleep(300); // the last ACK reaches the capture
      }
    }

    Diagnosis d = Diagnosis.of(file, Thresholds.defaults());
    assertThat(d.connections()).hasSize(1);
    assertThat(d.reports().getFirst().problems()).extracting(p -> p.kind())
        .doesNotContain(ProblemKind.FIN_NOT_RETURNED, ProblemKind.HANDSHAKE_INCOMPLETE, ProblemKind.DATA_AFTER_FIN);
    assertThat(d.reports().getFirst().states()).extracting(s -> s.side().label() + " " + s.state())
        .startsWith("client SYN_SENT").contains("server CLOSE_WAIT", "server LAST_ACK");

    Document doc = parse(TimeSequenceGraph.render(d.connection(1), TimeSequenceGraph.busierSide(d.connection(1))));
    assertThat(withClass(doc, "segment").getLength()).isGreaterThan(100);
    assertThat(withClass(doc, "retransmission").getLength()).as("5% loss on ~140 segments").isPositive();
    assertThat(withClass(doc, "ack").getLength()).isEqualTo(1);
  }
}
