package dev.sluice.nio;

/** STUB */
final class SluiceServerSocketFactory extends javax.net.ServerSocketFactory {
  SluiceServerSocketFactory(SluiceSelectorProvider p) {}
  public java.net.ServerSocket createServerSocket(int p) { throw new UnsupportedOperationException(); }
  public java.net.ServerSocket createServerSocket(int p, int b) { throw new UnsupportedOperationException(); }
  public java.net.ServerSocket createServerSocket(int p, int b, java.net.InetAddress a) { throw new UnsupportedOperationException(); }
}
