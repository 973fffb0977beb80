package dev.sluice.cli.doctor;

import java.util.Locale;

/** Just enough JSON writing (RFC 8259) for the reports; the CLI carries no JSON library. */
public final class Json {
  private Json() {}

  /** {@code text} as a JSON string, quotes included; {@code null} becomes {@code null}. */
  public static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          // RFC 8259 §7: control characters must be escaped. U+2028 and U+2029 are too, so that
          // the line stays one line for JavaScript readers as well.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** A number of seconds with microsecond precision; never NaN or infinite (JSON has neither). */
  public static String seconds(double value) {
    if (!Double.isFinite(value)) {
      return "0";
    }
    return String.format(Locale.ROOT, "%.6f", value);
  }
}
