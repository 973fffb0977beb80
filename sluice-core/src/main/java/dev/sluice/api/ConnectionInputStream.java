package dev.sluice.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/** The receiving half of a {@link TcpConnection}; closing it closes the connection, as in java.net. */
final class ConnectionInputStream extends InputStream {
  private final TcpConnection connection;

  ConnectionInputStream(TcpConnection connection) {
    this.connection = connection;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = connection.read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    return connection.read(b, off, len);
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
