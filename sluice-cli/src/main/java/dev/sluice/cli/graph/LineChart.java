package dev.sluice.cli.graph;

import java.util.Locale;

/**
 * A step line of samples over time as a self-contained SVG, in the style of {@link
 * TimeSequenceGraph}: the congestion window of a connection in the demo report, for one.
 */
public final class LineChart {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 360;
  private static final int LEFT = 100;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;

  private LineChart() {}

  /**
   * @param yLabel the vertical axis's title, with its unit ("cwnd (KB)"); the horizontal axis is
   *     time in seconds
   * @param seconds sample times, ascending
   * @param values the sample at each time
   */
  public static String render(String title, String yLabel, double[] seconds, double[] values) {
    if (seconds.length != values.length) {
      throw new IllegalArgumentException("times and values differ in length: " + seconds.length + ", " + values.length);
    }
    double maxT = 0;
    double maxV = 0;
    for (int i = 0; i < seconds.length; i++) {
      maxT = Math.max(maxT, seconds[i]);
      maxV = Math.max(maxV, values[i]);
    }
    double tStep = TimeSequenceGraph.niceStep(maxT);
    double vStep = TimeSequenceGraph.niceStep(maxV);
    double tMax = Math.max(tStep, Math.ceil(maxT / tStep) * tStep);
    double vMax = Math.max(vStep, Math.ceil(maxV / vStep) * vStep);
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n",
        LEFT, TimeSequenceGraph.xml(title)));
    svg.append("<g class=\"axis\" stroke=\"#999\" stroke-width=\"0.5\">\n");
    for (double t = 0; t <= tMax + 1e-9; t += tStep) {
      double x = LEFT + t / tMax * plotW;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>%n", x, TOP, x, TOP + plotH));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" fill=\"#333\">%s</text>%n",
          x, TOP + plotH + 16, TimeSequenceGraph.tick(t)));
    }
    for (double v = 0; v <= vMax + 1e-9; v += vStep) {
      double y = TOP + plotH - v / vMax * plotH;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>%n", LEFT, y, LEFT + plotW, y));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" stroke=\"none\" fill=\"#333\">%s</text>%n",
          LEFT - 6, y + 4, TimeSequenceGraph.tick(v)));
    }
    svg.append("</g>\n");
    svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">time since the first sample (s)</text>%n",
        LEFT + plotW / 2, HEIGHT - 16));
    svg.append(String.format(Locale.ROOT,
        "<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">%s</text>%n",
        TOP + plotH / 2, TOP + plotH / 2, TimeSequenceGraph.xml(yLabel)));
    if (seconds.length > 0) {
      StringBuilder points = new StringBuilder();
      double previousY = Double.NaN;
      for (int i = 0; i < seconds.length; i++) {
        double x = LEFT + seconds[i] / tMax * plotW;
        double y = TOP + plotH - values[i] / vMax * plotH;
        if (!Double.isNaN(previousY)) {
          points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, previousY)); // a step: hold, then move
        }
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        previousY = y;
      }
      svg.append("<polyline class=\"series\" fill=\"none\" stroke=\"#1f4e9c\" stroke-width=\"1.5\" points=\"")
          .append(points.toString().strip()).append("\"/>\n");
    }
    svg.append("</svg>\n");
    return svg.toString();
  }
}
