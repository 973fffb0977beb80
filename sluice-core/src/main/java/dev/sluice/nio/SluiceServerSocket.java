package dev.sluice.nio;

/** STUB: replaced by the socket adaptor work. */
final class SluiceServerSocket extends java.net.ServerSocket {
  SluiceServerSocket(Object channel) throws java.io.IOException {
    super();
  }
}
