package dev.sluice.cli.doctor;

import dev.sluice.cli.json.CliJson;
import dev.sluice.wire.TcpStateNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The doctor's findings as one line of JSON:
 * {@code {"schema":1,"passed":true|false,"connections":[{"client":"ip:port","server":"ip:port",
 * "states":[{"side":...,"state":...,"atSeconds":...,"detail":...}],"problems":[{"kind":...,"side":...,
 * "atSeconds":...,"detail":...}]}]}}. {@code passed} is true exactly when no problem was found (exit
 * status 0). A state's {@code detail} is left out when it has none; {@code atSeconds} has six
 * decimals, and is {@code null} if a time was not a finite number. Written by {@link CliJson}.
 *
 * <p><b>Threads.</b> Stateless; call from any thread.
 */
public final class DiagnosisJson {
  private DiagnosisJson() {}

  public static String render(Diagnosis diagnosis) {
    Map<String, Object> json = CliJson.start(diagnosis.healthy());
    json.put("connections", diagnosis.reports().stream().map(DiagnosisJson::connection).toList());
    return CliJson.write(json);
  }

  private static Map<String, Object> connection(ConnectionReport r) {
    List<Object> states = new ArrayList<>();
    for (StateChange s : r.states()) {
      Map<String, Object> state = new LinkedHashMap<>();
      state.put("side", s.side().label());
      state.put("state", TcpStateNames.of(s.state().name())); // ss's spelling, as every tool prints it
      state.put("atSeconds", CliJson.seconds(s.atSeconds()));
      if (s.detail() != null) {
        state.put("detail", s.detail());
      }
      states.add(state);
    }
    List<Object> problems = new ArrayList<>();
    for (Problem p : r.problems()) {
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("kind", p.kind().label());
      problem.put("side", p.side().label());
      problem.put("atSeconds", CliJson.seconds(p.atSeconds()));
      problem.put("detail", p.detail());
      problems.add(problem);
    }
    Map<String, Object> connection = new LinkedHashMap<>();
    connection.put("client", r.client().toString());
    connection.put("server", r.server().toString());
    connection.put("states", states);
    connection.put("problems", problems);
    return connection;
  }
}
