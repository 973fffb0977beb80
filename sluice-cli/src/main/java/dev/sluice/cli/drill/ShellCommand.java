package dev.sluice.cli.drill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a script's shell command ({@code `...`}) means to a virtual host. Nothing is executed:
 * published scripts configure their system with sysctl, so the runner reads the sysctl
 * assignments out of the command ({@code sysctl -w a=b}, {@code sysctl -q a=b c="d e"}, a shell
 * file such as packetdrill's {@code ../common/defaults.sh}, or its {@code set_sysctls.py
 * /proc/sys/...=v}) and lists every other command as one it did not run.
 */
final class ShellCommand {
  /** One {@code name=value} assignment. */
  record Sysctl(String name, String value) {}

  /** The command's sysctls in order, and the commands that were not run (for notes). */
  record Meaning(List<Sysctl> sysctls, List<String> notRun, boolean sourcesLinuxDefaults) {}

  private static final Pattern ARITHMETIC = Pattern.compile("\\$\\(\\(([^()]*(?:\\([^()]*\\)[^()]*)*)\\)\\)");
  private static final Pattern PROC_SYS = Pattern.compile("/proc/sys/(\\S+)=(\\S+)");

  private ShellCommand() {}

  /**
   * Reads {@code command} (the text between the backquotes, possibly several lines); files it
   * names are resolved against {@code scriptDirectory}.
   */
  static Meaning interpret(String command, Path scriptDirectory) {
    List<Sysctl> sysctls = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    boolean[] linuxDefaults = {false};
    for (String line : command.split("[\\n;]")) {
      interpretLine(line.strip(), scriptDirectory, sysctls, notRun, linuxDefaults, 0);
    }
    return new Meaning(List.copyOf(sysctls), List.copyOf(notRun), linuxDefaults[0]);
  }

  private static void interpretLine(String line, Path dir, List<Sysctl> sysctls, List<String> notRun,
      boolean[] linuxDefaults, int depth) {
    if (line.isEmpty() || line.startsWith("#")) {
      return;
    }
    line = line.replaceAll("\\s*(>|2>|&>)\\s*/dev/null(\\s+2>&1)?", "").strip();
    String[] words = line.split("\\s+", 2);
    String program = words[0];
    String rest = words.length > 1 ? words[1] : "";
    if (program.equals("sysctl") || program.endsWith("/sysctl")) {
      parseSysctl(rest, sysctls);
    } else if (program.endsWith("set_sysctls.py")) {
      Matcher m = PROC_SYS.matcher(rest);
      while (m.find()) {
        sysctls.add(new Sysctl(m.group(1).replace('/', '.'), m.group(2)));
      }
    } else if (program.endsWith(".sh") && depth < 4 && !rest.contains("|")) {
      Path file = dir == null ? Path.of(program) : dir.resolve(program).normalize();
      if (file.getFileName().toString().equals("defaults.sh")) {
        linuxDefaults[0] = true;
      }
      try {
        for (String sourced : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          interpretLine(sourced.strip(), file.getParent(), sysctls, notRun, linuxDefaults, depth + 1);
        }
      } catch (IOException e) {
        notRun.add(line + " (cannot read " + file + ")");
      }
    } else {
      notRun.add(line);
    }
  }

  /** {@code [-w|-q|-n...] name=value ...}, values possibly quoted and with {@code $((...))}. */
  private static void parseSysctl(String args, List<Sysctl> out) {
    List<String> words = shellWords(args);
    for (String w : words) {
      if (w.startsWith("-")) {
        continue;
      }
      int eq = w.indexOf('=');
      if (eq > 0) {
        out.add(new Sysctl(w.substring(0, eq), expand(w.substring(eq + 1)).strip()));
      }
    }
  }

  /** Splits at spaces outside double or single quotes, removing the quotes. */
  private static List<String> shellWords(String s) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    int parens = 0;
    for (char c : s.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(' || c == ')') {
        parens += c == '(' ? 1 : -1;
        word.append(c);
      } else if (Character.isWhitespace(c) && parens == 0) {
        if (!word.isEmpty()) {
          words.add(word.toString());
          word.setLength(0);
        }
      } else {
        word.append(c);
      }
    }
    if (!word.isEmpty()) {
      words.add(word.toString());
    }
    return words;
  }

  /** Replaces each {@code $((expression))} with its integer value. */
  static String expand(String value) {
    Matcher m = ARITHMETIC.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      try {
        replacement = Long.toString(new Arithmetic(m.group(1)).evaluate());
      } catch (IllegalArgumentException e) {
        replacement = m.group(); // left as written; the sysctl table reports a value it cannot read
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Shell integer arithmetic: + - * / % and parentheses over decimal and hex literals. */
  private static final class Arithmetic {
    private final String s;
    private int i;

    Arithmetic(String s) {
      this.s = s.replaceAll("\\s+", "");
    }

    long evaluate() {
      long v = sum();
      if (i != s.length()) {
        throw new IllegalArgumentException("cannot read " + s);
      }
      return v;
    }

    private long sum() {
      long v = product();
      while (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        char op = s.charAt(i++);
        long r = product();
        v = op == '+' ? v + r : v - r;
      }
      return v;
    }

    private long product() {
      long v = atom();
      while (i < s.length() && (s.charAt(i) == '*' || s.charAt(i) == '/' || s.charAt(i) == '%')) {
        char op = s.charAt(i++);
        long r = atom();
        if (op != '*' && r == 0) {
          throw new IllegalArgumentException("division by zero");
        }
        v = op == '*' ? v * r : op == '/' ? v / r : v % r;
      }
      return v;
    }

    private long atom() {
      if (i < s.length() && s.charAt(i) == '(') {
        i++;
        long v = sum();
        if (i >= s.length() || s.charAt(i++) != ')') {
          throw new IllegalArgumentException("unbalanced parentheses");
        }
        return v;
      }
      if (i < s.length() && s.charAt(i) == '-') {
        i++;
        return -atom();
      }
      int start = i;
      while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
        i++;
      }
      try {
        return Long.decode(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a number: " + s.substring(start, i));
      }
    }
  }
}
