package dev.sluice.nio;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;

/**
 * The {@link SocketImpl} handed to {@link java.net.Socket}'s and {@link java.net.ServerSocket}'s
 * constructors so that they make no platform socket. It is never used: the Sluice sockets
 * override every public method, so each method here fails loudly if that ever stops being so.
 * Stateless, so one instance serves every socket.
 */
final class NoPlatformSocket extends SocketImpl {
  static final NoPlatformSocket INSTANCE = new NoPlatformSocket();

  private NoPlatformSocket() {}

  private static UnsupportedOperationException unused() {
    return new UnsupportedOperationException("a Sluice socket has no platform socket");
  }

  @Override
  protected void create(boolean stream) {
    throw unused();
  }

  @Override
  protected void connect(String host, int port) {
    throw unused();
  }

  @Override
  protected void connect(InetAddress address, int port) {
    throw unused();
  }

  @Override
  protected void connect(SocketAddress address, int timeout) {
    throw unused();
  }

  @Override
  protected void bind(InetAddress host, int port) {
    throw unused();
  }

  @Override
  protected void listen(int backlog) {
    throw unused();
  }

  @Override
  protected void accept(SocketImpl s) {
    throw unused();
  }

  @Override
  protected InputStream getInputStream() {
    throw unused();
  }

  @Override
  protected OutputStream getOutputStream() {
    throw unused();
  }

  @Override
  protected int available() {
    throw unused();
  }

  @Override
  protected void close() {
    throw unused();
  }

  @Override
  protected void sendUrgentData(int data) {
    throw unused();
  }

  @Override
  public void setOption(int optID, Object value) {
    throw unused();
  }

  @Override
  public Object getOption(int optID) {
    throw unused();
  }
}
