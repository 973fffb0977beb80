package dev.sluice.nio;

/** STUB */
final class SluiceSocketFactory extends javax.net.SocketFactory {
  SluiceSocketFactory(SluiceSelectorProvider p) {}
  public java.net.Socket createSocket(String h, int p) { throw new UnsupportedOperationException(); }
  public java.net.Socket createSocket(String h, int p, java.net.InetAddress a, int q) { throw new UnsupportedOperationException(); }
  public java.net.Socket createSocket(java.net.InetAddress h, int p) { throw new UnsupportedOperationException(); }
  public java.net.Socket createSocket(java.net.InetAddress h, int p, java.net.InetAddress a, int q) { throw new UnsupportedOperationException(); }
}
