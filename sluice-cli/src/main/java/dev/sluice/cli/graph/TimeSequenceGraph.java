package dev.sluice.cli.graph;

import dev.sluice.cli.doctor.Side;
import dev.sluice.cli.doctor.TrackedConnection;
import dev.sluice.cli.doctor.TrackedConnection.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A time-sequence graph of one direction of a TCP connection, drawn as SVG the way tcptrace and
 * Wireshark's "Stevens" graph draw it (W. R. Stevens, TCP/IP Illustrated, Vol. 1):
 *
 * <ul>
 *   <li>each data segment is a vertical I-bar from its first to its last sequence number, at the
 *       time it was captured; one that resends sequence space already sent is a retransmission and
 *       is drawn in red;
 *   <li>the receiver's cumulative ACK is a step line, and the right edge of its window (ACK plus
 *       window, scaled as negotiated, RFC 7323 §2) another one above it: where the bars meet the
 *       window line, the sender is window-limited;
 *   <li>SACK blocks (RFC 2018) are thick vertical spans at the time of the ACK that carried them,
 *       just right of it, covering the sequence range the receiver holds beyond its ACK;
 *   <li>SYN, FIN and RST are labelled where they were sent.
 * </ul>
 * Sequence numbers are relative (the SYN is 0) and times are seconds since the connection's first
 * packet. Every element carries a class ({@code segment}, {@code retransmission}, {@code ack},
 * {@code window}, {@code sack}, {@code flag}, {@code axis}, {@code legend}, {@code title}) so that
 * a page embedding the graph can style it, and tests can find them.
 */
public final class TimeSequenceGraph {
  static final int WIDTH = 1000;
  static final int HEIGHT = 640;
  private static final int LEFT = 100;
  private static final int RIGHT = 30;
  private static final int TOP = 60;
  private static final int BOTTOM = 110;
  private static final String DATA_COLOUR = "#1f4e9c";
  private static final String RETRANSMISSION_COLOUR = "#d62728";
  private static final String ACK_COLOUR = "#2ca02c";
  private static final String WINDOW_COLOUR = "#b8860b";
  private static final String SACK_COLOUR = "#9467bd";

  private TimeSequenceGraph() {}

  /** The side that sent more data: the direction worth drawing when none is asked for. */
  public static Side busierSide(TrackedConnection connection) {
    long client = 0;
    long server = 0;
    for (Segment s : connection.segments()) {
      if (s.from() == Side.CLIENT) {
        client += s.packet().payloadLength();
      } else {
        server += s.packet().payloadLength();
      }
    }
    return server > client ? Side.SERVER : Side.CLIENT;
  }

  /** The graph of the data {@code sender} sent, and of what the other side acknowledged, as SVG. */
  public static String render(TrackedConnection connection, Side sender) {
    return new Drawing(connection, sender).draw();
  }

  private record Bar(double t, long from, long to, boolean retransmission) {}

  private record Flag(double t, long seq, String label) {}

  private record Sack(double t, long left, long right) {}

  private static final class Drawing {
    private final TrackedConnection connection;
    private final Side sender;
    private final List<Bar> bars = new ArrayList<>();
    private final List<Flag> flags = new ArrayList<>();
    private final List<Sack> sacks = new ArrayList<>();
    private final List<double[]> acks = new ArrayList<>(); // {t, ack, ack + window}
    private double maxTime;
    private long minSeq = Long.MAX_VALUE;
    private long maxSeq = Long.MIN_VALUE;
    private int retransmissions;

    Drawing(TrackedConnection connection, Side sender) {
      this.connection = connection;
      this.sender = sender;
      collect();
    }

    private void collect() {
      long origin = connection.firstTimeNanos();
      long highest = Long.MIN_VALUE;
      for (Segment s : connection.segments()) {
        double t = (s.packet().timeNanos() - origin) / 1e9;
        maxTime = Math.max(maxTime, t);
        if (s.from() == sender) {
          long start = s.seq() + (s.packet().syn() ? 1 : 0);
          long end = start + s.packet().payloadLength();
          if (s.packet().payloadLength() > 0) {
            boolean resent = highest != Long.MIN_VALUE && start < highest;
            retransmissions += resent ? 1 : 0;
            bars.add(new Bar(t, start, end, resent));
            extend(start, end);
          }
          if (s.packet().syn()) {
            flags.add(new Flag(t, s.seq(), "SYN"));
            extend(s.seq(), s.seq());
          }
          if (s.packet().fin()) {
            flags.add(new Flag(t, end, "FIN"));
            extend(end, end + 1);
          }
          if (s.packet().rst()) {
            flags.add(new Flag(t, s.seq(), "RST"));
          }
          if (!s.packet().rst()) {
            highest = Math.max(highest, s.end());
          }
        } else if (s.packet().ack() && !s.packet().rst()) {
          long ack = s.ack();
          long edge = ack + connection.windowBytes(s);
          acks.add(new double[] {t, ack, edge});
          extend(ack, edge);
          long[] blocks = connection.sackBlocks(s);
          for (int i = 0; i + 1 < blocks.length; i += 2) {
            sacks.add(new Sack(t, blocks[i], blocks[i + 1]));
            extend(blocks[i], blocks[i + 1]);
          }
        }
      }
      if (minSeq == Long.MAX_VALUE) {
        minSeq = 0;
        maxSeq = 1;
      }
      if (maxSeq <= minSeq) {
        maxSeq = minSeq + 1;
      }
      if (maxTime <= 0) {
        maxTime = 1e-3;
      }
    }

    private void extend(long from, long to) {
      minSeq = Math.min(minSeq, Math.min(from, to));
      maxSeq = Math.max(maxSeq, Math.max(from, to));
    }

    private double x(double t) {
      return LEFT + t / maxTime * (WIDTH - LEFT - RIGHT);
    }

    private double y(double seq) {
      return TOP + (maxSeq - seq) / (double) (maxSeq - minSeq) * (HEIGHT - TOP - BOTTOM);
    }

    String draw() {
      StringBuilder svg = new StringBuilder();
      String title = "Time-sequence graph: " + connection.endpoint(sender) + " \u2192 "
          + connection.endpoint(sender.other()) + " (" + sender.label() + "'s data, connection "
          + connection.number() + ")";
      svg.append(String.format(Locale.ROOT,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
      svg.append("<title>").append(xml(title)).append("</title>\n");
      svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
      svg.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"%d\" y=\"28\" font-size=\"15\" "
          + "font-weight=\"bold\">%s</text>%n", LEFT, xml(title)));
      svg.append(String.format(Locale.ROOT, "<text class=\"subtitle\" x=\"%d\" y=\"46\" fill=\"#555\">%,d data "
          + "segments, %,d retransmitted; window scale %s</text>%n", LEFT, bars.size() - retransmissions, retransmissions,
          connection.windowScaleKnown() ? "shift " + connection.windowShift(sender.other()) + " for the receiver (its "
              + "window field is multiplied by " + (1L << connection.windowShift(sender.other())) + ")"
              : "unknown (handshake not captured; windows read unscaled)"));
      axes(svg);
      steps(svg, 2, "window", WINDOW_COLOUR, "4 3");
      steps(svg, 1, "ack", ACK_COLOUR, null);
      for (Sack s : sacks) {
        svg.append(String.format(Locale.ROOT, "<line class=\"sack\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
            + "stroke=\"%s\" stroke-width=\"3\"/>%n", x(s.t()) + 3, y(s.left()), x(s.t()) + 3, y(s.right()), SACK_COLOUR));
      }
      for (Bar b : bars) {
        double bx = x(b.t());
        double top = y(b.to());
        double bottom = y(b.from());
        svg.append(String.format(Locale.ROOT, "<path class=\"%s\" d=\"M%.2f %.2fV%.2fM%.2f %.2fh4M%.2f %.2fh4\" "
                + "stroke=\"%s\" fill=\"none\"/>%n", b.retransmission() ? "retransmission" : "segment", bx, bottom, top,
            bx - 2, top, bx - 2, bottom, b.retransmission() ? RETRANSMISSION_COLOUR : DATA_COLOUR));
      }
      for (Flag f : flags) {
        svg.append(String.format(Locale.ROOT, "<text class=\"flag\" x=\"%.2f\" y=\"%.2f\" fill=\"%s\" "
            + "font-size=\"10\">%s</text>%n", x(f.t()) + 4, y(f.seq()) - 4,
            f.label().equals("RST") ? RETRANSMISSION_COLOUR : "#000", f.label()));
      }
      legend(svg);
      svg.append("</svg>\n");
      return svg.toString();
    }

    /** A step line through the ACKs: flat until the next ACK, then up (or down) to it. */
    private void steps(StringBuilder svg, int column, String cssClass, String colour, String dash) {
      if (acks.isEmpty()) {
        return;
      }
      StringBuilder d = new StringBuilder();
      for (int i = 0; i < acks.size(); i++) {
        double[] a = acks.get(i);
        double px = x(a[0]);
        double py = y(a[column]);
        if (i == 0) {
          d.append(String.format(Locale.ROOT, "M%.2f %.2f", px, py));
        } else {
          d.append(String.format(Locale.ROOT, "H%.2fV%.2f", px, py));
        }
      }
      d.append(String.format(Locale.ROOT, "H%.2f", x(maxTime)));
      svg.append(String.format(Locale.ROOT, "<path class=\"%s\" d=\"%s\" stroke=\"%s\" fill=\"none\"%s/>%n", cssClass,
          d, colour, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
    }

    private void axes(StringBuilder svg) {
      double x0 = LEFT;
      double y0 = HEIGHT - BOTTOM;
      svg.append("<g class=\"axis\" stroke=\"#333\" fill=\"#333\">\n");
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\"/>%n", x0, y0,
          WIDTH - RIGHT, y0));
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.0f\" y1=\"%d\" x2=\"%.0f\" y2=\"%.0f\"/>%n", x0, TOP, x0, y0));
      double timeStep = niceStep(maxTime);
      for (double t = 0; t <= maxTime * 1.0001; t += timeStep) {
        double px = x(t);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%.0f\" x2=\"%.2f\" y2=\"%.0f\"/>"
            + "<text x=\"%.2f\" y=\"%.0f\" text-anchor=\"middle\" stroke=\"none\">%s</text>%n", px, y0, px, y0 + 5, px,
            y0 + 18, tick(t)));
      }
      double seqStep = niceStep(maxSeq - minSeq);
      for (double s = Math.ceil(minSeq / seqStep) * seqStep; s <= maxSeq; s += seqStep) {
        double py = y(s);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" y2=\"%.2f\"/>"
            + "<text x=\"%.0f\" y=\"%.2f\" text-anchor=\"end\" stroke=\"none\">%s</text>%n", x0 - 5, py, x0, py, x0 - 8,
            py + 4, tick(s)));
      }
      svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" stroke=\"none\">"
          + "time since the connection's first packet (s)</text>%n", (LEFT + WIDTH - RIGHT) / 2.0, y0 + 38));
      svg.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.0f\" text-anchor=\"middle\" stroke=\"none\" "
          + "transform=\"rotate(-90 18 %.0f)\">relative sequence number (bytes)</text>%n", (TOP + y0) / 2, (TOP + y0) / 2));
      svg.append("</g>\n");
    }

    private void legend(StringBuilder svg) {
      String[][] entries = {
        {"segment", DATA_COLOUR, "data segment"},
        {"retransmission", RETRANSMISSION_COLOUR, "retransmission"},
        {"ack", ACK_COLOUR, "cumulative ACK"},
        {"window", WINDOW_COLOUR, "ACK + window"},
        {"sack", SACK_COLOUR, "SACK block"},
      };
      double y = HEIGHT - 30;
      svg.append("<g class=\"legend\">\n");
      double x = LEFT;
      for (String[] e : entries) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                + "stroke-width=\"3\"%s/><text x=\"%.0f\" y=\"%.0f\">%s</text>%n", x, y, x + 24, y, e[1],
            e[0].equals("window") ? " stroke-dasharray=\"4 3\"" : "", x + 30, y + 4, e[2]));
        x += 170;
      }
      svg.append("</g>\n");
    }
  }

  /** 1, 2 or 5 times a power of ten, giving five to ten ticks over {@code range}. */
  static double niceStep(double range) {
    if (range <= 0) {
      return 1;
    }
    double raw = range / 8;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double normalized = raw / magnitude;
    double nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  /**
   * An axis tick's label: thousands separated ({@code 2,000,000}, which a reader takes in at a
   * glance and {@code 2000000} is not) and without trailing zeros ({@code 0.25}, not {@code
   * 0.250000}). The unit is in the axis title.
   */
  static String tick(double value) {
    if (Math.abs(value - Math.rint(value)) < 1e-9 && Math.abs(value) < 1e15) {
      return String.format(Locale.ROOT, "%,d", Math.round(value));
    }
    String text = String.format(Locale.ROOT, "%,.6f", value);
    return text.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  /** {@code text} escaped for XML and HTML text and attribute values. */
  public static String xml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
