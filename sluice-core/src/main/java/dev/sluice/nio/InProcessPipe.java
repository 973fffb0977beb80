package dev.sluice.nio;

/** STUB */
abstract class InProcessPipe extends java.nio.channels.Pipe {
  InProcessPipe(SluiceSelectorProvider p) { }
}
