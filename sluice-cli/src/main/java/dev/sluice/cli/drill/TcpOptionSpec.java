package dev.sluice.cli.drill;

/**
 * One TCP option as a script writes it between {@code <} and {@code >} (RFC 9293 §3.1, RFC 7323,
 * RFC 2018). The runner also turns the options of each packet the stack sends into this form, so
 * that expected and actual compare as values and print alike.
 */
sealed interface TcpOptionSpec {
  record Nop() implements TcpOptionSpec {
    @Override
    public String toString() {
      return "nop";
    }
  }

  record Eol() implements TcpOptionSpec {
    @Override
    public String toString() {
      return "eol";
    }
  }

  record Mss(int value) implements TcpOptionSpec {
    @Override
    public String toString() {
      return "mss " + value;
    }
  }

  record WindowScale(int shift) implements TcpOptionSpec {
    @Override
    public String toString() {
      return "wscale " + shift;
    }
  }

  record SackPermitted() implements TcpOptionSpec {
    @Override
    public String toString() {
      return "sackOK";
    }
  }

  /** TSval and TSecr as unsigned 32-bit values. */
  record Timestamp(long val, long ecr) implements TcpOptionSpec {
    @Override
    public String toString() {
      return "TS val " + val + " ecr " + ecr;
    }
  }

  /** SACK blocks as {left, right} pairs of (relative) sequence numbers. */
  record Sack(long[] edges) implements TcpOptionSpec {
    @Override
    public boolean equals(Object o) {
      return o instanceof Sack other && java.util.Arrays.equals(edges, other.edges);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(edges);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder("sack");
      for (int i = 0; i < edges.length; i += 2) {
        b.append(' ').append(edges[i]).append(':').append(edges[i + 1]);
      }
      return b.toString();
    }
  }

  /** An option this runner has no notation for, shown by kind. */
  record Unknown(int kind, int length) implements TcpOptionSpec {
    @Override
    public String toString() {
      return "opt" + kind + "(" + length + ")";
    }
  }
}
