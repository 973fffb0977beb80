package dev.sluice.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Pipe} inside the JVM whose ends {@link SluiceSelector} can select on: a 64 KiB byte
 * ring between a {@link SinkChannel} and a {@link SourceChannel}, the JVM-wide provider's answer
 * to {@code openPipe()} (see {@link SluiceSelectorProvider#openPipe()}).
 *
 * <p>Behaviour is a Linux pipe's ({@code pipe(7)}) as the JDK's channels report it: 64 KiB of
 * room; a read returns what is there (waiting, if blocking, for at least one byte), -1 once the
 * sink is closed and the bytes are drained; a write of at most {@link #PIPE_BUF} bytes is atomic
 * (all or, when not blocking, nothing), a longer one takes what fits; a blocking write returns
 * once everything is in; writing after the source closed throws {@link IOException} "Broken pipe"
 * (the JDK ignores {@code SIGPIPE}, so {@code EPIPE} becomes that exception). A blocked read or
 * write is woken by a close ({@link java.nio.channels.AsynchronousCloseException}) or an interrupt
 * ({@link java.nio.channels.ClosedByInterruptException}).
 *
 * <p><b>Threads.</b> The ring is guarded by {@code lock}; readers wait on {@code readable},
 * writers on {@code writable}. Each end allows one reader or writer at a time (its own lock, as
 * the JDK's channels), so the two ends run at once. After every change the other end's selection
 * keys are told, outside the lock.
 */
final class InProcessPipe extends Pipe {
  /** The room in a pipe: Linux's default of 16 pages. */
  static final int CAPACITY = 64 * 1024;
  /** Writes up to this long are atomic ({@code PIPE_BUF} in {@code pipe(7)}). */
  static final int PIPE_BUF = 4096;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final Condition writable = lock.newCondition();
  private final byte[] ring = new byte[CAPACITY];
  private int head; // lock
  private int count; // lock
  private final Source source;
  private final Sink sink;

  InProcessPipe(SluiceSelectorProvider provider) {
    this.source = new Source(provider);
    this.sink = new Sink(provider);
  }

  @Override
  public SourceChannel source() {
    return source;
  }

  @Override
  public SinkChannel sink() {
    return sink;
  }

  /**
   * Moves bytes from the ring into {@code dst}: the count, -1 at the end of the stream, or 0 when
   * not {@code blocking} and the ring is empty, or when the source was closed while waiting.
   */
  private int take(ByteBuffer dst, boolean blocking) {
    int n;
    lock.lock();
    try {
      while (count == 0) {
        if (!sink.isOpen()) {
          return -1;
        }
        if (!blocking || !source.isOpen()) {
          return 0;
        }
        readable.awaitUninterruptibly(); // a close signals; an interrupt closes (begin())
      }
      n = Math.min(count, dst.remaining());
      int first = Math.min(n, CAPACITY - head);
      dst.put(ring, head, first);
      dst.put(ring, 0, n - first);
      head = (head + n) % CAPACITY;
      count -= n;
      writable.signalAll();
    } finally {
      lock.unlock();
    }
    sink.keys.readinessChanged();
    return n;
  }

  /**
   * Moves bytes from {@code src} into the ring: all of them when {@code blocking} (unless the sink
   * is closed meanwhile), else what fits now, keeping writes of at most {@link #PIPE_BUF} bytes
   * whole. Throws "Broken pipe" if the source is closed before anything was written.
   */
  private int put(ByteBuffer src, boolean blocking) throws IOException {
    int want = src.remaining();
    int written = 0;
    lock.lock();
    try {
      while (src.hasRemaining()) {
        if (!source.isOpen()) {
          if (written > 0) {
            break; // as pipe_write: a partial count first, EPIPE on the next call
          }
          throw new IOException("Broken pipe");
        }
        if (!sink.isOpen()) {
          break;
        }
        int free = CAPACITY - count;
        boolean atomic = want <= PIPE_BUF;
        if (free == 0 || atomic && free < want) {
          if (!blocking) {
            break;
          }
          writable.awaitUninterruptibly(); // a close signals; an interrupt closes (begin())
          continue;
        }
        int n = Math.min(free, src.remaining());
        int tail = (head + count) % CAPACITY;
        int first = Math.min(n, CAPACITY - tail);
        src.get(ring, tail, first);
        src.get(ring, 0, n - first);
        count += n;
        written += n;
        readable.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (written > 0) {
      source.keys.readinessChanged();
    }
    return written;
  }

  /** One end closed: wake whoever waits on either side and tell both ends' selectors. */
  private void endClosed() {
    lock.lock();
    try {
      readable.signalAll();
      writable.signalAll();
    } finally {
      lock.unlock();
    }
    source.keys.readinessChanged();
    sink.keys.readinessChanged();
  }

  /** The source's readiness: bytes to read, or the end of the stream. */
  private boolean sourceReadable() {
    lock.lock();
    try {
      return count > 0 || !sink.isOpen();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The sink's readiness: room for an atomic write, or a closed source (the write then fails at
   * once, which is what a selector reports as ready).
   */
  private boolean sinkWritable() {
    lock.lock();
    try {
      return CAPACITY - count >= PIPE_BUF || !source.isOpen();
    } finally {
      lock.unlock();
    }
  }

  private static void ensureOpen(Channel c) throws ClosedChannelException {
    if (!c.isOpen()) {
      throw new ClosedChannelException();
    }
  }

  /** The reading end. One reader at a time ({@code readLock}). */
  private final class Source extends Pipe.SourceChannel implements SelectableSluiceChannel {
    private final ChannelKeys keys = new ChannelKeys();
    private final Object readLock = new Object();

    Source(SluiceSelectorProvider provider) {
      super(provider);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      Objects.requireNonNull(dst, "dst");
      synchronized (readLock) {
        ensureOpen(this);
        if (!dst.hasRemaining()) {
          return 0;
        }
        int n = 0;
        try {
          begin();
          n = take(dst, isBlocking());
          return n;
        } finally {
          end(n != 0);
        }
      }
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
      return read(dsts, 0, dsts.length);
    }

    /** Fills {@code dsts} in order; only the first buffer's read may wait. */
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, dsts.length);
      synchronized (readLock) {
        ensureOpen(this);
        long total = 0;
        boolean blocking = isBlocking();
        try {
          begin();
          for (int i = offset; i < offset + length; i++) {
            ByteBuffer dst = dsts[i];
            if (!dst.hasRemaining()) {
              continue;
            }
            int n = take(dst, blocking && total == 0);
            if (n < 0) {
              return total == 0 ? -1 : total;
            }
            total += n;
            if (dst.hasRemaining()) {
              break;
            }
          }
          return total;
        } finally {
          end(total != 0);
        }
      }
    }

    @Override
    protected void implCloseSelectableChannel() {
      endClosed();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
      // Each call reads the mode when it starts; nothing to change underneath.
    }

    @Override
    public int readyOps(int interest) {
      return sourceReadable() ? interest & SelectionKey.OP_READ : 0;
    }

    @Override
    public ChannelKeys keys() {
      return keys;
    }

    @Override
    public String toString() {
      return "InProcessPipe.Source[" + (isOpen() ? "open" : "closed") + "]";
    }
  }

  /** The writing end. One writer at a time ({@code writeLock}). */
  private final class Sink extends Pipe.SinkChannel implements SelectableSluiceChannel {
    private final ChannelKeys keys = new ChannelKeys();
    private final Object writeLock = new Object();

    Sink(SluiceSelectorProvider provider) {
      super(provider);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      Objects.requireNonNull(src, "src");
      synchronized (writeLock) {
        ensureOpen(this);
        if (!src.hasRemaining()) {
          return 0; // as write(2) of nothing: no EPIPE either
        }
        int n = 0;
        try {
          begin();
          n = put(src, isBlocking());
          return n;
        } finally {
          end(n > 0);
        }
      }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
      return write(srcs, 0, srcs.length);
    }

    /** Writes {@code srcs} in order; when not blocking, stops at the first that does not fit. */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, srcs.length);
      synchronized (writeLock) {
        ensureOpen(this);
        long total = 0;
        boolean blocking = isBlocking();
        try {
          begin();
          for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            if (!src.hasRemaining()) {
              continue;
            }
            if (total > 0 && !source.isOpen()) {
              break; // report what went in; the next write gets the broken pipe
            }
            total += put(src, blocking);
            if (src.hasRemaining()) {
              break;
            }
          }
          return total;
        } finally {
          end(total > 0);
        }
      }
    }

    @Override
    protected void implCloseSelectableChannel() {
      endClosed();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
      // Each call reads the mode when it starts; nothing to change underneath.
    }

    @Override
    public int readyOps(int interest) {
      return sinkWritable() ? interest & SelectionKey.OP_WRITE : 0;
    }

    @Override
    public ChannelKeys keys() {
      return keys;
    }

    @Override
    public String toString() {
      return "InProcessPipe.Sink[" + (isOpen() ? "open" : "closed") + "]";
    }
  }
}
