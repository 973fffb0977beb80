package dev.sluice.cli.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI's one JSON writer (RFC 8259), on Jackson's streaming API ({@code jackson-core}). Every
 * {@code --json} output and every JSON report goes through {@link #write(Object)}; nothing in the
 * CLI builds JSON text by hand, and nothing in {@code sluice-core} writes JSON at all.
 *
 * <p>What {@link #write(Object)} accepts, recursively: {@code null}; {@link String}; {@link Boolean};
 * integral numbers; {@link BigDecimal} (written plain, never in exponent form); {@link Double} and
 * {@link Float} (an integral value below 10<sup>15</sup> is written without a fraction, {@code 200}
 * rather than {@code 200.0}; NaN and the infinities, which JSON cannot spell, become {@code null});
 * enums (their {@code name()}); {@link Map} (keys by {@link String#valueOf}, in the map's
 * iteration order, so use a {@link LinkedHashMap} for a stable order); {@link Iterable} and object
 * arrays; and records (their components in declaration order). Anything else is a programming error
 * and throws {@link IllegalArgumentException}.
 *
 * <p>Output is one line: no spaces, no newline. Control characters are escaped as RFC 8259 §7
 * requires, and so are U+2028 and U+2029, so that a line stays one line for JavaScript readers too.
 *
 * <p>Every command's JSON object begins with {@link #start}: {@code "schema"} ({@link #SCHEMA}) and,
 * for a command that checks something, {@code "passed"}, true exactly when it exits with 0. Keys
 * are lowerCamelCase; the shapes are listed in docs/json.md.
 *
 * <p><b>Threads.</b> Stateless; call from any thread.
 */
public final class CliJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final CharacterEscapes ESCAPES = new LineSeparatorEscapes();

  /**
   * The version of every command's JSON shape (docs/json.md): raised when a member is renamed,
   * removed or changes its meaning, not when one is added.
   */
  public static final int SCHEMA = 1;

  private CliJson() {}

  /**
   * The first members of a command's JSON object, in order: {@code "schema"}, then {@code
   * "passed"} unless {@code passed} is null (a command that checks nothing). Put the command's own
   * members after them.
   */
  public static Map<String, Object> start(Boolean passed) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("schema", SCHEMA);
    if (passed != null) {
      object.put("passed", passed);
    }
    return object;
  }

  /** {@code value} as one line of JSON. */
  public static String write(Object value) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(text)) {
      g.setCharacterEscapes(ESCAPES);
      value(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }

  /**
   * A number of seconds with microsecond precision (six decimals, as {@code %.6f} prints them), or
   * {@code null} when {@code seconds} is NaN or infinite, so that it is written as JSON's {@code null}.
   */
  public static BigDecimal seconds(double seconds) {
    return Double.isFinite(seconds) ? BigDecimal.valueOf(seconds).setScale(6, RoundingMode.HALF_UP) : null;
  }

  /**
   * A record's components by name, in declaration order, as {@link #write} would write them: for a
   * record that gains members before it is written (a run's report and its doctor's verdict).
   */
  public static Map<String, Object> fields(Record record) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (RecordComponent c : record.getClass().getRecordComponents()) {
      fields.put(c.getName(), component(record, c));
    }
    return fields;
  }

  private static void value(JsonGenerator g, Object value) throws IOException {
    switch (value) {
      case null -> g.writeNull();
      case String s -> g.writeString(s);
      case Boolean b -> g.writeBoolean(b);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Short s -> g.writeNumber(s);
      case Byte b -> g.writeNumber(b);
      case BigInteger i -> g.writeNumber(i);
      case BigDecimal d -> g.writeNumber(d);
      case Double d -> number(g, d);
      case Float f -> number(g, f);
      case Number n -> number(g, n.doubleValue()); // AtomicLong, LongAdder, ...
      case Enum<?> e -> g.writeString(e.name());
      case Map<?, ?> map -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          g.writeFieldName(String.valueOf(e.getKey()));
          value(g, e.getValue());
        }
        g.writeEndObject();
      }
      case Iterable<?> items -> {
        g.writeStartArray();
        for (Object item : items) {
          value(g, item);
        }
        g.writeEndArray();
      }
      case Object[] items -> {
        g.writeStartArray();
        for (Object item : items) {
          value(g, item);
        }
        g.writeEndArray();
      }
      case Record record -> {
        g.writeStartObject();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
          g.writeFieldName(c.getName());
          value(g, component(record, c));
        }
        g.writeEndObject();
      }
      default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }

  /** A finite double; an integral one below 10^15 without a fraction; NaN and infinities as null. */
  private static void number(JsonGenerator g, double v) throws IOException {
    if (!Double.isFinite(v)) {
      g.writeNull();
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      g.writeNumber((long) v);
    } else {
      g.writeNumber(v);
    }
  }

  private static Object component(Record record, RecordComponent c) {
    Method accessor = c.getAccessor();
    try {
      if (!accessor.canAccess(record)) {
        accessor.setAccessible(true); // a package-private record of this module
      }
      return accessor.invoke(record);
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read " + record.getClass().getName() + "." + c.getName(), e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("cannot read " + record.getClass().getName() + "." + c.getName(),
          e.getCause());
    }
  }

  /** Jackson's standard escapes, plus U+2028 and U+2029 (line and paragraph separators). */
  private static final class LineSeparatorEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final SerializableString LINE = new SerializedString("\\u2028");
    private static final SerializableString PARAGRAPH = new SerializedString("\\u2029");
    private final int[] ascii = standardAsciiEscapesForJSON();

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return ch == 0x2028 ? LINE : ch == 0x2029 ? PARAGRAPH : null;
    }
  }
}
