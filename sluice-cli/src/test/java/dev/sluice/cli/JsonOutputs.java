package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.cli.json.CliJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the CLI's JSON output in tests with Jackson's tree model, strictly (no NaN, no duplicate
 * keys, nothing after the value), and checks what docs/json.md promises of every command: a {@code
 * schema}, a {@code passed} that agrees with the exit status, and lowerCamelCase keys except the
 * documented data names.
 *
 * <p><b>Threads.</b> Stateless; call from any thread.
 */
public final class JsonOutputs {
  /** docs/json.md's key style. */
  public static final Pattern KEY = Pattern.compile("[a-z][a-zA-Z0-9]*");

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private JsonOutputs() {}

  /** {@code text} as a tree; fails the test if it is not one strict JSON value. */
  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not strict JSON: " + e.getOriginalMessage() + " in " + text, e);
    }
  }

  /** The last line of a command's output, parsed: where every {@code --json} puts its object. */
  public static JsonNode lastLine(String output) {
    List<String> lines = output.strip().lines().toList();
    assertThat(lines).as("output").isNotEmpty();
    JsonNode json = parse(lines.getLast());
    assertThat(json.isObject()).as("an object: " + lines.getLast()).isTrue();
    return json;
  }

  /**
   * A command that checks something: {@code "schema"} first, {@code "passed"} second and true
   * exactly when {@code exitStatus} is 0.
   */
  public static void assertCheckingCommand(JsonNode json, int exitStatus) {
    assertSchemaFirst(json);
    List<String> names = names(json);
    assertThat(names.size()).as("members of " + json).isGreaterThan(1);
    assertThat(names.get(1)).as("second member of " + json).isEqualTo("passed");
    assertThat(json.get("passed").isBoolean()).as("passed is a boolean in " + json).isTrue();
    assertThat(json.get("passed").booleanValue()).as("passed agrees with exit status " + exitStatus)
        .isEqualTo(exitStatus == 0);
  }

  /** A command that checks nothing: {@code "schema"} first and no {@code "passed"}. */
  public static void assertWatchingCommand(JsonNode json) {
    assertSchemaFirst(json);
    assertThat(json.has("passed")).as("no passed in " + json).isFalse();
  }

  private static void assertSchemaFirst(JsonNode json) {
    assertThat(names(json)).as("members of " + json).isNotEmpty();
    assertThat(names(json).getFirst()).as("first member").isEqualTo("schema");
    assertThat(json.get("schema").isInt()).as("schema is an integer").isTrue();
    assertThat(json.get("schema").intValue()).isEqualTo(CliJson.SCHEMA);
  }

  /**
   * Every key in {@code json}, at any depth, matches {@link #KEY}, except the keys of the objects at
   * {@code dataPaths} (dotted paths from the top, such as {@code "rows"} or {@code "device.drops"}),
   * whose keys are names of data; the values under those are still checked. Returns how many keys
   * were checked, so that a test can tell an empty walk from a clean one.
   */
  public static int assertKeyStyle(JsonNode json, Set<String> dataPaths) {
    List<String> bad = new ArrayList<>();
    int checked = walk(json, "", dataPaths, bad);
    assertThat(bad).as("keys not in lowerCamelCase in " + json).isEmpty();
    return checked;
  }

  private static int walk(JsonNode node, String path, Set<String> dataPaths, List<String> bad) {
    int checked = 0;
    if (node.isObject()) {
      boolean data = dataPaths.contains(path);
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        if (!data) {
          checked++;
          if (!KEY.matcher(member.getKey()).matches()) {
            bad.add(path.isEmpty() ? member.getKey() : path + "." + member.getKey());
          }
        }
        checked += walk(member.getValue(), path.isEmpty() ? member.getKey() : path + "." + member.getKey(), dataPaths,
            bad);
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        checked += walk(item, path, dataPaths, bad);
      }
    }
    return checked;
  }

  /** The member names of an object, in order. */
  public static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.properties().forEach(member -> names.add(member.getKey()));
    return names;
  }
}
