package dev.sluice.cli;

import dev.sluice.api.TcpConnection;
import dev.sluice.api.TcpServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A small HTTP/1.1 server (RFC 9112) on a Sluice {@link TcpServer}, one virtual thread per
 * connection, with keep-alive. {@code GET /} returns a short page; {@code GET /bytes/N} returns N
 * bytes of a deterministic pattern (byte i is {@code i % 251}, so a client can check any range);
 * anything else is 404. Request bodies are not supported (411 or 400).
 */
final class HttpService {
  /** The pattern's period: a prime, so it never lines up with buffer sizes. */
  static final int PATTERN_PERIOD = 251;
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final long MAX_BODY_BYTES = 1L << 40;
  private static final byte[] PATTERN = new byte[PATTERN_PERIOD * 261]; // ≈ 64 KB, whole periods

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = (byte) (i % PATTERN_PERIOD);
    }
  }

  private final TcpServer server;
  private volatile boolean running = true;

  HttpService(TcpServer server) {
    this.server = server;
  }

  /** Accepts until {@link #stop()}; each connection is served on its own virtual thread. */
  void run() {
    while (running) {
      TcpConnection c;
      try {
        c = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().start(() -> serve(c));
    }
  }

  void stop() {
    running = false;
    server.close();
  }

  static void serve(TcpConnection c) {
    try (c) {
      serveStreams(c.getInputStream(), c.getOutputStream(), c::shutdownOutput);
    } catch (IOException e) {
      // reset or closed by the peer, a read timeout, or a request that could not be answered
    }
  }

  /** Something that half-closes a connection. */
  interface HalfClose {
    void shutdownOutput() throws IOException;
  }

  /**
   * Serves requests from {@code input} until the client closes or asks to. Written against plain
   * streams so that the kernel-socket baseline ({@link KernelHttpServer}) runs the same code.
   */
  static void serveStreams(InputStream input, OutputStream out, HalfClose halfClose) throws IOException {
    InputStream in = new BufferedInputStream(input, 8192);
    while (true) {
      String head = readHead(in);
      if (head == null) {
        return; // the client closed between requests
      }
      if (!respond(head, out)) {
        halfClose.shutdownOutput();
        drain(in);
        return;
      }
    }
  }

  /** Answers one request; returns whether the connection stays open. */
  private static boolean respond(String head, OutputStream out) throws IOException {
    String[] lines = head.split("\r\n");
    String[] request = lines[0].split(" ");
    if (request.length != 3 || !request[2].startsWith("HTTP/1.")) {
      write(out, 400, "text/plain", "bad request line\n".getBytes(StandardCharsets.US_ASCII), false);
      return false;
    }
    boolean http11 = request[2].equals("HTTP/1.1");
    boolean keepAlive = http11;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i].toLowerCase(Locale.ROOT);
      if (line.startsWith("connection:")) {
        keepAlive = line.contains("keep-alive") || (http11 && !line.contains("close"));
      } else if (line.startsWith("content-length:") && !line.substring(15).trim().equals("0")
          || line.startsWith("transfer-encoding:")) {
        write(out, 411, "text/plain", "request bodies are not supported\n".getBytes(StandardCharsets.US_ASCII), false);
        return false;
      }
    }
    if (!request[0].equals("GET") && !request[0].equals("HEAD")) {
      write(out, 405, "text/plain", "only GET and HEAD\n".getBytes(StandardCharsets.US_ASCII), keepAlive);
      return keepAlive;
    }
    boolean headOnly = request[0].equals("HEAD");
    String path = request[1];
    if (path.equals("/")) {
      byte[] page = ("<!doctype html><title>Sluice</title><h1>Sluice</h1>"
          + "<p>A user-space TCP/IP stack for the JVM. Try <a href=\"/bytes/1000000\">/bytes/1000000</a>.\n")
          .getBytes(StandardCharsets.UTF_8);
      write(out, 200, "text/html; charset=utf-8", headOnly ? null : page, keepAlive, page.length);
    } else if (path.startsWith("/bytes/")) {
      long n;
      try {
        n = Long.parseLong(path.substring(7));
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0 || n > MAX_BODY_BYTES) {
        write(out, 400, "text/plain", "N must be a whole number of bytes up to 2^40\n".getBytes(StandardCharsets.US_ASCII), keepAlive);
        return keepAlive;
      }
      byte[] header = header(200, "application/octet-stream", n, keepAlive);
      if (headOnly) {
        out.write(header);
      } else {
        // The header and the first chunk in one write: two small writes would meet Nagle and the
        // client's delayed ACK, and wait 40 ms for nothing.
        int first = (int) Math.min(n, PATTERN.length - header.length);
        byte[] start = new byte[header.length + first];
        System.arraycopy(header, 0, start, 0, header.length);
        System.arraycopy(PATTERN, 0, start, header.length, first);
        out.write(start);
        long left = n - first;
        int at = first % PATTERN_PERIOD; // where the pattern resumes
        while (left > 0) {
          int chunk = (int) Math.min(left, PATTERN.length - at);
          out.write(PATTERN, at, chunk);
          left -= chunk;
          at = 0; // PATTERN holds whole periods, so every later chunk starts at its beginning
        }
      }
    } else {
      write(out, 404, "text/plain", "not found\n".getBytes(StandardCharsets.US_ASCII), keepAlive);
    }
    return keepAlive;
  }

  private static void write(OutputStream out, int status, String type, byte[] body, boolean keepAlive) throws IOException {
    write(out, status, type, body, keepAlive, body.length);
  }

  private static void write(OutputStream out, int status, String type, byte[] body, boolean keepAlive, long length)
      throws IOException {
    byte[] header = header(status, type, length, keepAlive);
    if (body == null) {
      out.write(header);
      return;
    }
    byte[] all = new byte[header.length + body.length];
    System.arraycopy(header, 0, all, 0, header.length);
    System.arraycopy(body, 0, all, header.length, body.length);
    out.write(all); // one write: header and small body in one segment
  }

  private static byte[] header(int status, String type, long length, boolean keepAlive) {
    String reason = switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 411 -> "Length Required";
      default -> "Error";
    };
    return ("HTTP/1.1 " + status + " " + reason + "\r\nServer: sluice\r\nContent-Type: " + type
        + "\r\nContent-Length: " + length + "\r\nConnection: " + (keepAlive ? "keep-alive" : "close") + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The request head up to the blank line, or null at a clean end-of-stream before any byte. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int state = 0; // how much of "\r\n\r\n" we have seen
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("end of stream inside a request head");
      }
      head.write(b);
      if (head.size() > MAX_HEADER_BYTES) {
        throw new IOException("request head longer than " + MAX_HEADER_BYTES + " bytes");
      }
      state = (b == '\r' && (state == 0 || state == 2)) ? state + 1
          : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
      if (state == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] sink = new byte[4096];
    while (in.read(sink) >= 0) {
      // read to the client's FIN so close() sends FIN, not RST (RFC 2525 §2.17)
    }
  }
}
