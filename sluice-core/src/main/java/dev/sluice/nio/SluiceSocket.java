package dev.sluice.nio;

/** STUB: replaced by the socket adaptor work. */
final class SluiceSocket extends java.net.Socket {
  SluiceSocket(Object channel) {
    super();
  }
}
