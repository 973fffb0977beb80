package dev.sluice.cli.drill;

import dev.sluice.wire.TcpFlags;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the subset of packetdrill's language that TCP scripts use (google/packetdrill's
 * parser.y is the reference for the notation): header options, then one event per line. A line
 * it cannot read, or reads but does not support, is an error naming the line and the reason:
 * nothing is skipped silently, because a skipped line would turn a failing script into a passing
 * one.
 */
final class ScriptParser {
  private static final String NUMBER = "(?:\\d+\\.?\\d*|\\.\\d+)";
  private static final Pattern ONE_TIME = Pattern.compile("(\\+)?(" + NUMBER + ")(?:~(\\+)?(" + NUMBER + "))?");
  private static final Pattern SEQUENCE = Pattern.compile("(\\d+):(\\d+)\\((\\d+)\\)");
  /** An optional time column, then a backquote or {@code %{}. */
  private static final Pattern EMBEDDED = Pattern.compile("(\\+?\\s*[0-9.]+(?:~\\+?[0-9.]+)?\\s+|\\*\\s+)?(`|%\\{)");
  private static final Pattern HEADER_OPTION = Pattern.compile("--([a-z_0-9]+)(?:=(\\S+))?");

  private ScriptParser() {}

  static DrillScript parse(String name, String text) throws ScriptException {
    return parse(name, text, Set.of());
  }

  /** Parses {@code text}, taking the {@code #ifdef} blocks that {@code defines} select. */
  static DrillScript parse(String name, String text, Set<String> defines) throws ScriptException {
    long tolerance = DrillScript.DEFAULT_TOLERANCE_MICROS;
    double tolerancePercent = Double.NaN;
    boolean strictSegments = false;
    List<String> ignored = new ArrayList<>();
    boolean ipv6 = false;
    int mtu = DrillScript.DEFAULT_MTU;
    List<ScriptEvent> events = new ArrayList<>();
    String[] lines = stripComments(Preprocessor.apply(text, defines)).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNumber = i + 1;
      String line = lines[i].strip();
      Matcher embedded = EMBEDDED.matcher(line);
      if (embedded.lookingAt()) {
        // A shell command (`...`) or a Python block (%{ ... }%), perhaps over several lines.
        boolean shell = embedded.group(2).equals("`");
        String close = shell ? "`" : "}%";
        StringBuilder body = new StringBuilder(line.substring(embedded.end()));
        while (body.indexOf(close) < 0 && i + 1 < lines.length) {
          body.append('\n').append(lines[++i]);
        }
        int end = body.indexOf(close);
        if (end < 0) {
          throw new ScriptException(lineNumber, (shell ? "a shell command" : "a %{ block") + " is not closed");
        }
        String timeColumn = embedded.group(1);
        // Without a time, a command before the first event is packetdrill's init command, one after
        // the last its cleanup command: both run in line, at the time of the line before.
        TimeSpec time = timeColumn == null ? new TimeSpec(TimeSpec.Kind.RELATIVE, 0, -1)
            : parseTime(lineNumber, timeColumn.strip().replace(" ", ""));
        String content = body.substring(0, end).strip();
        events.add(shell ? new ScriptEvent.Shell(lineNumber, line, time, content)
            : new ScriptEvent.Code(lineNumber, line, time));
        continue;
      }
      // A call whose arguments span lines (a poll with several fds, say) continues until balanced.
      while (depth(line) > 0 && i + 1 < lines.length) {
        line = line + " " + lines[++i].strip();
      }
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("--")) {
        if (!events.isEmpty()) {
          throw new ScriptException(lineNumber, "header options come before the first event: " + line);
        }
        Matcher m = HEADER_OPTION.matcher(line);
        if (!m.matches()) {
          throw new ScriptException(lineNumber, "cannot read the header option: " + line);
        }
        String value = m.group(2);
        switch (m.group(1)) {
          case "tolerance_usecs" -> tolerance = parseInt(lineNumber, value, "tolerance_usecs");
          case "ip_version" -> {
            if (!"ipv4".equals(value) && !"ipv6".equals(value)) {
              throw new ScriptException(lineNumber, "--ip_version must be ipv4 or ipv6, not " + value);
            }
            ipv6 = "ipv6".equals(value);
          }
          case "mtu" -> mtu = parseInt(lineNumber, value, "mtu");
          case "tolerance_percent" -> tolerancePercent = parsePercent(lineNumber, value);
          case "strict_segments" -> strictSegments = true;
          case "udp_encapsulation" -> throw ScriptException.unsupported(lineNumber, "UDP_ENCAPSULATION", line);
          case "tcp_md5_secret" -> throw ScriptException.unsupported(lineNumber, "TCP_MD5SIG", line);
          // Addresses: the virtual host has its own, and a script's numbers are relative to them.
          // Timestamp clock details: TSval is compared in 1 ms ticks, leniently not at all.
          case "local_ip", "remote_ip", "gateway_ip", "netmask_ip", "non_fatal", "tcp_ts_tick_usecs",
              "tcp_ts_ecr_scaled", "mss", "speaker", "so_filename", "wire_client", "wire_server" ->
              ignored.add("line " + lineNumber + ": header option " + line + " has no effect here");
          default -> throw new ScriptException(lineNumber, "unsupported header option --" + m.group(1)
              + " (supported: --tolerance_usecs, --tolerance_percent, --ip_version, --mtu, --strict_segments)");
        }
        continue;
      }
      events.add(parseEvent(lineNumber, line));
    }
    if (events.isEmpty()) {
      throw new ScriptException(1, "the script has no events");
    }
    return new DrillScript(name, tolerance, tolerancePercent, ipv6, mtu, strictSegments, List.copyOf(ignored),
        List.copyOf(events));
  }

  /** Removes {@code //} and {@code /* *}{@code /} comments, keeping line numbers. */
  private static String stripComments(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean block = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (block) {
        if (c == '*' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
          block = false;
          i++;
        } else if (c == '\n') {
          out.append('\n');
        }
      } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
        block = true;
        i++;
      } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
        while (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
          i++;
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static int depth(String s) {
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      }
    }
    return depth;
  }

  private static ScriptEvent parseEvent(int line, String text) throws ScriptException {
    text = text.replaceFirst("^\\+\\s+", "+"); // "+ 0.00", as packetdrill's lexer reads it
    text = text.replaceFirst("^(\\S+?)\\s*\\.\\.\\.\\s*([+]?[0-9.]+)\\s", "$1...$2 "); // "+0 ... 0.1"
    int space = indexOfWhitespace(text);
    if (space < 0) {
      throw new ScriptException(line, "a time and an event are expected: " + text);
    }
    String timeColumn = text.substring(0, space);
    String rest = text.substring(space).strip();
    TimeSpec time;
    TimeSpec returns = null;
    int ellipsis = timeColumn.indexOf("...");
    if (ellipsis >= 0) {
      time = parseTime(line, timeColumn.substring(0, ellipsis));
      returns = parseTime(line, timeColumn.substring(ellipsis + 3));
      if (time.kind() == TimeSpec.Kind.ANY || returns.kind() == TimeSpec.Kind.ANY || time.isRange()) {
        throw new ScriptException(line, "a blocking call needs a start time and a return time: " + timeColumn);
      }
    } else {
      time = parseTime(line, timeColumn);
    }
    if (rest.startsWith("<") || rest.startsWith(">")) {
      if (returns != null) {
        throw new ScriptException(line, "only system calls block ('...'): " + text);
      }
      return parsePacket(line, text, time, rest.charAt(0) == '<', rest.substring(1).strip());
    }
    return parseCall(line, text, time, returns, rest);
  }

  private static TimeSpec parseTime(int line, String s) throws ScriptException {
    if (s.equals("*")) {
      return TimeSpec.ANY;
    }
    Matcher m = ONE_TIME.matcher(s);
    if (!m.matches()) {
      throw new ScriptException(line, "cannot read the time '" + s + "'");
    }
    boolean relative = m.group(1) != null;
    long start = micros(m.group(2));
    long end = -1;
    if (m.group(4) != null) {
      if ((m.group(3) != null) != relative) {
        throw new ScriptException(line, "both ends of a time range must be absolute, or both relative: " + s);
      }
      end = micros(m.group(4));
      if (end < start) {
        throw new ScriptException(line, "a time range must not end before it starts: " + s);
      }
    }
    return new TimeSpec(relative ? TimeSpec.Kind.RELATIVE : TimeSpec.Kind.ABSOLUTE, start, end);
  }

  private static long micros(String seconds) {
    return new BigDecimal(seconds).movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }

  // ------------------------------------------------------------------ packets

  private static ScriptEvent parsePacket(int line, String text, TimeSpec time, boolean inbound, String body)
      throws ScriptException {
    List<TcpOptionSpec> options = null;
    boolean anyOptions = false;
    int open = body.indexOf('<');
    if (open >= 0) {
      if (!body.endsWith(">")) {
        throw new ScriptException(line, "the option list must end the line with '>': " + text);
      }
      String list = body.substring(open + 1, body.length() - 1).strip();
      body = body.substring(0, open).strip();
      if (list.equals("...")) {
        anyOptions = true;
      } else {
        options = parseOptions(line, list);
      }
    }
    String ipFields = null;
    // IP-level fields before the flags: ECN codepoints in brackets, header fields in parentheses.
    while (body.startsWith("[") || body.startsWith("(")) {
      int close = body.indexOf(body.charAt(0) == '[' ? ']' : ')');
      if (close < 0) {
        throw new ScriptException(line, "unbalanced IP field in " + text);
      }
      ipFields = (ipFields == null ? "" : ipFields + " ") + body.substring(0, close + 1);
      body = body.substring(close + 1).strip();
    }
    String[] tokens = body.split("\\s+");
    if (tokens.length > 0 && tokens[0].equals("icmp")) {
      if (options != null || anyOptions) {
        throw new ScriptException(line, "an ICMP line has no TCP options: " + text);
      }
      if (!inbound) {
        throw new ScriptException(line, "outbound ICMP ('> icmp') is not supported: Sluice sends no ICMP about TCP");
      }
      return parseIcmp(line, text, time, body);
    }
    if (tokens.length < 2) {
      throw new ScriptException(line, "a packet needs flags and a sequence range: " + text);
    }
    int flags = parseFlags(line, tokens[0]);
    Matcher seq = SEQUENCE.matcher(tokens[1]);
    if (!seq.matches()) {
      throw new ScriptException(line, "cannot read the sequence range '" + tokens[1] + "' (start:end(length))");
    }
    long start = Long.parseLong(seq.group(1));
    long end = Long.parseLong(seq.group(2));
    int length = Integer.parseInt(seq.group(3));
    if (end - start != length) {
      throw new ScriptException(line, "the sequence range " + tokens[1] + " and its length disagree");
    }
    long ack = -1;
    int window = -1;
    int urgent = -1;
    for (int i = 2; i < tokens.length; i += 2) {
      if (i + 1 >= tokens.length) {
        throw new ScriptException(line, "'" + tokens[i] + "' needs a value");
      }
      long value = parseNumber(line, tokens[i + 1], tokens[i]);
      switch (tokens[i]) {
        case "ack" -> ack = value;
        case "win" -> window = (int) checkRange(line, value, 0xFFFF, "win");
        case "urg" -> urgent = (int) checkRange(line, value, 0xFFFF, "urg");
        default -> throw new ScriptException(line, "unsupported packet field '" + tokens[i] + "' (supported: ack, win, urg)");
      }
    }
    // An 'ack' without the '.' flag is a number in the header with the ACK bit clear, as
    // packetdrill builds it: a stack must ignore the field then (RFC 9293 §3.1).
    if (inbound && window < 0) {
      window = 65_535; // packetdrill's default for injected segments without 'win'
    }
    return new ScriptEvent.Packet(line, text, time, inbound, flags, start, length, ack, window, urgent, options,
        anyOptions, ipFields);
  }

  private static int parseFlags(int line, String token) throws ScriptException {
    int flags = 0;
    if (token.equals("-")) {
      return 0;
    }
    for (char c : token.toCharArray()) {
      int bit = switch (c) {
        case 'S' -> TcpFlags.SYN;
        case 'F' -> TcpFlags.FIN;
        case 'R' -> TcpFlags.RST;
        case 'P' -> TcpFlags.PSH;
        case '.' -> TcpFlags.ACK;
        case 'U' -> TcpFlags.URG;
        case 'E' -> TcpFlags.ECE;
        case 'W' -> TcpFlags.CWR;
        default -> throw new ScriptException(line, "unknown TCP flag '" + c + "' in '" + token
            + "' (flags: S F R P . U E W, or - for none)");
      };
      flags |= bit;
    }
    return flags;
  }

  private static List<TcpOptionSpec> parseOptions(int line, String list) throws ScriptException {
    List<TcpOptionSpec> options = new ArrayList<>();
    if (list.isEmpty()) {
      return options;
    }
    for (String item : list.split(",")) {
      String[] w = item.strip().split("\\s+");
      switch (w[0]) {
        case "nop" -> options.add(new TcpOptionSpec.Nop());
        case "eol" -> options.add(new TcpOptionSpec.Eol());
        case "sackOK" -> options.add(new TcpOptionSpec.SackPermitted());
        case "mss" -> options.add(new TcpOptionSpec.Mss((int) checkRange(line, value(line, w, 1, "mss"), 0xFFFF, "mss")));
        case "wscale" -> options.add(new TcpOptionSpec.WindowScale(
            (int) checkRange(line, value(line, w, 1, "wscale"), 255, "wscale")));
        case "TS" -> {
          if (w.length != 5 || !w[1].equals("val") || !w[3].equals("ecr")) {
            throw new ScriptException(line, "timestamps are written 'TS val N ecr N': " + item.strip());
          }
          options.add(new TcpOptionSpec.Timestamp(checkRange(line, parseNumber(line, w[2], "TS val"), 0xFFFF_FFFFL, "TS val"),
              checkRange(line, parseNumber(line, w[4], "TS ecr"), 0xFFFF_FFFFL, "TS ecr")));
        }
        case "sack" -> {
          if (w.length < 2 || w.length > 5) {
            throw new ScriptException(line, "'sack' takes one to four blocks left:right: " + item.strip());
          }
          long[] edges = new long[2 * (w.length - 1)];
          for (int b = 1; b < w.length; b++) {
            String[] lr = w[b].split(":");
            if (lr.length != 2) {
              throw new ScriptException(line, "a SACK block is written left:right, not " + w[b]);
            }
            edges[2 * (b - 1)] = parseNumber(line, lr[0], "sack");
            edges[2 * (b - 1) + 1] = parseNumber(line, lr[1], "sack");
          }
          options.add(new TcpOptionSpec.Sack(edges));
        }
        case "FO", "FOEXP" -> throw ScriptException.unsupported(line, "TCP_FASTOPEN", "TCP Fast Open option");
        case "md5" -> throw ScriptException.unsupported(line, "TCP_MD5SIG", "TCP MD5 signature option");
        case "mpcapable", "mp_capable", "mp_join", "dss", "add_address", "mptcp" ->
            throw ScriptException.unsupported(line, "MPTCP", "Multipath TCP option");
        case "accecn", "AccECN", "ae0b", "ae1b", "aceb", "exp" ->
            throw ScriptException.unsupported(line, "ACCECN", "option " + w[0]);
        default -> throw new ScriptException(line, "unsupported TCP option '" + item.strip()
            + "' (supported: mss, sackOK, TS val/ecr, nop, wscale, sack, eol, or ... alone)");
      }
    }
    return options;
  }

  private static long value(int line, String[] words, int index, String what) throws ScriptException {
    if (words.length != index + 1) {
      throw new ScriptException(line, "'" + what + "' takes one value");
    }
    return parseNumber(line, words[index], what);
  }

  private static ScriptEvent parseIcmp(int line, String text, TimeSpec time, String body) throws ScriptException {
    long quotedSeq = 0;
    int quotedLength = 0;
    int bracket = body.indexOf('[');
    if (bracket >= 0) {
      if (!body.endsWith("]")) {
        throw new ScriptException(line, "the quoted segment is written [start:end(length)] at the end");
      }
      Matcher seq = SEQUENCE.matcher(body.substring(bracket + 1, body.length() - 1).strip());
      if (!seq.matches()) {
        throw new ScriptException(line, "cannot read the quoted segment " + body.substring(bracket));
      }
      quotedSeq = Long.parseLong(seq.group(1));
      quotedLength = Integer.parseInt(seq.group(3));
      body = body.substring(0, bracket).strip();
    }
    String[] w = body.split("\\s+");
    if (w.length < 2 || !IcmpCodes.TYPES.contains(w[1])) {
      throw new ScriptException(line, "ICMP lines are 'icmp TYPE [CODE] [mtu N] [start:end(len)]', TYPE one of "
          + IcmpCodes.TYPES);
    }
    String type = w[1];
    int next = 2;
    String code = "code_0";
    if (next < w.length && !w[next].equals("mtu")) {
      code = w[next++];
    }
    int mtu = 0;
    if (next + 1 < w.length && w[next].equals("mtu")) {
      mtu = (int) checkRange(line, parseNumber(line, w[next + 1], "mtu"), 0xFFFF, "mtu");
      next += 2;
    }
    if (next != w.length) {
      throw new ScriptException(line, "unexpected '" + w[next] + "' in the ICMP line");
    }
    if (IcmpCodes.carriesMtu(type, code) && mtu == 0) {
      throw new ScriptException(line, type + " " + code + " needs 'mtu N'");
    }
    return new ScriptEvent.Icmp(line, text, time, type, code, mtu, quotedSeq, quotedLength);
  }

  // ------------------------------------------------------------------ system calls

  private static ScriptEvent parseCall(int line, String text, TimeSpec time, TimeSpec returns, String rest)
      throws ScriptException {
    rest = rest.replaceFirst("^([a-z_0-9]+)\\s+\\(", "$1("); // "write (4, ...)"
    int open = rest.indexOf('(');
    if (open <= 0 || !rest.substring(0, open).matches("[a-z_0-9]+")) {
      throw new ScriptException(line, "expected a packet ('<' or '>') or a system call: " + rest);
    }
    String name = rest.substring(0, open);
    int close = matching(rest, open);
    if (close < 0) {
      throw new ScriptException(line, "unbalanced parentheses in " + name + "(...)");
    }
    List<String> args = splitTopLevel(rest.substring(open + 1, close));
    String outcome = rest.substring(close + 1).strip();
    if (!outcome.startsWith("=")) {
      throw new ScriptException(line, name + "(...) needs '= result'");
    }
    String[] w = outcome.substring(1).strip().split("\\s+", 3);
    if (w[0].isEmpty()) {
      throw new ScriptException(line, name + "(...) needs '= result'");
    }
    long result = parseNumber(line, w[0], "result");
    String errno = null;
    if (result == -1 && w.length > 1 && w[1].matches("E[A-Z0-9]+")) {
      errno = w[1]; // without a name, any errno will do, as in packetdrill
    } else if (result == -1 && w.length > 1 && !w[1].startsWith("(")) {
      throw new ScriptException(line, "'" + w[1] + "' after -1 is not an errno name (EAGAIN, ECONNRESET, ...)");
    } else if (w.length > 1 && !w[1].startsWith("(")) {
      throw new ScriptException(line, "unexpected '" + w[1] + "' after the result");
    }
    return new ScriptEvent.Call(line, text, time, returns, name, args, result, errno);
  }

  private static int matching(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
        if (depth == 0) {
          return c == ')' ? i : -1;
        }
      }
    }
    return -1;
  }

  /** Splits at commas that are not inside brackets or braces. */
  static List<String> splitTopLevel(String s) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(s.substring(start, i).strip());
        start = i + 1;
      }
    }
    String last = s.substring(start).strip();
    if (!last.isEmpty() || !parts.isEmpty()) {
      parts.add(last);
    }
    return parts;
  }

  // ------------------------------------------------------------------ numbers

  static long parseNumber(int line, String s, String what) throws ScriptException {
    try {
      if (s.startsWith("0x") || s.startsWith("0X")) {
        return Long.parseLong(s.substring(2), 16);
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ScriptException(line, "'" + s + "' is not a number (" + what + ")");
    }
  }

  private static int parseInt(int line, String s, String what) throws ScriptException {
    if (s == null) {
      throw new ScriptException(line, "--" + what + " needs a value");
    }
    return (int) checkRange(line, parseNumber(line, s, what), Integer.MAX_VALUE, what);
  }

  private static double parsePercent(int line, String s) throws ScriptException {
    try {
      double percent = Double.parseDouble(s == null ? "" : s);
      if (percent >= 0 && percent <= 100) {
        return percent;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ScriptException(line, "--tolerance_percent takes a percentage in [0, 100], not " + s);
  }

  private static long checkRange(int line, long value, long max, String what) throws ScriptException {
    if (value < 0 || value > max) {
      throw new ScriptException(line, what + " " + value + " is out of range [0, " + max + "]");
    }
    return value;
  }

  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
