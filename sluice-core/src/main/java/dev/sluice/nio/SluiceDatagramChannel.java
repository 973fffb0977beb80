package dev.sluice.nio;

/** STUB */
abstract class SluiceDatagramChannel extends java.nio.channels.DatagramChannel {
  SluiceDatagramChannel(SluiceSelectorProvider p, dev.sluice.stack.Host h) { super(p); }
}
