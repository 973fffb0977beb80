package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.cli.json.CliJson;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DoctorAndGraphCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @TempDir Path temp;

  private int run(String... args) {
    return MainAccess.run(out, err, args);
  }

  private static Path fixture(String name) throws Exception {
    return MainAccess.capture(name);
  }

  private List<String> errLines() {
    return err.toString().lines().toList();
  }

  @Test
  void doctor_missingFile_saysSoInOneLine_andExits2() {
    Path missing = temp.resolve("nothing-here.pcap");

    assertThat(run("doctor", missing.toString())).isEqualTo(2);
    assertThat(errLines()).containsExactly("sluice doctor: " + missing + ": cannot read: no such file");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void doctor_fileThatIsNoCapture_saysSoInOneLine_andExits2() throws Exception {
    Path text = temp.resolve("readme.txt");
    Files.writeString(text, "just some text\n");

    assertThat(run("doctor", text.toString())).isEqualTo(2);
    assertThat(errLines()).containsExactly("sluice doctor: " + text
        + ": not a pcap or pcapng capture (it starts with 0x6a757374)");
  }

  @Test
  void doctor_directory_isAnErrorToo() {
    assertThat(run("doctor", temp.toString())).isEqualTo(2);
    assertThat(errLines()).containsExactly("sluice doctor: " + temp + ": cannot read: is a directory");
  }

  @Test
  void doctor_cleanCapture_printsATableAndExits0() throws Exception {
    assertThat(run("doctor", fixture("clean.pcap").toString())).isZero();
    assertThat(out.toString()).contains("Sluice doctor: clean.pcap (pcap, Ethernet)", "198.18.0.1:",
        "198.18.0.2:8101", "none", "SYN-SENT", "TIME-WAIT", "No problems found in 1 connection.");
  }

  @Test
  void doctor_json_lastLineIsOneObjectWithTheProblem_andExit1() throws Exception {
    assertThat(run("doctor", "--json", fixture("fin-not-returned.pcap").toString())).isEqualTo(1);

    JsonNode report = JsonOutputs.lastLine(out.toString());
    assertThat(JsonOutputs.names(report)).containsExactly("schema", "passed", "connections");
    assertThat(report.get("passed").booleanValue()).isFalse();
    JsonNode connections = report.get("connections");
    assertThat(connections.size()).isEqualTo(1);
    JsonNode connection = connections.get(0);
    assertThat(JsonOutputs.names(connection)).containsExactly("client", "server", "states", "problems");
    assertThat(connection.get("client").textValue()).matches("198\\.18\\.0\\.1:\\d+");
    assertThat(connection.get("server").textValue()).isEqualTo("198.18.0.2:8102");
    JsonNode firstState = connection.get("states").get(0);
    assertThat(firstState.get("side").textValue()).isEqualTo("client");
    assertThat(firstState.get("state").textValue()).isEqualTo("SYN-SENT");
    assertThat(firstState.has("atSeconds")).isTrue();
    JsonNode problems = connection.get("problems");
    assertThat(problems.size()).isEqualTo(1);
    JsonNode p = problems.get(0);
    assertThat(JsonOutputs.names(p)).containsExactlyInAnyOrder("kind", "side", "atSeconds", "detail");
    assertThat(p.get("kind").textValue()).isEqualTo("fin-not-returned");
    assertThat(p.get("side").textValue()).isEqualTo("server");
    assertThat(p.get("atSeconds").doubleValue()).isBetween(0.0, 1.0);
    assertThat(p.get("detail").textValue()).contains("sent no FIN for");
  }

  @Test
  void doctor_finTimeout_isHonoured() throws Exception {
    assertThat(run("doctor", "--fin-timeout", "30", fixture("fin-not-returned.pcap").toString())).isZero();
    assertThat(run("doctor", "--fin-timeout", "-1", fixture("fin-not-returned.pcap").toString()))
        .isEqualTo(CommandLine.ExitCode.USAGE);
  }

  @Test
  void json_escapesEverythingRfc8259Requires() {
    String nasty = "a\"b\\c\nd\te\u0001f\u2028";
    assertThat(CliJson.write(nasty)).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001f\\u2028\"");
    assertThat(JsonOutputs.parse(CliJson.write(nasty)).textValue()).isEqualTo(nasty);
  }

  @Test
  void graph_unknownConnection_saysHowManyThereAre_andExits2() throws Exception {
    Path capture = fixture("clean.pcap");

    assertThat(run("graph", capture.toString(), "--conn", "5", "-o", temp.resolve("x.svg").toString())).isEqualTo(2);
    assertThat(errLines()).containsExactly("sluice graph: " + capture
        + " has no connection 5 (it has 1; 'sluice doctor " + capture + "' lists them)");
    assertThat(temp.resolve("x.svg")).doesNotExist();
  }

  @Test
  void graph_missingFile_exits2() {
    assertThat(run("graph", temp.resolve("none.pcap").toString(), "--conn", "1")).isEqualTo(2);
    assertThat(errLines()).singleElement().asString().endsWith("none.pcap: cannot read: no such file");
  }

  @Test
  void graph_writesTheSvg_andPrintsItsPath() throws Exception {
    Path svg = temp.resolve("vanish.svg");

    assertThat(run("graph", fixture("peer-vanishes.pcap").toString(), "--conn", "1", "-o", svg.toString())).isZero();

    assertThat(out.toString().strip()).isEqualTo(svg.toString());
    assertThat(Files.readString(svg)).startsWith("<svg").contains("class=\"retransmission\"").endsWith("</svg>\n");
  }

  @Test
  void graph_defaultOutputName_dropsTheExtension() {
    assertThat(GraphCommand.defaultName(Path.of("dir", "trace.pcapng"), 3)).isEqualTo("trace-conn3.svg");
    assertThat(GraphCommand.defaultName(Path.of("capture"), 1)).isEqualTo("capture-conn1.svg");
  }
}
