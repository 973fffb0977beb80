package dev.sluice.nio;

/**
 * What {@link SluiceSelector} needs of a channel: its readiness for the operations a key is
 * interested in, and to be told of keys as they are registered and deregistered (so the channel
 * can pass the stack's readiness notifications to them).
 */
interface SelectableSluiceChannel {
  /**
   * The operations of {@code interestOps} that would not block now, translated as the JDK's Linux
   * channels translate {@code poll(2)}'s bits: an error or a hang-up (a failed or finished
   * connection, an unconnected socket) makes every interesting operation ready.
   */
  int readyOps(int interestOps);

  /** Where this channel's readiness notifications go. */
  ChannelKeys keys();
}
