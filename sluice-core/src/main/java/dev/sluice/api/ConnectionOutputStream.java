package dev.sluice.api;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The sending half of a {@link TcpConnection}. {@code flush} has nothing to do: bytes are handed to
 * TCP on every write (Nagle may coalesce small ones; {@code TCP_NODELAY} turns that off). Closing
 * the stream closes the connection, as in java.net.
 */
final class ConnectionOutputStream extends OutputStream {
  private final TcpConnection connection;

  ConnectionOutputStream(TcpConnection connection) {
    this.connection = connection;
  }

  @Override
  public void write(int b) throws IOException {
    connection.write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    connection.write(b, off, len);
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
