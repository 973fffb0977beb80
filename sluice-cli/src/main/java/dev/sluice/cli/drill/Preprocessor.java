package dev.sluice.cli.drill;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * The conditional blocks of FreeBSD's tcp-testsuite: {@code #ifdef NAME}, {@code #ifndef NAME},
 * {@code #else}, {@code #endif}, nested. The suite writes two alternatives for some behaviours,
 * {@code #ifdef STANDARD} (what the RFCs say) and {@code #ifdef FreeBSD} (what FreeBSD does);
 * {@code --define NAME} picks. Lines left out become empty, so line numbers stay those of the
 * file. Other lines starting with {@code #} are comments in shell style and are left out too.
 */
final class Preprocessor {
  private Preprocessor() {}

  /** {@code text} with the lines of unselected blocks (and the directives) blanked. */
  static String apply(String text, Set<String> defines) throws ScriptException {
    String[] lines = text.split("\n", -1);
    Deque<boolean[]> stack = new ArrayDeque<>(); // {this block active, parent active}
    boolean active = true;
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      String[] w = line.split("\\s+");
      switch (w[0]) {
        case "#ifdef", "#ifndef" -> {
          if (w.length != 2) {
            throw new ScriptException(i + 1, w[0] + " takes one name");
          }
          boolean taken = defines.contains(w[1]) == w[0].equals("#ifdef");
          stack.push(new boolean[] {taken, active});
          active = active && taken;
          line = "";
        }
        case "#else" -> {
          if (stack.isEmpty()) {
            throw new ScriptException(i + 1, "#else without #ifdef");
          }
          boolean[] top = stack.peek();
          top[0] = !top[0];
          active = top[1] && top[0];
          line = "";
        }
        case "#endif" -> {
          if (stack.isEmpty()) {
            throw new ScriptException(i + 1, "#endif without #ifdef");
          }
          active = stack.pop()[1];
          line = "";
        }
        default -> {
          if (!active || line.startsWith("#")) {
            line = "";
          } else {
            line = lines[i];
          }
        }
      }
      out.append(line);
      if (i + 1 < lines.length) {
        out.append('\n');
      }
    }
    if (!stack.isEmpty()) {
      throw new ScriptException(lines.length, "#ifdef without #endif");
    }
    return out.toString();
  }
}
