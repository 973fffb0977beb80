package dev.sluice.cli.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;

/**
 * One of the two TCP stacks under comparison. The workloads are written once, against these
 * interfaces, so Sluice and the kernel run the same application code (blocking reads and writes,
 * one thread per connection end) wherever a workload allows it.
 */
interface StackSide {
  /** "sluice", "kernel" or "kernel-lo": the column the side's figures go in. */
  String name();

  /**
   * How many times, in every run so far, two threads owned one connection at once: always 0 unless
   * Sluice has a bug, and the bench fails the workload if not (the kernel's sides have no such count).
   */
  default long ownershipViolations() {
    return 0;
  }

  /** A fresh pair of hosts (client and server) for one run, set up as {@code setup} asks. */
  Endpoints open(Setup setup) throws IOException;

  /**
   * What a run needs from its hosts.
   *
   * @param mtu the link MTU (Sluice); for the kernel, 1500 selects the namespace's loopback when
   *     there is one, anything larger the plain loopback with offloads on
   * @param workers Sluice receive workers per host (and receive queues per link end)
   */
  record Setup(int mtu, int workers) {
    static Setup of(int mtu, int workers) {
      return new Setup(mtu, workers);
    }
  }

  /** A client host and a server host that can reach each other; closing ends everything. */
  interface Endpoints extends AutoCloseable {
    /**
     * Listens on the server host, on {@code port} where the side can choose (Sluice, a namespace
     * of our own), else on a free port (the kernel's shared loopback).
     */
    Listener listen(int port, int backlog) throws IOException;

    /** Connects from the client host to {@code listener} on the server host. */
    Conn connect(Listener listener) throws IOException;

    /** One line: what this pair of hosts is. */
    String describe();

    /**
     * Heap bytes in the packet buffers of the link between the hosts (Sluice's in-memory link
     * makes them as the largest burst so far needed, within a fixed bound); 0 where the link's
     * buffers are not on the heap (the kernel's). The memory rows leave them out of the per-end
     * figure, as the kernel column leaves out its devices' rings.
     */
    default long linkBufferBytes() {
      return 0;
    }

    /** The same hosts for Java NIO code: their selector providers and channels (for Netty). */
    NioHosts nio();

    /**
     * Runs {@code code}, which opens its channels itself through the JVM-wide provider (the JDK's
     * {@code HttpServer}), so that they are the server host's: on Sluice the server stack becomes
     * the one behind the JVM-wide provider (which must be Sluice's: a JVM of its own); in the
     * kernel's namespace the code runs on the thread inside it.
     */
    <T> T onServerHost(NioHosts.Opener<T> code) throws IOException;

    @Override
    void close() throws IOException;
  }

  interface Listener extends Closeable {
    Conn accept() throws IOException;

    int port();
  }

  /** One end of a connection, with blocking calls. */
  interface Conn extends Closeable {
    /** Reads at least one byte, or returns -1 at end-of-stream. */
    int read(byte[] b, int off, int len) throws IOException;

    /** Writes all of {@code b[off, off + len)}. */
    void write(byte[] b, int off, int len) throws IOException;

    void shutdownOutput() throws IOException;

    void setNoDelay(boolean on) throws IOException;

    /** What an application would hold for this connection (without this harness's wrapper). */
    Object handle();

    /** Reads exactly {@code len} bytes or throws {@link EOFException}. */
    default void readFully(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = read(b, off, len);
        if (n < 0) {
          throw new EOFException("end of stream with " + len + " bytes still expected");
        }
        off += n;
        len -= n;
      }
    }

    /** Reads and discards until end-of-stream; returns how many bytes there were. */
    default long drain(byte[] scratch) throws IOException {
      long total = 0;
      int n;
      while ((n = read(scratch, 0, scratch.length)) >= 0) {
        total += n;
      }
      return total;
    }
  }
}
