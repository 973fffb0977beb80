package dev.sluice.cli.doctor;

/**
 * The doctor's findings as one line of JSON:
 * {@code {"connections":[{"client":"ip:port","server":"ip:port","states":[{"side":...,"state":...,
 * "atSeconds":...,"detail":...}],"problems":[{"kind":...,"side":...,"atSeconds":...,"detail":...}]}]}}.
 */
public final class DiagnosisJson {
  private DiagnosisJson() {}

  public static String render(Diagnosis diagnosis) {
    StringBuilder out = new StringBuilder("{\"connections\":[");
    boolean firstConnection = true;
    for (ConnectionReport r : diagnosis.reports()) {
      out.append(firstConnection ? "" : ",");
      firstConnection = false;
      out.append("{\"client\":").append(Json.quote(r.client().toString()))
          .append(",\"server\":").append(Json.quote(r.server().toString()))
          .append(",\"states\":[");
      for (int i = 0; i < r.states().size(); i++) {
        StateChange s = r.states().get(i);
        out.append(i == 0 ? "" : ",")
            .append("{\"side\":").append(Json.quote(s.side().label()))
            .append(",\"state\":").append(Json.quote(s.state().name()))
            .append(",\"atSeconds\":").append(Json.seconds(s.atSeconds()));
        if (s.detail() != null) {
          out.append(",\"detail\":").append(Json.quote(s.detail()));
        }
        out.append('}');
      }
      out.append("],\"problems\":[");
      for (int i = 0; i < r.problems().size(); i++) {
        Problem p = r.problems().get(i);
        out.append(i == 0 ? "" : ",")
            .append("{\"kind\":").append(Json.quote(p.kind().label()))
            .append(",\"side\":").append(Json.quote(p.side().label()))
            .append(",\"atSeconds\":").append(Json.seconds(p.atSeconds()))
            .append(",\"detail\":").append(Json.quote(p.detail()))
            .append('}');
      }
      out.append("]}");
    }
    return out.append("]}").toString();
  }
}
